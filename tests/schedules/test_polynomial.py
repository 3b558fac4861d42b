"""PolynomialDecay and InverseTimeDecay: Keras agreement, the cycle, the staircase, errors."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from tftrain.schedules import InverseTimeDecay, PolynomialDecay, values

initial_rates = st.floats(1e-4, 10.0)
periods = st.integers(1, 100_000)
# Steps past the end of the decay and across many cycles, within float32's whole steps.
step_lists = st.lists(st.integers(0, 2**24), min_size=1, max_size=20)
# End rates of float32's normal range (TensorFlow flushes subnormals to zero).
end_rates = st.one_of(st.just(0.0), st.floats(1e-30, 10.0))


@given(
    initial=initial_rates,
    decay_steps=periods,
    end=st.floats(0.0, 10.0),
    power=st.floats(0.1, 5.0),
    cycle=st.booleans(),
    steps=step_lists,
)
def test_polynomial_decay_equals_keras(initial, decay_steps, end, power, cycle, steps):
    ours = PolynomialDecay(initial, decay_steps, end, power, cycle)
    theirs = keras.optimizers.schedules.PolynomialDecay(initial, decay_steps, end, power, cycle)
    steps = tf.constant(steps, tf.int64)
    np.testing.assert_allclose(ours(steps).numpy(), theirs(steps).numpy(), rtol=1e-6, atol=0)


def numpy_polynomial(initial, decay_steps, end, power, cycle, steps):
    """Keras's formula in float64 (and its ``1 - p``), cycles counted in integers."""
    t = np.asarray(steps, np.float64)
    if cycle:
        cycles = np.maximum(-(-np.asarray(steps) // decay_steps), 1)  # ceil for integers
        length = decay_steps * cycles
    else:
        t, length = np.minimum(t, decay_steps), decay_steps
    q = 1 - t / length
    return (initial - end) * q**power + end, q


@given(
    initial=initial_rates,
    decay_steps=st.integers(1, 1000),
    end=end_rates,
    power=st.floats(0.1, 5.0),
    cycle=st.booleans(),
    steps=st.lists(st.integers(0, 10**6), min_size=1, max_size=20),
)
def test_polynomial_decay_matches_the_formula(initial, decay_steps, end, power, cycle, steps):
    got = PolynomialDecay(initial, decay_steps, end, power, cycle)(tf.constant(steps))
    initial, end = float(np.float32(initial)), float(np.float32(end))  # what it computes with
    expected, q = numpy_polynomial(initial, decay_steps, end, power, cycle, steps)
    # float32 rounds q = 1 - t / T by a few 1e-8 absolutely; (.)^k turns that into
    # k q^(k-1) times it, which is large near the end of a decay with k < 1.
    slope = np.where(q > 0, power * np.where(q > 0, q, 1.0) ** (power - 1), 0.0)
    allowed = 2e-6 * np.abs(expected) + abs(initial - end) * slope * 2e-7
    assert np.all(np.abs(got.numpy() - expected) <= allowed)


def test_polynomial_decay_the_classic_numbers():
    linear = PolynomialDecay(0.1, decay_steps=100, end_learning_rate=0.01)
    np.testing.assert_allclose(values(linear, [0, 50, 100, 1000]), [0.1, 0.055, 0.01, 0.01])
    cycling = PolynomialDecay(1.0, 10, 0.0, power=1.0, cycle=True)
    # Reaches the end rate at every multiple of T, restarts one step later over 2T, 3T...
    np.testing.assert_allclose(
        values(cycling, [0, 10, 11, 20, 21, 30]), [1.0, 0.0, 0.45, 0.0, 0.3, 0.0], atol=1e-7
    )


def test_polynomial_decay_grows_towards_an_end_rate_above_the_initial_one():
    rates = values(PolynomialDecay(0.1, 10, end_learning_rate=1.0), 20)
    # Keras's form (eta_0 - eta_T) (1 - p)^k + eta_T rounds the start by an ulp of eta_T.
    assert np.all(np.diff(rates) >= 0) and rates[0] == pytest.approx(0.1, rel=1e-6)
    assert np.all(rates[10:] == np.float32(1.0))


def test_polynomial_cycle_stays_finite_where_float32_rounds_the_cycle_below_the_step():
    # Past 2**24 float32 rounds T * ceil(t / T) below t here: Keras takes a fractional
    # power of a negative number.
    step = tf.constant(1646487424, tf.int64)
    keras_rate = keras.optimizers.schedules.PolynomialDecay(1.0, 3, 0.0, power=0.5, cycle=True)
    assert np.isnan(float(keras_rate(step)))
    ours = PolynomialDecay(1.0, 3, 0.0, power=0.5, cycle=True)
    assert float(ours(step)) == 0.0
    assert float(tf.function(ours, jit_compile=True)(step)) == pytest.approx(0.0, abs=1e-3)


@given(
    initial=initial_rates,
    decay_steps=periods,
    rate=st.floats(0.0, 10.0),
    staircase=st.booleans(),
    steps=step_lists,
)
def test_inverse_time_decay_equals_keras(initial, decay_steps, rate, staircase, steps):
    ours = InverseTimeDecay(initial, decay_steps, rate, staircase)
    theirs = keras.optimizers.schedules.InverseTimeDecay(initial, decay_steps, rate, staircase)
    steps = tf.constant(steps, tf.int64)
    np.testing.assert_allclose(ours(steps).numpy(), theirs(steps).numpy(), rtol=1e-6, atol=0)


@given(
    initial=initial_rates,
    decay_steps=st.integers(1, 1000),
    rate=st.floats(0.0, 10.0),
    staircase=st.booleans(),
    steps=st.lists(st.integers(0, 10**6), min_size=1, max_size=20),
)
def test_inverse_time_decay_matches_the_formula(initial, decay_steps, rate, staircase, steps):
    got = InverseTimeDecay(initial, decay_steps, rate, staircase)(tf.constant(steps))
    p = np.asarray(steps) // decay_steps if staircase else np.asarray(steps) / decay_steps
    np.testing.assert_allclose(got.numpy(), initial / (1 + rate * p), rtol=1e-6)


def test_inverse_time_staircase_is_constant_within_each_interval():
    rates = values(InverseTimeDecay(1.0, 10, 1.0, staircase=True), 40)
    np.testing.assert_allclose(rates, 1 / (1 + np.arange(40) // 10), rtol=1e-7)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"decay_steps": 0},
            ValueError,
            r"Argument `decay_steps` must be > 0. Received: decay_steps=0",
        ),
        ({"power": 0.0}, ValueError, r"Argument `power` must be > 0. Received: power=0.0"),
        ({"end_learning_rate": -0.1}, ValueError, r"`end_learning_rate` must be >= 0"),
        (
            {"initial_learning_rate": float("nan")},
            ValueError,
            "`initial_learning_rate` must be finite",
        ),
        ({"cycle": 1}, TypeError, r"Argument `cycle` must be a bool. Received: cycle=1"),
    ],
)
def test_polynomial_decay_refuses_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        PolynomialDecay(**{"initial_learning_rate": 0.1, "decay_steps": 10, **kwargs})


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"decay_steps": -1},
            ValueError,
            r"Argument `decay_steps` must be > 0. Received: decay_steps=-1",
        ),
        (
            {"decay_rate": -0.5},
            ValueError,
            r"Argument `decay_rate` must be >= 0. Received: decay_rate=-0.5",
        ),
        ({"staircase": "yes"}, TypeError, r"Argument `staircase` must be a bool"),
    ],
)
def test_inverse_time_decay_refuses_bad_arguments(kwargs, error, match):
    arguments = {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, **kwargs}
    with pytest.raises(error, match=match):
        InverseTimeDecay(**arguments)


@pytest.mark.parametrize("cycle", [False, True])
def test_the_end_of_the_decay_is_the_end_rate_in_every_mode(cycle):
    # A graph may compute t / T as t * (1 / T): 1 - 0.99999994 under power 0.5 gave
    # 2.4e-4 in a graph where the eager rate was the end rate, 0 (a seeded run found it).
    schedule = PolynomialDecay(1.0, 41, end_learning_rate=0.0, power=0.5, cycle=cycle)
    steps = tf.constant([41, 82, 1000] if not cycle else [41, 82, 41 * 24], tf.int64)
    for how in (
        schedule,
        tf.function(schedule.__call__),
        tf.function(schedule.__call__, jit_compile=True),
    ):
        np.testing.assert_array_equal(how(steps).numpy(), [0.0, 0.0, 0.0])
