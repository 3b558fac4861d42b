"""ExponentialDecay: Keras agreement, the staircase, the delay and the bound."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from tftrain.schedules import ExponentialDecay, values

ULP = float(np.finfo(np.float32).eps)


def one_by_one(schedule, steps: int) -> np.ndarray:
    """Each step evaluated alone, as an optimizer does (values() is vectorized: +-1 ulp)."""
    return np.array([schedule(tf.constant(s, tf.int64)).numpy() for s in range(steps)])


decaying = st.floats(0.05, 0.999)
growing = st.floats(1.001, 3.0)
initial_rates = st.floats(1e-4, 10.0)
periods = st.integers(1, 100_000)


def numpy_reference(initial, decay_steps, rate, steps, staircase=False, begin=0, end=None):
    """The formula in float64, on the float32-rounded arguments the schedule computes with."""
    initial, rate = float(np.float32(initial)), float(np.float32(rate))
    p = np.maximum(np.asarray(steps, np.float64) - begin, 0) / decay_steps
    with np.errstate(over="ignore", under="ignore"):
        lr = initial * rate ** (np.floor(p) if staircase else p)
    if end is not None:
        lr = np.maximum(lr, end) if rate < 1 else np.minimum(lr, end)
    return lr


@given(
    initial=initial_rates,
    decay_steps=periods,
    rate=decaying,
    staircase=st.booleans(),
    steps=st.lists(st.integers(0, 10**7), min_size=1, max_size=20),
)
def test_equals_keras_exponential_decay_up_to_ten_million_steps(
    initial, decay_steps, rate, staircase, steps
):
    ours = ExponentialDecay(initial, decay_steps, rate, staircase)
    theirs = keras.optimizers.schedules.ExponentialDecay(initial, decay_steps, rate, staircase)
    steps = tf.constant(steps, tf.int64)
    np.testing.assert_allclose(ours(steps).numpy(), theirs(steps).numpy(), rtol=1e-6, atol=0)


def test_equals_keras_on_a_grid_of_steps_up_to_ten_million():
    steps = tf.constant(np.unique(np.geomspace(1, 10**7, 400).astype(np.int64)))
    for initial, decay_steps, rate in [(0.1, 1000, 0.96), (1.0, 10**5, 0.5), (0.2, 10**6, 0.99)]:
        ours = ExponentialDecay(initial, decay_steps, rate)(steps)
        theirs = keras.optimizers.schedules.ExponentialDecay(initial, decay_steps, rate)(steps)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=0)


@given(
    initial=initial_rates,
    decay_steps=periods,
    rate=st.one_of(decaying, growing),
    staircase=st.booleans(),
    begin=st.integers(0, 1000),
    steps=st.lists(st.integers(0, 10**6), min_size=1, max_size=20),
)
def test_matches_the_formula(initial, decay_steps, rate, staircase, begin, steps):
    schedule = ExponentialDecay(initial, decay_steps, rate, staircase, transition_begin=begin)
    expected = numpy_reference(initial, decay_steps, rate, steps, staircase, begin)
    got = schedule(tf.constant(steps, tf.int64)).numpy().astype(np.float64)
    normal = (expected > 1e-30) & (expected < 1e30)  # float32 underflows/overflows outside
    # float32 rounds the exponent p; pow turns that into a relative error of |p ln r| ulps.
    exponent = np.abs(np.log(expected[normal] / initial))
    allowed = 2e-7 * (1 + exponent) * expected[normal]
    assert np.all(np.abs(got[normal] - expected[normal]) <= allowed)


@given(
    initial=initial_rates,
    decay_steps=periods,
    rate=st.one_of(decaying, growing),
    begin=st.integers(0, 1000),
    staircase=st.booleans(),
)
def test_starts_at_the_initial_rate_after_the_delay(initial, decay_steps, rate, begin, staircase):
    schedule = ExponentialDecay(initial, decay_steps, rate, staircase, transition_begin=begin)
    rates = values(schedule, begin + 1)
    np.testing.assert_array_equal(rates, np.float32(initial))


@given(
    initial=initial_rates, decay_steps=st.integers(1, 50), rate=decaying, staircase=st.booleans()
)
def test_decaying_is_non_increasing(initial, decay_steps, rate, staircase):
    schedule = ExponentialDecay(initial, decay_steps, rate, staircase)
    assert np.all(np.diff(one_by_one(schedule, 120)) <= 0)
    rates = values(schedule, 2000)  # vectorized: monotone up to one ulp
    assert np.all(np.diff(rates) <= ULP * rates[1:])


@given(
    initial=initial_rates,
    decay_steps=st.integers(1, 50),
    rate=st.floats(1.001, 1.04),
    staircase=st.booleans(),
)
def test_growing_is_non_decreasing(initial, decay_steps, rate, staircase):
    schedule = ExponentialDecay(initial, decay_steps, rate, staircase)
    assert np.all(np.diff(one_by_one(schedule, 120)) >= 0)
    rates = values(schedule, 2000)
    assert np.all(np.diff(rates) >= -ULP * rates[1:])


@given(initial=initial_rates, decay_steps=st.integers(1, 30), rate=st.one_of(decaying, growing))
def test_staircase_meets_smooth_at_multiples_and_is_constant_between(initial, decay_steps, rate):
    n = 4 * decay_steps
    smooth = one_by_one(ExponentialDecay(initial, decay_steps, rate), n)
    stairs = one_by_one(ExponentialDecay(initial, decay_steps, rate, staircase=True), n)
    # Equal at multiples of decay_steps, up to the ulps of the smooth exponent's division.
    np.testing.assert_allclose(stairs[::decay_steps], smooth[::decay_steps], rtol=4 * ULP)
    for start in range(0, n, decay_steps):
        assert np.all(stairs[start : start + decay_steps] == stairs[start])
    if rate < 1:
        assert np.all(stairs >= smooth * (1 - 4 * ULP))
    else:
        assert np.all(stairs <= smooth * (1 + 4 * ULP))


@given(
    initial=initial_rates,
    decay_steps=st.integers(1, 100),
    rate=st.one_of(decaying, growing),
    fraction=st.floats(0.0, 1.0),
    staircase=st.booleans(),
)
def test_end_value_is_never_crossed(initial, decay_steps, rate, fraction, staircase):
    # TensorFlow flushes float32 subnormals to zero, so a bound below the smallest normal
    # float32 acts as 0; the law is stated for normal bounds.
    fraction = fraction if fraction * initial > np.finfo(np.float32).tiny else 0.0
    end = initial * fraction if rate < 1 else initial / max(fraction, 1e-3)
    schedule = ExponentialDecay(initial, decay_steps, rate, staircase, end_value=end)
    rates = values(schedule, [*range(0, 100 * decay_steps, decay_steps), 10**7])
    if rate < 1:
        assert np.all(rates >= np.float32(end))
        assert rates[-1] == np.float32(end)
    else:
        assert np.all(rates <= np.float32(end))
        assert rates[-1] == np.float32(end)


def test_the_classic_numbers():
    schedule = ExponentialDecay(0.2, decay_steps=1, decay_rate=0.99)
    np.testing.assert_allclose(
        values(schedule, [0, 1, 2, 39]), 0.2 * 0.99 ** np.array([0, 1, 2, 39]), rtol=1e-6
    )
    stairs = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    np.testing.assert_allclose(values(stairs, [0, 9, 10, 19, 20]), [0.1, 0.1, 0.05, 0.05, 0.025])


def test_unbounded_growth_overflows_to_inf():
    assert np.isposinf(float(ExponentialDecay(1.0, 1, 2.0)(1000)))
    assert float(ExponentialDecay(1.0, 1, 2.0, end_value=8.0)(1000)) == 8.0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"decay_steps": 0},
            ValueError,
            r"Argument `decay_steps` must be > 0. Received: "
            r"decay_steps=0",
        ),
        ({"decay_steps": -5}, ValueError, "decay_steps=-5"),
        (
            {"decay_rate": 0.0},
            ValueError,
            r"Argument `decay_rate` must be > 0. Received: "
            r"decay_rate=0.0",
        ),
        ({"decay_rate": float("nan")}, ValueError, "`decay_rate` must be finite"),
        (
            {"initial_learning_rate": float("inf")},
            ValueError,
            "`initial_learning_rate` must be finite",
        ),
        ({"initial_learning_rate": -0.1}, ValueError, "`initial_learning_rate` must be >= 0"),
        ({"initial_learning_rate": "0.1"}, TypeError, "`initial_learning_rate` must be a real"),
        ({"transition_begin": -1}, ValueError, "`transition_begin` must be >= 0"),
        ({"transition_begin": 1.5}, TypeError, "`transition_begin` must be an integer"),
        ({"staircase": "yes"}, TypeError, "`staircase` must be a bool"),
        ({"end_value": 0.5}, ValueError, "`end_value` must be <= initial_learning_rate"),
        (
            {"decay_rate": 2.0, "end_value": 0.05},
            ValueError,
            "`end_value` must be >= initial_learning_rate",
        ),
        ({"end_value": -1.0}, ValueError, "`end_value` must be >= 0"),
    ],
)
def test_bad_arguments_are_refused_at_construction(kwargs, error, match):
    arguments = {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, **kwargs}
    with pytest.raises(error, match=match):
        ExponentialDecay(**arguments)


@pytest.mark.parametrize("decay_rate", [0.5, 2.0])
def test_an_end_value_equal_to_the_initial_rate_is_a_constant_schedule(decay_rate):
    schedule = ExponentialDecay(0.1, 10, decay_rate, end_value=0.1)
    np.testing.assert_allclose(values(schedule, [0, 5, 10, 1000]), [0.1] * 4, rtol=1e-7)
