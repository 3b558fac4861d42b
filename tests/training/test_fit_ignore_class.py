"""fit with a loss that leaves examples out (``ignore_class``): they are out of the mean, too."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import tftrain
from tftrain.testing import assert_close
from tftrain.training import fit


def _padded(classification):
    """The classification data with every third label replaced by the ignored class -1."""
    x, y = classification
    y = y.copy()
    y[::3] = -1
    return x, y


def _keras_mean_loop(model, batches, epochs=1):
    """The reference: SGD on Keras's own ignore_class loss, reduced by Keras (mean over kept)."""
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    optimizer = keras.optimizers.SGD(0.1)
    for _ in range(epochs):
        for x, y in batches:
            with tf.GradientTape() as tape:
                value = loss(y, model(x, training=True))
            grads = tape.gradient(value, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))


@pytest.mark.parametrize("jit_compile", [False, True])
@pytest.mark.parametrize("keras_loss", [False, True])
def test_ignored_labels_are_accepted_and_left_out_of_the_batch_mean(
    classification, make_model, jit_compile, keras_loss
):
    x, y = _padded(classification)
    loss = (
        keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
        if keras_loss
        else tftrain.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    )
    model = make_model()
    history = fit(
        model,
        (x, y),
        loss=loss,
        optimizer=keras.optimizers.SGD(0.1),
        epochs=1,
        batch_size=16,
        shuffle=False,
        jit_compile=jit_compile,
        progress=False,
    )
    reference = make_model()
    _keras_mean_loop(reference, [(x[i : i + 16], y[i : i + 16]) for i in range(0, len(x), 16)])
    for ours, theirs in zip(model.get_weights(), reference.get_weights(), strict=True):
        assert_close(ours, theirs, scale=10)  # Keras's log-softmax: a few ulps
    # The epoch's loss is the mean over the kept examples, measured before each step.
    assert np.isfinite(history.history["loss"][0])


def test_epoch_loss_is_the_mean_over_kept_examples_only(classification, make_model):
    x, y = _padded(classification)
    loss = tftrain.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    model = make_model()
    history = fit(
        model,
        (x, y),
        loss=loss,
        optimizer=keras.optimizers.SGD(0.0),  # no update: every batch sees the same model
        epochs=1,
        batch_size=16,
        validation_data=(x, y),
        progress=False,
    )
    per_example = tftrain.losses.sparse_categorical_crossentropy(
        y, model(x), from_logits=True, ignore_class=-1
    ).numpy()
    kept = y != -1
    expected = per_example[kept].mean()
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-5)
    assert history.history["val_loss"][0] == pytest.approx(expected, rel=1e-5)
    # Counting the ignored examples in the mean would give this, two thirds of it.
    assert per_example.mean() < 0.7 * expected


def test_a_batch_of_only_ignored_examples_is_not_applied(classification, make_model):
    x, _ = classification
    model = make_model()
    before = [w.copy() for w in model.get_weights()]
    optimizer = keras.optimizers.Adam(0.1)
    history = fit(
        model,
        (x[:32], np.full(32, -1, "int32")),
        loss=tftrain.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1),
        optimizer=optimizer,
        epochs=1,
        batch_size=16,
        progress=False,
    )
    assert int(optimizer.iterations) == 0
    for w, w0 in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(w, w0)
    assert history.history["loss"] == [0.0]


def test_per_pixel_losses_are_averaged_over_kept_pixels_of_the_global_batch():
    # Segmentation: logits (B, 4, 3) per pixel, labels (B, 4) with some pixels void (255).
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 5)).astype("float32")
    y = rng.integers(0, 3, size=(8, 4)).astype("int32")
    y[0, :3] = 255
    y[5, :] = 255
    y[6, 1] = 255

    def make():
        keras.utils.set_random_seed(0)
        return keras.Sequential(
            [keras.Input((5,)), keras.layers.Dense(12), keras.layers.Reshape((4, 3))]
        )

    model = make()
    fit(
        model,
        (x, y),
        loss=tftrain.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=255),
        optimizer=keras.optimizers.SGD(0.5),
        epochs=1,
        batch_size=8,
        progress=False,
    )
    reference = make()
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=255)
    with tf.GradientTape() as tape:
        value = loss(y, reference(x, training=True))  # Keras: sum over kept pixels / kept pixels
    grads = tape.gradient(value, reference.trainable_variables)
    keras.optimizers.SGD(0.5).apply_gradients(
        zip(grads, reference.trainable_variables, strict=True)
    )
    for ours, theirs in zip(model.get_weights(), reference.get_weights(), strict=True):
        assert_close(ours, theirs, scale=10)


def test_two_replicas_average_over_the_kept_examples_of_the_global_batch(two_replicas):
    # Replica 0 gets 7 ignored examples of 8, replica 1 none: the global mean over the 9
    # kept examples, not the mean of the two replicas' means (what Keras's reduction gives).
    rng = np.random.default_rng(2)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = rng.integers(0, 3, size=16).astype("int32")
    y[:7] = -1

    def make():
        keras.utils.set_random_seed(0)
        return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])

    with two_replicas.scope():
        model = make()
        optimizer = keras.optimizers.SGD(0.5)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    fit(
        model,
        dataset,
        loss=tftrain.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1),
        optimizer=optimizer,
        epochs=1,
        strategy=two_replicas,
        progress=False,
    )
    reference = make()
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    with tf.GradientTape() as tape:
        value = loss(y, reference(x, training=True))  # one device: the mean over all 9 kept
    grads = tape.gradient(value, reference.trainable_variables)
    keras.optimizers.SGD(0.5).apply_gradients(
        zip(grads, reference.trainable_variables, strict=True)
    )
    for ours, theirs in zip(model.get_weights(), reference.get_weights(), strict=True):
        assert_close(ours, theirs, scale=10)


def test_labels_other_than_the_ignored_class_are_still_refused(classification, make_model):
    x, y = _padded(classification)
    y[1] = -2
    with pytest.raises(ValueError, match=r"\[0, 3\) or the ignored class -1\. Received labels"):
        fit(
            make_model(),
            (x, y),
            loss=tftrain.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1),
            optimizer="sgd",
            epochs=1,
            batch_size=16,
            progress=False,
        )
