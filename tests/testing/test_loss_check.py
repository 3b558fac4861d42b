"""check_loss: passes correct losses, catches each kind of broken one."""

from __future__ import annotations

import keras
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from tftrain.testing import PropertyCheckError, check_loss
from tftrain.testing.strategies import labels, logits


@pytest.mark.parametrize(
    "loss",
    [
        keras.losses.MeanSquaredError(),
        keras.losses.MeanAbsoluteError(),
        keras.losses.Huber(),
        keras.losses.CategoricalCrossentropy(),
        keras.losses.CategoricalCrossentropy(from_logits=True),
        keras.losses.SparseCategoricalCrossentropy(),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        keras.losses.BinaryCrossentropy(),
        keras.losses.BinaryCrossentropy(from_logits=True),
    ],
    ids=lambda loss: f"{type(loss).__name__}-{getattr(loss, '_fn_kwargs', {}).get('from_logits')}",
)
def test_keras_losses_pass(loss):
    report = check_loss(loss)
    assert "reductions consistent" in report.passed
    assert "minimal at the target" in report.passed


def test_the_kind_and_logits_are_read_from_the_loss():
    report = check_loss(keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert report.component.endswith("(logits)")
    assert "no silent (B,) vs (B, 1) broadcasting" in report.passed  # labels (B, 1) vs (B,)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize(
    "loss_class", [keras.losses.CategoricalCrossentropy, keras.losses.BinaryCrossentropy]
)
def test_with_label_smoothing_the_minimum_is_at_the_smoothed_target(loss_class, from_logits):
    loss = loss_class(from_logits=from_logits, label_smoothing=0.2)
    assert "minimal at the target" in check_loss(loss).passed
    with pytest.raises(PropertyCheckError, match=r"minimal at the target: .*expected a loss <= "):
        check_loss(loss, label_smoothing=0.0)


def test_one_hot_targets_have_no_broadcasting_question():
    report = check_loss(keras.losses.CategoricalCrossentropy())
    assert "no silent (B,) vs (B, 1) broadcasting" in report.not_applicable


# ------------------------------------------------------------- broken losses
def as_float32(y_true, y_pred):
    return tf.cast(y_true, tf.float32), tf.cast(y_pred, tf.float32)


def mse(y_true, y_pred):
    """The correct base the mutants below each break in one way."""
    return keras.losses.mean_squared_error(*as_float32(y_true, y_pred))


def broadcasting_mse(y_true, y_pred):
    y_true, y_pred = as_float32(y_true, y_pred)
    return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)


def float16_mse(y_true, y_pred):
    return keras.losses.mean_squared_error(y_true, y_pred)


def mse_computed_low(y_true, y_pred):
    return tf.cast(keras.losses.mean_squared_error(y_true, y_pred), tf.float32)


def signed_error(y_true, y_pred):
    y_true, y_pred = as_float32(y_true, y_pred)
    return tf.reduce_mean(y_pred - y_true, axis=-1)


def off_by_one(y_true, y_pred):
    return mse(y_true, y_pred) + 1.0


def root_squared_error(y_true, y_pred):
    return tf.sqrt(mse(y_true, y_pred))


def batch_mean(y_true, y_pred):
    return tf.reduce_mean(mse(y_true, y_pred))


def batch_normalised(y_true, y_pred):
    losses = mse(y_true, y_pred)
    return losses / (tf.reduce_sum(losses) + 1.0)


def naive_crossentropy(y_true, y_pred):
    y_true, y_pred = as_float32(y_true, y_pred)
    return -tf.reduce_sum(y_true * tf.math.log(y_pred), axis=-1)


class DoubleCountingSum(keras.losses.Loss):
    """A Keras loss whose "sum" reduction counts every loss twice."""

    def call(self, y_true, y_pred):
        return mse(y_true, y_pred)

    def __call__(self, y_true, y_pred, sample_weight=None):
        out = super().__call__(y_true, y_pred, sample_weight)
        return out * 2.0 if self.reduction == "sum" else out


class IgnoresSampleWeight(keras.losses.Loss):
    def call(self, y_true, y_pred):
        return mse(y_true, y_pred)

    def __call__(self, y_true, y_pred, sample_weight=None):
        return super().__call__(y_true, y_pred)


