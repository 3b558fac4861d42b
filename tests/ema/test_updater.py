"""The EMA's update paths: which one an apply takes, and how many XLA programs it runs."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from tftrain.ema import ExponentialMovingAverage
from tftrain.ema import _updater as updater_module


@pytest.fixture
def xla_programs(monkeypatch) -> list[int]:
    """The number of shadows in each XLA update program an apply builds, as it builds it.

    Eager applies build their programs once per set of variables (the cached
    graph), applies in a ``tf.function`` once per trace: the list shows the
    programs of the first call.
    """
    built: list[int] = []
    fused_update = updater_module.fused_update

    def recording(shadows, values, one_minus_decay):
        built.append(len(shadows))
        return fused_update(shadows, values, one_minus_decay)

    monkeypatch.setattr(updater_module, "fused_update", recording)
    return built


def _cpus(monkeypatch, *, inter_op: int, affinity: set[int] | None, os_count: int | None) -> None:
    """What TensorFlow and the OS report about the CPUs, for ``cpu_count``."""
    monkeypatch.setattr(tf.config.threading, "get_inter_op_parallelism_threads", lambda: inter_op)
    if affinity is None:
        monkeypatch.delattr(updater_module.os, "sched_getaffinity", raising=False)
    else:

        def sched_getaffinity(pid: int) -> set[int]:
            assert pid == 0, "the CPUs of this process, not of another one"
            return set(affinity)

        monkeypatch.setattr(updater_module.os, "sched_getaffinity", sched_getaffinity)
    monkeypatch.setattr(updater_module.os, "cpu_count", lambda: os_count)


def _apply(ema, variables, mode):
    if mode == "function":
        tf.function(lambda: ema.apply(variables), autograph=False)()
    else:
        ema.apply(variables)


# ------------------------------------------------------------------- CPU count
@pytest.mark.parametrize("inter_op", [1, 5])
def test_cpu_count_is_tensorflows_inter_op_pool_size_when_one_is_set(monkeypatch, inter_op):
    _cpus(monkeypatch, inter_op=inter_op, affinity={0, 1, 2}, os_count=8)
    assert updater_module.cpu_count() == inter_op


def test_cpu_count_is_the_cpus_the_process_may_run_on_by_default(monkeypatch):
    _cpus(monkeypatch, inter_op=0, affinity={0, 2, 3}, os_count=8)
    assert updater_module.cpu_count() == 3


def test_cpu_count_is_the_machines_where_the_os_reports_no_affinity(monkeypatch):
    _cpus(monkeypatch, inter_op=0, affinity=None, os_count=6)
    assert updater_module.cpu_count() == 6


def test_cpu_count_is_one_when_the_os_cannot_tell(monkeypatch):
    _cpus(monkeypatch, inter_op=0, affinity=None, os_count=None)
    assert updater_module.cpu_count() == 1


@pytest.mark.parametrize("mode", ["eager", "function"])
def test_large_updates_run_one_xla_program_per_cpu_the_process_may_use(
    mode, monkeypatch, xla_programs
):
    _cpus(monkeypatch, inter_op=0, affinity={1, 4, 7}, os_count=8)
    monkeypatch.setattr(updater_module, "FUSED_UPDATE_MIN_ELEMENTS", 0)
    variables = [tf.Variable(tf.fill([n], 1.0)) for n in (4, 3, 2, 1)]
    ema = ExponentialMovingAverage(0.5, warmup=False)
    ema.build(variables)
    for v in variables:
        v.assign(tf.fill(v.shape, 3.0))
    _apply(ema, variables, mode)
    assert sorted(xla_programs) == [1, 1, 2]  # 4 | 3 | 2 + 1, balanced over 3 CPUs
    for v in variables:
        np.testing.assert_array_equal(ema.average(v), np.full(v.shape, 2.0, np.float32))


# ------------------------------------------------------------- which path runs
@pytest.mark.parametrize("mode", ["eager", "function"])
def test_applies_from_the_threshold_on_run_as_xla_and_smaller_ones_op_by_op(
    mode, monkeypatch, xla_programs
):
    monkeypatch.setattr(updater_module, "cpu_count", lambda: 1)
    monkeypatch.setattr(updater_module, "FUSED_UPDATE_MIN_ELEMENTS", 4)
    small = [tf.Variable([1.0, 1.0]), tf.Variable([1.0])]  # 3 elements
    large = [tf.Variable([1.0, 1.0]), tf.Variable([1.0, 1.0])]  # 4 elements
    ema = ExponentialMovingAverage(0.5, warmup=False)
    ema.build(small + large)
    for v in small + large:
        v.assign(tf.fill(v.shape, 3.0))
    _apply(ema, small, mode)
    assert xla_programs == []
    _apply(ema, large, mode)
    assert xla_programs == [2]
    for v in small + large:
        np.testing.assert_array_equal(ema.average(v), np.full(v.shape, 2.0, np.float32))


def test_applies_of_64k_elements_or_more_run_as_xla_programs(monkeypatch, xla_programs):
    # The threshold CHANGELOG.md states. Pinned because the path is observable beyond
    # speed: XLA's shadows may differ from the op-by-op ones in the last bit.
    monkeypatch.setattr(updater_module, "cpu_count", lambda: 1)
    below = tf.Variable(tf.zeros([64 * 1024 - 1]))
    at = tf.Variable(tf.zeros([64 * 1024]))
    ema = ExponentialMovingAverage(0.5, warmup=False)
    ema.apply([below])
    assert xla_programs == []
    ema.apply([at])
    assert xla_programs == [1]


def test_an_xla_update_refuses_shadows_and_values_that_do_not_pair_up():
    shadows = [tf.Variable([1.0]), tf.Variable([2.0])]
    with pytest.raises(ValueError, match="zip"):
        updater_module.fused_update(shadows, shadows[:1], tf.constant(0.5))
    np.testing.assert_array_equal([s.numpy()[0] for s in shadows], [1.0, 2.0])


def test_the_fused_update_is_compiled_by_xla():
    shadows, values = [tf.Variable([1.0])], [tf.Variable([3.0])]

    @tf.function(autograph=False)
    def step():
        updater_module.fused_update(shadows, values, tf.constant(0.5))

    graph = step.get_concrete_function().graph
    calls = [op for op in graph.get_operations() if op.type.endswith("PartitionedCall")]
    assert calls and all(op.get_attr("_XlaMustCompile") for op in calls)
    step()
    np.testing.assert_array_equal(shadows[0].numpy(), [2.0])


def test_empty_variables_count_no_elements_towards_the_xla_threshold(monkeypatch, xla_programs):
    monkeypatch.setattr(updater_module, "cpu_count", lambda: 1)
    monkeypatch.setattr(updater_module, "FUSED_UPDATE_MIN_ELEMENTS", 4)
    variables = [tf.Variable([1.0, 1.0, 1.0]), tf.Variable(tf.zeros([0]))]
    ExponentialMovingAverage(0.5, warmup=False).apply(variables)
    assert xla_programs == []  # 3 elements, below the threshold
