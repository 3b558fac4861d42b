"""Hard sigmoid and hard swish: the piecewise-linear forms that mobile and quantized models use.

Both are built on ReLU6 (no exponential), as in Keras 3:
:math:`\\operatorname{hard\\_sigmoid}(x) = \\operatorname{relu6}(x + 3) / 6` and
:math:`\\operatorname{hard\\_silu}(x) = x \\operatorname{hard\\_sigmoid}(x)`.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from tftrain.activations._family import register
from tftrain.activations._gradient import with_input_gradient


# Sigmoid-shaped and saturating, so Glorot, as for ``sigmoid``.
@register("hard_sigmoid", initializer="glorot")
def hard_sigmoid(x: Any) -> tf.Tensor:
    r"""Hard sigmoid, :math:`f(x) = \operatorname{relu6}(x + 3) / 6 = \min(\max(x/6 + 1/2, 0), 1)`.

    A piecewise-linear sigmoid: 0 for :math:`x \le -3`, 1 for :math:`x \ge 3`
    and :math:`x/6 + 1/2` between. The same ops as
    ``keras.activations.hard_sigmoid`` (Keras 3's definition; Keras 2's was
    :math:`0.2x + 0.5` on :math:`[-2.5, 2.5]`).

    Args:
        x: a float tensor (float16, bfloat16, float32 or float64).

    Returns:
        A tensor of ``x``'s shape and dtype, in :math:`[0, 1]`. The gradient
        is :math:`1/6` for :math:`-3 < x < 3` and 0 otherwise (0 at the kinks,
        as Keras).

    Reference: Howard et al., "Searching for MobileNetV3", ICCV 2019.

    Example:
        >>> import tensorflow as tf
        >>> print([f"{v:.4f}" for v in hard_sigmoid(tf.constant([-4.0, 0.0, 1.5, 4.0])).numpy()])
        ['0.0000', '0.5000', '0.7500', '1.0000']
    """
    x = tf.convert_to_tensor(x)
    return tf.nn.relu6(x + tf.constant(3.0, x.dtype)) / tf.constant(6.0, x.dtype)


def hard_silu_forward(x: tf.Tensor) -> tf.Tensor:
    """:math:`x \\operatorname{hard\\_sigmoid}(x)`, with the limit 0 at :math:`x = -\\infty`.

    A ``multiply_no_nan``, which is 0 wherever the hard sigmoid is (so no
    :math:`-\\infty \\cdot 0` = NaN), and costs no more than the plain product
    (clamping the input first is an extra pass that graphs do not fuse:
    ``benchmarks/activations.py``). A NaN input stays NaN, as its hard sigmoid
    is NaN. Below -3 the result is +0 where Keras's product gives -0.
    """
    return tf.math.multiply_no_nan(x, hard_sigmoid(x))


def hard_silu_backward(x: tf.Tensor, dy: tf.Tensor) -> tf.Tensor:
    """:math:`dy \\cdot f'(x)`: :math:`f'` is 0 below -3, :math:`(2x + 3)/6` between, 1 above 3.

    The slope is selected rather than multiplied out (autodiff's
    :math:`\\operatorname{hard\\_sigmoid}(x) + x \\operatorname{hard\\_sigmoid}'(x)` is
    :math:`\\infty \\cdot 0` = NaN at :math:`x = \\infty`). The kinks are decided on
    :math:`t = x + 3` rounded in ``x``'s dtype, as Keras's autodiff decides them,
    with the same one-sided values there (0 at :math:`-3`, 1 at :math:`3`).
    """
    t = x + tf.constant(3.0, x.dtype)
    zero, one, six = (tf.constant(v, x.dtype) for v in (0.0, 1.0, 6.0))
    slope = tf.where(t <= zero, zero, tf.where(t >= six, one, (x + t) / six))
    return dy * slope


_hard_silu = with_input_gradient(hard_silu_forward, hard_silu_backward)


# Swish-shaped (ReLU-like for x > 3): He, as for ``swish``.
@register("hard_silu", aliases=("hard_swish",), initializer="he")
def hard_silu(x: Any) -> tf.Tensor:
    r"""Hard SiLU (hard swish), :math:`f(x) = x \operatorname{relu6}(x + 3) / 6`.

    A piecewise-quadratic swish: 0 for :math:`x \le -3`, :math:`x` for
    :math:`x \ge 3` and :math:`x (x + 3) / 6` between. Values are
    ``keras.activations.hard_silu``'s; the gradient is written out and
    recomputed from :math:`x`, the only tensor kept for the backward pass
    (autodiff of the product keeps the hard sigmoid too), and gives the
    limits :math:`f(-\infty) = 0`, :math:`f'(\pm\infty) \in \{0, 1\}` where
    Keras gives NaN.

    Args:
        x: a float tensor (float16, bfloat16, float32 or float64).

    Returns:
        A tensor of ``x``'s shape and dtype. The gradient is 0 for
        :math:`x \le -3`, :math:`(2x + 3)/6` between and 1 for :math:`x \ge 3`
        (the one-sided values at the kinks, as Keras).

    Reference: Howard et al., "Searching for MobileNetV3", ICCV 2019.

    Example:
        >>> import tensorflow as tf
        >>> print([f"{v:.4f}" for v in hard_silu(tf.constant([-1.0, 0.0, 1.5, 4.0])).numpy()])
        ['-0.3333', '0.0000', '1.1250', '4.0000']
        >>> print(hard_silu(tf.constant([-4.0, -float("inf"), float("inf")])).numpy().tolist())
        [0.0, 0.0, inf]
    """
    return _hard_silu(x)
