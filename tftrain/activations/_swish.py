"""Swish (SiLU) and Mish, in memory-efficient form.

Autodiff of :math:`x \\cdot g(x)` keeps both :math:`x` and :math:`g(x)` (and
more intermediates for Mish) alive until the backward pass. Here the backward
is written out and recomputes :math:`g` from :math:`x`, so the tape keeps only
:math:`x`. Where a factor vanishes at :math:`\\pm\\infty`, the product is a
``multiply_no_nan`` (swish) or the input is clipped (mish, where the clipping
changes no finite result), so values and gradients have their limits there
instead of :math:`\\infty \\cdot 0 = \\mathrm{NaN}`.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from tftrain._validation import check_number
from tftrain.activations._family import register
from tftrain.activations._gradient import with_input_gradient
from tftrain.activations._xla import building_for_xla


def swish_forward(x: tf.Tensor, beta: float) -> tf.Tensor:
    """:math:`x \\sigma(\\beta x)`, with the limit 0 at :math:`x \\to -\\infty`.

    ``x * sigmoid(x)`` alone gives NaN at ``-inf``. For :math:`\\beta = 1`:

    * in graphs, the unguarded product when ``x`` holds no ``-inf`` (one
      read-only ``reduce_min`` decides; NaN also picks the guarded branch),
      since oneDNN fuses it into one kernel (as fast as ``tf.nn.silu``, where
      ``multiply_no_nan`` always is slower), else ``multiply_no_nan``;
    * under XLA, the input clipped to the lowest float (faster than
      ``multiply_no_nan`` there), which moves only ``-inf``;
    * in eager mode, ``multiply_no_nan``: no fusion to win there, and the
      guard's reduction would be an extra pass over ``x`` and a wait on its result.

    ``benchmarks/activations.py`` compares these forms (forward + backward).

    Other :math:`\\beta` use ``multiply_no_nan`` (a clip could change their
    limits, e.g. at :math:`\\beta = 0`).
    """
    if beta != 1.0:
        return tf.math.multiply_no_nan(x, tf.math.sigmoid(tf.constant(beta, x.dtype) * x))
    lowest = tf.constant(x.dtype.min, x.dtype)
    if building_for_xla():
        x = tf.maximum(x, lowest)
        return x * tf.math.sigmoid(x)
    if tf.executing_eagerly():
        return tf.math.multiply_no_nan(x, tf.math.sigmoid(x))
    return tf.cond(
        tf.reduce_min(x) >= lowest,  # False for -inf and for NaN
        lambda: x * tf.math.sigmoid(x),
        lambda: tf.math.multiply_no_nan(x, tf.math.sigmoid(x)),
    )


def swish_backward(x: tf.Tensor, dy: tf.Tensor, beta: float) -> tf.Tensor:
    """:math:`dy \\cdot s (1 + \\beta x (1 - s))` with :math:`s = \\sigma(\\beta x)`.

    ``tf.nn.silu``'s arrangement (faster than one built on the fused
    ``SigmoidGrad``, see ``benchmarks/activations.py``), with the two products that meet
    :math:`\\infty \\cdot 0` at :math:`x = \\pm\\infty` taken as 0.
    """
    bx = x if beta == 1.0 else tf.constant(beta, x.dtype) * x
    s = tf.math.sigmoid(bx)
    return dy * tf.math.multiply_no_nan(1 + tf.math.multiply_no_nan(bx, 1 - s), s)


def _check_swish(beta: Any) -> None:
    check_number("beta", beta)


@register(
    "swish",
    aliases=("silu",),
    initializer="he",
    check=_check_swish,
    example={"beta": 1.5},
    arguments=lambda st: st.fixed_dictionaries({"beta": st.floats(0.1, 4.0)}),
)
def swish(x: Any, beta: float = 1.0) -> tf.Tensor:
    r"""Swish, :math:`f(x) = x \, \sigma(\beta x)` (SiLU for :math:`\beta = 1`).

    Memory-efficient: the gradient
    :math:`\sigma(\beta x) + \beta x \, \sigma(\beta x)(1 - \sigma(\beta x))` is
    recomputed from :math:`x`, the only tensor kept for the backward pass.
    Limits: :math:`f(x) \to x` as :math:`x \to \infty` and :math:`\to 0` as
    :math:`x \to -\infty` (for :math:`\beta > 0`), and so at :math:`\pm\infty`
    themselves, where ``tf.nn.silu`` gives NaN. For :math:`\beta = 1` the
    forms are chosen so that this costs no speed against ``tf.nn.silu``, in
    graphs and under ``jit_compile`` (``benchmarks/activations.py``; how, see
    ``swish_forward``).

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


