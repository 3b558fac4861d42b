"""The input of a run: batches of ``(x, y[, sample_weight])`` per epoch, resumable."""

from __future__ import annotations

import atexit
import math
import queue
import sys
import threading
import time
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from tftrain._validation import check_integer

_released: queue.SimpleQueue[Any] = queue.SimpleQueue()
_reaper: threading.Thread | None = None
_reaper_lock = threading.Lock()


#: How long the reaper waits for the caller to drop its references (seconds).
_HANDOVER_TIMEOUT = 5.0


#: How long the interpreter's exit waits for the reaper to finish (seconds).
_EXIT_TIMEOUT = 10.0


def _reap() -> None:
    while True:
        item = _released.get()
        if isinstance(item, threading.Event):  # put by `_drain`: all before it are deleted
            item.set()
            continue
        # The caller drops its references just after `release` returns; until it
        # has, deleting ours would leave the last one, and the wait, to the caller.
        # getrefcount counts `item` and its own argument.
        deadline = time.monotonic() + _HANDOVER_TIMEOUT
        while sys.getrefcount(item) > 2 and time.monotonic() < deadline:
            time.sleep(0.001)
        del item  # the last reference: the iterator is deleted on this thread


def release(iterator: Any) -> None:
    """Deletes ``iterator`` on a background thread; the caller drops its references after.

    Deleting a used ``tf.data`` iterator waits for its autotuning thread to
    notice (not at all with autotuning off), time the next epoch would
    otherwise wait for on this thread (``benchmarks/training_loop.py`` runs
    many short epochs). The program's exit waits for these deletions (at most
    ``_EXIT_TIMEOUT`` seconds).
    """
    global _reaper
    with _reaper_lock:
        if _reaper is None:
            _reaper = threading.Thread(target=_reap, name="tftrain-iterator-reaper", daemon=True)
            _reaper.start()
            atexit.register(_drain, _EXIT_TIMEOUT)
    _released.put(iterator)


def _drain(timeout: float) -> None:
    """Waits at most ``timeout`` seconds for the reaper to delete all it was handed so far.

    Registered to run at exit: a daemon thread still inside a TensorFlow op when
    the interpreter exits would go on running while TensorFlow's globals are
    destroyed, and could crash a process whose run had finished.
    """
    reached = threading.Event()
    _released.put(reached)
    reached.wait(timeout)


def _as_array(value: Any) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind == "f" and array.dtype != np.dtype(keras.config.floatx()):
        array = array.astype(keras.config.floatx())  # as Keras's data adapters do
    return array


