"""Focal cross-entropies: Keras oracles, a float64 reference at huge logits, gradients, edges."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tftrain import losses
from tftrain.testing import assert_close, check_loss

# Moderate logits: Keras's clipping of sigmoid/softmax to [1e-7, 1 - 1e-7] does not act.
moderate = hnp.arrays(
    np.float32,
    st.tuples(st.integers(1, 5), st.integers(2, 5)),
    elements=st.floats(-5, 5, allow_nan=False, width=32),
)
gammas = st.sampled_from([0.0, 0.5, 1.0, 2.0, 4.5])
alphas = st.floats(0.0, 1.0)
smoothings = st.sampled_from([0.0, 0.1, 0.3])


def reference_binary(y, z, gamma, alpha=None):
    """Binary focal loss from logits in float64, in log space."""
    y, z = np.asarray(y, np.float64), np.asarray(z, np.float64)
    bce = np.logaddexp(0.0, z) - z * y
    with np.errstate(divide="ignore"):
        log_miss = np.logaddexp(
            np.log(y) - np.logaddexp(0.0, z), np.log1p(-y) - np.logaddexp(0, -z)
        )
    focal = np.exp(gamma * log_miss) * bce
    if alpha is not None:
        focal *= y * alpha + (1 - y) * (1 - alpha)
    return focal.mean(-1)


def reference_categorical(y, z, gamma, alpha):
    """Categorical focal loss from logits in float64: log(1 - p_k) from the other logits."""
    y, z = np.asarray(y, np.float64), np.asarray(z, np.float64)
    total = np.logaddexp.reduce(z, axis=-1, keepdims=True)
    log_p = z - total
    log_miss = (
        np.stack(
            [np.logaddexp.reduce(np.delete(z, k, axis=-1), axis=-1) for k in range(z.shape[-1])], -1
        )
        - total
    )
    return -alpha * (np.exp(gamma * log_miss) * y * log_p).sum(-1)


def labels_like(shape, seed, one_hot):
    rng = np.random.default_rng(seed)
    if one_hot:
        return np.eye(shape[-1], dtype=np.float32)[rng.integers(0, shape[-1], shape[:-1])]
    return rng.integers(0, 2, shape).astype(np.float32)


# ------------------------------------------------------------------- oracles
@given(moderate, gammas, alphas, st.booleans(), smoothings, st.booleans())
def test_binary_focal_equals_keras(logits, gamma, alpha, balance, smoothing, from_logits):
    y = labels_like(logits.shape, logits.size, one_hot=False)
    y_pred = logits if from_logits else tf.sigmoid(logits).numpy()
    args = dict(
        apply_class_balancing=balance,
        alpha=alpha,
        gamma=gamma,
        from_logits=from_logits,
        label_smoothing=smoothing,
    )
    ours = losses.binary_focal_crossentropy(y, y_pred, **args)
    assert_close(ours, keras.losses.binary_focal_crossentropy(y, y_pred, **args), scale=10)
    weights = np.linspace(0, 1, len(y)).astype(np.float32)
    assert_close(
        losses.BinaryFocalCrossentropy(**args)(y, y_pred, weights),
        keras.losses.BinaryFocalCrossentropy(**args)(y, y_pred, weights),
        scale=10,
    )


@given(moderate, gammas, alphas, smoothings, st.booleans())
def test_categorical_focal_equals_keras(logits, gamma, alpha, smoothing, from_logits):
    y = labels_like(logits.shape, logits.size, one_hot=True)
    y_pred = logits if from_logits else tf.nn.softmax(logits).numpy()
    args = dict(alpha=alpha, gamma=gamma, from_logits=from_logits, label_smoothing=smoothing)
    ours = losses.categorical_focal_crossentropy(y, y_pred, **args)
    theirs = keras.losses.categorical_focal_crossentropy(y, y_pred, **args)
    assert_close(ours, theirs, scale=10)
    assert_close(
        losses.CategoricalFocalCrossentropy(**args)(y, y_pred),
        keras.losses.CategoricalFocalCrossentropy(**args)(y, y_pred),
        scale=10,
    )


@given(moderate, gammas)
def test_gradients_equal_keras(logits, gamma):
    y = labels_like(logits.shape, logits.size, one_hot=True)
    z = tf.constant(logits)
    for ours, theirs in (
        (losses.binary_focal_crossentropy, keras.losses.binary_focal_crossentropy),
        (losses.categorical_focal_crossentropy, keras.losses.categorical_focal_crossentropy),
    ):
        grads = []
        for fn in (ours, theirs):
            with tf.GradientTape() as tape:
                tape.watch(z)
                value = tf.reduce_sum(fn(y, z, gamma=gamma, from_logits=True))
            grads.append(tape.gradient(value, z))
        assert_close(grads[0], grads[1], scale=10)


def test_gamma_zero_is_the_cross_entropy():
    z = tf.random.normal((4, 3)) * 5
    y = labels_like((4, 3), 0, one_hot=True)
    assert_close(
        losses.categorical_focal_crossentropy(y, z, alpha=1.0, gamma=0.0, from_logits=True),
        losses.categorical_crossentropy(y, z, from_logits=True),
    )
    assert_close(
        losses.binary_focal_crossentropy(y, z, gamma=0.0, from_logits=True),
        losses.binary_crossentropy(y, z, from_logits=True),
    )


# ---------------------------------------------------------------- stability
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("scale", [1e2, 1e4])
def test_huge_logits_are_exact_with_finite_gradients(gamma, scale, run_any):
    rng = np.random.default_rng(4)
    logits = (rng.uniform(-1, 1, (8, 4)) * scale).astype(np.float32)
    logits[0] = [scale, -scale, -scale, -scale]  # confidently right ...
    logits[1] = [-scale, scale, -scale, -scale]  # ... and confidently wrong (label 0)
    y = np.eye(4, dtype=np.float32)[[0, 0, 1, 2, 3, 0, 1, 2]]
    cases = (
        (losses.binary_focal_crossentropy, reference_binary(y, logits, gamma, 0.25), {}),
        (
            losses.categorical_focal_crossentropy,
            reference_categorical(y, logits, gamma, 0.25),
            {},
        ),
    )
    for fn, reference, _ in cases:
        z = tf.constant(logits)

        def value_and_gradient(z, fn=fn):
            with tf.GradientTape() as tape:
                tape.watch(z)
                value = fn(
                    y,
                    z,
                    gamma=gamma,
                    from_logits=True,
                    **(
                        {"apply_class_balancing": True}
                        if fn is losses.binary_focal_crossentropy
                        else {}
                    ),
                )
            return value, tape.gradient(value, z)

        value, gradient = run_any(value_and_gradient, z)
        np.testing.assert_allclose(value.numpy(), reference, rtol=1e-6, atol=1e-6)
        assert np.isfinite(gradient.numpy()).all()


def test_probabilities_exactly_zero_and_one_give_finite_gradients():
    y = np.eye(3, dtype=np.float32)[[0, 1]]
    for q in (y, np.roll(y, 1, axis=-1)):
        q = tf.constant(q)
        for fn in (losses.binary_focal_crossentropy, losses.categorical_focal_crossentropy):
            with tf.GradientTape() as tape:
                tape.watch(q)
                value = fn(y, q, gamma=0.5)
            assert np.isfinite(value.numpy()).all()
            assert np.isfinite(tape.gradient(value, q).numpy()).all()


@pytest.mark.parametrize("dtype", [tf.float16, tf.bfloat16, tf.float64])
def test_float32_out_for_every_input_dtype(dtype, run_any):
    logits = tf.cast(np.random.default_rng(6).uniform(-1e4, 1e4, (6, 5)), dtype)
    y = labels_like((6, 5), 1, one_hot=True)
    rounded = tf.cast(tf.cast(logits, tf.float32), tf.float64).numpy()  # what the loss sees
    for fn, reference in (
        (losses.binary_focal_crossentropy, reference_binary(y, rounded, 2.0)),
        (losses.categorical_focal_crossentropy, reference_categorical(y, rounded, 2.0, 0.25)),
    ):
        value = run_any(fn, tf.cast(y, dtype), logits, from_logits=True)
        assert value.dtype == tf.float32
        np.testing.assert_allclose(value.numpy(), reference, rtol=1e-6, atol=1e-6)


def test_nan_logits_give_nan_losses_not_zeros():
    z = np.array([[0.0, 1.0], [np.nan, 0.0]], np.float32)
    y = np.eye(2, dtype=np.float32)[[0, 1]]
    for fn in (losses.binary_focal_crossentropy, losses.categorical_focal_crossentropy):
        value = fn(y, z, from_logits=True).numpy()
        assert np.isfinite(value[0]) and np.isnan(value[1])


def test_traces_once_and_compiles_with_xla():
    for loss in (
        losses.BinaryFocalCrossentropy(from_logits=True),
        losses.CategoricalFocalCrossentropy(from_logits=True),
    ):
        step = tf.function(lambda y, z, loss=loss: loss(y, z), jit_compile=True)
        for seed in range(3):
            step(tf.constant(labels_like((2, 3), seed, one_hot=True)), tf.random.normal((2, 3)))
        assert step.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("name", ["binary_focal_crossentropy", "categorical_focal_crossentropy"])
def test_label_smoothing_is_left_out_of_the_drawn_arguments_because_the_minimum_moves(name):
    # The focusing factor rewards predictions more confident than the smoothed target,
    # so check_loss's "minimal at the target" does not hold with smoothing.
    with pytest.raises(AssertionError, match="minimal at the target"):
        check_loss({"name": name, "label_smoothing": 0.1, "from_logits": True})
    check_loss({"name": name, "from_logits": True})


# -------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "cls", [losses.BinaryFocalCrossentropy, losses.CategoricalFocalCrossentropy]
)
def test_bad_arguments_are_refused_at_construction(cls):
    with pytest.raises(ValueError, match=r"Argument `gamma` must be >= 0\. Received: gamma=-1"):
        cls(gamma=-1.0)
    with pytest.raises(ValueError, match=r"Argument `alpha` must be in \[0.0, 1.0\]\. Received"):
        cls(alpha=1.5)
    with pytest.raises(ValueError, match=r"Argument `label_smoothing` must be in"):
        cls(label_smoothing=2.0)
    with pytest.raises(TypeError, match=r"Argument `from_logits` must be a bool"):
        cls(from_logits="yes")
    with pytest.raises(TypeError, match="Unknown argument 'gama'"):
        losses.get({"name": cls().name, "gama": 2.0})
    with pytest.raises(TypeError, match="Argument `apply_class_balancing` must be a bool"):
        losses.BinaryFocalCrossentropy(apply_class_balancing=1)


def test_categorical_probabilities_that_do_not_sum_to_one_are_normalised_as_in_keras():
    y_true = tf.constant([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    y_pred = tf.constant([[1.0, 3.0, 4.0], [0.5, 0.25, 0.25]])  # sums 8 and 1
    ours = losses.categorical_focal_crossentropy(y_true, y_pred)
    theirs = keras.losses.categorical_focal_crossentropy(y_true, y_pred)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
