"""Hooks into a run of :func:`tftrain.training.fit`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Callback:
    """Base class of ``fit``'s callbacks; override the hooks you need.

    ``fit`` sets :attr:`model` and :attr:`optimizer` before
    :meth:`on_train_begin`. Setting :attr:`stop_training` to ``True`` in a hook
    ends the run after the current execution (a checkpoint is written first
    when ``checkpoint_dir`` is set).

    Step hooks run once per *execution* (``steps_per_execution`` steps run in
    one call), with ``step`` the number of optimizer steps taken so far; pass
    ``steps_per_execution=1`` to see every step.

    Example:
        >>> class PrintLoss(Callback):
        ...     def on_epoch_end(self, epoch, logs):
        ...         print(f"epoch {epoch}: loss {logs['loss']:.3f}")
        >>> PrintLoss().on_epoch_end(0, {"loss": 0.25})
        epoch 0: loss 0.250
    """

    model: Any = None
    optimizer: Any = None
    stop_training: bool = False

    def on_train_begin(self, logs: Mapping[str, Any]) -> None:
        """Before the first step; ``logs`` holds ``initial_epoch`` and ``initial_step``."""

    def on_epoch_begin(self, epoch: int) -> None:
        """Before the epoch ``epoch`` (counted from 0)."""

    def on_step_end(self, step: int, logs: Mapping[str, float]) -> None:
        """After an execution; ``logs``: the epoch's running ``loss``, ``learning_rate``."""

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float]) -> None:
        """After the epoch's validation; ``logs`` is the epoch's entry of the history."""

    def on_train_end(self, history: Any) -> None:
        """After the last epoch, with the :class:`History`."""
