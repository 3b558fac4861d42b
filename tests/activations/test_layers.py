"""The parametric activation layers: PReLU, RReLU, SwishBeta."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import tftrain.activations as A
from tftrain.testing import assert_close


def test_prelu_matches_keras_prelu_per_channel():
    x = tf.random.stateless_normal([2, 3, 4, 5], seed=(1, 1))
    ours, theirs = A.PReLU(shared_axes=[1, 2]), keras.layers.PReLU(shared_axes=[1, 2])
    ours.build(x.shape)
    theirs.build(x.shape)
    alpha = np.linspace(-0.5, 1.5, 5).reshape(1, 1, 5).astype(np.float32)
    ours.alpha.assign(alpha)
    theirs.alpha.assign(alpha)
    assert tuple(ours.alpha.shape) == (1, 1, 5)
    assert_close(ours(x), theirs(x))


def test_prelu_starts_at_a_quarter_and_learns_the_slope():
    layer = A.PReLU()
    x = tf.constant([[-2.0, 3.0]])
    assert_close(layer(x), [[-0.5, 3.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(x))
    assert_close(tape.gradient(y, layer.alpha), [-2.0, 0.0])  # d/da (a * x) for x < 0


def test_prelu_correct_for_slopes_above_one():
    layer = A.PReLU(alpha_initializer=2.0)
    assert_close(layer(tf.constant([[-1.0, 1.0]])), [[-2.0, 1.0]])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"shared_axes": [0]}, ValueError, r"`shared_axes` must be >= 1"),
        ({"shared_axes": [1.5]}, TypeError, r"`shared_axes` must be an integer"),
        ({"alpha_initializer": float("nan")}, ValueError, r"`alpha_initializer` must be finite"),
    ],
)
def test_prelu_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        A.PReLU(**kwargs)


def test_prelu_shared_axis_beyond_the_input_rank():
    with pytest.raises(ValueError, match=r"`shared_axes` must name axes of the input \(rank 2\)"):
        A.PReLU(shared_axes=[3])(tf.zeros([1, 2]))


def test_rrelu_inference_uses_the_mean_slope():
    layer = A.RReLU(lower=0.1, upper=0.3)
    assert_close(layer(tf.constant([-2.0, 0.0, 5.0]), training=False), [-0.4, 0.0, 5.0])
    assert_close(layer(tf.constant([-2.0, 0.0, 5.0])), [-0.4, 0.0, 5.0])  # default: inference


def test_rrelu_training_draws_each_slope_uniformly_in_the_bounds():
    layer = A.RReLU(lower=0.125, upper=1 / 3, seed=7)
    x = -tf.ones([20000])
    slopes = -layer(x, training=True).numpy()
    assert slopes.min() >= 0.125 and slopes.max() <= 1 / 3
    assert abs(slopes.mean() - (0.125 + 1 / 3) / 2) < 0.005
    assert abs(slopes.std() - (1 / 3 - 0.125) / np.sqrt(12)) < 0.005  # U[a, b]
    assert_close(layer(tf.constant([3.0]), training=True), [3.0])  # positives untouched


def test_rrelu_is_reproducible_from_its_seed_and_redraws_every_call(run):
    x = -tf.ones([64])
    first = A.RReLU(seed=3)
    second = A.RReLU(seed=3)
    a1 = run(lambda t: first(t, training=True), x).numpy()
    a2 = run(lambda t: first(t, training=True), x).numpy()
    b1 = run(lambda t: second(t, training=True), x).numpy()
    np.testing.assert_array_equal(a1, b1)
    assert not np.array_equal(a1, a2)
    assert not np.array_equal(a1, A.RReLU(seed=4)(x, training=True).numpy())


def test_rrelu_compiles_with_xla():
    layer = A.RReLU(seed=1)
    step = tf.function(lambda t: layer(t, training=True), jit_compile=True)
    y = step(-tf.ones([16])).numpy()
    assert ((-y >= 1 / 8) & (-y <= 1 / 3)).all()


@pytest.mark.parametrize("training", [False, True])
def test_rrelu_is_the_identity_for_every_non_negative_input(training):
    x = tf.constant(np.linspace(0.0, 3.0, 61), tf.float32)
    np.testing.assert_array_equal(A.RReLU(seed=0)(x, training=training).numpy(), x.numpy())


def test_rrelu_defaults_are_the_papers_slopes_one_eighth_to_one_third():
    layer = A.RReLU()
    assert (layer.lower, layer.upper) == (1 / 8, 1 / 3)
    assert_close(layer(tf.constant([-24.0])), [-24.0 * (1 / 8 + 1 / 3) / 2])


@pytest.mark.parametrize(("lower", "upper"), [(0.0, 0.5), (0.2, 0.2), (0.0, 0.0)])
def test_rrelu_accepts_the_edges_of_its_bounds(lower, upper):
    layer = A.RReLU(lower=lower, upper=upper, seed=0)
    slopes = -layer(-tf.ones([256]), training=True).numpy()
    assert ((slopes >= lower) & (slopes <= upper)).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"lower": -0.1}, ValueError, r"`lower` must be >= 0\. Received: lower=-0\.1"),
        ({"lower": 0.5, "upper": 0.2}, ValueError, r"`upper` must be >= lower=0\.5"),
        ({"upper": "x"}, TypeError, r"`upper` must be a real number"),
        ({"seed": 1.5}, TypeError, r"`seed` must be an integer"),
    ],
)
def test_rrelu_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        A.RReLU(**kwargs)


def test_swish_beta_starts_as_silu_and_learns_beta():
    layer = A.SwishBeta()
    x = tf.constant([-1.0, 0.5, 2.0])
    assert_close(layer(x), A.swish(x))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(x))
    dbeta = tape.gradient(y, layer.beta)
    s = 1 / (1 + np.exp(-x.numpy()))
    assert_close(dbeta, np.sum(x.numpy() ** 2 * s * (1 - s)))


def test_swish_beta_can_be_fixed():
    layer = A.SwishBeta(beta=2.0, trainable_beta=False)
    assert layer.trainable_weights == [] and float(layer.beta) == 2.0
    with pytest.raises(TypeError, match=r"`trainable_beta` must be a bool"):
        A.SwishBeta(trainable_beta="no")


@pytest.mark.parametrize(
    "layer",
    [
        lambda: A.PReLU(alpha_initializer=0.1, shared_axes=[1]),
        lambda: A.RReLU(lower=0.05, upper=0.2, seed=5),
        lambda: A.SwishBeta(beta=1.5),
    ],
)
def test_layers_round_trip_through_keras_config(layer):
    layer = layer()
    rebuilt = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(rebuilt) is type(layer) and rebuilt.get_config() == layer.get_config()


@pytest.mark.parametrize(
    "layer",
    [
        lambda: A.PReLU(alpha_initializer=0.3, dtype="float64"),
        lambda: A.RReLU(dtype="float64"),  # inference: the fixed mean slope
        lambda: A.SwishBeta(beta=1.3, dtype="float64"),
    ],
)
def test_layers_pass_check_gradient_in_float64(layer):
    assert A.check_gradient(layer()) < 1e-7


def test_swish_beta_has_swishs_limits_at_infinity():
    layer = A.SwishBeta()
    x = tf.constant([-float("inf"), -1e4, 0.0, 1e4, float("inf")])
    np.testing.assert_array_equal(layer(x).numpy(), [0.0, 0.0, 0.0, 1e4, float("inf")])
    np.testing.assert_array_equal(layer(x).numpy(), A.swish(x).numpy())
