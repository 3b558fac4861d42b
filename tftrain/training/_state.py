"""The checkpointable state of a run, and the one place it is saved and restored."""

from __future__ import annotations

import contextlib
import os
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from tftrain._compat import write_checkpoint_state
from tftrain.training._history import History
from tftrain.training._resume import (
    checkpoint_candidates,
    checkpoint_number,
    restore_newest,
    unreadable,
)


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
        self.max_to_keep = max_to_keep
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
        """Restores the newest checkpoint that reads completely; returns its history.

        Damaged newer checkpoints are skipped with a warning
        (:func:`~tftrain.training._resume.restore_newest`); the state file is
        then rewritten to end at the restored one, so that the manager keeps
        and numbers checkpoints from there.

        Returns:
            The history the restored checkpoint holds; empty without one.

        Raises:
            ValueError: the checkpoint does not match the model, optimizer and EMA.
            NoRestorableCheckpointError: checkpoints exist and none reads.
        """
        if self.manager is None or self.checkpoint is None:
            return History()
        resumed = restore_newest(self.checkpoint, self.manager.directory)
        if resumed.path is None:
            return History()
        if resumed.skipped:
            self._forget_newer_than(resumed.path)
        return self.state.history()

    def _forget_newer_than(self, path: str) -> None:
        assert self.manager is not None and self.checkpoint is not None
        directory = self.manager.directory
        kept = [
            p
            for p in checkpoint_candidates(directory)
            if checkpoint_number(p) <= checkpoint_number(path)
        ]
        try:
            write_checkpoint_state(directory, path, kept[::-1])
        except (OSError, tf.errors.OpError) as error:
            raise CheckpointSaveError(directory, path, error) from error
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, directory, max_to_keep=self.max_to_keep
        )

    def save(self, history: History) -> None:
        """Saves the run as it is now, numbered by the optimizer's step.

        A save that fails leaves the earlier checkpoints as they were: the
        manager names a checkpoint in its state file only after writing it, and
        the files the failed save left are removed (were any left, a resume
        reads a checkpoint in full before using it).

        Raises:
            CheckpointSaveError: the checkpoint could not be written.
        """
        if self.manager is None:
            return
        self.state.sync(history)
        number = int(self.optimizer.iterations.numpy())
        try:
            self.manager.save(checkpoint_number=number)
        except (OSError, tf.errors.OpError) as error:
            directory = self.manager.directory
            _remove_unrecorded(os.path.join(directory, f"ckpt-{number}"))
            raise CheckpointSaveError(directory, self.latest, error) from error


class CheckpointSaveError(RuntimeError):
    """A checkpoint could not be written (a full disk, a read-only or broken folder).

    The run stops; the checkpoints written before are intact, and running again
    resumes from the newest of them once the folder accepts writes.

    Attributes:
        directory: the checkpoint folder.
        checkpoint: the newest intact checkpoint, or ``None``.
    """

    def __init__(self, directory: str, checkpoint: str | None, error: BaseException):
        self.directory = directory
        self.checkpoint = checkpoint
        reason = " ".join(str(error).split()) or type(error).__name__
        kept = (
            f"the newest intact checkpoint is {checkpoint}"
            if checkpoint
            else "there is no earlier checkpoint"
        )
        super().__init__(
            f"Could not save a checkpoint in {directory} ({type(error).__name__}: {reason}); "
            f"{kept}. Free space or fix the folder, then run again to resume."
        )


def _remove_unrecorded(prefix: str) -> None:
    """Removes what a failed save of ``prefix`` left, unless the state file names it."""
    with contextlib.suppress(OSError, tf.errors.OpError):  # best effort: a resume checks anyway
        state = tf.train.get_checkpoint_state(os.path.dirname(prefix))
        if state and os.path.basename(prefix) in {
            os.path.basename(p) for p in state.all_model_checkpoint_paths
        }:
            return
        for leftover in tf.io.gfile.glob(prefix + ".*") + tf.io.gfile.glob(prefix + "_temp*"):
            if tf.io.gfile.isdir(leftover):
                if leftover.endswith("_temp"):
                    tf.io.gfile.rmtree(leftover)
            else:
                tf.io.gfile.remove(leftover)


#: The name of the history string in a checkpoint written by :class:`Checkpoints`.
_HISTORY_KEY = "state/history/.ATTRIBUTES/VARIABLE_VALUE"


def saved_history(directory: str | os.PathLike[str]) -> History:
    """The history held by the newest readable checkpoint of ``directory`` (else empty).

    This is the history "up to the last saved step" of a run that stopped for
    any reason; damaged checkpoints are passed over.

    Example:
        >>> import tempfile
        >>> print(len(saved_history(tempfile.mkdtemp())))
        0
    """
    for path in checkpoint_candidates(directory):
        if unreadable(path) is None:
            reader = tf.train.load_checkpoint(path)
            if reader.has_tensor(_HISTORY_KEY):
                return History.from_json(reader.get_tensor(_HISTORY_KEY).decode())
    return History()
