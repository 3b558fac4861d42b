"""ignore_class for the sparse cross-entropy, and the refused one-class softmax."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from tftrain import losses
from tftrain.testing import assert_close


def _batch(ignored, num_classes=4, batch=6, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, num_classes, batch).astype(np.int32)
    labels[[1, 4]] = ignored
    return labels, rng.normal(size=(batch, num_classes)).astype(np.float32) * 3


# ------------------------------------------------------------------- oracles
@pytest.mark.parametrize("ignored", [-1, 255])
@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize(
    "reduction", ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight"]
)
def test_equals_keras_for_every_reduction(ignored, from_logits, reduction, run):
    labels, logits = _batch(ignored)
    y_pred = logits if from_logits else tf.nn.softmax(logits).numpy()
    weights = np.linspace(0.5, 2.0, len(labels)).astype(np.float32)
    args = dict(from_logits=from_logits, ignore_class=ignored, reduction=reduction)
    ours = losses.SparseCategoricalCrossentropy(**args)
    theirs = keras.losses.SparseCategoricalCrossentropy(**args)
    for w in (None, weights):
        assert_close(run(ours, labels, y_pred, w), theirs(labels, y_pred, w), scale=10)


def test_the_mean_is_over_the_kept_examples():
    labels, logits = _batch(-1)
    per_example = losses.sparse_categorical_crossentropy(labels, logits, True, ignore_class=-1)
    assert per_example.numpy()[[1, 4]].tolist() == [0.0, 0.0]
    mean = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)(labels, logits)
    assert_close(mean, per_example.numpy().sum() / 4)


def test_segmentation_maps_are_masked_per_pixel_as_in_keras():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2, 3, 5, 4)).astype(np.float32)
    labels = rng.integers(0, 4, (2, 3, 5)).astype(np.int32)
    labels[0, :2] = 255
    labels[1, 1, 3] = 255
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=255)
    keras_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=255)
    assert_close(loss(labels, logits), keras_loss(labels, logits))
    per_pixel = losses.sparse_categorical_crossentropy(labels, logits, True, ignore_class=255)
    assert per_pixel.shape == (2, 3, 5) and (per_pixel.numpy()[labels == 255] == 0).all()


def test_all_examples_ignored_reduces_to_zero():
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    assert float(loss([-1, -1], [[1.0, 2.0], [3.0, 4.0]])) == 0.0


# ------------------------------------------------------------- zero gradient
def test_ignored_examples_have_zero_loss_and_gradient_even_with_nan_predictions(run_any):
    labels, logits = _batch(-1)
    logits[1] = np.nan
    logits[4] = [1e4, -np.inf, np.inf, 0.0]
    z = tf.constant(logits)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)

    def value_and_gradient(labels, z):
        with tf.GradientTape() as tape:
            tape.watch(z)
            value = loss(labels, z)
        return value, tape.gradient(value, z)

    value, gradient = run_any(value_and_gradient, tf.constant(labels), z)
    assert np.isfinite(value.numpy())
    assert (gradient.numpy()[[1, 4]] == 0).all() and np.isfinite(gradient.numpy()).all()
    assert (gradient.numpy()[[0, 2, 3, 5]] != 0).any()


# ------------------------------------------------------------- label checks
@pytest.mark.parametrize("mode", ["eager", "function"])
def test_only_the_ignored_class_passes_the_range_check(mode):
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    call = loss if mode == "eager" else tf.function(loss)
    assert np.isfinite(float(call(tf.constant([0, -1, 2]), tf.zeros((3, 3)))))
    for bad in (-2, 3, 255):
        with pytest.raises(
            tf.errors.InvalidArgumentError,
            match=r"\[0, num_classes\) = \[0, 3\) or the ignored class -1",
        ):
            call(tf.constant([0, -1, bad]), tf.zeros((3, 3)))


def test_under_xla_bad_labels_are_nan_and_the_ignored_class_is_zero():
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, reduction="none")
    logits = tf.Variable(tf.random.normal((4, 3)))

    @tf.function(jit_compile=True)
    def step(labels):
        with tf.GradientTape() as tape:
            per_example = loss(labels, logits)
            total = tf.reduce_sum(per_example)
        return per_example, tape.gradient(total, logits)

    per_example, gradient = step(tf.constant([0, -1, 5, 2]))
    values = per_example.numpy()
    assert values[1] == 0.0 and np.isnan(values[2])
    assert np.isfinite(values[[0, 3]]).all()
    assert (gradient.numpy()[1] == 0).all() and np.isnan(gradient.numpy()[2]).all()
    good, _ = step(tf.constant([0, -1, 1, 2]))
    assert np.isfinite(good.numpy()).all() and good.numpy()[1] == 0.0


@pytest.mark.parametrize("dtype", [tf.uint8, tf.int32, tf.int64, tf.float32])
def test_label_dtypes_compare_with_the_ignored_class_exactly(dtype):
    logits = tf.random.normal((3, 4))
    labels = tf.constant([0, 255, 3], dtype)
    expected = losses.sparse_categorical_crossentropy([0, 0, 3], logits, True).numpy() * [1, 0, 1]
    assert_close(
        losses.sparse_categorical_crossentropy(labels, logits, True, ignore_class=255), expected
    )
    if dtype == tf.uint8:  # -1 is no uint8 value: 255 is a class out of range, not ignored
        with pytest.raises(tf.errors.InvalidArgumentError, match="or the ignored class -1"):
            losses.sparse_categorical_crossentropy(labels, logits, True, ignore_class=-1)


def test_a_fractional_label_next_to_the_ignored_class_is_refused_not_ignored():
    with pytest.raises(tf.errors.InvalidArgumentError, match="or the ignored class 1"):
        losses.sparse_categorical_crossentropy(
            tf.constant([0.0, 1.5]), tf.zeros((2, 3)), True, ignore_class=1
        )


def test_validate_false_still_ignores():
    labels, logits = _batch(-1)
    fast = losses.sparse_categorical_crossentropy(
        labels, logits, True, ignore_class=-1, validate=False
    )
    checked = losses.sparse_categorical_crossentropy(labels, logits, True, ignore_class=-1)
    np.testing.assert_array_equal(fast.numpy(), checked.numpy())


@pytest.mark.parametrize("value", [True, 1.0, "-1"])
def test_ignore_class_must_be_an_int_or_none(value):
    with pytest.raises(TypeError, match=r"Argument `ignore_class` must be None or an int"):
        losses.SparseCategoricalCrossentropy(ignore_class=value)
    with pytest.raises(TypeError, match=r"Argument `ignore_class` must be None or an int"):
        losses.sparse_categorical_crossentropy([0], [[0.0, 1.0]], ignore_class=value)


def test_ignore_class_round_trips_and_reloads_from_a_keras_file(tmp_path):
    loss = losses.get({"name": "sparse_categorical_crossentropy", "ignore_class": -1})
    assert losses.serialize(loss)["ignore_class"] == -1
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    model.compile(optimizer="sgd", loss=loss)
    model.fit(np.ones((4, 2)), np.array([0, -1, 2, -1]), epochs=1, verbose=0)
    model.save(tmp_path / "model.keras")
    again = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert isinstance(again.loss, losses.SparseCategoricalCrossentropy)
    assert again.loss.ignore_class == -1


# ------------------------------------------------------------ one-class softmax
@pytest.mark.parametrize(
    ("fn", "y_true"),
    [
        (losses.categorical_crossentropy, np.ones((4, 1), np.float32)),
        (losses.categorical_focal_crossentropy, np.ones((4, 1), np.float32)),
        (losses.categorical_crossentropy, np.ones((4,), np.float32)),
        (losses.sparse_categorical_crossentropy, np.zeros((4,), np.int32)),
    ],
)
@pytest.mark.parametrize("from_logits", [True, False])
def test_a_single_class_is_refused_with_the_reason_and_the_fix(fn, y_true, from_logits, run):
    pattern = (
        r"`y_pred` has a single class.*softmax over one class is always 1.*"
        r"cannot learn.*use binary_crossentropy.*y_pred.shape=\(4, 1\)"
    )
    with pytest.raises(ValueError, match=pattern):
        run(fn, y_true, tf.zeros((4, 1)), from_logits=from_logits)


def test_a_single_class_is_refused_by_the_classes_and_along_any_axis():
    with pytest.raises(ValueError, match="single class"):
        losses.CategoricalCrossentropy(from_logits=True)(np.ones((2, 1)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"single class \(size 1 along axis 1\)"):
        losses.sparse_categorical_crossentropy(np.zeros((2, 3)), np.zeros((2, 1, 3)), axis=1)
    # Two classes are fine, and a rank-3 (B, T, 1) output is refused too.
    assert losses.categorical_crossentropy(np.eye(2), np.zeros((2, 2))).shape == (2,)
    with pytest.raises(ValueError, match="single class"):
        losses.categorical_crossentropy(np.ones((2, 3, 1)), np.zeros((2, 3, 1)))
