"""CosineDecayRestarts: Keras agreement away from restarts, exact restarts, errors."""

from __future__ import annotations

from fractions import Fraction

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import example, given
from hypothesis import strategies as st

from tftrain.schedules import CosineDecayRestarts, values


def restarts(first: int, t_mul: float, until: int, count: int = 40) -> list[Fraction]:
    """The steps S_i where the first ``count`` periods start, exactly, up to ``until``."""
    starts, start, length = [], Fraction(0), Fraction(first)
    while start <= until and len(starts) < count:
        starts.append(start)
        start, length = start + length, length * Fraction(t_mul)
    return starts


def near_a_restart(step: int, first: int, t_mul: float) -> bool:
    """Whether ``step`` is within 1.5 steps of a restart (float64, for any number of them)."""
    if t_mul == 1:
        return min(step % first, first - step % first) <= 1.5
    i = np.floor(np.log1p(step / first * (t_mul - 1)) / np.log(t_mul))
    starts = [first * np.expm1(j * np.log(t_mul)) / (t_mul - 1) for j in (i - 1, i, i + 1, i + 2)]
    return min(abs(step - s) for s in starts) <= 1.5


def exact_reference(initial, first, t_mul, m_mul, alpha, steps):
    """The SGDR formula in float64, the period of each step found in exact arithmetic."""
    starts = restarts(first, t_mul, max(steps) + 1, count=10**6)
    out = []
    for step in steps:
        i = max(j for j, s in enumerate(starts) if s <= step)
        completed = float((step - starts[i]) / (Fraction(first) * Fraction(t_mul) ** i))
        cosine = 0.5 * m_mul**i * (1 + np.cos(np.pi * completed))
        out.append(initial * ((1 - alpha) * cosine + alpha))
    return np.array(out)


t_muls = st.one_of(st.sampled_from([1.0, 2.0, 3.0]), st.floats(1.0, 4.0))


@given(
    initial=st.floats(1e-4, 10.0),
    first=st.integers(1, 10_000),
    t_mul=t_muls,
    m_mul=st.floats(0.0, 1.0),
    alpha=st.floats(0.0, 1.0),
    data=st.data(),
)
def test_equals_keras_over_the_first_periods(initial, first, t_mul, m_mul, alpha, data):
    # Keras computes the position within a period in float32, which loses about one
    # digit per tenfold of step / first_decay_steps; over the first four first-periods
    # it is good to a few float32 ulps, and there the two agree. At a restart (and the
    # step before) Keras's float32 logarithm may pick the wrong period; those steps are
    # pinned against the exact reference below.
    steps = data.draw(st.lists(st.integers(0, 4 * first), min_size=1, max_size=20))
    steps = [s for s in steps if not near_a_restart(s, first, t_mul)]
    if not steps:
        return
    ours = CosineDecayRestarts(initial, first, t_mul, m_mul, alpha)(tf.constant(steps))
    theirs = keras.optimizers.schedules.CosineDecayRestarts(initial, first, t_mul, m_mul, alpha)
    # 1 + cos(pi c) cancels near the end of each period: Keras rounds it absolutely.
    np.testing.assert_allclose(
        ours.numpy(), theirs(tf.constant(steps)).numpy(), rtol=1e-6, atol=1e-6 * initial
    )


@given(
    initial=st.floats(1e-4, 10.0),
    first=st.integers(1, 10_000),
    t_mul=st.sampled_from([1.0, 1.5, 2.0, 3.0]),
    m_mul=st.floats(0.5, 1.0),
    alpha=st.floats(0.0, 1.0),
    steps=st.lists(st.integers(0, 2**24), min_size=1, max_size=10),
)
@example(initial=1.0, first=7, t_mul=1.0, m_mul=1.0, alpha=0.0, steps=[1_000_000])
@example(initial=1.0, first=3, t_mul=1.0, m_mul=1.0, alpha=0.0, steps=[2_999_998, 1_234_567])
def test_equals_the_exact_formula_at_any_step_in_every_mode(
    initial, first, t_mul, m_mul, alpha, steps
):
    # Keras's float32 position drifts after thousands of periods (at step 1e6 of
    # periods of 7 steps it gives 0.952 eagerly, 0.941 in a graph, where the rate is
    # 0.9505); tftrain's is exact to float32 in eager, graph and XLA alike.
    schedule = CosineDecayRestarts(initial, first, t_mul, m_mul, alpha)
    if t_mul == 1:  # periods of equal length: the position is the remainder, for any count
        i, into = np.divmod(np.array(steps), first)
        cosine = 0.5 * m_mul**i * (1 + np.cos(np.pi * into / first))
        expected = initial * ((1 - alpha) * cosine + alpha)
    else:
        expected = exact_reference(initial, first, t_mul, m_mul, alpha, steps)
    step_tensor = tf.constant(steps, tf.int64)
    for how in (
        schedule,
        tf.function(schedule.__call__),
        tf.function(schedule.__call__, jit_compile=True),
    ):
        np.testing.assert_allclose(
            how(step_tensor).numpy(), expected, rtol=1e-6, atol=1e-7 * initial
        )


