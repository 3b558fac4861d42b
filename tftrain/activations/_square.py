"""``square``: the classic activation given with its own gradient."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from tftrain.activations._custom import custom_activation


def _square_gradient(x: tf.Tensor, y: tf.Tensor, dy: tf.Tensor) -> tf.Tensor:
    """:math:`\\partial L/\\partial x = 2x \\cdot \\partial L/\\partial y`."""
    return 2 * x * dy


@custom_activation("square", grad=_square_gradient)
def square(x: Any) -> tf.Tensor:
    r"""Square, :math:`f(x) = x^2`, declared with its gradient :math:`f'(x) = 2x`.

    The textbook demonstration of an activation with a hand-written gradient
    (formerly ``py_func`` + ``gradient_override_map``), defined with
    :func:`custom_activation`.

    Args:
        x: a float tensor (float16, bfloat16, float32 or float64).

    Returns:
        A tensor of ``x``'s shape and dtype.

    Example:
        >>> import tensorflow as tf
        >>> x = tf.constant([-1.5, 2.0])
        >>> with tf.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = square(x)
        >>> dx = tape.gradient(y, x)
        >>> print([f"{v:.2f}" for v in y.numpy()], [f"{v:.2f}" for v in dx.numpy()])
        ['2.25', '4.00'] ['-3.00', '4.00']
    """
    return x * x


# ``square`` is the wrapper that ``custom_activation`` returns, whose globals
# are not this module's, so doctest finds its example only through ``__test__``.
__test__ = {"square": square.__doc__}
