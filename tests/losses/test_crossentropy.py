"""The cross-entropy family: Keras oracles, stability, laws, label checks, shapes."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tftrain import losses
from tftrain.testing import assert_close

logit_values = st.floats(-30, 30, allow_nan=False, width=32)
logit_batches = hnp.arrays(
    np.float32,
    st.tuples(st.integers(1, 5), st.integers(2, 6)),
    elements=logit_values,
)


def reference_cce(labels, logits, axis=-1):
    """Softmax cross-entropy in float64 NumPy, by log-sum-exp."""
    z = np.asarray(logits, np.float64)
    shifted = z - z.max(axis, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))
    return -(np.asarray(labels, np.float64) * log_softmax).sum(axis)


def reference_bce(labels, logits):
    z = np.asarray(logits, np.float64)
    y = np.asarray(labels, np.float64)
    return (np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))).mean(-1)


def one_hot(labels, depth):
    return np.eye(depth, dtype=np.float32)[labels]


CASES = [
    # (ours, keras, labels kind)
    (losses.CategoricalCrossentropy, keras.losses.CategoricalCrossentropy, "one_hot"),
    (losses.SparseCategoricalCrossentropy, keras.losses.SparseCategoricalCrossentropy, "index"),
    (losses.BinaryCrossentropy, keras.losses.BinaryCrossentropy, "binary"),
]


def labels_for(kind, shape, rng):
    if kind == "index":
        return rng.integers(0, shape[-1], size=shape[:-1])
    if kind == "one_hot":
        return one_hot(rng.integers(0, shape[-1], size=shape[:-1]), shape[-1])
    return rng.integers(0, 2, size=shape).astype(np.float32)


# ------------------------------------------------------------------- oracles
@pytest.mark.parametrize(("ours", "theirs", "kind"), CASES)
@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_equals_keras(ours, theirs, kind, from_logits, reduction, run):
    rng = np.random.default_rng(3)
    y_pred = rng.normal(size=(6, 5)).astype(np.float32) * 3
    if not from_logits:
        y_pred = tf.nn.softmax(y_pred) if kind != "binary" else tf.sigmoid(y_pred)
    y_true = labels_for(kind, (6, 5), rng)
    weights = rng.uniform(size=(6,)).astype(np.float32)
    kwargs = {"from_logits": from_logits, "reduction": reduction}
    expected = theirs(**kwargs)(y_true, y_pred, weights)
    assert_close(run(ours(**kwargs), y_true, y_pred, weights), expected, scale=10)


@pytest.mark.parametrize("from_logits", [True, False])
def test_label_smoothing_equals_keras(from_logits):
    rng = np.random.default_rng(4)
    logits = rng.normal(size=(4, 3)).astype(np.float32)
    y_pred = logits if from_logits else tf.nn.softmax(logits)
    cce = one_hot([0, 2, 1, 1], 3)
    for ours, theirs, y_true in (
        (losses.categorical_crossentropy, keras.losses.categorical_crossentropy, cce),
        (losses.binary_crossentropy, keras.losses.binary_crossentropy, cce),
    ):
        assert_close(
            ours(y_true, y_pred, from_logits=from_logits, label_smoothing=0.2),
            theirs(y_true, y_pred, from_logits=from_logits, label_smoothing=0.2),
            scale=10,
        )


@pytest.mark.parametrize("scale", [1e2, 1e3, 1e4])
def test_large_logits_are_finite_and_exact(scale, run_any):
    rng = np.random.default_rng(5)
    logits = (rng.uniform(-1, 1, size=(8, 4)) * scale).astype(np.float32)
    logits[0] = [scale, -scale, -scale, -scale]
    labels = rng.integers(0, 4, size=8)
    expected = reference_cce(one_hot(labels, 4), logits)
    sparse = run_any(losses.sparse_categorical_crossentropy, labels, logits, from_logits=True)
    dense = run_any(losses.categorical_crossentropy, one_hot(labels, 4), logits, from_logits=True)
    bce = run_any(losses.binary_crossentropy, one_hot(labels, 4), logits, from_logits=True)
    for value, reference in (
        (sparse, expected),
        (dense, expected),
        (bce, reference_bce(one_hot(labels, 4), logits)),
    ):
        assert np.all(np.isfinite(value.numpy()))
        np.testing.assert_allclose(value.numpy(), reference, rtol=1e-6, atol=1e-6)
    keras_value = keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    np.testing.assert_allclose(sparse.numpy(), keras_value.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [tf.float16, tf.bfloat16, tf.float64])
def test_low_and_high_precision_logits_give_float32_losses(dtype, run_any):
    rng = np.random.default_rng(6)
    logits = tf.cast(rng.uniform(-1e4, 1e4, size=(6, 5)), dtype)
    labels = rng.integers(0, 5, size=6)
    rounded = tf.cast(tf.cast(logits, tf.float32), tf.float64).numpy()  # what the loss sees
    for fn, y_true, reference in (
        (
            losses.sparse_categorical_crossentropy,
            labels,
            reference_cce(one_hot(labels, 5), rounded),
        ),
        (
            losses.categorical_crossentropy,
            one_hot(labels, 5),
            reference_cce(one_hot(labels, 5), rounded),
        ),
        (
            losses.binary_crossentropy,
            one_hot(labels, 5),
            reference_bce(one_hot(labels, 5), rounded),
        ),
    ):
        value = run_any(fn, y_true, logits, from_logits=True)
        assert value.dtype == tf.float32
        assert np.all(np.isfinite(value.numpy()))
        np.testing.assert_allclose(value.numpy(), reference, rtol=1e-6, atol=1e-6)


def test_float16_probabilities_match_keras_class():
    probabilities = tf.cast(tf.nn.softmax(tf.random.normal((4, 3))), tf.float16)
    labels = one_hot([0, 1, 2, 0], 3)
    ours = losses.CategoricalCrossentropy()(labels, probabilities)
    assert ours.dtype == tf.float32
    assert_close(ours, keras.losses.CategoricalCrossentropy()(labels, probabilities))


def test_a_certain_right_probability_is_clipped_below_one_as_in_keras():
    y, p = tf.constant([[0.0, 1.0]]), tf.constant([[0.0, 1.0]])
    ours = losses.categorical_crossentropy(y, p).numpy()
    np.testing.assert_allclose(ours, keras.losses.categorical_crossentropy(y, p), rtol=1e-6)
    assert ours[0] > 0  # -log(1 - 1e-7), not log(1) = 0
    sparse = losses.sparse_categorical_crossentropy([1], p).numpy()
    np.testing.assert_allclose(sparse, ours, rtol=1e-6)


def test_probabilities_of_zero_are_clipped_not_infinite():
    loss = losses.categorical_crossentropy([[1.0, 0.0]], [[0.0, 1.0]])
    assert_close(loss, [-np.log(1e-7)], scale=10)
    bce = losses.binary_crossentropy([[1.0]], [[0.0]])
    assert_close(bce, keras.losses.binary_crossentropy([[1.0]], [[0.0]]))


# ---------------------------------------------------------------------- laws
@given(logit_batches, st.floats(-1e3, 1e3, allow_nan=False, width=32))
def test_adding_a_constant_to_all_logits_changes_nothing(logits, shift):
    labels = np.arange(logits.shape[0]) % logits.shape[1]
    base = losses.sparse_categorical_crossentropy(labels, logits, from_logits=True).numpy()
    moved = losses.sparse_categorical_crossentropy(
        labels, logits + np.float32(shift), from_logits=True
    ).numpy()
    # The shift itself is rounded in float32: error up to ulp(|shift| + 30).
    np.testing.assert_allclose(moved, base, atol=4 * np.spacing(np.float32(abs(shift) + 30)) + 1e-6)


@given(st.integers(1, 6), st.integers(2, 50), st.floats(-1e4, 1e4, allow_nan=False, width=32))
def test_equal_logits_give_log_num_classes(batch, num_classes, value):
    logits = np.full((batch, num_classes), value, np.float32)
    labels = np.arange(batch) % num_classes
    expected = np.full(batch, np.log(num_classes))
    assert_close(losses.sparse_categorical_crossentropy(labels, logits, from_logits=True), expected)
    assert_close(
        losses.categorical_crossentropy(one_hot(labels, num_classes), logits, from_logits=True),
        expected,
    )


@given(logit_batches, st.booleans())
def test_sparse_and_one_hot_forms_agree(logits, from_logits):
    labels = (np.arange(logits.shape[0]) * 7) % logits.shape[1]
    y_pred = logits if from_logits else tf.nn.softmax(logits).numpy()
    sparse = losses.sparse_categorical_crossentropy(labels, y_pred, from_logits=from_logits)
    dense = losses.categorical_crossentropy(one_hot(labels, logits.shape[1]), y_pred, from_logits)
    assert_close(sparse, dense, scale=10)


@given(logit_batches, st.floats(0.0, 1.0))
def test_crossentropies_are_non_negative(logits, smoothing):
    labels = np.arange(logits.shape[0]) % logits.shape[1]
    dense = one_hot(labels, logits.shape[1])
    for value in (
        losses.sparse_categorical_crossentropy(labels, logits, from_logits=True),
        losses.categorical_crossentropy(dense, logits, True, smoothing),
        losses.binary_crossentropy(dense, logits, True, smoothing),
        losses.binary_crossentropy(dense, tf.sigmoid(logits), False, smoothing),
    ):
        assert np.all(value.numpy() >= 0)


def test_gradients_are_softmax_minus_labels():
    logits = tf.Variable([[1.0, 3.0, -2.0], [0.0, 0.0, 1e4]])
    labels = one_hot([1, 0], 3)
    for fn, y_true in (
        (losses.categorical_crossentropy, labels),
        (losses.sparse_categorical_crossentropy, [1, 0]),
    ):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(fn(y_true, logits, from_logits=True))
        assert_close(tape.gradient(loss, logits), tf.nn.softmax(logits) - labels)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(losses.binary_crossentropy(labels, logits, from_logits=True))
    assert_close(tape.gradient(loss, logits), (tf.sigmoid(logits) - labels) / 3)


# ------------------------------------------------------------ label checks
@pytest.mark.parametrize("bad", [3, -1])
@pytest.mark.parametrize("mode", ["eager", "function"])
def test_out_of_range_labels_raise(bad, mode):
    fn = losses.SparseCategoricalCrossentropy(from_logits=True)
    call = fn if mode == "eager" else tf.function(fn)
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"labels in `y_true` must be integers in \[0, num_classes\) = \[0, 3\)",
    ):
        call(tf.constant([0, bad]), tf.zeros((2, 3)))


@pytest.mark.parametrize("dtype", [tf.uint8, tf.int32, tf.int64, tf.float32])
@pytest.mark.parametrize("mode", ["eager", "function"])
def test_a_label_equal_to_the_class_count_is_out_of_range(dtype, mode):
    # The function form keeps integer labels integer (the Keras class casts them to float).
    fn = losses.sparse_categorical_crossentropy
    call = fn if mode == "eager" else tf.function(fn)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"integers in \[0, num_classes\)"):
        call(tf.constant([0, 3], dtype), tf.zeros((2, 3)), True)
    assert call(tf.constant([0, 2], dtype), tf.zeros((2, 3)), True).shape == (2,)


def test_probabilities_are_the_default_input_of_the_sparse_function():
    loss = losses.sparse_categorical_crossentropy([1, 0], [[0.25, 0.75], [0.5, 0.5]])
    np.testing.assert_allclose(loss.numpy(), [-np.log(0.75), -np.log(0.5)], rtol=1e-6)


@pytest.mark.parametrize("steps", [None, 2])  # (batch, classes) or (batch, steps, classes)
def test_labels_are_checked_against_a_class_count_known_only_when_the_step_runs(steps):
    extra = [] if steps is None else [None]
    fn = tf.function(
        lambda y, p: losses.sparse_categorical_crossentropy(y, p, from_logits=True),
        input_signature=[
            tf.TensorSpec([None, *extra], tf.int32),
            tf.TensorSpec([None, *extra, None]),
        ],
    )
    shape = [2] if steps is None else [2, steps]
    logits = tf.zeros([*shape, 3])
    good = tf.fill(shape, 2)
    assert_close(fn(good, logits), np.full(shape, np.log(3.0)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[0, num_classes\)"):
        fn(good + 1, logits)


def test_fractional_labels_raise():
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be integers"):
        losses.SparseCategoricalCrossentropy()([0.0, 1.5], [[0.5, 0.5], [0.5, 0.5]])


@pytest.mark.parametrize("bad", [3, -1, 1000])
def test_out_of_range_labels_under_xla_poison_loss_and_gradient_with_nan(bad):
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, reduction="none")
    logits = tf.Variable(tf.random.normal((3, 3)))
    weights = tf.constant([1.0, 1.0, 0.0])  # even a zero weight cannot hide it

    @tf.function(jit_compile=True)
    def step(labels):
        with tf.GradientTape() as tape:
            per_example = loss(labels, logits)
            total = tf.reduce_sum(per_example * weights)
        return per_example, total, tape.gradient(total, logits)

    per_example, total, gradient = step(tf.constant([0, 1, bad]))
    assert np.isfinite(per_example.numpy()[:2]).all() and np.isnan(per_example.numpy()[2])
    assert np.isnan(total.numpy())
    assert np.isnan(gradient.numpy()[2]).all() and np.isfinite(gradient.numpy()[:2]).all()
    good = step(tf.constant([0, 1, 2]))
    assert np.isfinite(good[1].numpy()) and np.isfinite(good[2].numpy()).all()


def test_validation_can_be_switched_off_and_then_results_equal():
    logits = tf.random.normal((4, 3))
    labels = tf.constant([0, 2, 1, 1])
    fast = losses.sparse_categorical_crossentropy(labels, logits, True, validate=False)
    checked = losses.sparse_categorical_crossentropy(labels, logits, True)
    np.testing.assert_array_equal(fast.numpy(), checked.numpy())
    assert losses.SparseCategoricalCrossentropy(validate=False).get_config()["validate"] is False


# -------------------------------------------------------------- shapes, axes
def test_column_labels_are_squeezed_for_sparse_and_binary(run):
    logits = tf.random.normal((4, 3))
    labels = tf.constant([0, 2, 1, 1])
    assert_close(
        run(losses.sparse_categorical_crossentropy, labels[:, None], logits, True),
        run(losses.sparse_categorical_crossentropy, labels, logits, True),
    )
    bce = run(
        losses.binary_crossentropy, tf.constant([1.0, 0.0]), tf.constant([[2.0], [-1.0]]), True
    )
    assert bce.shape == (2,)
    assert_close(bce, reference_bce([[1.0], [0.0]], [[2.0], [-1.0]]))


def test_integer_labels_given_to_categorical_explain_the_fix():
    with pytest.raises(ValueError, match=r"same shape.*use sparse_categorical_crossentropy"):
        losses.categorical_crossentropy(tf.constant([0, 1]), tf.zeros((2, 3)))


def test_sparse_labels_of_the_wrong_shape_raise():
    with pytest.raises(ValueError, match=r"one class index per example.*y_true.shape=\(2, 2\)"):
        losses.sparse_categorical_crossentropy(tf.constant([[0, 1], [1, 0]]), tf.zeros((2, 3)))


def test_binary_shapes_that_would_broadcast_raise():
    with pytest.raises(ValueError, match="must have the same shape"):
        losses.binary_crossentropy(tf.zeros((4, 3)), tf.zeros((4, 1)))


def test_class_axis_can_be_first_after_batch():
    logits = tf.random.normal((2, 4, 3))  # (batch, classes, time)
    labels = tf.constant([[0, 3, 1], [2, 2, 0]])
    last = tf.transpose(logits, [0, 2, 1])
    assert_close(
        losses.sparse_categorical_crossentropy(labels, logits, True, axis=1),
        losses.sparse_categorical_crossentropy(labels, last, True),
    )
    dense = tf.one_hot(labels, 4)
    assert_close(
        losses.categorical_crossentropy(tf.transpose(dense, [0, 2, 1]), logits, True, axis=1),
        losses.categorical_crossentropy(dense, last, True),
    )
    assert_close(
        losses.binary_crossentropy(tf.zeros((2, 4, 3)), logits, True, axis=1),
        losses.binary_crossentropy(tf.zeros((2, 3, 4)), last, True),
    )


# -------------------------------------------------------------------- errors
@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan")])
@pytest.mark.parametrize("cls", [losses.CategoricalCrossentropy, losses.BinaryCrossentropy])
def test_label_smoothing_outside_unit_interval_is_refused(value, cls):
    pattern = r"Argument `label_smoothing` must be (in \[0.0, 1.0\]|finite)\. Received"
    with pytest.raises(ValueError, match=pattern):
        cls(label_smoothing=value)
    with pytest.raises(ValueError, match=pattern):
        losses.get({"name": cls().name, "label_smoothing": value})


def test_flag_and_axis_types_are_checked():
    with pytest.raises(
        TypeError, match=r"Argument `from_logits` must be a bool\. Received: from_logits='yes'"
    ):
        losses.BinaryCrossentropy(from_logits="yes")
    with pytest.raises(TypeError, match=r"Argument `axis` must be an int\. Received: axis=True"):
        losses.CategoricalCrossentropy(axis=True)
    with pytest.raises(TypeError, match="Argument `validate` must be a bool"):
        losses.SparseCategoricalCrossentropy(validate=1)
    with pytest.raises(ValueError, match=r"argument `axis` must be in \[-2, 2\).*axis=2"):
        losses.categorical_crossentropy(tf.zeros((2, 3)), tf.zeros((2, 3)), axis=2)


# ------------------------------------------------------- non-finite, tracing
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_logits_give_non_finite_losses_not_errors_or_zeros(bad):
    logits = np.array([[0.0, 1.0, 2.0], [bad, 0.0, 0.0]], np.float32)
    labels = np.array([1, 1])
    dense = one_hot(labels, 3)
    for value in (
        losses.sparse_categorical_crossentropy(labels, logits, from_logits=True),
        losses.categorical_crossentropy(dense, logits, from_logits=True),
        losses.binary_crossentropy(dense, logits, from_logits=True),
    ):
        assert np.isfinite(value.numpy()[0]) and not np.isfinite(value.numpy()[1])


def test_minus_inf_logit_of_another_class_is_probability_zero_for_sparse_labels():
    logits = np.array([[-np.inf, 0.0, 0.0]], np.float32)
    assert_close(losses.sparse_categorical_crossentropy([1], logits, True), [np.log(2.0)])
    # The dense form computes 0 * -inf = NaN for that class, as Keras and tf.nn do.
    dense = losses.categorical_crossentropy(one_hot([1], 3), logits, from_logits=True)
    theirs = keras.losses.categorical_crossentropy(one_hot([1], 3), logits, from_logits=True)
    np.testing.assert_array_equal(np.isnan(dense.numpy()), np.isnan(theirs.numpy()))


def test_each_loss_traces_once_for_new_values():
    for loss, y_true in (
        (losses.SparseCategoricalCrossentropy(from_logits=True), lambda: np.array([0, 2])),
        (losses.CategoricalCrossentropy(from_logits=True), lambda: one_hot([0, 2], 3)),
        (losses.BinaryCrossentropy(from_logits=True), lambda: one_hot([0, 2], 3)),
    ):
        step = tf.function(lambda y, z, loss=loss: loss(y, z))
        for _ in range(3):
            step(tf.constant(y_true()), tf.random.normal((2, 3)))
        assert step.experimental_get_tracing_count() == 1


def test_validate_false_leaves_no_check_in_the_graph():
    def ops(validate):
        fn = tf.function(
            lambda y, z: losses.sparse_categorical_crossentropy(y, z, True, validate=validate)
        )
        graph = fn.get_concrete_function(tf.TensorSpec([4], tf.int32), tf.TensorSpec([4, 3])).graph
        return {op.type for op in graph.get_operations()}

    assert "Assert" in ops(True)
    assert "Assert" not in ops(False)


def test_sparse_loss_takes_no_label_smoothing():
    with pytest.raises(TypeError, match="Unknown argument 'label_smoothing'"):
        losses.get({"name": "sparse_categorical_crossentropy", "label_smoothing": 0.1})


@pytest.mark.parametrize("dtype", [tf.uint8, tf.int32, tf.int64, tf.float32])
def test_label_dtypes_are_checked_against_the_true_class_count(dtype):
    logits = tf.random.normal((2, 300))
    labels = tf.constant([240, 7], dtype)
    expected = losses.categorical_crossentropy(tf.one_hot([240, 7], 300), logits, True)
    assert_close(losses.sparse_categorical_crossentropy(labels, logits, True), expected)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[0, 3\)"):
        losses.sparse_categorical_crossentropy(labels, logits[:, :3], True)
