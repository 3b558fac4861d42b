"""The S-shaped squashing functions (logistic sigmoid, tanh, softsign) and softplus."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from tftrain.activations._family import register
from tftrain.activations._gradient import with_input_gradient


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


def softsign_forward(x: tf.Tensor) -> tf.Tensor:
    """:math:`x / (1 + |x|)`, with the limits :math:`\\pm 1` at :math:`x = \\pm\\infty`.

    ``tf.nn.softsign`` gives :math:`\\infty / \\infty` = NaN there; the input
    is first clipped to the finite floats, where the result rounds to
    :math:`\\pm 1` exactly (:math:`1 + |x|` rounds to :math:`|x|`), so only
    :math:`\\pm\\infty` move and NaN stays NaN.
    """
    return tf.nn.softsign(tf.clip_by_value(x, x.dtype.min, x.dtype.max))


def softsign_backward(x: tf.Tensor, dy: tf.Tensor) -> tf.Tensor:
    """:math:`dy / (1 + |x|)^2`, TF's own ``SoftsignGrad`` (0 at :math:`\\pm\\infty`)."""
    return tf.raw_ops.SoftsignGrad(gradients=dy, features=x)


_softsign = with_input_gradient(softsign_forward, softsign_backward)


# Tanh-shaped and zero-centred, so Glorot, as for ``tanh``: Glorot & Bengio (2010)
# derived their initialisation from networks of tanh and softsign units.
@register("softsign", initializer="glorot")
def softsign(x: Any) -> tf.Tensor:
    r"""Softsign, :math:`f(x) = x / (1 + |x|)`, a tanh whose tails decay polynomially.

    Values are ``keras.activations.softsign``'s (``tf.nn.softsign``), and
    :math:`f(\pm\infty) = \pm 1` where those give NaN; the gradient
    :math:`1 / (1 + |x|)^2` is TensorFlow's own, from :math:`x`, the one
    tensor kept for the backward pass (as autodiff of ``tf.nn.softsign`` keeps).

    Args:
        x: a float tensor (float16, bfloat16, float32 or float64).

    Returns:
        A tensor of ``x``'s shape and dtype, in :math:`[-1, 1]`.

    Reference: Bergstra et al., "Quadratic Polynomials Learn Better Image
    Features", 2009; Glorot & Bengio, "Understanding the Difficulty of
    Training Deep Feedforward Neural Networks", AISTATS 2010.

    Example:
        >>> import tensorflow as tf
        >>> print([f"{v:.4f}" for v in softsign(tf.constant([-3.0, 0.0, 1.0])).numpy()])
        ['-0.7500', '0.0000', '0.5000']
        >>> print(f"{float(softsign(tf.constant(float('inf')))):.1f}")
        1.0
    """
    return _softsign(x)
