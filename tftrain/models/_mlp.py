"""Multi-layer perceptrons and linear models, with initializers that suit the activation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from tftrain._validation import check_in_range, check_integer
from tftrain.models._family import register

#: The Keras kernel initializer of each initializer family that an activation
#: declares at its registration (``initializer="he"``).
KERNEL_INITIALIZERS = {"glorot": "glorot_uniform", "he": "he_normal", "lecun": "lecun_normal"}


def initializer_for(activation: Any) -> str:
    """The default kernel initializer for an activation: the family it declared.

    He for the ReLU family (and its smooth relatives, which are ReLU-like for
    large inputs), LeCun for SELU (self-normalising needs it), Glorot for an
    activation that declares nothing or is not registered.

    Args:
        activation: an activation's name or spec, or the activation itself.

    Example:
        >>> print(initializer_for("relu"), initializer_for("selu"), initializer_for("tanh"))
        he_normal lecun_normal glorot_uniform
    """
    from tftrain import activations

    family = activations.initializer_of(activation)
    return KERNEL_INITIALIZERS[family]


def _activation(spec: Any) -> Any:
    """The activation (a callable, or a new layer) for ``spec``."""
    from tftrain import activations

    return activations.get(spec)


def kernel_initializer_for(activation: Any, kernel_initializer: str | None = None) -> str:
    """The kernel initializer a model uses: ``kernel_initializer``, else the activation's default.

    Raises:
        ValueError: an unknown activation, or a name Keras has no initializer for.

    Example:
        >>> print(kernel_initializer_for("swish"), kernel_initializer_for("relu", "orthogonal"))
        he_normal orthogonal
    """
    initializer = kernel_initializer or initializer_for(_activation(activation))
    try:
        keras.initializers.get(initializer)
    except ValueError:
        raise ValueError(
            f"Invalid value for argument `kernel_initializer`: {initializer!r} is not a Keras "
            f"initializer (for example 'he_normal', 'glorot_uniform', 'lecun_normal'). "
            f"Received: kernel_initializer={kernel_initializer!r}"
        ) from None
    return initializer


def _shape(name: str, value: Any) -> tuple[int, ...] | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise TypeError(
            f"Argument `{name}` must be a list of positive integers. Received: {name}={value!r}"
        )
    return tuple(check_integer(f"{name}[{i}]", v, minimum=1) for i, v in enumerate(value))


@register("mlp", example={"input_shape": [3], "output_units": 2, "hidden_units": [4]})
def mlp(
    *,
    input_shape: Sequence[int] | int | None = None,
    output_units: int = 1,
    hidden_units: Sequence[int] = (64, 64),
    activation: Any = "relu",
    output_activation: Any = None,
    kernel_initializer: str | None = None,
    dropout: float = 0.0,
) -> keras.Model:
    r"""A multi-layer perceptron: dense layers with an activation between them.

    .. math::

        h_0 = x, \quad h_{i} = \sigma(W_i h_{i-1} + b_i), \quad y = W_{L} h_{L-1} + b_{L}

    The kernels are initialised to suit :math:`\sigma` unless
    ``kernel_initializer`` says otherwise: He normal for the ReLU family
    (``relu, leaky_relu, elu, swish, gelu, mish, prelu, rrelu``), LeCun normal for
    ``selu``, Glorot uniform for anything else (He et al., 2015; Klambauer et
    al., 2017; Glorot & Bengio, 2010).

    Args:
        input_shape: the shape of one example (a list or an int), or ``None``
            to build the model on its first call; recipes fill it from the data.
        output_units: units of the output layer (classes, or targets); ``>= 1``.
        hidden_units: units of each hidden layer, each ``>= 1``; may be empty.
        activation: any spec that :func:`tftrain.activations.get` accepts
            (``"swish"``, ``{"name": "leaky_relu", "alpha": 0.1}``, ``"prelu"``);
            a parametric layer gets a fresh instance per hidden layer.
        output_activation: the same for the output layer; ``None`` for logits
            or a linear output.
        kernel_initializer: a Keras initializer name overriding the default.
        dropout: dropout rate after each hidden layer; in ``[0, 1)``.

    Returns:
        A ``keras.Sequential``, built when ``input_shape`` is given.

    Raises:
        ValueError: a size ``< 1``, a rate outside ``[0, 1)``, an unknown
            activation or initializer.
        TypeError: a size that is not an integer.

    Example:
        >>> model = mlp(input_shape=[2], output_units=3, hidden_units=[8], activation="selu")
        >>> print(model.count_params(), model.layers[0].kernel_initializer.__class__.__name__)
        51 LecunNormal
    """
    shape = _shape("input_shape", input_shape)
    units = check_integer("output_units", output_units, minimum=1)
    hidden = _shape("hidden_units", list(hidden_units) if hidden_units is not None else [])
    rate = check_in_range("dropout", dropout, 0.0, 1.0, high_inclusive=False)
    initializer = kernel_initializer_for(activation, kernel_initializer)
    layers: list[keras.layers.Layer] = [keras.Input(shape)] if shape is not None else []
    for width in hidden or ():
        fn = _activation(activation)
        if isinstance(fn, keras.layers.Layer):
            layers += [keras.layers.Dense(width, kernel_initializer=initializer), fn]
        else:
            layers.append(keras.layers.Dense(width, activation=fn, kernel_initializer=initializer))
        if rate:
            layers.append(keras.layers.Dropout(rate))
    out_fn = _activation(output_activation) if output_activation is not None else None
    if isinstance(out_fn, keras.layers.Layer):
        layers += [keras.layers.Dense(units, kernel_initializer=initializer), out_fn]
    else:
        layers.append(keras.layers.Dense(units, activation=out_fn, kernel_initializer=initializer))
    return keras.Sequential(layers, name="mlp")


@register("linear", example={"input_shape": [3], "output_units": 2})
def linear(
    *,
    input_shape: Sequence[int] | int | None = None,
    output_units: int = 1,
    output_activation: Any = None,
) -> keras.Model:
    r"""A linear model: one dense layer, :math:`y = W x + b`, then ``output_activation``.

    Args:
        input_shape: the shape of one example, or ``None`` to build on first call.
        output_units: number of outputs; ``>= 1``.
        output_activation: an activation spec applied to :math:`y`, or ``None``.

    Returns:
        A ``keras.Sequential`` with one dense layer.

    Raises:
        ValueError: ``output_units < 1`` or an unknown activation.

    Example:
        >>> print(linear(input_shape=[4], output_units=1).count_params())
        5
    """
    shape = _shape("input_shape", input_shape)
    units = check_integer("output_units", output_units, minimum=1)
    out_fn = _activation(output_activation) if output_activation is not None else None
    layers: list[keras.layers.Layer] = [keras.Input(shape)] if shape is not None else []
    if isinstance(out_fn, keras.layers.Layer):
        layers += [keras.layers.Dense(units), out_fn]
    else:
        layers.append(keras.layers.Dense(units, activation=out_fn))
    return keras.Sequential(layers, name="linear")
