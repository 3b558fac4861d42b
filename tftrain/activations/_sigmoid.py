"""The logistic sigmoid, tanh and softplus."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from tftrain.activations._family import register


@register("sigmoid", aliases=("logistic",), initializer="glorot")
def sigmoid(x: Any) -> tf.Tensor:
    r"""Logistic sigmoid, :math:`\sigma(x) = 1 / (1 + e^{-x})`.

    Args:
        x: a float tensor (float16, bfloat16, float32 or float64).

    Returns:
        A tensor of ``x``'s shape and dtype, in :math:`[0, 1]`; the gradient
        :math:`\sigma(x)(1 - \sigma(x))`.

    Example:
        >>> import tensorflow as tf
        >>> print([f"{v:.4f}" for v in sigmoid(tf.constant([-1.0, 0.0, 2.0])).numpy()])
        ['0.2689', '0.5000', '0.8808']
    """
    return tf.math.sigmoid(x)


@register("tanh", initializer="glorot")
def tanh(x: Any) -> tf.Tensor:
    r"""Hyperbolic tangent, :math:`\tanh(x) = (e^x - e^{-x}) / (e^x + e^{-x}) = 2\sigma(2x) - 1`.

    Args:
        x: a float tensor (float16, bfloat16, float32 or float64).

    Returns:
        A tensor of ``x``'s shape and dtype, in :math:`[-1, 1]`; the gradient
        :math:`1 - \tanh^2(x)`.

    Example:
        >>> import tensorflow as tf
        >>> print([f"{v:.4f}" for v in tanh(tf.constant([-1.0, 0.0, 2.0])).numpy()])
        ['-0.7616', '0.0000', '0.9640']
    """
    return tf.math.tanh(x)


@register("softplus", initializer="glorot")
def softplus(x: Any) -> tf.Tensor:
    r"""Softplus, :math:`f(x) = \log(1 + e^x)`, a smooth ReLU.

    Computed stably (``tf.math.softplus``): :math:`f(x) \to x` for large
    :math:`x` and :math:`\to 0` for very negative :math:`x`, with no overflow.

    Args:
        x: a float tensor (float16, bfloat16, float32 or float64).

    Returns:
        A tensor of ``x``'s shape and dtype, positive; the gradient
        :math:`\sigma(x)`.

    Example:
        >>> import tensorflow as tf
        >>> print([f"{v:.4f}" for v in softplus(tf.constant([-1.0, 0.0, 50.0])).numpy()])
        ['0.3133', '0.6931', '50.0000']
    """
    return tf.math.softplus(x)