def mish_forward(x: tf.Tensor) -> tf.Tensor:
    """:math:`x \\tanh(\\operatorname{softplus}(x))`, with the limit 0 at :math:`-\\infty`.

    Written as ``x * tanh(softplus(x))`` of one tensor, the pattern that
    TensorFlow's CPU graph optimiser (oneDNN) fuses into one Mish kernel; the
    guard is on the input, which only moves :math:`-\\infty` to the lowest
    finite float (where :math:`\\tanh(\\operatorname{softplus}) = 0` exactly),
    so finite inputs give exactly the unguarded values.
    """
    x = tf.maximum(x, tf.constant(x.dtype.min, x.dtype))
    return x * tf.math.tanh(tf.math.softplus(x))


#: The clip range of the closed-form gradient. Above 20, tanh(softplus(x)) = 1 and
#: the gradient is 1 to float64 precision (f'(20) - 1 is about 3e-16); below -1000,
#: e^x underflows to 0 in every float type, so clipping there changes no value.
_MISH_CLIP = (-1000.0, 20.0)


def mish_backward(x: tf.Tensor, dy: tf.Tensor) -> tf.Tensor:
    """:math:`dy \\cdot (t + x (1 - t^2) \\sigma(x))` in closed form, with one :math:`\\exp`.

    With :math:`u = 1 + e^x` and :math:`w = u^2`:
    :math:`t = \\tanh(\\operatorname{softplus}(x)) = (w - 1) / (w + 1)` and
    :math:`(1 - t^2)\\,\\sigma(x) = 4 e^x u / (w + 1)^2`. ``x`` is clipped to
    [-1000, 20] first, which changes no finite result (see ``_MISH_CLIP``), gives
    the limits 0 and 1 at :math:`\\mp\\infty` and keeps :math:`w` finite; half
    types are computed in float32, where :math:`e^{20}` fits.
    """
    compute = x.dtype if x.dtype in (tf.float32, tf.float64) else tf.float32
    xc = tf.clip_by_value(tf.cast(x, compute), *_MISH_CLIP)
    e = tf.math.exp(xc)
    u = e + 1
    w = u * u
    r = tf.math.reciprocal(w + 1)
    return dy * tf.cast(r * ((w - 1) + 4 * xc * e * u * r), x.dtype)


@register("mish", initializer="he")
def mish(x: Any) -> tf.Tensor:
    r"""Mish, :math:`f(x) = x \tanh(\operatorname{softplus}(x)) = x \tanh(\log(1 + e^x))`.

    Memory-efficient: the gradient
    :math:`t + x (1 - t^2) \sigma(x)`, :math:`t = \tanh(\operatorname{softplus}(x))`,
    is recomputed from :math:`x`, the only tensor kept for the backward pass.
    :math:`f(\infty) = \infty`, :math:`f(-\infty) = 0`. The backward is the
    closed form with one :math:`\exp` (no softplus or tanh recomputed),
    chosen because it is faster than Keras's ``keras.activations.mish`` and
    than a backward that recomputes softplus and tanh, with and without XLA
    (``benchmarks/activations.py``). Without XLA that relies on oneDNN's
    graph fusions, TensorFlow's default on x86 Linux; with
    ``TF_ENABLE_ONEDNN_OPTS=0`` the longer chain of small ops is slower than
    Keras.

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
