"""The strategies draw what they promise: dtypes, shapes, bounds, edges, valid specs."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import find, given
from hypothesis import strategies as st

import tftrain
from tftrain.testing.strategies import (
    EDGES,
    arguments,
    edge_values,
    labels,
    logits,
    register_arguments,
    schedule_specs,
    specs,
    tensors,
)

FLOATS = ["float16", "bfloat16", "float32", "float64"]


def as_numpy(x: tf.Tensor) -> np.ndarray:
    return x.numpy().astype(np.float64)  # NumPy keeps subnormals that a TF cast may flush


@pytest.mark.parametrize("dtype", FLOATS)
def test_tensors_have_the_dtype_and_stay_in_bounds_without_edges(dtype):
    @given(tensors(dtype=dtype, min_value=-3.0, max_value=5.0))
    def check(x):
        assert x.dtype == tf.as_dtype(dtype)
        assert len(x.shape) <= 3 and all(side <= 5 for side in x.shape)
        values = as_numpy(x)
        assert np.isfinite(values).all()
        assert (values >= -3.0).all() and (values <= 5.0).all()

    check()


@given(tensors(shape=st.just((2, 0, 3)), dtype=st.sampled_from(FLOATS)))
def test_tensors_take_a_fixed_or_drawn_shape_including_empty_ones(x):
    assert x.shape == (2, 0, 3)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(
    ("edge", "found"),
    [
        ("nan", lambda v, info: np.isnan(v).any()),
        ("inf", lambda v, info: np.isposinf(v).any() and np.isneginf(v).any()),
        ("huge", lambda v, info: (np.abs(v) == float(info.max)).any()),
        ("zeros", lambda v, info: (np.signbit(v) & (v == 0)).any()),
        ("subnormal", lambda v, info: ((v != 0) & (np.abs(v) < float(info.smallest_normal))).any()),
    ],
)
def test_each_edge_is_drawn_when_asked_for(dtype, edge, found):
    info = ml_dtypes.finfo(tf.as_dtype(dtype).as_numpy_dtype)
    x = find(tensors(shape=(4,), dtype=dtype, edges=[edge]), lambda t: found(as_numpy(t), info))
    assert x.dtype == tf.as_dtype(dtype)


def test_edge_values_are_exact_in_their_dtype():
    for dtype in FLOATS:
        values = np.array(edge_values(dtype, EDGES))
        rounded = values.astype(tf.as_dtype(dtype).as_numpy_dtype).astype(np.float64)
        np.testing.assert_array_equal(rounded, values)  # NaN == NaN here


@given(labels(5, batch_size=st.integers(0, 6)))
def test_labels_are_class_indices(y):
    assert y.dtype == tf.int32 and len(y.shape) == 1
    assert ((as_numpy(y) >= 0) & (as_numpy(y) < 5)).all()


@given(labels(3, batch_size=4, one_hot=True))
def test_one_hot_labels_have_one_one_per_row(y):
    assert y.dtype == tf.float32 and y.shape == (4, 3)
    np.testing.assert_array_equal(as_numpy(tf.reduce_sum(y, axis=-1)), np.ones(4))


@given(logits(3, batch_size=2, dtype="bfloat16", min_value=-1.0, max_value=1.0))
def test_logits_have_batch_by_classes_shape(x):
    assert x.shape == (2, 3) and x.dtype == tf.bfloat16
    assert (np.abs(as_numpy(x)) <= 1.0).all()


@pytest.mark.parametrize(
    ("strategy", "message"),
    [
        (lambda: tensors(dtype="int32"), r"Expected one of \['float16'.*dtype='int32'"),
        (lambda: tensors(edges=["huge", "tiny"]), r"`edges\[1\]`. Expected one of .*='tiny'"),
        (lambda: tensors(min_value=1.0, max_value=0.0), r"`min_value` must be <= max_value"),
        (lambda: labels(0), r"`num_classes` must be >= 1. Received: num_classes=0"),
        (lambda: logits(2, batch_size=-1), r"`batch_size` must be >= 0. Received: batch_size=-1"),
    ],
)
def test_bad_arguments_are_refused_when_drawing(strategy, message):
    with pytest.raises(ValueError, match=message):
        find(strategy(), lambda x: True)


@pytest.mark.parametrize(
    ("family", "package"),
    [
        ("schedule", tftrain.schedules),
        ("loss", tftrain.losses),
        ("activation", tftrain.activations),
    ],
)
def test_every_registered_name_has_valid_specs(family, package):
    if not hasattr(package, "names"):
        pytest.fail(f"{package.__name__} has no registry yet")  # not a silent skip
    for name in package.names():
        spec_builds(family, name, package)()


def spec_builds(family, name, package):
    @given(spec=specs(family, [name]))
    def builds(spec):
        assert spec["name"] == name
        package.get(spec)  # raises for an invalid argument

    return builds


def test_a_users_component_without_required_arguments_needs_no_strategy():
    @tftrain.schedules.register("fixed_for_strategy_test")
    class Fixed(tftrain.schedules.Constant):
        def __init__(self, value: float = 0.1):
            super().__init__(value)

    try:
        assert find(schedule_specs(["fixed_for_strategy_test"]), lambda s: True) == {
            "name": "fixed_for_strategy_test"
        }
    finally:
        tftrain.schedules.register.__self__.unregister("fixed_for_strategy_test")


def test_a_users_component_with_required_arguments_asks_for_a_strategy():
    @tftrain.schedules.register("halving_for_strategy_test")
    class Halving(tftrain.schedules.Constant):
        def __init__(self, initial_learning_rate: float, period: int):
            super().__init__(initial_learning_rate)
            self.period = period

    try:
        with pytest.raises(ValueError, match=r"No argument strategy for the schedule "):
            arguments("schedule", "halving_for_strategy_test")
        register_arguments(
            "schedule",
            "halving_for_strategy_test",
            st.fixed_dictionaries(
                {"initial_learning_rate": st.floats(0.0, 1.0), "period": st.integers(1, 9)}
            ),
        )
        spec = find(schedule_specs(["halving_for_strategy_test"]), lambda s: s["period"] > 3)
        assert tftrain.schedules.get(spec).period == 4
    finally:
        tftrain.schedules.register.__self__.unregister("halving_for_strategy_test")


def test_an_unknown_family_or_name_is_refused():
    with pytest.raises(ValueError, match=r"Expected one of \['schedule'.*family='widget'"):
        specs("widget")
    with pytest.raises(ValueError, match=r"Unknown schedule 'cosine_decy'"):
        schedule_specs(["cosine_decy"])
