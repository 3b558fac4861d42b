"""Batches: what the loop iterates."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import threading
import time
import weakref

import numpy as np
import tensorflow as tf

from tftrain.training import _data

ROOT = pathlib.Path(__file__).resolve().parents[2]


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


#: A program that hands the reaper an object slow to delete, then ends at once.
_EXIT_RIGHT_AFTER_RELEASE = """
import time
from tftrain.training import _data

class SlowToDelete:
    def __del__(self):
        time.sleep(0.5)  # as an iterator waiting for its autotuning thread
        print("deleted", flush=True)

_data.release(SlowToDelete())
print("exiting", flush=True)
"""


def test_the_program_exits_only_after_the_reaper_deleted_what_it_was_handed():
    # A daemon thread still inside a TensorFlow op when the interpreter exits goes on
    # running while TensorFlow's globals are destroyed. So the exit waits for the reaper.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", _EXIT_RIGHT_AFTER_RELEASE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["exiting", "deleted"], done.stdout + done.stderr


def test_replica_slices_split_every_global_batch_into_contiguous_near_equal_slices():
    x = np.arange(23, dtype="float32")[:, None]
    batches = _data.Batches((x, x), batch_size=8, shuffle=True, argument="data")
    global_batches = [b[0].numpy().ravel() for b in batches.epoch(1, seed=3)]
    slices = [
        [
            s[0].numpy().ravel()
            for s in batches.replica_slices(1, 3, 0, replicas=3, first=r, count=1)
        ]
        for r in range(3)
    ]
    assert [len(s) for s in slices] == [3, 3, 3]  # one slice per global batch, every replica
    for k, expected in enumerate(global_batches):
        np.testing.assert_array_equal(np.concatenate([s[k] for s in slices]), expected)
    assert [len(s[2]) for s in slices] == [3, 2, 2]  # the last batch of 7: first slices larger
    two_local = batches.replica_slices(1, 3, 1, replicas=4, first=2, count=2)
    assert [len(s[0]) for s in two_local] == [2, 2, 2, 1]  # batches 1 and 2, replicas 2 and 3