class Batches:
    """Batches for each epoch from a ``tf.data.Dataset`` or from NumPy arrays.

    The order of an epoch is a function of ``(seed, epoch)`` for arrays, so a
    resumed run sees exactly the batches it would have seen; a dataset is
    iterated afresh each epoch, and a resumed epoch skips the batches already
    consumed (exact when the dataset yields the same order on every pass).

    Args:
        data: a dataset of ``(x, y)`` or ``(x, y, sample_weight)`` batches, or a
            tuple of arrays (or nested structures of arrays) of that form.
        batch_size: the global batch size for arrays; ``None`` for a dataset.
        shuffle: shuffle arrays each epoch.
        argument: the argument's name in messages (``"data"``).
    """

    def __init__(self, data: Any, *, batch_size: int | None, shuffle: bool, argument: str):
        self.argument = argument
        self.shuffle = shuffle
        self._arrays: tuple[Any, ...] | None = None
        self._dataset: tf.data.Dataset | None = None
        if isinstance(data, tf.data.Dataset):
            if batch_size is not None:
                raise ValueError(
                    f"Argument `batch_size` must be None when `{argument}` is a tf.data.Dataset "
                    f"(batch the dataset itself). Received: batch_size={batch_size!r}"
                )
            spec = data.element_spec
            if not isinstance(spec, tuple) or len(spec) not in (2, 3):
                raise ValueError(
                    f"Argument `{argument}` must yield tuples (x, y) or (x, y, sample_weight). "
                    f"Received a dataset with element_spec={spec!r}"
                )
            cardinality = int(data.cardinality())
            if cardinality == tf.data.INFINITE_CARDINALITY:
                raise ValueError(
                    f"Argument `{argument}` is an infinite dataset; an epoch needs an end. "
                    f"Use `{argument}.take(steps_per_epoch)`."
                )
            if cardinality == tf.data.UNKNOWN_CARDINALITY:
                cardinality = int(data.reduce(np.int64(0), lambda count, _: count + 1))
            self._dataset = data
            self.steps = cardinality
            self.element_spec = spec
        elif isinstance(data, tuple | list):
            if len(data) not in (2, 3):
                raise ValueError(
                    f"Argument `{argument}` must be (x, y) or (x, y, sample_weight). "
                    f"Received a {type(data).__name__} of length {len(data)}"
                )
            arrays = tuple(tf.nest.map_structure(_as_array, part) for part in data)
            lengths = {int(a.shape[0]) if a.ndim else -1 for a in tf.nest.flatten(arrays)}
            if len(lengths) != 1 or -1 in lengths:
                raise ValueError(
                    f"Argument `{argument}`: x, y (and sample_weight) must have the same number "
                    f"of examples in their first axis. Received lengths {sorted(lengths)}"
                )
            (self.examples,) = lengths
            if self.examples == 0:
                raise ValueError(f"Argument `{argument}` has no examples.")
            if batch_size is None:
                raise ValueError(
                    f"Argument `batch_size` is required when `{argument}` is arrays. "
                    "Received: batch_size=None"
                )
            self.batch_size = check_integer("batch_size", batch_size, minimum=1)
            self._arrays = arrays
            self._tensors = tf.nest.map_structure(tf.convert_to_tensor, arrays)  # copied once
            self.steps = math.ceil(self.examples / self.batch_size)
            self.element_spec = tf.nest.map_structure(
                lambda a: tf.TensorSpec((None, *a.shape[1:]), tf.as_dtype(a.dtype)), arrays
            )
        else:
            raise TypeError(
                f"Argument `{argument}` must be a tf.data.Dataset or a tuple (x, y[, "
                f"sample_weight]) of arrays. Received: {argument} of type {type(data).__name__}"
            )
        if self.steps == 0:
            raise ValueError(f"Argument `{argument}` has no batches.")

    def epoch(self, epoch: int, seed: int, skip: int = 0) -> tf.data.Dataset:
        """The batches of ``epoch`` (from 0), without the first ``skip``.

        A dataset is used as given, as Keras's ``fit`` does: a ``prefetch``
        added on top costs iterator set-up every epoch and gains nothing over
        the pipeline's own (``benchmarks/training_loop.py``).
        """
        if self._dataset is not None:
            return self._dataset.skip(skip) if skip else self._dataset
        order = self._order(epoch, seed)
        tensors = self._tensors
        # Batches of indices, gathered from the arrays (converted once, never copied whole).
        indices = tf.data.Dataset.from_tensor_slices(order[skip * self.batch_size :])
        dataset = indices.batch(self.batch_size).map(
            lambda index: tf.nest.map_structure(lambda t: tf.gather(t, index), tensors)
        )
        return dataset.prefetch(tf.data.AUTOTUNE)

    @property
    def arrays(self) -> bool:
        """Whether the batches come from arrays (not a dataset)."""
        return self._arrays is not None

    def _order(self, epoch: int, seed: int) -> np.ndarray:
        """The examples' order in ``epoch``: a function of ``(seed, epoch)`` alone."""
        assert self._arrays is not None
        if self.shuffle:
            return np.random.default_rng([seed, epoch]).permutation(self.examples)
        return np.arange(self.examples)

    def replica_slices(
        self, epoch: int, seed: int, skip: int, *, replicas: int, first: int, count: int
    ) -> tf.data.Dataset:
        """Replicas ``first .. first + count - 1``'s slices of each global batch of ``epoch``.

        Global batch ``k`` is the one :meth:`epoch` gives; it is cut into
        ``replicas`` contiguous slices whose sizes differ by at most one (the
        first ones larger), and the dataset yields the ``count`` slices of
        this worker per global batch, in replica order. Every replica gets
        one slice per global batch, so all take the same number of steps (a
        slice of a short last batch may be empty). Only the rows of these
        slices are gathered.
        """
        order = self._order(epoch, seed)[skip * self.batch_size :]
        starts, ends = [], []
        for begin in range(0, len(order), self.batch_size):
            size = min(self.batch_size, len(order) - begin)
            share, extra = divmod(size, replicas)
            for replica in range(first, first + count):
                start = begin + replica * share + min(replica, extra)
                starts.append(start)
                ends.append(start + share + (1 if replica < extra else 0))
        tensors = self._tensors
        positions = tf.constant(order, tf.int64)
        bounds = tf.data.Dataset.from_tensor_slices(
            (np.asarray(starts, np.int64), np.asarray(ends, np.int64))
        )
        dataset = bounds.map(
            lambda start, end: tf.nest.map_structure(
                lambda t: tf.gather(t, positions[start:end]), tensors
            )
        )
        return dataset.prefetch(tf.data.AUTOTUNE)

    def first_batch(self) -> Any:
        """The first batch of epoch 0 (unshuffled for arrays), as tensors."""
        if self._dataset is not None:
            for batch in self._dataset.take(1):
                return batch
        assert self._arrays is not None
        return tf.nest.map_structure(
            lambda a: tf.convert_to_tensor(a[: self.batch_size]), self._arrays
        )
