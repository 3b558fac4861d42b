"""The checkpointable state of a run, and the one place it is saved and restored."""

from __future__ import annotations

import contextlib
import os
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from tftrain.training._history import History


class LoopState:
    """The loop's own position and sums, as variables a checkpoint saves.

    ``epoch`` and ``batch`` locate the next batch to train; ``loss_total`` and
    ``loss_count`` are the running sums of a partly trained epoch; ``seed``
    orders the epochs' batches; ``history`` is the JSON of the finished epochs.
    The epoch's sums live in Python (:attr:`sums`) between calls, because an
    eager variable read or write per call would slow every execution, and are
    written to the variables only when a checkpoint is saved.

    The numbers are created in ``strategy``'s scope, so that every worker of a
    multi-worker run starts from the chief's (the seed, when drawn at random);
    the history string is created outside it, because collectives cannot
    broadcast strings (``CollectiveBcastSend`` refuses ``tf.string``) and every
    worker computes the same history anyway.
    """

    def __init__(self, seed: int | None, strategy: tf.distribute.Strategy | None = None):
        scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
        with scope:
            self.variables = self._numbers(seed)
        self.variables["history"] = tf.Variable("", dtype=tf.string, trainable=False)
        self.sums = {"loss_total": 0.0, "loss_count": 0.0}

    @staticmethod
    def _numbers(seed: int | None) -> dict[str, tf.Variable]:
        return {
            "epoch": tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch"),
            "batch": tf.Variable(0, dtype=tf.int64, trainable=False, name="batch"),
            "loss_total": tf.Variable(0.0, dtype=tf.float64, trainable=False),
            "loss_count": tf.Variable(0.0, dtype=tf.float64, trainable=False),
            "seed": tf.Variable(
                seed if seed is not None else int(np.random.randint(2**31)), dtype=tf.int64
            ),
        }

    @property
    def epoch(self) -> int:
        return int(self.variables["epoch"].numpy())

    @property
    def batch(self) -> int:
        return int(self.variables["batch"].numpy())

    @property
    def data_seed(self) -> int:
        return int(self.variables["seed"].numpy())

    def at(self, epoch: int, batch: int) -> None:
        """Records that training goes on at ``batch`` of ``epoch``."""
        self.variables["epoch"].assign(epoch)
        self.variables["batch"].assign(batch)

    def start_epoch(self, resumed: bool) -> None:
        """Zeroes the epoch's sums, or, ``resumed`` inside it, takes the checkpointed ones."""
        if resumed:
            self.sums.update({key: float(self.variables[key].numpy()) for key in self.sums})
        else:
            self.sums.update(loss_total=0.0, loss_count=0.0)

    def add(self, total: float, count: float) -> float:
        """Adds one execution's sums; returns the epoch's mean loss so far."""
        self.sums["loss_total"] += total
        self.sums["loss_count"] += count
        return self.mean_loss()

    def mean_loss(self) -> float:
        return self.sums["loss_total"] / max(self.sums["loss_count"], 1.0)

    def sync(self, history: History) -> None:
        """Writes the Python-side sums and the history into the variables."""
        for key, value in self.sums.items():
            self.variables[key].assign(value)
        self.variables["history"].assign(history.to_json())

    def history(self) -> History:
        return History.from_json(self.variables["history"].numpy().decode())


class Checkpoints:
    """Saves and restores a run (model, optimizer, EMA, metrics and :class:`LoopState`).

    Without a directory, :meth:`save` does nothing and :meth:`restore` finds
    nothing. Only checkpoints written by ``tf.train.CheckpointManager`` are
    read or written here.

    Args:
        directory: where checkpoints live, or ``None``.
        max_to_keep: how many to keep.
        metrics: Keras metrics whose variables are saved (their running sums).
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | None,
        *,
        max_to_keep: int,
        model: keras.Model,
        optimizer: keras.optimizers.Optimizer,
        ema: Any,
        metrics: list[Any],
        state: LoopState,
    ):
        self.optimizer = optimizer
        self.state = state
        self.checkpoint: tf.train.Checkpoint | None = None
        self.manager: tf.train.CheckpointManager | None = None
        if directory is None:
            return
        parts: dict[str, Any] = {"model": model, "optimizer": optimizer, "state": state.variables}
        if ema is not None:
            parts["ema"] = ema
        if metrics:  # Keras metrics are not trackable themselves; their variables are
            parts["metrics"] = [v for metric in metrics for v in metric.variables]
        self.checkpoint = tf.train.Checkpoint(**parts)
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, os.fspath(directory), max_to_keep=max_to_keep
        )

    @property
    def latest(self) -> str | None:
        """The newest checkpoint's path, if any."""
        return self.manager.latest_checkpoint if self.manager is not None else None

    def restore(self) -> History:
        """Restores the newest checkpoint, if any; returns the history it holds (else empty).

        Raises:
            ValueError: the checkpoint does not match the model, optimizer and EMA.
        """
        latest = self.latest
        if latest is None or self.checkpoint is None:
            return History()
        try:
            self.checkpoint.restore(latest).assert_existing_objects_matched()
        except (AssertionError, ValueError, tf.errors.OpError) as error:
            raise ValueError(
                f"The checkpoint {latest} does not match this model, "
                f"optimizer and EMA: {str(error).splitlines()[0]}"
            ) from error
        return self.state.history()

    def save(self, history: History) -> None:
        """Saves the run as it is now, numbered by the optimizer's step."""
        if self.manager is None:
            return
        self.state.sync(history)
        self.manager.save(checkpoint_number=int(self.optimizer.iterations.numpy()))
