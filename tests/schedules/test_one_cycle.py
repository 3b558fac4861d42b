"""OneCycle against PyTorch's OneCycleLR.get_lr (transcribed in float64), and its errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from tftrain.schedules import OneCycle, values
from tftrain.testing.strategies import schedule_specs


def pytorch_one_cycle(
    max_lr, total_steps, pct_start, anneal_strategy, div_factor, final_div_factor, three_phase, step
):
    """``OneCycleLR.get_lr`` for ``last_epoch = step``, as PyTorch computes it (float64)."""
    initial_lr = max_lr / div_factor
    min_lr = initial_lr / final_div_factor
    if three_phase:
        phases = [
            (float(pct_start * total_steps) - 1, initial_lr, max_lr),
            (float(2 * pct_start * total_steps) - 2, max_lr, initial_lr),
            (total_steps - 1, initial_lr, min_lr),
        ]
    else:
        phases = [
            (float(pct_start * total_steps) - 1, initial_lr, max_lr),
            (total_steps - 1, max_lr, min_lr),
        ]
    if step > total_steps:
        raise ValueError(f"Tried to step {step} times.")
    start_step = 0.0
    for i, (end_step, start_lr, end_lr) in enumerate(phases):
        if step <= end_step or i == len(phases) - 1:
            pct = (step - start_step) / (end_step - start_step)
            if anneal_strategy == "cos":
                return end_lr + (start_lr - end_lr) / 2.0 * (math.cos(math.pi * pct) + 1)
            return (end_lr - start_lr) * pct + start_lr
        start_step = end_step
    raise AssertionError("unreachable")


def as_pytorch(kwargs: dict) -> dict:
    """OneCycle's keywords under PyTorch's names (only ``max_lr`` differs)."""
    kwargs = dict(kwargs)
    return {"max_lr": kwargs.pop("max_learning_rate"), **kwargs}


@given(spec=schedule_specs(["one_cycle"]), data=st.data())
def test_equals_pytorch_over_the_whole_cycle(spec, data):
    kwargs = {k: v for k, v in spec.items() if k != "name"}
    total = kwargs["total_steps"]
    steps = data.draw(st.lists(st.integers(0, total - 1), min_size=1, max_size=30))
    steps = sorted({0, total - 1, *steps})
    expected = [pytorch_one_cycle(**as_pytorch(kwargs), step=s) for s in steps]
    got = OneCycle(**kwargs)(tf.constant(steps, tf.int64)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=0)


@given(spec=schedule_specs(["one_cycle"]), past=st.integers(0, 10**7))
def test_holds_the_final_rate_after_the_cycle(spec, past):
    kwargs = {k: v for k, v in spec.items() if k != "name"}
    schedule = OneCycle(**kwargs)
    final = kwargs["max_learning_rate"] / kwargs["div_factor"] / kwargs["final_div_factor"]
    last = kwargs["total_steps"] - 1
    rates = schedule(tf.constant([last, last + 1, last + past], tf.int64)).numpy()
    np.testing.assert_allclose(rates, final, rtol=1e-6)


def test_the_pytorch_defaults_rise_to_the_peak_then_anneal():
    schedule = OneCycle(0.1, total_steps=100)
    rates = values(schedule, 100)
    assert rates[0] == pytest.approx(0.1 / 25, rel=1e-6)
    assert rates.max() == pytest.approx(0.1, rel=1e-6)
    # The peak is at step pct_start * total_steps - 1 = 29; rising before, falling after.
    assert int(np.argmax(rates)) == 29
    assert np.all(np.diff(rates[:30]) > 0) and np.all(np.diff(rates[29:]) < 0)
    assert rates[-1] == pytest.approx(0.1 / 25 / 1e4, rel=1e-6)


def test_three_phase_falls_back_symmetrically_then_anneals():
    schedule = OneCycle(1.0, 101, pct_start=0.3, anneal_strategy="linear", three_phase=True)
    rates = values(schedule, 101)
    # Rise ends at 0.3 * 101 - 1 = 29.3, the fall back at 2 * 30.3 - 2 = 58.6: mirror images.
    np.testing.assert_allclose(rates[:30], 1 / 25 + (1 - 1 / 25) * np.arange(30) / 29.3, rtol=1e-6)
    expected = [pytorch_one_cycle(1.0, 101, 0.3, "linear", 25.0, 1e4, True, s) for s in range(101)]
    np.testing.assert_allclose(rates, expected, rtol=1e-6)
    assert rates[58] == pytest.approx(1 / 25 + (1 - 1 / 25) * 0.6 / 29.3, rel=1e-6)


def test_a_fall_shorter_than_a_step_is_taken_at_the_last_step():
    # pct_start just below 1 leaves the anneal ~1e-13 steps: PyTorch reaches min_lr at
    # step total_steps - 1, and so must a float32 comparison with the phase's end.
    schedule = OneCycle(1.0, 1000, pct_start=1 - 2**-52, anneal_strategy="linear")
    rates = schedule(tf.constant([998, 999], tf.int64)).numpy()
    expected = [
        pytorch_one_cycle(1.0, 1000, 1 - 2**-52, "linear", 25.0, 1e4, False, s) for s in (998, 999)
    ]
    np.testing.assert_allclose(rates, expected, rtol=1e-6)


def test_tiny_final_rates_keep_their_relative_precision():
    # min_lr = 1e-9 next to max_lr = 1: a difference of rates would lose it entirely.
    schedule = OneCycle(1.0, 1000, div_factor=1e3, final_div_factor=1e6)
    steps = [997, 998, 999]
    expected = [pytorch_one_cycle(1.0, 1000, 0.3, "cos", 1e3, 1e6, False, s) for s in steps]
    np.testing.assert_allclose(schedule(tf.constant(steps)).numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"total_steps": 0},
            ValueError,
            r"Argument `total_steps` must be >= 1. Received: total_steps=0",
        ),
        ({"total_steps": 10.5}, TypeError, r"Argument `total_steps` must be an integer"),
        (
            {"pct_start": 0.0},
            ValueError,
            r"Argument `pct_start` must be in \(0.0, 1.0\). Received: pct_start=0.0",
        ),
        ({"pct_start": 1.0}, ValueError, r"`pct_start` must be in \(0.0, 1.0\)"),
        (
            {"pct_start": 0.01},
            ValueError,
            r"`pct_start` times `total_steps` must not be 1.*pct_start=0.01, total_steps=100",
        ),
        (
            {"pct_start": 0.6, "three_phase": True},
            ValueError,
            r"`pct_start` must be < \(total_steps \+ 1\) / \(2 \* total_steps\) "
            r"with `three_phase=True`",
        ),
        (
            {"anneal_strategy": "cosine"},
            ValueError,
            r"Invalid value for argument `anneal_strategy`. Expected one of \['cos', 'linear'\]. "
            r"Received: anneal_strategy='cosine'",
        ),
        ({"div_factor": 0.0}, ValueError, r"Argument `div_factor` must be > 0"),
        ({"final_div_factor": -1.0}, ValueError, r"Argument `final_div_factor` must be > 0"),
        ({"max_learning_rate": -0.1}, ValueError, r"`max_learning_rate` must be >= 0"),
        ({"three_phase": "no"}, TypeError, r"Argument `three_phase` must be a bool"),
    ],
)
def test_bad_arguments_are_refused_at_construction(kwargs, error, match):
    with pytest.raises(error, match=match):
        OneCycle(**{"max_learning_rate": 0.1, "total_steps": 100, **kwargs})


@pytest.mark.parametrize(("total_steps", "pct_start"), [(2, 0.75), (4, 0.625)])
def test_three_phase_refuses_a_rise_that_ends_exactly_at_the_bound(total_steps, pct_start):
    with pytest.raises(ValueError, match=r"`pct_start` must be < \(total_steps \+ 1\)"):
        OneCycle(0.1, total_steps, pct_start=pct_start, three_phase=True)
    OneCycle(0.1, total_steps, pct_start=pct_start - 0.01, three_phase=True)
