"""A small convolutional network for images: conv-pool blocks, then dense layers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from tftrain._validation import check_in_range, check_integer
from tftrain.models._family import register
from tftrain.models._mlp import _activation, _shape, kernel_initializer_for


def _activated(layer: keras.layers.Layer, activation: Any) -> list[keras.layers.Layer]:
    """``layer`` followed by a fresh instance of the activation, as its own layer."""
    fn = _activation(activation)
    return [layer, fn if isinstance(fn, keras.layers.Layer) else keras.layers.Activation(fn)]


@register("cnn")
def cnn(
    *,
    input_shape: Sequence[int] | None = None,
    output_units: int = 1,
    filters: Sequence[int] = (16, 32),
    kernel_size: int = 3,
    pool_size: int = 2,
    dense_units: Sequence[int] = (64,),
    activation: Any = "relu",
    output_activation: Any = None,
    kernel_initializer: str | None = None,
    dropout: float = 0.0,
) -> keras.Model:
    r"""A small convolutional network: conv-pool blocks, then dense layers.

    .. math::

        h_0 = x, \quad h_i = \operatorname{maxpool}(\sigma(K_i * h_{i-1} + b_i)), \quad
        z_j = \sigma(W_j z_{j-1} + c_j), \quad y = W z + c

    with :math:`z_0` the flattened last block. Convolutions keep the size
    (``"same"`` padding); each pooling divides it by ``pool_size``. The
    kernels are initialised to suit :math:`\sigma` as in :func:`mlp` unless
    ``kernel_initializer`` says otherwise, so swapping ``activation`` is the
    only change between two recipes (the ReLU-versus-Swish CNN of
    Ramachandran et al., 2017).

    Args:
        input_shape: ``(height, width)`` for grey images (a channel axis is
            added) or ``(height, width, channels)``; recipes fill it from the
            data. ``None`` builds the model on its first call, on inputs
            ``(n, height, width, channels)``.
        output_units: units of the output layer (classes); ``>= 1``.
        filters: filters of each conv-pool block, each ``>= 1``; the image
            must keep at least one pixel after the last pooling.
        kernel_size: side of the square convolution kernels; ``>= 1``.
        pool_size: side of the square max-pooling windows; ``>= 1``.
        dense_units: units of each dense layer after the blocks, each ``>= 1``;
            may be empty.
        activation: any spec that :func:`tftrain.activations.get` accepts; a
            parametric layer gets a fresh instance after every layer.
        output_activation: the same for the output layer; ``None`` for logits.
        kernel_initializer: a Keras initializer name overriding the default.
        dropout: dropout rate after each dense layer; in ``[0, 1)``.

    Returns:
        A ``keras.Sequential``, built when ``input_shape`` is given.

    Raises:
        ValueError: an ``input_shape`` of another rank, a size ``< 1``, too many
            blocks for the image, a rate outside ``[0, 1)``, an unknown
            activation or initializer.
        TypeError: a size that is not an integer.

    Example:
        >>> model = cnn(input_shape=[8, 8], output_units=10, filters=[4], dense_units=[8])
        >>> print(model.output_shape, model.count_params())
        (None, 10) 650
    """
    shape = _shape("input_shape", input_shape)
    if shape is not None and len(shape) not in (2, 3):
        raise ValueError(
            "Argument `input_shape` must be (height, width) or (height, width, channels). "
            f"Received: input_shape={input_shape!r}"
        )
    units = check_integer("output_units", output_units, minimum=1)
    blocks = _shape("filters", list(filters)) or ()
    kernel = check_integer("kernel_size", kernel_size, minimum=1)
    pool = check_integer("pool_size", pool_size, minimum=1)
    dense = _shape("dense_units", list(dense_units)) or ()
    rate = check_in_range("dropout", dropout, 0.0, 1.0, high_inclusive=False)
    initializer = kernel_initializer_for(activation, kernel_initializer)
    if shape is not None and min(shape[:2]) // pool ** len(blocks) < 1:
        raise ValueError(
            f"Argument `filters` has {len(blocks)} blocks, which pool a {shape[0]}x{shape[1]} "
            f"image (pool_size={pool}) below one pixel; use fewer blocks or a smaller pool_size. "
            f"Received: filters={list(filters)!r}"
        )
    layers: list[keras.layers.Layer] = [keras.Input(shape)] if shape is not None else []
    if shape is not None and len(shape) == 2:
        layers.append(keras.layers.Reshape((*shape, 1)))
    for width in blocks:
        conv = keras.layers.Conv2D(width, kernel, padding="same", kernel_initializer=initializer)
        layers += [*_activated(conv, activation), keras.layers.MaxPooling2D(pool)]
    layers.append(keras.layers.Flatten())
    for width in dense:
        layers += _activated(keras.layers.Dense(width, kernel_initializer=initializer), activation)
        if rate:
            layers.append(keras.layers.Dropout(rate))
    output = keras.layers.Dense(units, kernel_initializer=initializer)
    layers += _activated(output, output_activation) if output_activation is not None else [output]
    return keras.Sequential(layers, name="cnn")
