"""Constant, PiecewiseConstant, CosineDecay and LinearWarmup: numbers, laws, errors."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from tftrain import schedules
from tftrain.schedules import Constant, CosineDecay, LinearWarmup, PiecewiseConstant, values


def test_constant_is_constant():
    np.testing.assert_array_equal(values(Constant(0.25), [0, 1, 10**7]), np.float32(0.25))


def test_piecewise_constant_equals_keras():
    ours = PiecewiseConstant([10, 20, 30], [1.0, 0.5, 0.25, 0.125])
    theirs = keras.optimizers.schedules.PiecewiseConstantDecay(
        [10, 20, 30], [1.0, 0.5, 0.25, 0.125]
    )
    for step in [0, 9, 10, 11, 20, 21, 30, 31, 10**6]:
        assert float(ours(step)) == float(theirs(tf.constant(step)))


@given(
    boundaries=st.lists(st.integers(0, 1000), min_size=1, max_size=6, unique=True), data=st.data()
)
def test_piecewise_constant_is_constant_between_boundaries(boundaries, data):
    boundaries = sorted(boundaries)
    rates = data.draw(
        st.lists(st.floats(0, 1), min_size=len(boundaries) + 1, max_size=len(boundaries) + 1)
    )
    got = values(PiecewiseConstant(boundaries, rates), 1100)
    expected = np.array(rates, np.float32)[
        np.searchsorted(boundaries, np.arange(1100), side="left")
    ]
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    ("boundaries", "rates", "match"),
    [
        ([10, 10], [1, 2, 3], r"`boundaries` must be strictly increasing; boundaries\[1\]=10"),
        ([10, 5], [1, 2, 3], "strictly increasing"),
        (
            [10],
            [1.0],
            r"one more element than `boundaries`. Received: len\(boundaries\)=1, "
            r"len\(values\)=1",
        ),
        ([10], [1.0, float("nan")], r"`values\[1\]` must be finite"),
    ],
)
def test_piecewise_constant_refuses_bad_arguments(boundaries, rates, match):
    with pytest.raises(ValueError, match=match):
        PiecewiseConstant(boundaries, rates)


@given(
    initial=st.floats(1e-4, 10),
    decay_steps=st.integers(1, 10**5),
    alpha=st.floats(0, 1),
    steps=st.lists(st.integers(0, 10**6), min_size=1, max_size=20),
)
def test_cosine_decay_equals_keras(initial, decay_steps, alpha, steps):
    ours = CosineDecay(initial, decay_steps, alpha)(tf.constant(steps))
    theirs = keras.optimizers.schedules.CosineDecay(initial, decay_steps, alpha)(tf.constant(steps))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7 * initial)


@given(initial=st.floats(1e-4, 10), decay_steps=st.integers(1, 200), alpha=st.floats(0, 1))
def test_cosine_decay_falls_from_initial_to_alpha_and_stays(initial, decay_steps, alpha):
    rates = values(CosineDecay(initial, decay_steps, alpha), 2 * decay_steps + 1)
    assert rates[0] == np.float32(initial)
    assert np.all(np.diff(rates) <= 1e-7 * initial)
    np.testing.assert_allclose(
        rates[decay_steps:], np.float32(alpha * initial), rtol=1e-5, atol=1e-7 * initial
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"decay_steps": 0}, "`decay_steps` must be > 0"),
        ({"alpha": 1.5}, r"`alpha` must be in \[0.0, 1.0\]. Received: alpha=1.5"),
    ],
)
def test_cosine_decay_refuses_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CosineDecay(**{"initial_learning_rate": 0.1, "decay_steps": 10, **kwargs})


@given(
    warmup=st.integers(1, 300),
    start=st.floats(0, 1),
    inner=st.sampled_from(
        [
            {
                "name": "exponential_decay",
                "initial_learning_rate": 0.5,
                "decay_steps": 3,
                "decay_rate": 0.9,
            },
            {"name": "cosine_decay", "initial_learning_rate": 2.0, "decay_steps": 50},
            {"name": "constant", "value": 0.3},
        ]
    ),
)
def test_warmup_ramps_linearly_and_hands_over_continuously(warmup, start, inner):
    schedule = LinearWarmup(inner, warmup, initial_learning_rate=start)
    wrapped = schedules.get(inner)
    rates = values(schedule, warmup + 20)
    target = float(wrapped(0))
    assert rates[0] == pytest.approx(start, rel=1e-6, abs=1e-7)
    ramp = start + (target - start) * np.arange(warmup) / warmup
    np.testing.assert_allclose(rates[:warmup], ramp, rtol=1e-5, atol=1e-6)
    # Continuous at the hand-over: the value there is the wrapped schedule's start, and the
    # last ramp step is one ramp increment away from it.
    assert rates[warmup] == pytest.approx(target, rel=1e-6)
    assert abs(rates[warmup - 1] - rates[warmup]) <= abs(target - start) / warmup + 1e-6
    np.testing.assert_allclose(rates[warmup:], values(wrapped, 20), rtol=1e-6)


def test_zero_warmup_is_the_wrapped_schedule():
    inner = CosineDecay(1.0, 10)
    np.testing.assert_array_equal(values(LinearWarmup(inner, 0), 15), values(inner, 15))


def test_warmup_wraps_a_number_and_keras_schedules():
    assert float(LinearWarmup(0.1, 10)(10)) == pytest.approx(0.1)
    keras_inner = keras.optimizers.schedules.PiecewiseConstantDecay([5], [1.0, 0.5])
    schedule = LinearWarmup(keras_inner, 2)
    np.testing.assert_allclose(values(schedule, 10), [0, 0.5, 1, 1, 1, 1, 1, 1, 0.5, 0.5])
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(schedule))
    np.testing.assert_allclose(values(again, 10), values(schedule, 10))


def test_warmup_refuses_bad_arguments():
    with pytest.raises(ValueError, match=r"`warmup_steps` must be >= 0. Received: warmup_steps=-1"):
        LinearWarmup(0.1, -1)
    with pytest.raises(TypeError, match=r"Expected a learning-rate schedule|Cannot interpret"):
        LinearWarmup(object(), 3)
    with pytest.raises(ValueError, match="Unknown schedule 'cosin'"):
        LinearWarmup("cosin", 3)


def test_get_accepts_numbers_names_and_keras_configs():
    assert isinstance(schedules.get(0.1), Constant)
    with pytest.raises(TypeError, match="needs the argument"):
        schedules.get("cosine")
    config = keras.saving.serialize_keras_object(CosineDecay(0.1, 5))
    assert isinstance(schedules.get(config), CosineDecay)
    with pytest.raises(TypeError, match="Cannot interpret True"):
        schedules.get(True)


def test_values_works_on_any_keras_schedule():
    keras_schedule = keras.optimizers.schedules.InverseTimeDecay(1.0, 1, 1.0)
    np.testing.assert_allclose(values(keras_schedule, 4), [1, 1 / 2, 1 / 3, 1 / 4], rtol=1e-6)
    assert values(Constant(1.0), 3).dtype == np.float32
