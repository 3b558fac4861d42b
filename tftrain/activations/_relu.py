"""The identity, ReLU, ReLU6 and leaky ReLU."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from tftrain._validation import ArgumentError, check_number
from tftrain.activations._family import register
from tftrain.activations._xla import building_for_xla


@register("linear", aliases=("identity",), initializer="glorot")
def linear(x: Any) -> tf.Tensor:
    r"""The identity, :math:`f(x) = x` (what Keras uses for ``activation=None``).

    Args:
        x: a float tensor (float16, bfloat16, float32 or float64).

    Returns:
        ``x`` as a tensor, same shape and dtype.

    Example:
        >>> import tensorflow as tf
        >>> print(f"{float(linear(tf.constant(-1.5))):.2f}")
        -1.50
    """
    return tf.convert_to_tensor(x)


@register("relu", initializer="he")
def relu(x: Any) -> tf.Tensor:
    r"""Rectified linear unit, :math:`f(x) = \max(x, 0)`.

    Args:
        x: a float tensor (float16, bfloat16, float32 or float64).

    Returns:
        A tensor of ``x``'s shape and dtype. The gradient is 1 for
        :math:`x > 0` and 0 otherwise (0 at the kink, as ``tf.nn.relu``).

    Reference: Nair & Hinton, "Rectified Linear Units Improve Restricted
    Boltzmann Machines", ICML 2010.

    Example:
        >>> import tensorflow as tf
        >>> print([f"{v:.1f}" for v in relu(tf.constant([-2.0, 0.0, 3.0])).numpy()])
        ['0.0', '0.0', '3.0']
    """
    return tf.nn.relu(x)


# ReLU-like (slope 1 or 0 over the range weights start in): He initialisation,
# as for ``relu``.
@register("relu6", initializer="he")
def relu6(x: Any) -> tf.Tensor:
    r"""ReLU capped at 6, :math:`f(x) = \min(\max(x, 0), 6)`.

    The cap keeps activations in a small fixed range, which low-precision
    (fixed-point, int8) inference represents well; MobileNets use it. The
    same as ``keras.activations.relu6`` (``tf.nn.relu6``).

    Args:
        x: a float tensor (float16, bfloat16, float32 or float64).

    Returns:
        A tensor of ``x``'s shape and dtype, in :math:`[0, 6]`. The gradient
        is 1 for :math:`0 < x < 6` and 0 otherwise (0 at both kinks, as
        ``tf.nn.relu6``).

    Reference: Krizhevsky, "Convolutional Deep Belief Networks on CIFAR-10",
    2010; Howard et al., "MobileNets", 2017.

    Example:
        >>> import tensorflow as tf
        >>> print([f"{v:.1f}" for v in relu6(tf.constant([-2.0, 3.0, 8.0])).numpy()])
        ['0.0', '3.0', '6.0']
    """
    return tf.nn.relu6(x)


#: Leaky ReLU's slope when neither ``alpha`` nor ``negative_slope`` is given (Keras's).
LEAKY_RELU_SLOPE = 0.2


def leaky_relu_slope(alpha: Any = None, negative_slope: Any = None) -> float:
    """The slope that ``alpha`` or its Keras 3 name ``negative_slope`` gives; at most one.

    Raises:
        ValueError: both are given, or the slope is not finite.
        TypeError: the slope is not a real number.
    """
    if alpha is not None and negative_slope is not None:
        raise ArgumentError(
            "negative_slope",
            "Only one of `alpha` and `negative_slope` may be given: they are the same "
            "slope (`negative_slope` is its Keras 3 name). "
            f"Received: alpha={alpha!r}, negative_slope={negative_slope!r}",
        )
    if negative_slope is not None:
        return check_number("negative_slope", negative_slope)
    return check_number("alpha", LEAKY_RELU_SLOPE if alpha is None else alpha)


def _check_leaky_relu(alpha: Any = None, *, negative_slope: Any = None) -> None:
    leaky_relu_slope(alpha, negative_slope)


@register(
    "leaky_relu",
    initializer="he",
    check=_check_leaky_relu,
    example={"alpha": 0.1},
    arguments=lambda st: st.one_of(
        st.fixed_dictionaries({"alpha": st.floats(0.0, 1.0)}),
        st.fixed_dictionaries({"negative_slope": st.floats(0.0, 1.0)}),
    ),
)
def leaky_relu(
    x: Any, alpha: float | None = None, *, negative_slope: float | None = None
) -> tf.Tensor:
    r"""Leaky ReLU, :math:`f(x) = x` for :math:`x > 0` and :math:`\alpha x` otherwise.

    Computed by TF's fused ``LeakyRelu`` kernel (a select, so it is correct for
    any :math:`\alpha`, including :math:`\alpha > 1` where
    :math:`\max(\alpha x, x)` is wrong). In graph mode the kernel is the
    fastest form, ahead of the "efficient"
    :math:`\frac{1+\alpha}{2}x + \frac{1-\alpha}{2}|x|`, ``maximum`` and
    ``where``. Under XLA every formulation fuses into one loop, and the
    written-out select (``where(x > 0, x, alpha * x)``) beats the kernel's
    lowering, so that is what is built there. ``benchmarks/activations.py``
    compares these forms (forward + backward). float64 uses the select too,
    as the kernel holds :math:`\alpha` in float32.

    Args:
        x: a float tensor (float16, bfloat16, float32 or float64).
        alpha: :math:`\alpha`, the slope for negative inputs; a finite real
            number (Python number, fixed at trace time), 0.2 if neither it
            nor ``negative_slope`` is given. On float32 inputs an
            :math:`\alpha` below float32's smallest normal number (about
            1.2e-38) acts as 0: TensorFlow's CPU kernels flush subnormal
            operands to zero.
        negative_slope: Keras 3's name for :math:`\alpha`
            (``keras.activations.leaky_relu(x, negative_slope=0.2)``), so
            Keras specs port unchanged; give ``alpha`` or ``negative_slope``,
            not both. A spec keeps the name it was given when serialized.

    Returns:
        A tensor of ``x``'s shape and dtype.

    Raises:
        TypeError: the slope is not a real number.
        ValueError: the slope is not finite, or both ``alpha`` and
            ``negative_slope`` are given.

    Reference: Maas, Hannun & Ng, "Rectifier Nonlinearities Improve Neural
    Network Acoustic Models", ICML 2013.

    Example:
        >>> import tensorflow as tf
        >>> x = tf.constant([-2.0, 3.0])
        >>> print([f"{v:.2f}" for v in leaky_relu(x).numpy()])
        ['-0.40', '3.00']
        >>> print([f"{v:.2f}" for v in leaky_relu(x, alpha=1.5).numpy()])
        ['-3.00', '3.00']
        >>> print([f"{v:.2f}" for v in leaky_relu(x, negative_slope=0.1).numpy()])
        ['-0.20', '3.00']
    """
    alpha = leaky_relu_slope(alpha, negative_slope)
    x = tf.convert_to_tensor(x)
    if x.dtype == tf.float64 or building_for_xla():  # the kernel's alpha is a float32
        return tf.where(x > 0, x, tf.constant(alpha, x.dtype) * x)
    return tf.nn.leaky_relu(x, alpha=alpha)
