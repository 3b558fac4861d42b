"""Schedule arguments at the edges of their ranges: defaults, decay rate 1, refused values."""

from __future__ import annotations

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf

from tftrain import schedules
from tftrain.schedules import Constant, CosineDecay, ExponentialDecay, LinearWarmup, values
from tftrain.schedules._base import float32_below

STEPS = [0, 1, 9, 10, 11, 99, 1000, 10**6]


@pytest.mark.parametrize("end_value", [0.05, 0.1, 0.2])
@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay_with_rate_one_stays_at_the_initial_rate_whatever_the_bound(
    end_value, staircase
):
    schedule = ExponentialDecay(0.1, 10, 1.0, staircase, end_value=end_value)
    np.testing.assert_array_equal(values(schedule, STEPS), np.float32(0.1))


def test_exponential_decay_bound_is_a_floor_when_decaying_and_a_ceiling_when_growing():
    floor = ExponentialDecay(0.1, 1, 0.5, end_value=0.05)
    np.testing.assert_allclose(values(floor, [0, 1, 5]), [0.1, 0.05, 0.05], rtol=1e-6)
    ceiling = ExponentialDecay(0.1, 1, 2.0, end_value=0.3)
    np.testing.assert_allclose(values(ceiling, [0, 1, 5]), [0.1, 0.2, 0.3], rtol=1e-6)


def test_cosine_decay_default_alpha_decays_to_zero():
    schedule = CosineDecay(1.0, 100)
    assert schedule.alpha == 0.0
    expected = [1.0, 0.5, 0.0, 0.0]
    np.testing.assert_allclose(values(schedule, [0, 50, 100, 1000]), expected, atol=1e-7)


def test_linear_warmup_refuses_a_negative_initial_rate():
    with pytest.raises(ValueError, match=r"initial_learning_rate.*-1\.0"):
        LinearWarmup(Constant(0.1), warmup_steps=10, initial_learning_rate=-1.0)


# Every schedule class that Keras has too, so that a new one is checked without a list to keep.
_KERAS_TWINS = [
    n for n in schedules.__all__ if n[0].isupper() and hasattr(keras.optimizers.schedules, n)
]


@pytest.mark.parametrize("name", _KERAS_TWINS)
def test_a_schedule_has_the_defaults_of_its_keras_twin(name):
    def defaults(cls):
        return {
            p.name: p.default
            for p in inspect.signature(cls.__init__).parameters.values()
            if p.default is not p.empty and p.name != "name"
        }

    ours = defaults(getattr(schedules, name))
    theirs = defaults(getattr(keras.optimizers.schedules, name))
    shared = ours.keys() & theirs.keys()  # Keras's CosineDecay also warms up: LinearWarmup here
    assert shared and {k: ours[k] for k in shared} == {k: theirs[k] for k in shared}


@pytest.mark.parametrize(
    ("boundary", "expected"),
    [
        (2.0, 2.0),
        (0.5, 0.5),
        (1e8, 1e8),
        (0.1, float(np.nextafter(np.float32(0.1), np.float32(0)))),
    ],
)
def test_float32_below_is_the_largest_float32_not_above_the_boundary(boundary, expected):
    below = float32_below(boundary)
    assert below == expected and below <= boundary
    assert float(np.nextafter(np.float32(below), np.float32(np.inf))) > boundary


def test_a_schedule_subclass_must_say_its_config():
    class Unsaid(schedules.Schedule):
        def __call__(self, step):
            return tf.constant(0.1)

    with pytest.raises(NotImplementedError):
        Unsaid().get_config()
