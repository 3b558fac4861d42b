"""``check_gradient``: an activation's analytic gradient against a numerical one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

from tftrain._validation import check_positive

#: Default probe points: float64, in [-4, 4], none at 0 (the kink of ReLU-like
#: activations, where a central difference is no derivative).
DEFAULT_POINTS = np.linspace(-4.0, 4.0, 16)


def check_gradient(
    fn: Callable[[tf.Tensor], tf.Tensor],
    x: Any = None,
    *,
    delta: float = 1e-4,
    tolerance: float | None = None,
) -> float:
    r"""The largest difference between ``fn``'s gradient and central differences.

    Compares the Jacobian that autodiff (including any custom gradient) gives
    with the numerical one, :math:`(f(x + \delta) - f(x - \delta)) / 2\delta`,
    from ``tf.test.compute_gradient``, and returns
    :math:`\max |J_\text{analytic} - J_\text{numeric}|` over two runs: eager
    and inside one ``tf.function``, as a gradient can differ between the two
    (e.g. code that branches on ``tf.executing_eagerly()``). Run it in float64: the
    central difference then has error :math:`O(\delta^2 f''')` plus rounding
    :math:`O(\epsilon / \delta)`, about 1e-8 with the default ``delta``.

    Args:
        fn: a function of one tensor (an activation, a bound activation, a
            layer built with ``dtype="float64"``).
        x: the points to probe (array-like, any shape); default 16 float64
            points evenly spaced in :math:`[-4, 4]`, avoiding 0. Kept in its
            own float dtype; anything else becomes float64.
        delta: the finite-difference step; ``> 0``. Keep the points farther
            than ``delta`` from kinks.
        tolerance: if given (``> 0``), raise when the error exceeds it.

    Returns:
        The maximum absolute error, a Python float.

    Raises:
        ValueError: ``delta`` or ``tolerance`` is not ``> 0``.
        AssertionError: the error exceeds ``tolerance``, with the mode and the
            worst point.

    Example:
        >>> from tftrain.activations import mish, swish
        >>> print(check_gradient(mish) < 1e-7, check_gradient(swish) < 1e-7)
        True True
    """
    check_positive("delta", delta)
    if tolerance is not None:
        check_positive("tolerance", tolerance)
    points = DEFAULT_POINTS if x is None else x
    points = tf.convert_to_tensor(points)
    if not points.dtype.is_floating:
        points = tf.cast(points, tf.float64)
    worst = []
    for mode, f in (("eagerly", fn), ("in a tf.function", tf.function(fn))):
        analytic, numeric = tf.test.compute_gradient(f, [points], delta=delta)
        errors = np.abs(np.asarray(analytic[0], np.float64) - np.asarray(numeric[0], np.float64))
        error = float(errors.max()) if errors.size else 0.0
        if tolerance is not None and not error <= tolerance:
            at = np.unravel_index(int(np.nanargmax(errors)), errors.shape)
            x_flat = np.asarray(points, np.float64).ravel()
            raise AssertionError(
                f"Gradient of {getattr(fn, '__name__', fn)!r} {mode} differs from central "
                f"differences by {error:.3g} > tolerance={tolerance:g}, worst at "
                f"x={x_flat[at[1]]:.6g} (analytic {analytic[0][at]:.6g}, "
                f"numeric {numeric[0][at]:.6g})."
            )
        worst.append(error)
    return float(np.max(worst))  # NaN if either run gave one
