"""Activation edges the other suites do not reach: plain inputs, kinks, betas, layer configs."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from tftrain import activations as A


def test_linear_turns_a_numpy_array_into_a_tensor():
    y = A.linear(np.array([1.5, -2.0], dtype=np.float32))
    assert isinstance(y, tf.Tensor)
    np.testing.assert_array_equal(y.numpy(), [1.5, -2.0])


def test_leaky_relu_takes_a_python_float():
    y = A.leaky_relu(-2.0)
    assert isinstance(y, tf.Tensor) and y.dtype == tf.float32
    assert float(y) == pytest.approx(-0.4)


def test_elu_gradient_at_zero_is_alpha():
    x = tf.constant([0.0, -0.0, 1e-3, -1e-3], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = A.elu(x, alpha=0.5)
    np.testing.assert_allclose(
        tape.gradient(y, x).numpy(), [0.5, 0.5, 1.0, 0.5 * np.exp(-1e-3)], rtol=1e-12
    )


@pytest.mark.parametrize("alpha", [0.25, 1.0, 3.0])
def test_celu_slope_is_one_on_both_sides_of_zero_and_at_zero(alpha):
    x = tf.constant([-1e-6, -0.0, 0.0, 1e-6], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = A.celu(x, alpha=alpha)
    np.testing.assert_allclose(
        tape.gradient(y, x).numpy(), [np.exp(-1e-6 / alpha), 1.0, 1.0, 1.0], rtol=1e-15
    )
    # Keras's max(x, 0) + alpha * expm1(min(x, 0) / alpha) passes the gradient through
    # both branches at exactly 0: the kink that CELU exists to remove.
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = keras.activations.celu(x, alpha=alpha)
    assert tape.gradient(y, x).numpy()[2] == 2.0


@pytest.mark.parametrize("alpha", [0.01, 0.5, 2.0])
def test_celu_second_derivative_is_finite_everywhere_even_for_a_small_alpha(alpha):
    # e^(x / alpha) overflows for x > 0 and a small alpha: the backward pass must not
    # evaluate it there, or its own gradient is inf * 0 = NaN.
    x = tf.constant(np.linspace(-50.0, 100.0, 601), tf.float32)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = A.celu(x, alpha=alpha)
        slope = inner.gradient(y, x)
    curvature = outer.gradient(slope, x).numpy()
    expected = np.where(x.numpy() > 0, 0.0, np.exp(np.minimum(x.numpy(), 0) / alpha) / alpha)
    np.testing.assert_allclose(curvature, expected, rtol=1e-5, atol=1e-30)  # denormals flush


def test_swish_gradient_with_beta_matches_the_derivative_of_its_formula():
    x = tf.constant(np.linspace(-6.0, 6.0, 25), tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = A.swish(x, beta=2.0)
    s = 1.0 / (1.0 + np.exp(-2.0 * x.numpy()))
    expected = s + 2.0 * x.numpy() * s * (1.0 - s)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), expected, rtol=1e-12, atol=1e-15)


def test_prelu_shares_the_last_axis():
    layer = A.PReLU(alpha_initializer=0.5, shared_axes=[2])
    y = layer(tf.constant([[[-2.0, 4.0, -6.0], [1.0, -1.0, 0.0]]]))
    assert tuple(layer.alpha.shape) == (2, 1)
    np.testing.assert_allclose(y.numpy(), [[[-1.0, 4.0, -3.0], [1.0, -0.5, 0.0]]])


def test_prelu_config_with_an_initializer_object_is_json_and_rebuilds():
    layer = A.PReLU(alpha_initializer=keras.initializers.Constant(0.1))
    config = layer.get_config()
    rebuilt = A.PReLU.from_config(json.loads(json.dumps(config)))
    rebuilt.build((None, 2))
    np.testing.assert_allclose(rebuilt.alpha.numpy(), [0.1, 0.1])


def test_swish_beta_config_round_trip_keeps_beta_and_trainability():
    layer = A.SwishBeta(beta=2.0, trainable_beta=False)
    rebuilt = A.SwishBeta.from_config(layer.get_config())
    assert float(rebuilt.beta.numpy()) == 2.0
    assert rebuilt.trainable_beta is False and not rebuilt.trainable_weights
    y = rebuilt(tf.constant([[1.0, -1.0, 0.0]]))
    expected = A.swish(tf.constant([[1.0, -1.0, 0.0]]), beta=2.0)
    np.testing.assert_allclose(y.numpy(), expected.numpy(), rtol=1e-6)
