"""The Gaussian error linear unit, exact and tanh-approximated."""

from __future__ import annotations

import math
from typing import Any

import tensorflow as tf

from tftrain.activations._family import register
from tftrain.activations._gradient import with_input_gradient

_SQRT_HALF = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TANH_SCALE = math.sqrt(2 / math.pi)
_TANH_CUBIC = 0.044715


def gelu_forward(x: tf.Tensor) -> tf.Tensor:
    """:math:`x \\Phi(x)`, :math:`\\Phi(x) = \\frac{1}{2}\\operatorname{erfc}(-x/\\sqrt{2})`."""
    return tf.math.multiply_no_nan(x, 0.5 * tf.math.erfc(-_SQRT_HALF * x))


def gelu_backward(x: tf.Tensor, dy: tf.Tensor) -> tf.Tensor:
    """:math:`dy \\cdot (\\Phi(x) + x \\varphi(x))`, :math:`\\varphi` the normal density."""
    pdf = _INV_SQRT_2PI * tf.math.exp(-0.5 * x * x)
    return dy * (0.5 * tf.math.erfc(-_SQRT_HALF * x)) + tf.math.multiply_no_nan(x, dy * pdf)


def gelu_tanh_forward(x: tf.Tensor) -> tf.Tensor:
    """:math:`\\frac{x}{2}(1 + \\tanh(u))`, :math:`u = \\sqrt{2/\\pi}(x + 0.044715 x^3)`."""
    t = tf.math.tanh(x * (_TANH_SCALE + (_TANH_SCALE * _TANH_CUBIC) * (x * x)))
    return tf.math.multiply_no_nan(0.5 * x, 1 + t)


def gelu_tanh_backward(x: tf.Tensor, dy: tf.Tensor) -> tf.Tensor:
    """:math:`dy (\\frac{1 + t}{2} + \\frac{x}{2}(1 - t^2) u'(x))`, recomputed from ``x``."""
    x2 = x * x
    t = tf.math.tanh(x * (_TANH_SCALE + (_TANH_SCALE * _TANH_CUBIC) * x2))
    slope = x * (0.5 * _TANH_SCALE + (1.5 * _TANH_SCALE * _TANH_CUBIC) * x2)
    return dy * (0.5 + 0.5 * t) + tf.math.multiply_no_nan(slope, tf.raw_ops.TanhGrad(y=t, dy=dy))


_gelu_exact = with_input_gradient(gelu_forward, gelu_backward, recompute=False)
_gelu_tanh = with_input_gradient(gelu_tanh_forward, gelu_tanh_backward, recompute=False)


def _check_gelu(approximate: Any) -> None:
    if not isinstance(approximate, bool):
        raise TypeError(
            f"Argument `approximate` must be a bool. Received: approximate={approximate!r}"
        )


@register(
    "gelu",
    initializer="he",
    check=_check_gelu,
    example={"approximate": True},
    arguments=lambda st: st.fixed_dictionaries({"approximate": st.booleans()}),
)
def gelu(x: Any, approximate: bool = False) -> tf.Tensor:
    r"""GELU, :math:`f(x) = x \Phi(x) = \frac{x}{2}(1 + \mathrm{erf}(x / \sqrt{2}))`.

    :math:`\Phi` is the standard normal CDF. With ``approximate=True``,
    :math:`\frac{x}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(x + 0.044715 x^3)\right)\right)`.
    Values match ``tf.nn.gelu`` / ``keras.activations.gelu``; the gradient
    :math:`\Phi(x) + x\varphi(x)` is written out, which gives the limits :math:`f(-\infty) = 0`,
    :math:`f'(\pm\infty) \in \{0, 1\}` instead of NaN.

    Args:
        x: a float tensor (float16, bfloat16, float32 or float64).
        approximate: use the tanh approximation; a bool.

    Returns:
        A tensor of ``x``'s shape and dtype.

    Raises:
        TypeError: ``approximate`` is not a bool.

    Reference: Hendrycks & Gimpel, "Gaussian Error Linear Units (GELUs)", 2016.

    Example:
        >>> import tensorflow as tf
        >>> print([f"{v:.4f}" for v in gelu(tf.constant([-1.0, 0.0, 2.0])).numpy()])
        ['-0.1587', '0.0000', '1.9545']
        >>> print(f"{float(gelu(tf.constant(1.0), approximate=True)):.4f}")
        0.8412
    """
    _check_gelu(approximate)
    return _gelu_tanh(x) if approximate else _gelu_exact(x)
