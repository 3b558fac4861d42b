"""Suite-wide setup: two logical CPUs, hypothesis profiles, seeds, execution modes.

Hypothesis profile by the ``TFTRAIN_HYPOTHESIS_PROFILE`` environment variable:
``ci`` (derandomized, bounded, the default when ``CI`` is set), ``dev`` (random,
more examples, the default otherwise) or ``thorough`` (random, ten times ``dev``'s
examples, opt-in). Tests that cap their own examples (whole trainings) keep the cap.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# tests/activations/test_memory.py reads tf.config.experimental.get_memory_info.
# The default CPU allocator gives it no stats (no switch from Python, and its byte
# count reads malloc sizes that pip builds report as 0); the oneDNN allocator
# (TF_ENABLE_ONEDNN_OPTS, on by default only on some CPUs) skips allocations
# under 4 KiB and changes kernels suite-wide. The BFC allocator counts every
# allocation, by chunk (see _input_sized there). Read once when TensorFlow
# starts, so it is set here, before the import, in every xdist worker.
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")

import keras
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, settings

# Two logical CPU devices, so MirroredStrategy tests have two replicas. This
# must run before TensorFlow initialises its devices.
_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=25,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=1000,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("TFTRAIN_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)


@pytest.fixture(autouse=True)
def _seeded() -> None:
    """Every test starts from the same seeds."""
    keras.utils.set_random_seed(0)  # seeds Python's random, NumPy and TensorFlow


@pytest.fixture(autouse=True)
def _own_collective_keys() -> None:
    """Every MirroredStrategy a test creates gets collective keys no other one used.

    Each MirroredStrategy numbers its all-reduces from the same group and instance
    keys, and the runtime keeps what it learnt about a key for the whole process: a
    second strategy in the same test process can meet an earlier one's all-reduce of
    another shape under the same key ("Shape mismatch in the collective instance
    101"), depending on which tests an xdist worker ran before. TensorFlow's own
    tests move this class attribute, which it documents as "only set this in tests".
    """
    tf.distribute.MirroredStrategy._collective_key_base += 100_000


@pytest.fixture(params=["eager", "function"])
def run(request):
    """Runs a callable eagerly or inside a ``tf.function``: ``run(fn, *args)``."""
    if request.param == "eager":
        return lambda fn, *args, **kwargs: fn(*args, **kwargs)
    return lambda fn, *args, **kwargs: tf.function(fn)(*args, **kwargs)


@pytest.fixture(scope="session")
def two_replicas() -> tf.distribute.MirroredStrategy:
    """A ``MirroredStrategy`` over the two logical CPU devices."""
    return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` run first, so parallel workers share them out at the start.

    Most of them wait on TensorFlow subprocesses; left in collection order they
    gather at the end of some worker's share and leave the other worker idle.
    The sort is stable, so every xdist worker collects the same order.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
