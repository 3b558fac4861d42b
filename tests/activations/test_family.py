"""The activation registry: names, aliases, specs, serialization, errors, docstrings."""

from __future__ import annotations

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf

import tftrain
import tftrain.activations as A
from tftrain._registry import BoundFunction
from tftrain.activations._family import ACTIVATIONS


def test_names_lists_every_builtin():
    assert A.names() == [
        "celu", "elu", "gelu", "hard_sigmoid", "hard_silu", "leaky_relu", "linear", "mish",
        "prelu", "relu", "relu6", "rrelu", "selu", "sigmoid", "softplus", "softsign", "square",
        "swish", "swish_beta", "tanh",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("silu", "swish"),
        ("SiLU", "swish"),
        ("Leaky-ReLU", "leaky_relu"),
        ("hard_swish", "hard_silu"),
        ("Hard-Swish", "hard_silu"),
        ("ReLU6", "relu6"),
    ],
)
def test_aliases_and_spellings_resolve_to_the_same_function(alias, name):
    assert A.get(alias) is A.get(name) is getattr(A, name)


def test_none_is_the_identity_as_in_keras():
    assert A.get(None) is A.linear


@pytest.mark.parametrize("name", A.names())
def test_serialize_round_trip_for_every_registered_name(name):
    obj = A.get(name)
    spec = A.serialize(obj)
    assert spec["name"] == name
    rebuilt = A.get(spec)
    if inspect.isclass(ACTIVATIONS.entry(name).obj):
        assert type(rebuilt) is type(obj) and A.serialize(rebuilt) == spec
    else:
        assert rebuilt is obj


def test_bound_function_round_trip_and_equality():
    fn = A.get({"name": "LEAKY_relu", "alpha": 0.1})
    assert isinstance(fn, BoundFunction)
    assert A.serialize(fn) == {"name": "leaky_relu", "alpha": 0.1}
    assert A.get(A.serialize(fn)) == fn != A.get({"name": "leaky_relu", "alpha": 0.3})


def test_negative_slope_spec_round_trips_under_the_name_it_was_given():
    fn = A.get({"name": "leaky_relu", "negative_slope": 0.1})
    assert A.serialize(fn) == {"name": "leaky_relu", "negative_slope": 0.1}
    assert A.get(A.serialize(fn)) == fn
    assert A.get(keras.saving.serialize_keras_object(fn)) == fn
    assert fn(tf.constant(-2.0)).numpy() == np.float32(-0.2)


def test_alpha_and_negative_slope_together_are_refused_at_get_naming_both():
    with pytest.raises(
        ValueError,
        match=r"Only one of `alpha` and `negative_slope` may be given.*"
        r"Received: alpha=0\.1, negative_slope=0\.3",
    ):
        A.get({"name": "leaky_relu", "alpha": 0.1, "negative_slope": 0.3})


def test_a_model_with_a_negative_slope_leaky_relu_saves_and_reloads(tmp_path):
    fn = A.get({"name": "leaky_relu", "negative_slope": 0.05})
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(4, activation=fn)(inputs))
    model.save(tmp_path / "m.keras")
    reloaded = keras.models.load_model(tmp_path / "m.keras")  # safe mode, no custom_objects
    assert reloaded.layers[1].activation == fn
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_allclose(reloaded(x), model(x), rtol=1e-6)


@pytest.mark.parametrize(
    ("name", "initializer"),
    [
        ("relu6", "he"),  # ReLU-like
        ("hard_sigmoid", "glorot"),  # sigmoid-like
        ("hard_silu", "he"),  # swish-like
        ("hard_swish", "he"),
        ("softsign", "glorot"),  # tanh-like
        ("celu", "he"),  # ELU-like
        ({"name": "celu", "alpha": 0.5}, "he"),
    ],
)
def test_each_new_activation_declares_its_initializer(name, initializer):
    assert A.initializer_of(name) == initializer
    assert A.initializer_of(A.get(name)) == initializer


def test_layer_spec_builds_the_layer():
    layer = A.get({"name": "rrelu", "lower": 0.1, "upper": 0.2, "seed": 3})
    assert isinstance(layer, A.RReLU) and (layer.lower, layer.upper, layer.seed) == (0.1, 0.2, 3)


def test_callables_and_layers_pass_through():
    def mine(x):
        return x

    layer = A.PReLU()
    assert A.get(mine) is mine and A.get(layer) is layer


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ValueError, match=r"Unknown activation 'swsh'\. Did you mean 'swish'\?"):
        A.get("swsh")


def test_unknown_keyword_names_the_accepted_ones():
    with pytest.raises(TypeError, match=r"Unknown argument 'alhpa'.*Did you mean 'alpha'"):
        A.get({"name": "leaky_relu", "alhpa": 0.1})


def test_bad_value_in_a_spec_raises_at_get_not_at_call():
    with pytest.raises(ValueError, match=r"`alpha` must be finite\. Received: alpha=inf"):
        A.get({"name": "elu", "alpha": float("inf")})
    with pytest.raises(ValueError, match=r"^Argument `alpha` must be > 0\. Received: alpha=0$"):
        A.get({"name": "celu", "alpha": 0})
    with pytest.raises(TypeError, match=r"`approximate` must be a bool"):
        A.get({"name": "gelu", "approximate": 1})


def test_a_non_activation_spec_is_a_type_error():
    with pytest.raises(TypeError, match=r"Cannot interpret 3 \(of type int\) as an activation"):
        A.get(3)


def test_a_user_registered_activation_works_everywhere_a_builtin_does(tmp_path):
    @A.register("soft_clip_test")
    def soft_clip_test(x, limit=2.0):
        """``limit * tanh(x / limit)``."""
        return limit * tf.math.tanh(x / limit)

    try:
        fn = A.get({"name": "soft_clip_test", "limit": 3.0})
        assert A.serialize(fn) == {"name": "soft_clip_test", "limit": 3.0}
        assert "soft_clip_test" in A.names()
        inputs = keras.Input((2,))
        model = keras.Model(inputs, keras.layers.Dense(2, activation=fn)(inputs))
        path = tmp_path / "m.keras"
        model.save(path)
        x = np.array([[3.0, -4.0]], np.float32)
        np.testing.assert_allclose(keras.models.load_model(path)(x), model(x), rtol=1e-6)
    finally:
        ACTIVATIONS.unregister("soft_clip_test")


def test_keras_resolves_only_its_own_strings():
    # Keras 3's activations.get looks strings up among its built-ins only, so
    # tftrain names go in as callables; this pins that documented limitation.
    with pytest.raises(ValueError, match="Could not interpret activation function identifier"):
        keras.layers.Dense(2, activation="square")
    with keras.saving.custom_object_scope({"square": A.square}), pytest.raises(ValueError):
        keras.layers.Dense(2, activation="square")
    assert keras.layers.Dense(2, activation=A.get("square")).activation is A.square


@pytest.mark.parametrize("name", tftrain.activations.__all__)
def test_every_public_name_has_a_docstring_with_an_example(name):
    doc = inspect.getdoc(getattr(tftrain.activations, name)) or ""
    assert doc.strip(), name
    assert "Example:" in doc and ">>>" in doc, name


@pytest.mark.parametrize(
    "activation", [A.swish, A.square, A.get({"name": "elu", "alpha": 0.5}), A.PReLU()]
)
def test_get_accepts_what_keras_serialization_writes(activation):
    config = keras.saving.serialize_keras_object(activation)
    rebuilt = A.get(config)
    if isinstance(activation, keras.layers.Layer):
        assert type(rebuilt) is type(activation)
    else:
        assert rebuilt == activation
