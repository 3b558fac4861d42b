"""Batches: what the loop iterates."""

from __future__ import annotations

import threading
import time
import weakref

import tensorflow as tf

from tftrain.training import _data


def test_a_released_iterator_is_deleted_on_the_reaper_thread():
    deleted_on = []
    iterator = iter(tf.data.Dataset.range(4).prefetch(1))
    assert [int(v) for v in iterator] == [0, 1, 2, 3]
    gone = weakref.ref(iterator)
    weakref.finalize(iterator, lambda: deleted_on.append(threading.current_thread().name))
    _data.release(iterator)
    time.sleep(0.05)  # the reaper takes it before the caller lets go, as under load
    del iterator
    deadline = time.monotonic() + 10
    while gone() is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert gone() is None
    assert deleted_on == ["tftrain-iterator-reaper"]
