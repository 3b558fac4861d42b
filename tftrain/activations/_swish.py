"""Swish (SiLU) and Mish, in memory-efficient form.

Autodiff of :math:`x \\cdot g(x)` keeps both :math:`x` and :math:`g(x)` (and
more intermediates for Mish) alive until the backward pass. Here the backward
is written out and recomputes :math:`g` from :math:`x`, so the tape keeps only
:math:`x`. Products use ``multiply_no_nan`` where a factor vanishes at
:math:`\\pm\\infty`, so values and gradients have their limits there instead of
:math:`\\infty \\cdot 0 = \\mathrm{NaN}`.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from tftrain._validation import check_number
from tftrain.activations._family import register
from tftrain.activations._gradient import with_input_gradient


def swish_forward(x: tf.Tensor, beta: float = 1.0) -> tf.Tensor:
    """:math:`x \\sigma(\\beta x)`, with the limit 0 at :math:`x \\to -\\infty`."""
    bx = x if beta == 1.0 else tf.constant(beta, x.dtype) * x
    return tf.math.multiply_no_nan(x, tf.math.sigmoid(bx))


def swish_backward(x: tf.Tensor, dy: tf.Tensor, beta: float = 1.0) -> tf.Tensor:
    """:math:`dy \\cdot s (1 + \\beta x (1 - s))` with :math:`s = \\sigma(\\beta x)`.

    ``tf.nn.silu``'s arrangement (measured faster here than one built on the
    fused ``SigmoidGrad``), with the two products that meet
    :math:`\\infty \\cdot 0` at :math:`x = \\pm\\infty` taken as 0.
    """
    bx = x if beta == 1.0 else tf.constant(beta, x.dtype) * x
    s = tf.math.sigmoid(bx)
    return dy * tf.math.multiply_no_nan(1 + tf.math.multiply_no_nan(bx, 1 - s), s)


def _check_swish(beta: Any = 1.0) -> None:
    check_number("beta", beta)


@register("swish", aliases=("silu",))
def swish(x: Any, beta: float = 1.0) -> tf.Tensor:
    r"""Swish, :math:`f(x) = x \, \sigma(\beta x)` (SiLU for :math:`\beta = 1`).

    Memory-efficient: the gradient
    :math:`\sigma(\beta x) + \beta x \, \sigma(\beta x)(1 - \sigma(\beta x))` is
    recomputed from :math:`x`, the only tensor kept for the backward pass.
    Limits: :math:`f(x) \to x` as :math:`x \to \infty` and :math:`\to 0` as
    :math:`x \to -\infty` (for :math:`\beta > 0`), and so at :math:`\pm\infty`
    themselves, where ``tf.nn.silu`` gives NaN. Those NaN-free products cost
    about 10% without XLA (forward + backward against ``tf.nn.silu``); under
    ``jit_compile`` the two time the same.

    Args:
        x: a float tensor (float16, bfloat16, float32 or float64).
        beta: :math:`\beta`; a finite real number (Python number). For a
            learned :math:`\beta` use the :class:`SwishBeta` layer.

    Returns:
        A tensor of ``x``'s shape and dtype.

    Raises:
        TypeError: ``beta`` is not a real number.
        ValueError: ``beta`` is not finite.

    Reference: Ramachandran, Zoph & Le, "Searching for Activation Functions",
    2017; Elfwing, Uchibe & Doya, "Sigmoid-Weighted Linear Units", 2018.

    Example:
        >>> import tensorflow as tf
        >>> print([f"{v:.4f}" for v in swish(tf.constant([-1.0, 0.0, 2.0])).numpy()])
        ['-0.2689', '0.0000', '1.7616']
        >>> print(f"{float(swish(tf.constant(-float('inf')))):.1f}")
        0.0
    """
    beta = check_number("beta", beta)
    return with_input_gradient(
        lambda t: swish_forward(t, beta), lambda t, dy: swish_backward(t, dy, beta)
    )(x)


swish.check_arguments = _check_swish  # type: ignore[attr-defined]


def mish_forward(x: tf.Tensor) -> tf.Tensor:
    """:math:`x \\tanh(\\operatorname{softplus}(x))`, with the limit 0 at :math:`-\\infty`."""
    return tf.math.multiply_no_nan(x, tf.math.tanh(tf.math.softplus(x)))


def mish_backward(x: tf.Tensor, dy: tf.Tensor) -> tf.Tensor:
    """:math:`dy \\cdot (t + x (1 - t^2) \\sigma(x))`, :math:`t = \\tanh(\\mathrm{softplus}(x))`.

    Fused kernels (``SoftplusGrad``: :math:`dy\\,\\sigma(x)`, ``TanhGrad``:
    :math:`g (1 - t^2)`) keep the pass count low.
    """
    t = tf.math.tanh(tf.math.softplus(x))
    sech2_sigmoid = tf.raw_ops.TanhGrad(y=t, dy=tf.raw_ops.SoftplusGrad(gradients=dy, features=x))
    return dy * t + tf.math.multiply_no_nan(x, sech2_sigmoid)


@register("mish")
def mish(x: Any) -> tf.Tensor:
    r"""Mish, :math:`f(x) = x \tanh(\operatorname{softplus}(x)) = x \tanh(\log(1 + e^x))`.

    Memory-efficient: the gradient
    :math:`t + x (1 - t^2) \sigma(x)`, :math:`t = \tanh(\operatorname{softplus}(x))`,
    is recomputed from :math:`x`, the only tensor kept for the backward pass.
    :math:`f(\infty) = \infty`, :math:`f(-\infty) = 0`. The price is compute:
    without XLA, forward + backward takes about 1.5x autodiff's time (softplus
    and tanh run twice); under ``jit_compile`` the two time the same.

    Args:
        x: a float tensor (float16, bfloat16, float32 or float64).

    Returns:
        A tensor of ``x``'s shape and dtype.

    Reference: Misra, "Mish: A Self Regularized Non-Monotonic Activation
    Function", BMVC 2020.

    Example:
        >>> import tensorflow as tf
        >>> print([f"{v:.4f}" for v in mish(tf.constant([-1.0, 0.0, 2.0])).numpy()])
        ['-0.3034', '0.0000', '1.9440']
    """
    return _mish(x)


_mish = with_input_gradient(mish_forward, mish_backward)
