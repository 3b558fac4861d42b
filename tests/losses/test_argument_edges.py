"""Loss edges the other suites do not reach: rank-3 inputs, kinks, refused arguments."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from tftrain import losses


def test_asymmetric_loss_on_rank_3_reduces_only_the_last_axis():
    rng = np.random.default_rng(0)
    y_true = rng.normal(size=(2, 3, 4)).astype(np.float32)
    y_pred = rng.normal(size=(2, 3, 4)).astype(np.float32)
    cost, profit = 1.0, 3.0
    error = y_pred - y_true
    expected = np.where(error > 0, cost * error, -profit * error).mean(axis=-1)
    loss = losses.asymmetric_loss(y_true, y_pred, cost=cost, profit=profit)
    assert loss.shape == (2, 3)
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-6)


def test_asymmetric_loss_gradient_at_a_perfect_prediction_is_the_under_prediction_slope():
    y = tf.constant([[1.0, 2.0]])
    y_pred = tf.Variable([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        loss = losses.asymmetric_loss(y, y_pred, cost=1.0, profit=9.0)
    np.testing.assert_allclose(tape.gradient(loss, y_pred).numpy(), [[-4.5, -4.5]])


@pytest.mark.parametrize("axis", [True, 1.0, "1"])
def test_sparse_crossentropy_function_refuses_an_axis_that_is_not_an_int(axis):
    with pytest.raises(TypeError, match="axis"):
        losses.sparse_categorical_crossentropy([0, 1], [[1.0, 0.0], [0.0, 1.0]], axis=axis)


@pytest.mark.parametrize("trailing", ["y_true", "y_pred"])
def test_a_trailing_axis_of_size_1_lines_up_at_rank_3(trailing):
    rng = np.random.default_rng(1)
    a = rng.normal(size=(2, 3)).astype(np.float32)
    b = rng.normal(size=(2, 3)).astype(np.float32)
    y_true, y_pred = (a[..., None], b) if trailing == "y_true" else (a, b[..., None])
    loss = losses.mean_squared_error(y_true, y_pred)
    assert loss.shape == (2,)
    np.testing.assert_allclose(loss.numpy(), ((a - b) ** 2).mean(axis=-1), rtol=1e-6)


def test_rank_1_inputs_are_one_example():
    np.testing.assert_allclose(float(losses.mean_squared_error([1.0, 3.0], [2.0, 3.0])), 0.5)
    p = np.array([0.25, 0.75], np.float32)
    np.testing.assert_allclose(
        float(losses.categorical_crossentropy([0.0, 1.0], p)), -np.log(0.75), rtol=1e-6
    )