@given(
    first=st.integers(1, 1000),
    t_mul=st.sampled_from([1.0, 1.5, 2.0, 3.0]),
    m_mul=st.floats(0.0, 1.0),
    alpha=st.floats(0.0, 1.0),
)
def test_every_restart_starts_its_period_at_its_peak(first, t_mul, m_mul, alpha):
    starts = [s for s in restarts(first, t_mul, 2**23) if s.denominator == 1]
    steps = sorted({int(s) + d for s in starts for d in (-1, 0, 1) if int(s) + d >= 0})
    got = CosineDecayRestarts(1.0, first, t_mul, m_mul, alpha)(tf.constant(steps)).numpy()
    expected = exact_reference(1.0, first, t_mul, m_mul, alpha, steps)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=2e-6)


def test_a_restart_where_keras_stays_in_the_previous_period():
    # 327670 = 10 (2^15 - 1) starts period 15; Keras's float32 log puts it at the end of 14.
    step = tf.constant(327670)
    ours = CosineDecayRestarts(1.0, 10, 2.0, m_mul=0.5)(step)
    theirs = keras.optimizers.schedules.CosineDecayRestarts(1.0, 10, 2.0, m_mul=0.5)(step)
    assert float(ours) == pytest.approx(0.5**15, rel=1e-6)
    assert float(theirs) == pytest.approx(0.0, abs=1e-9)


def test_the_classic_numbers():
    schedule = CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=2.0, m_mul=0.5, alpha=0.1)
    rates = values(schedule, 71)
    # Periods [0, 10), [10, 30), [30, 70): each starts at m^i, reaching alpha at its end.
    np.testing.assert_allclose(rates[[0, 10, 30, 70]], [1.0, 0.55, 0.325, 0.2125], rtol=1e-6)
    np.testing.assert_allclose(rates[5], 0.1 + 0.9 * 0.5, rtol=1e-6)
    np.testing.assert_allclose(rates[20], 0.1 + 0.9 * 0.25, rtol=1e-6)
    np.testing.assert_allclose(
        rates[29], 0.1 + 0.9 * 0.25 * (1 + np.cos(np.pi * 19 / 20)), rtol=1e-5
    )


def test_t_mul_one_restarts_every_first_decay_steps():
    rates = values(CosineDecayRestarts(2.0, 7, t_mul=1.0), 70)
    # Later periods compute 1 + cos(pi c) from a c rounded differently: ulps of 2.0 apart.
    np.testing.assert_allclose(
        rates.reshape(10, 7), np.tile(rates[:7], (10, 1)), rtol=1e-6, atol=1e-6
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"first_decay_steps": 0},
            r"Argument `first_decay_steps` must be > 0. Received: first_decay_steps=0",
        ),
        ({"t_mul": 0.5}, r"Argument `t_mul` must be >= 1 \(with shorter .*Received: t_mul=0.5"),
        ({"m_mul": -1.0}, r"Argument `m_mul` must be >= 0. Received: m_mul=-1.0"),
        ({"alpha": 1.5}, r"Argument `alpha` must be in \[0.0, 1.0\]. Received: alpha=1.5"),
    ],
)
def test_bad_arguments_are_refused_at_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CosineDecayRestarts(**{"initial_learning_rate": 0.1, "first_decay_steps": 10, **kwargs})


def test_fractional_steps_just_before_a_restart_have_not_restarted_yet():
    ours = CosineDecayRestarts(1.0, 10, alpha=0.1)
    keras_twin = keras.optimizers.schedules.CosineDecayRestarts(1.0, 10, alpha=0.1)
    steps = [9.8, 9.9, 10.0, 29.8, 29.9, 30.0]
    expected = [float(keras_twin(s)) for s in steps]
    np.testing.assert_allclose([float(ours(s)) for s in steps], expected, rtol=1e-5)


def test_half_a_step_before_a_far_restart_has_not_restarted_yet():
    # Past 2**19 steps the relative slack for float32 rounding spans more than a
    # quarter step; the quarter-step cap keeps a step 0.5 before a restart before it.
    schedule = CosineDecayRestarts(1.0, 2**20, t_mul=1.0, alpha=0.0)
    restart = 2**21
    assert float(schedule(tf.constant(restart - 0.5))) < 1e-6
    assert float(schedule(tf.constant(restart))) == 1.0
