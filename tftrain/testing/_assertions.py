"""Numeric assertions with one tolerance per dtype, and the serialization round trip."""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

#: (relative, absolute) tolerance by dtype name: what that precision can promise.
TOLERANCES: dict[str, tuple[float, float]] = {
    "float64": (1e-12, 1e-12),
    "float32": (1e-6, 1e-6),
    "float16": (1e-3, 1e-3),
    "bfloat16": (1e-2, 1e-2),
}


def tolerance(dtype: Any) -> tuple[float, float]:
    """The ``(rtol, atol)`` pair for ``dtype`` (a TF/NumPy dtype or its name).

    Example:
        >>> tolerance("float16")
        (0.001, 0.001)
    """
    name = tf.as_dtype(dtype).name
    if name not in TOLERANCES:
        raise ValueError(f"No tolerance for dtype {name!r}. Known: {', '.join(TOLERANCES)}.")
    return TOLERANCES[name]


def assert_close(actual: Any, expected: Any, *, dtype: Any = None, scale: float = 1.0) -> None:
    """Asserts ``actual`` equals ``expected`` to the tolerance of ``dtype``.

    Args:
        actual: tensor or array under test.
        expected: the reference.
        dtype: whose tolerance to use; defaults to ``actual``'s dtype.
        scale: multiplies both tolerances, for computations that lose a known
            number of ulps (say so at the call site).

    Raises:
        AssertionError: with the largest difference and where it is.

    Example:
        >>> assert_close(tf.constant([1.0, 2.0]), [1.0, 2.0 + 1e-7])
    """
    dtype = dtype if dtype is not None else getattr(actual, "dtype", tf.float32)
    rtol, atol = tolerance(dtype)
    actual_np = np.asarray(tf.cast(actual, tf.float64) if tf.is_tensor(actual) else actual, float)
    expected_np = np.asarray(
        tf.cast(expected, tf.float64) if tf.is_tensor(expected) else expected, float
    )
    np.testing.assert_allclose(
        actual_np, expected_np, rtol=rtol * scale, atol=atol * scale, equal_nan=True
    )
