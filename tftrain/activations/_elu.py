"""Exponential linear units: ELU, the self-normalising SELU, the smooth-at-0 CELU."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from tftrain._validation import check_number, check_positive
from tftrain.activations._family import register
from tftrain.activations._gradient import with_input_gradient

#: SELU's :math:`\alpha` and :math:`\lambda` (Klambauer et al. 2017, eq. 14).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _check_elu(alpha: Any) -> None:
    check_number("alpha", alpha)


@register(
    "elu",
    initializer="he",
    check=_check_elu,
    example={"alpha": 0.5},
    arguments=lambda st: st.fixed_dictionaries({"alpha": st.floats(0.1, 2.0)}),
)
def elu(x: Any, alpha: float = 1.0) -> tf.Tensor:
    r"""Exponential linear unit: :math:`x` for :math:`x > 0`, else :math:`\alpha (e^x - 1)`.

    Built on TF's fused ``Elu`` kernel, so the gradient is finite everywhere,
    including :math:`x = \pm\infty` (no :math:`e^{x} \cdot 0` from an unused
    branch); :math:`f(-\infty) = -\alpha`. The kernel computes
    :math:`e^x - 1` (as Keras does), so just below 0 the error is up to half an
    ulp of 1 (3e-8 in float32) rather than of the result, a precision traded
    for the fused kernel's speed over an ``expm1`` form (``benchmarks/activations.py``).

    Args:
        x: a float tensor (float16, bfloat16, float32 or float64).
        alpha: :math:`\alpha`, the negative saturation value; a finite real
            number.

    Returns:
        A tensor of ``x``'s shape and dtype.

    Raises:
        TypeError: ``alpha`` is not a real number.
        ValueError: ``alpha`` is not finite.

    Reference: Clevert, Unterthiner & Hochreiter, "Fast and Accurate Deep
    Network Learning by Exponential Linear Units (ELUs)", ICLR 2016.

    Example:
        >>> import tensorflow as tf
        >>> print([f"{v:.4f}" for v in elu(tf.constant([-1.0, 2.0])).numpy()])
        ['-0.6321', '2.0000']
        >>> print([f"{v:.4f}" for v in elu(tf.constant([-1.0, 2.0]), alpha=0.5).numpy()])
        ['-0.3161', '2.0000']
    """
    alpha = check_number("alpha", alpha)
    y = tf.nn.elu(x)
    if alpha == 1.0:
        return y
    return tf.where(y > 0, y, tf.constant(alpha, y.dtype) * y)


@register("selu", initializer="lecun")
def selu(x: Any) -> tf.Tensor:
    r"""Scaled ELU: :math:`\lambda x` for :math:`x > 0`, else :math:`\lambda \alpha (e^x - 1)`.

    With :math:`\alpha \approx 1.6733` and :math:`\lambda \approx 1.0507` (the
    self-normalising constants ``SELU_ALPHA``, ``SELU_SCALE``), zero mean and
    unit variance is an attracting fixed point of a dense layer with
    LeCun-normal weights followed by SELU.

    Args:
        x: a float tensor (float16, bfloat16, float32 or float64).

    Returns:
        A tensor of ``x``'s shape and dtype; :math:`f(-\infty) = -\lambda\alpha`.

    Reference: Klambauer, Unterthiner, Mayr & Hochreiter, "Self-Normalizing
    Neural Networks", NeurIPS 2017.

    Example:
        >>> import tensorflow as tf
        >>> print([f"{v:.4f}" for v in selu(tf.constant([-1.0, 2.0])).numpy()])
        ['-1.1113', '2.1014']
    """
    return tf.nn.selu(x)


def celu_forward(x: tf.Tensor, alpha: float) -> tf.Tensor:
    """:math:`x` for :math:`x > 0`, else :math:`\\alpha \\operatorname{expm1}(x / \\alpha)`."""
    a = tf.constant(alpha, x.dtype)
    return tf.where(x > 0, x, a * tf.math.expm1(tf.minimum(x, 0) / a))


def celu_backward(x: tf.Tensor, dy: tf.Tensor, alpha: float) -> tf.Tensor:
    """:math:`dy` for :math:`x > 0`, else :math:`dy \\, e^{x / \\alpha}` (so 1 at :math:`x = 0`)."""
    a = tf.constant(alpha, x.dtype)
    return dy * tf.where(x > 0, tf.ones_like(x), tf.math.exp(tf.minimum(x, 0) / a))


def _check_celu(alpha: Any) -> None:
    check_positive("alpha", alpha)


# ELU-shaped (identity for x > 0): He, as for ``elu``.
@register(
    "celu",
    initializer="he",
    check=_check_celu,
    example={"alpha": 0.5},
    arguments=lambda st: st.fixed_dictionaries({"alpha": st.floats(0.1, 4.0)}),
)
def celu(x: Any, alpha: float = 1.0) -> tf.Tensor:
    r"""CELU, :math:`f(x) = x` for :math:`x > 0`, else :math:`\alpha (e^{x/\alpha} - 1)`.

    The continuously differentiable ELU: unlike ELU with :math:`\alpha \ne 1`,
    the slope is 1 on both sides of 0 for every :math:`\alpha`;
    :math:`f(-\infty) = -\alpha`. Values are ``keras.activations.celu``'s (an
    ``expm1``, exact near 0). The gradient,
    1 for :math:`x > 0` and :math:`e^{x/\alpha}` otherwise, is written out and
    recomputed from :math:`x`, the only tensor kept for the backward pass;
    at :math:`x = 0` it is 1, where autodiff of Keras's
    :math:`\max(x, 0) + \alpha \operatorname{expm1}(\min(x, 0)/\alpha)` counts
    both branches and gives 2.

    Args:
        x: a float tensor (float16, bfloat16, float32 or float64).
        alpha: :math:`\alpha`, the negative saturation value and the scale of
            the exponential; a finite real number ``> 0``.

    Returns:
        A tensor of ``x``'s shape and dtype.

    Raises:
        TypeError: ``alpha`` is not a real number.
        ValueError: ``alpha`` is not a finite number ``> 0``.

    Reference: Barron, "Continuously Differentiable Exponential Linear
    Units", 2017.

    Example:
        >>> import tensorflow as tf
        >>> print([f"{v:.4f}" for v in celu(tf.constant([-1.0, 2.0])).numpy()])
        ['-0.6321', '2.0000']
        >>> print([f"{v:.4f}" for v in celu(tf.constant([-1.0, 2.0]), alpha=0.5).numpy()])
        ['-0.4323', '2.0000']
    """
    alpha = check_positive("alpha", alpha)
    return with_input_gradient(
        lambda t: celu_forward(t, alpha), lambda t, dy: celu_backward(t, dy, alpha)
    )(x)
