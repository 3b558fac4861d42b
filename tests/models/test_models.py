"""The model family: MLP and linear models built by name, sized by arguments."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from tftrain import models


@pytest.mark.parametrize(
    ("activation", "initializer"),
    [
        ("relu", keras.initializers.HeNormal),
        ("swish", keras.initializers.HeNormal),
        ("selu", keras.initializers.LecunNormal),
        ("tanh", keras.initializers.GlorotUniform),
        ("sigmoid", keras.initializers.GlorotUniform),
    ],
)
def test_default_initializer_suits_the_activation(activation, initializer):
    model = models.mlp(input_shape=[2], hidden_units=[4, 4], activation=activation)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert len(dense) == 3
    assert all(type(layer.kernel_initializer) is initializer for layer in dense)


def test_initializer_can_be_overridden():
    model = models.mlp(input_shape=[2], activation="relu", kernel_initializer="glorot_normal")
    assert type(model.layers[0].kernel_initializer) is keras.initializers.GlorotNormal


def test_mlp_shapes_and_parameter_count():
    model = models.get({"name": "mlp", "input_shape": [3], "output_units": 4, "hidden_units": [5]})
    assert model.count_params() == (3 * 5 + 5) + (5 * 4 + 4)
    assert model(tf.zeros([7, 3])).shape == (7, 4)


def test_mlp_applies_the_activation_between_layers():
    model = models.mlp(input_shape=[1], output_units=1, hidden_units=[1], activation="relu")
    hidden, out = model.layers
    hidden.set_weights([np.array([[1.0]]), np.array([0.0])])
    out.set_weights([np.array([[2.0]]), np.array([1.0])])
    y = model(tf.constant([[-3.0], [3.0]])).numpy()
    np.testing.assert_allclose(y, [[1.0], [7.0]])  # 2 * relu(x) + 1


def test_linear_is_w_x_plus_b():
    model = models.linear(input_shape=[2], output_units=1)
    model.layers[0].set_weights([np.array([[2.0], [-1.0]]), np.array([0.5])])
    np.testing.assert_allclose(model(tf.constant([[1.0, 4.0]])).numpy(), [[-1.5]])


def test_unbuilt_without_input_shape_and_built_on_first_call():
    model = models.mlp(hidden_units=[3])
    assert model(tf.zeros([2, 5])).shape == (2, 1)


@pytest.mark.parametrize("name", models.names())
def test_every_model_round_trips_through_its_spec(name):
    # An image-sized input: every built-in takes it (dense layers act on its last axis).
    spec = {"name": name, "input_shape": [8, 8], "output_units": 2}
    model = models.get(spec)
    assert models.serialize(model) == spec
    again = models.get(models.serialize(model))
    assert again.count_params() == model.count_params()


def test_serialize_refuses_a_model_not_built_from_a_spec():
    with pytest.raises(ValueError, match="not built from a spec"):
        models.serialize(keras.Sequential([keras.layers.Dense(1)]))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"hidden_units": [4, 0]}, ValueError, r"`hidden_units\[1\]` must be >= 1"),
        ({"hidden_units": [2.5]}, TypeError, r"`hidden_units\[0\]` must be an integer"),
        ({"output_units": 0}, ValueError, r"`output_units` must be >= 1"),
        ({"dropout": 1.0}, ValueError, r"`dropout` must be in \[0.0, 1.0\)"),
        ({"kernel_initializer": "he_nomal"}, ValueError, r"`kernel_initializer`.*'he_nomal'"),
        ({"input_shape": "2"}, TypeError, r"`input_shape` must be a list"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(kwargs, error, match):
    with pytest.raises(error, match=match):
        models.mlp(**kwargs)


def test_unknown_keyword_names_the_accepted_ones():
    with pytest.raises(TypeError, match=r"'hidden'.*Did you mean 'hidden_units'"):
        models.get({"name": "mlp", "hidden": [3]})
