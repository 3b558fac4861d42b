"""Schedule arguments at the edges of their ranges: defaults, decay rate 1, refused values."""

from __future__ import annotations

import numpy as np
import pytest

from tftrain.schedules import Constant, CosineDecay, ExponentialDecay, LinearWarmup, values

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
