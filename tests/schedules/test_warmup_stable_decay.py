"""WarmupStableDecay against a float64 transcription of its definition; edges and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from tftrain.schedules import WarmupStableDecay, values
from tftrain.testing.strategies import schedule_specs

SHAPES = {
    "linear": lambda p: 1 - p,
    "cosine": lambda p: 0.5 * (1 + math.cos(math.pi * p)),
    "1-sqrt": lambda p: 1 - math.sqrt(p),
}


def reference(
    peak_learning_rate, total_steps, warmup_steps, decay_fraction, decay_shape, alpha, step
):
    """The definition, step by step, in float64 (Hägele et al., 2024, with a floor alpha)."""
    decay_start = total_steps * (1 - decay_fraction)
    if step >= total_steps:
        return peak_learning_rate * alpha
    if step < warmup_steps:
        return peak_learning_rate * step / warmup_steps
    if step < decay_start:
        return peak_learning_rate
    progress = (step - decay_start) / (total_steps - decay_start)
    return peak_learning_rate * (alpha + (1 - alpha) * SHAPES[decay_shape](progress))


@given(spec=schedule_specs(["warmup_stable_decay"]), data=st.data())
def test_matches_the_definition_over_training_and_after(spec, data):
    kwargs = {k: v for k, v in spec.items() if k != "name"}
    total = kwargs["total_steps"]
    steps = data.draw(st.lists(st.integers(0, 2 * total + 10**6), min_size=1, max_size=30))
    decay_start = math.ceil(total * (1 - kwargs["decay_fraction"]))
    edges = [0, kwargs["warmup_steps"], decay_start - 1, decay_start, total - 1, total]
    steps = sorted({s for s in [*steps, *edges] if s >= 0})
    expected = np.array([reference(**kwargs, step=s) for s in steps])
    got = WarmupStableDecay(**kwargs)(tf.constant(steps, tf.int64)).numpy()
    tiny = float(np.finfo(np.float32).tiny)  # TensorFlow flushes float32 subnormals to 0
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=tiny)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_shapes_by_their_numbers(shape):
    schedule = WarmupStableDecay(
        1.0, total_steps=100, warmup_steps=10, decay_fraction=0.5, decay_shape=shape, alpha=0.1
    )
    rates = values(schedule, [0, 5, 10, 49, 50, 75, 100, 10**6])
    middle = {"linear": 0.5, "cosine": 0.5, "1-sqrt": 1 - math.sqrt(0.5)}[shape]
    expected = [0.0, 0.5, 1.0, 1.0, 1.0, 0.1 + 0.9 * middle, 0.1, 0.1]
    np.testing.assert_allclose(rates, expected, rtol=1e-6, atol=1e-7)


def test_one_minus_sqrt_drops_fast_at_first_and_keeps_precision_at_both_ends():
    schedule = WarmupStableDecay(1.0, 10**6, decay_fraction=0.5, decay_shape="1-sqrt")
    steps = [500_000, 500_001, 999_999]
    # 1 - sqrt(p) near p = 0 and p = 1: each needs its own end's distance, not 1 - (.).
    expected = [1.0, 1 - math.sqrt(1 / 500_000), (1 / 500_000) / (1 + math.sqrt(1 - 1 / 500_000))]
    np.testing.assert_allclose(schedule(tf.constant(steps)).numpy(), expected, rtol=1e-6)


def test_a_decay_shorter_than_a_step_leaves_the_plateau_to_the_last_step():
    schedule = WarmupStableDecay(1.0, 1000, decay_fraction=1e-12, decay_shape="linear")
    np.testing.assert_array_equal(schedule(tf.constant([999, 1000])).numpy(), [1.0, 0.0])


def test_no_warmup_starts_at_the_peak_and_an_empty_plateau_decays_at_once():
    schedule = WarmupStableDecay(0.5, 10, warmup_steps=0, decay_fraction=1.0, decay_shape="linear")
    np.testing.assert_allclose(values(schedule, 11), 0.5 * (1 - np.arange(11) / 10), atol=1e-7)
    warm = WarmupStableDecay(0.5, 10, warmup_steps=5, decay_fraction=0.5, decay_shape="linear")
    np.testing.assert_allclose(
        values(warm, 11), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.4, 0.3, 0.2, 0.1, 0], atol=1e-7
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"total_steps": 0},
            ValueError,
            r"Argument `total_steps` must be >= 1. Received: total_steps=0",
        ),
        ({"warmup_steps": -1}, ValueError, r"Argument `warmup_steps` must be >= 0"),
        ({"warmup_steps": 2.5}, TypeError, r"Argument `warmup_steps` must be an integer"),
        (
            {"decay_fraction": 0.0},
            ValueError,
            r"Argument `decay_fraction` must be in \(0.0, 1.0\]. Received: decay_fraction=0.0",
        ),
        ({"decay_fraction": 1.5}, ValueError, r"`decay_fraction` must be in \(0.0, 1.0\]"),
        (
            {"decay_shape": "sqrt"},
            ValueError,
            r"Invalid value for argument `decay_shape`. Expected one of \['linear', 'cosine', "
            r"'1-sqrt'\]. Received: decay_shape='sqrt'",
        ),
        ({"alpha": -0.1}, ValueError, r"Argument `alpha` must be in \[0.0, 1.0\]"),
        (
            {"warmup_steps": 90, "decay_fraction": 0.2},
            ValueError,
            r"`warmup_steps` must be <= total_steps \* \(1 - decay_fraction\).*"
            r"Received: warmup_steps=90, total_steps=100, decay_fraction=0.2",
        ),
        ({"peak_learning_rate": float("inf")}, ValueError, r"`peak_learning_rate` must be finite"),
    ],
)
def test_bad_arguments_are_refused_at_construction(kwargs, error, match):
    with pytest.raises(error, match=match):
        WarmupStableDecay(**{"peak_learning_rate": 0.1, "total_steps": 100, **kwargs})


def test_defaults_are_no_warmup_and_a_fifth_of_the_steps_to_decay():
    config = WarmupStableDecay(1.0, 100).get_config()
    assert (config["warmup_steps"], config["decay_fraction"]) == (0, 0.2)
