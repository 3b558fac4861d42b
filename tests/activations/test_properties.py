"""Laws of the activations, by hypothesis, and SELU's self-normalisation."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import tftrain.activations as A
from tests.activations.conftest import MONOTONIC

# TF runs its CPU kernels with subnormals flushed to zero, so laws are stated
# for normal floats (and 0).
finite32 = st.floats(
    -1e4, 1e4, width=32, allow_nan=False, allow_infinity=False, allow_subnormal=False
)
vectors = arrays(np.float32, st.integers(1, 16), elements=finite32)


@given(vectors)
def test_relu_is_idempotent(x):
    once = A.relu(x)
    np.testing.assert_array_equal(A.relu(once).numpy(), once.numpy())


# A subnormal alpha is itself read as 0 by the flushing kernels: see the test below.
@given(vectors, st.floats(0.0, 5.0, width=32, allow_subnormal=False))
def test_leaky_relu_is_x_above_zero_and_alpha_x_below(x, alpha):
    y = A.leaky_relu(tf.constant(x), alpha=float(alpha)).numpy()
    np.testing.assert_array_equal(y[x >= 0], x[x >= 0])
    # alpha * x below the smallest normal float is flushed to 0 by TF.
    tiny = np.finfo(np.float32).tiny
    np.testing.assert_allclose(y[x < 0], np.float32(alpha) * x[x < 0], rtol=1e-7, atol=tiny)


@pytest.mark.parametrize("alpha", [1e-40, 1e-38])
def test_leaky_relu_reads_an_alpha_subnormal_in_float32_as_zero(alpha):
    # alpha * x = -1.18e-38 or -1.18e-36 would be normal, but the float32 kernels treat
    # the subnormal alpha as 0 on input; float64 keeps it.
    x = np.array([-118.0, 2.0])
    y = A.leaky_relu(tf.constant(x, tf.float32), alpha=alpha).numpy()
    np.testing.assert_array_equal(y, [0.0, 2.0])
    y64 = A.leaky_relu(tf.constant(x, tf.float64), alpha=alpha).numpy()
    np.testing.assert_allclose(y64, [alpha * -118.0, 2.0], rtol=1e-15)


@given(vectors, st.floats(0.0, 5.0, width=32, allow_subnormal=False))
def test_leaky_relu_negative_slope_is_alpha(x, slope):
    np.testing.assert_array_equal(
        A.leaky_relu(x, negative_slope=float(slope)).numpy(),
        A.leaky_relu(x, alpha=float(slope)).numpy(),
    )


@given(vectors)
def test_relu6_is_idempotent_and_within_0_and_6(x):
    once = A.relu6(x).numpy()
    np.testing.assert_array_equal(A.relu6(once).numpy(), once)
    assert ((once >= 0) & (once <= 6)).all()


@given(vectors)
def test_hard_sigmoid_is_point_symmetric_about_one_half(x):
    # relu6(3 - x) / 6 and 1 - relu6(x + 3) / 6 round differently: an ulp of 1 each.
    eps = float(np.finfo(np.float32).eps)
    np.testing.assert_allclose(
        A.hard_sigmoid(-x).numpy(), 1 - A.hard_sigmoid(x).numpy(), rtol=0, atol=2 * eps
    )


@given(vectors)
def test_hard_silu_guard_changes_no_finite_value(x):
    np.testing.assert_array_equal(
        A.hard_silu(x).numpy(), (x * (tf.nn.relu6(x + 3.0) / 6.0)).numpy()
    )


@given(vectors)
def test_softsign_is_odd_bounded_and_tf_nn_softsign_on_finite_inputs(x):
    y = A.softsign(x).numpy()
    np.testing.assert_array_equal(A.softsign(-x).numpy(), -y)
    assert (np.abs(y) <= 1).all()
    np.testing.assert_array_equal(y, tf.nn.softsign(x).numpy())


@given(
    arrays(np.float64, st.integers(1, 16), elements=st.floats(-50, 50)),
    st.floats(0.05, 20.0),
)
def test_celu_is_alpha_times_unit_celu_of_x_over_alpha(x, alpha):
    np.testing.assert_allclose(
        A.celu(x, alpha=alpha).numpy(), alpha * A.celu(x / alpha).numpy(), rtol=1e-13, atol=1e-300
    )


@given(st.floats(1e-12, 1e-4), st.floats(0.05, 20.0))
def test_celu_slope_is_continuous_at_zero_for_any_alpha(eps, alpha):
    x = tf.constant([-eps, 0.0, eps], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = A.celu(x, alpha=alpha)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), 1.0, rtol=2 * eps / alpha)


@given(vectors)
def test_sigmoid_is_point_symmetric(x):
    # TF's logistic kernel is within ~1.1 ulp of 1 (1.4e-7) of the true value, so the two
    # sides may differ by two such errors; measured worst case on [-20, 20]: 2.1e-7.
    eps = float(np.finfo(np.float32).eps)
    np.testing.assert_allclose(
        A.sigmoid(-x).numpy(), 1 - A.sigmoid(x).numpy(), rtol=0, atol=2 * eps
    )


@given(arrays(np.float64, st.integers(1, 16), elements=st.floats(-300, 300)))
def test_tanh_is_a_rescaled_sigmoid(x):
    np.testing.assert_allclose(
        A.tanh(x).numpy(), 2 * A.sigmoid(2 * x).numpy() - 1, rtol=0, atol=1e-15
    )


@given(st.floats(1e-12, 1e-3), st.floats(0.0, 5.0))
def test_elu_and_selu_are_continuous_at_zero(eps, alpha):
    x = tf.constant([-eps, 0.0, eps], tf.float64)
    for fn, slope in ((lambda t: A.elu(t, alpha=alpha), max(1.0, alpha)), (A.selu, 1.7581)):
        left, mid, right = fn(x).numpy()
        assert mid == 0.0
        assert abs(left - mid) <= slope * eps * (1 + 1e-6) and abs(right - mid) <= slope * eps


@given(st.floats(17.0, 1e4, width=32))
def test_swish_approaches_x_for_large_x_and_zero_for_very_negative_x(x):
    y_pos, y_neg = A.swish(tf.constant([x, -x], tf.float32)).numpy()
    np.testing.assert_allclose(y_pos, x, rtol=1e-7)  # x * sigma(x) = x (1 - e^{-x}...)
    assert abs(y_neg) <= x * np.exp(-x) * (1 + 1e-5)  # |x sigma(-x)| <= x e^{-x}, f32 rounding


@pytest.mark.parametrize("name", MONOTONIC)
@given(arrays(np.float32, st.integers(2, 32), elements=finite32))
@example(x=np.full(9, -0.0971678, np.float32))
def test_monotonic_activations_preserve_order(name, x):
    x = np.sort(x)
    y = A.get(name)(tf.constant(x)).numpy()
    # Vectorised kernels round the SIMD lanes and the scalar tail differently,
    # so equal inputs may differ by an ulp. And TF's Elu/Selu kernels compute
    # exp(x) - 1 (as Keras does), exact to half an ulp of 1 (2**-25, times
    # SELU's scale) rather than of the result, in the SIMD lanes and in the tail
    # each: just below 0 the output may step back by twice that (seen: nine
    # equal inputs near -0.097, the ninth output 2**-24 below the other eight).
    slack = {"elu": 2.0**-24, "selu": 1.0507 * 1.6733 * 2.0**-24}.get(name, 0.0)
    assert (np.diff(y) >= -(slack + 2 * np.spacing(np.abs(y[1:])))).all(), (x, y)


def _normalised_stats(activation, seed, *, depth=32, width=256, batch=2048):
    """Per-layer (mean, variance) through a LeCun-normal dense net fed N(0, 1)."""
    rng = np.random.default_rng(seed)
    h = tf.constant(rng.standard_normal((batch, width)), tf.float32)
    stats = []
    for _ in range(depth):
        w = tf.constant(rng.standard_normal((width, width)) / np.sqrt(width), tf.float32)
        h = activation(h @ w)
        stats.append((float(tf.reduce_mean(h)), float(tf.math.reduce_variance(h))))
    return np.array(stats)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_selu_keeps_zero_mean_unit_variance_through_32_layers(seed):
    # Tolerance: with 256 units each layer's variance is an average of 256
    # per-unit variances whose weights' squared norms fluctuate by sqrt(2/256)
    # ~ 0.09, and SELU's fixed point attracts, so the spread stays bounded;
    # measured over 6 seeds: max |mean| 0.019, max |variance - 1| 0.067. The
    # bounds 0.1 and 0.15 leave about 2x margin.
    stats = _normalised_stats(A.selu, seed)
    assert np.abs(stats[:, 0]).max() < 0.1, stats
    assert np.abs(stats[:, 1] - 1).max() < 0.15, stats


@pytest.mark.parametrize("name", ["tanh", "relu", "elu"])
def test_other_activations_drift_from_unit_variance_in_the_same_network(name):
    stats = _normalised_stats(A.get(name), seed=0)
    assert np.abs(stats[:, 0]).max() >= 0.1 or np.abs(stats[:, 1] - 1).max() >= 0.15