@pytest.mark.parametrize(
    ("loss", "kind", "prop", "message"),
    [
        (
            broadcasting_mse,
            "regression",
            "no silent (B,) vs (B, 1) broadcasting",
            "y_pred float32[6,1] [0.823261, 2.73293",
        ),
        (float16_mse, "regression", "float32 for low-precision inputs", "got float16"),
        (
            mse_computed_low,
            "regression",
            "float32 for low-precision inputs",
            "(inputs cast up first), got 2.736328125 (computed in float16?)",
        ),
        (signed_error, "regression", "finite and non-negative", "expected a finite loss >= 0"),
        (off_by_one, "regression", "minimal at the target", "expected a loss <= 1e-05 at the"),
        (root_squared_error, "regression", "gradient finite", "prediction at the target"),
        (batch_mean, "regression", "one loss per example", "per-example losses of shape (6,)"),
        (batch_normalised, "regression", "reductions consistent", "the first 3 of 6 examples"),
        (naive_crossentropy, "categorical", "finite and non-negative", "got nan"),
        (DoubleCountingSum(), "regression", "reductions consistent", "reduction='sum'"),
        (
            IgnoresSampleWeight(),
            "regression",
            "reductions consistent",
            "reduction='sum', sample_weight=[0, 0.4, 0.8",
        ),
    ],
    ids=lambda v: getattr(v, "__name__", type(v).__name__) if callable(v) else None,
)
def test_a_broken_loss_is_caught_with_the_property_and_the_input(loss, kind, prop, message):
    with pytest.raises(PropertyCheckError) as caught:
        check_loss(loss, kind=kind)
    failed = {f.property: str(f) for f in caught.value.findings}
    assert prop in failed, str(caught.value)
    assert message in failed[prop]


def test_the_correct_base_of_the_mutants_passes():
    assert len(check_loss(mse).passed) == 7


def test_a_loss_without_a_zero_minimum_can_say_so():
    def shifted(y_true, y_pred):
        return mse(y_true, y_pred) + 1.0

    assert "minimal at the target" in check_loss(shifted, zero_at_target=False).passed


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"kind": "ranking"}, ValueError, r"Expected one of \['regression'.*kind='ranking'"),
        ({"num_classes": 1}, ValueError, r"`num_classes` must be >= 2. Received: num_classes=1"),
        ({"batch_size": True}, TypeError, r"`batch_size` must be an integer. Received: .*=True"),
        ({"label_smoothing": 1.0}, ValueError, r"`label_smoothing` must be in \[0.0, 1.0\)"),
    ],
)
def test_bad_arguments_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        check_loss(mse, **kwargs)


def test_something_that_is_no_loss_is_refused():
    with pytest.raises(TypeError, match=r"`fn` must be callable. Received: fn=3"):
        check_loss(3)


def naive_softmax_crossentropy(y_true, logits):
    """Sparse cross-entropy through exp: overflows for logits above ~88."""
    logits = tf.cast(logits, tf.float32)
    probabilities = tf.exp(logits) / tf.reduce_sum(tf.exp(logits), axis=-1, keepdims=True)
    picked = tf.gather(probabilities, tf.reshape(tf.cast(y_true, tf.int32), [-1]), batch_dims=1)
    return -tf.math.log(picked)


def test_the_naive_softmax_passes_on_the_default_inputs():
    report = check_loss(naive_softmax_crossentropy, kind="sparse_categorical", from_logits=True)
    assert "finite and non-negative" in report.passed


@given(
    st.integers(1, 6).flatmap(
        lambda b: st.tuples(labels(4, batch_size=b), logits(4, batch_size=b, max_value=200.0))
    )
)
def test_drawn_labels_and_logits_reach_every_property_of_a_correct_loss(batch):
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    check_loss(loss, inputs=batch)


def test_drawn_inputs_catch_the_overflow_the_default_inputs_miss():
    y_true = tf.constant([0, 1], tf.int32)
    logits = tf.constant([[100.0, 0.0, 0.0, 0.0], [0.0, 1.0, 2.0, 3.0]])
    with pytest.raises(PropertyCheckError, match=r"your inputs: example 0, .* got nan"):
        check_loss(
            naive_softmax_crossentropy,
            kind="sparse_categorical",
            from_logits=True,
            inputs=(y_true, logits),
        )


@pytest.mark.parametrize("smoothing", [1e-30, 2.2250738585072014e-308, 5e-324])
@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy"])
def test_a_tiny_label_smoothing_from_logits_passes(name, smoothing):
    # Found by random seeds: the logits at the smoothed target took log(0) where
    # 1 - target cancelled or smoothing / classes underflowed.
    check_loss({"name": name, "from_logits": True, "label_smoothing": smoothing})
