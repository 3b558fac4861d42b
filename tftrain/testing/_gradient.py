"""Analytic against numerical gradients of an elementwise function, in float64."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import tensorflow as tf

#: Points where gradients are compared: spread over [-6, 6], none near 0 (a common kink).
GRADIENT_POINTS: tuple[float, ...] = (
    -5.9, -4.3, -3.1, -2.05, -1.3, -0.73, -0.31, -0.11, 0.13, 0.29, 0.71, 1.37, 2.2, 3.3, 4.7, 5.8
)  # fmt: skip


def gradient_mismatch(
    fn: Callable[[tf.Tensor], tf.Tensor],
    points: Sequence[float] = GRADIENT_POINTS,
    *,
    kinks: Sequence[float] = (0.0,),
    rtol: float = 1e-4,
    atol: float = 1e-6,
) -> tuple[float, float, float] | None:
    r"""The first point where ``fn``'s gradient differs from central differences, or None.

    Compares the gradient that ``tf.GradientTape`` gives (the analytic one,
    custom gradients included) with the numerical Jacobian of
    ``tf.test.compute_gradient``, both in float64, at ``points`` farther than
    ``0.01`` from each kink; they agree when
    :math:`|g - \hat g| \le \text{atol} + \text{rtol}\,|\hat g|`.

    Args:
        fn: an elementwise function; it must accept float64 tensors.
        points: where to compare; finite numbers.
        kinks: points where ``fn`` is not differentiable (skipped nearby).
        rtol: relative tolerance; ``> 0``.
        atol: absolute tolerance; ``>= 0``.

    Returns:
        ``(x, analytic, numerical)`` at the first mismatch, else ``None``.

    Example:
        >>> print(gradient_mismatch(tf.math.softplus))
        None
        >>> @tf.custom_gradient
        ... def wrong(x):
        ...     return tf.square(x), lambda dy: dy * x  # should be 2x
        >>> x, analytic, numerical = gradient_mismatch(wrong)
        >>> print(f"at {x:.2f}: {analytic:.2f} vs {numerical:.2f}")
        at -5.90: -5.90 vs -11.80
    """
    xs = [float(p) for p in points if all(abs(float(p) - k) > 0.01 for k in kinks)]
    x = tf.constant(xs, tf.float64)
    analytic_jacobian, numerical_jacobian = tf.test.compute_gradient(fn, [x], delta=1e-4)
    analytic = np.diagonal(np.asarray(analytic_jacobian[0]))
    numerical = np.diagonal(np.asarray(numerical_jacobian[0]))
    bad = ~(np.abs(analytic - numerical) <= atol + rtol * np.abs(numerical))
    if not bad.any():
        return None
    i = int(np.argmax(bad))
    return xs[i], float(analytic[i]), float(numerical[i])


def elementwise_gradient(fn: Callable[[tf.Tensor], Any], x: tf.Tensor) -> tf.Tensor:
    """``d fn(x) / dx`` elementwise (the sum of the outputs' gradient), in ``x``'s dtype."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
