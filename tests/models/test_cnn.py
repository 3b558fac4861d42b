"""The ``cnn`` model: conv-pool blocks then dense layers, initializer from the activation."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from tftrain import models


@pytest.mark.parametrize("input_shape", [[8, 8], [8, 8, 1]])
def test_grey_images_with_or_without_a_channel_axis(input_shape):
    model = models.get({"name": "cnn", "input_shape": input_shape, "output_units": 10})
    assert model(tf.zeros([3, *input_shape])).shape == (3, 10)


def test_without_input_shape_it_builds_on_first_call_on_channels_last_images():
    model = models.cnn(output_units=3, filters=[2])
    assert not model.built
    assert model(tf.zeros([2, 8, 8, 1])).shape == (2, 3)


def test_layers_and_parameter_count():
    model = models.cnn(input_shape=[8, 8, 3], output_units=5, filters=[4, 6], dense_units=[7])
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    pools = [layer for layer in model.layers if isinstance(layer, keras.layers.MaxPooling2D)]
    assert [c.filters for c in convs] == [4, 6] and len(pools) == 2
    # 8x8 -> 4x4 -> 2x2 after two poolings, 6 channels flattened.
    expected = (3 * 3 * 3 * 4 + 4) + (3 * 3 * 4 * 6 + 6) + (2 * 2 * 6 * 7 + 7) + (7 * 5 + 5)
    assert model.count_params() == expected


@pytest.mark.parametrize(
    ("activation", "initializer"),
    [
        ("relu", keras.initializers.HeNormal),
        ("swish", keras.initializers.HeNormal),
        ("selu", keras.initializers.LecunNormal),
        ("tanh", keras.initializers.GlorotUniform),
    ],
)
def test_default_initializer_follows_the_activation_as_in_mlp(activation, initializer):
    model = models.cnn(input_shape=[8, 8], output_units=2, activation=activation)
    kernels = [layer for layer in model.layers if hasattr(layer, "kernel_initializer")]
    assert len(kernels) == 4
    assert all(type(layer.kernel_initializer) is initializer for layer in kernels)
    override = models.cnn(input_shape=[8, 8], activation=activation, kernel_initializer="zeros")
    assert type(override.layers[1].kernel_initializer) is keras.initializers.Zeros


def test_the_activation_follows_every_conv_and_dense_layer():
    model = models.cnn(input_shape=[4, 4], filters=[1], dense_units=[1], kernel_size=1, pool_size=1)
    conv, dense, output = (layer for layer in model.layers if hasattr(layer, "kernel"))
    conv.set_weights([np.ones((1, 1, 1, 1)), np.zeros(1)])
    dense.set_weights([np.ones((16, 1)), np.zeros(1)])
    output.set_weights([np.ones((1, 1)), np.zeros(1)])
    x = np.full((1, 4, 4), -1.0, np.float32)
    x[0, 0, 0] = 2.0
    # relu(conv) keeps only the 2.0; relu(dense) of their sum is 2.0; a linear output.
    np.testing.assert_allclose(model(x).numpy(), [[2.0]])


def test_a_parametric_activation_gets_its_own_layer_each_time():
    model = models.cnn(input_shape=[8, 8], filters=[2, 2], dense_units=[4], activation="prelu")
    prelu = [layer for layer in model.layers if type(layer).__name__ == "PReLU"]
    assert len(prelu) == 3 and len({id(layer) for layer in prelu}) == 3


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"input_shape": [2, 8, 8, 1]}, ValueError, r"`input_shape` must be \(height, width\)"),
        ({"input_shape": [64]}, ValueError, r"`input_shape`.*Received: input_shape=\[64\]"),
        ({"filters": [4, 4, 4, 4]}, ValueError, r"`filters` has 4 blocks.*8x8"),
        ({"kernel_size": 0}, ValueError, r"`kernel_size` must be >= 1"),
        ({"dense_units": [0]}, ValueError, r"`dense_units\[0\]` must be >= 1"),
        ({"kernel_initializer": "he_nomal"}, ValueError, r"`kernel_initializer`.*'he_nomal'"),
        ({"activation": "swishh"}, ValueError, r"swishh"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(kwargs, error, match):
    with pytest.raises(error, match=match):
        models.cnn(**{"input_shape": [8, 8], **kwargs})
