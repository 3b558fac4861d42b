"""The properties ``check_activation`` verifies, each a function of the activation under test."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from tftrain.testing._gradient import elementwise_gradient
from tftrain.testing._report import NotApplicable, Violation, call, describe, values_text
from tftrain.testing._round_trip import rebuilt_by_name, registered
from tftrain.testing._tracing import expect_one_trace

_SHAPES: tuple[tuple[int, ...], ...] = ((), (0,), (5,), (2, 3), (2, 0, 3))


def _grid(low: float, high: float) -> np.ndarray:
    """Dense inputs over ``[low, high]``.

    An even spread of 4001 points, every power-of-ten magnitude from subnormal
    (1e-45) up to the range's ends on both sides (with 1.5x and 5x of each), the
    ends, and signed zeros; one vectorized call per dtype covers them all.
    """
    spread = np.linspace(low, high, 4001)
    magnitudes = np.array([m * 10.0**k for k in range(-45, 39) for m in (1.0, 1.5, 5.0)])
    special = np.concatenate([[low, high, 0.0, -0.0, 0.5, -0.5], magnitudes, -magnitudes])
    return np.concatenate([spread, special[(special >= low) & (special <= high)]])


def _variant(fn: Any, dtype: str) -> Callable[[tf.Tensor], tf.Tensor]:
    """``fn`` ready for ``dtype`` inputs: a layer is rebuilt with that dtype, fresh."""
    if isinstance(fn, keras.layers.Layer):
        return type(fn).from_config({**fn.get_config(), "dtype": dtype})
    return fn


def _first_bad(x: tf.Tensor, values: tf.Tensor) -> int | None:
    """The flat index of the first non-finite element of ``values``, or None."""
    bad = ~np.isfinite(np.asarray(tf.cast(values, tf.float64))).ravel()
    return int(np.argmax(bad)) if bad.any() else None


@dataclass
class ActivationUnderTest:
    """An activation and the inputs its properties are checked at.

    Attributes:
        fn: the activation: a function of one tensor or a Keras layer.
        finite_range: ``(low, high)`` where outputs and gradients must be finite.
        dtypes: the floating dtypes checked.
        extra: the caller's own input tensors.
        gradient_points: where gradients are compared.
        kinks: points of non-differentiability to keep away from.
        gradient_tolerance: the largest absolute gradient error.
        jit_compile: whether to check XLA compilation.
    """

    fn: Any
    finite_range: tuple[float, float]
    dtypes: Sequence[str]
    extra: list[tf.Tensor]
    gradient_points: Sequence[float]
    kinks: Sequence[float]
    gradient_tolerance: float
    jit_compile: bool

    @property
    def low(self) -> float:
        return float(self.finite_range[0])

    @property
    def high(self) -> float:
        return float(self.finite_range[1])

    @cached_property
    def grid(self) -> np.ndarray:
        return _grid(self.low, self.high)

    @cached_property
    def samples(self) -> list[tf.Tensor]:
        """Float32 inputs spread over the range and two narrower ones, for comparisons."""
        spread = np.linspace(self.low, self.high, 1001)
        return [tf.constant(spread * s, tf.float32) for s in (1.0, 0.5, 0.01)]

    def for_dtype(self, dtype: str) -> Callable[[tf.Tensor], tf.Tensor]:
        return _variant(self.fn, dtype)

    def expect_same_outputs(self, label: str, f: Any, g: Any, scale: float) -> None:
        """Raises unless ``g`` gives ``f``'s outputs at the samples (float32 tolerance x scale)."""
        for x in self.samples:
            want = call(describe(x), f, x)
            got = call(f"{describe(x)} ({label})", g, x)
            w = np.asarray(tf.cast(want, tf.float64))
            o = np.asarray(tf.cast(got, tf.float64))
            close = np.isclose(o, w, rtol=1e-6 * scale, atol=1e-6 * scale, equal_nan=True)
            if not close.all():
                i = int(np.argmax(~close.ravel()))
                raise Violation(
                    input=f"float32 x={float(np.asarray(x).ravel()[i])!r} ({label})",
                    expected=f"the eager output {float(w.ravel()[i])!r}",
                    got=repr(float(o.ravel()[i])),
                )


def keeps_dtype_and_shape(t: ActivationUnderTest) -> None:
    """Each dtype and shape (and the caller's inputs) comes out with the input's dtype and shape."""
    cases = [
        tf.reshape(tf.constant(t.grid[: int(np.prod(s))], d), s) for d in t.dtypes for s in _SHAPES
    ]
    for x in cases + t.extra:
        y = call(describe(x), t.for_dtype(x.dtype.name), x)
        if not tf.is_tensor(y) or y.dtype != x.dtype or y.shape != x.shape:
            got = f"{getattr(getattr(y, 'dtype', None), 'name', type(y).__name__)}"
            raise Violation(
                input=describe(x),
                expected=f"{x.dtype.name} of shape {tuple(x.shape)}",
                got=f"{got} of shape {tuple(getattr(y, 'shape', ()))}",
            )


def _finite_cases(t: ActivationUnderTest) -> list[tf.Tensor]:
    """The grid in every dtype, and the caller's finite floating inputs within range."""
    cases = [tf.constant(t.grid, d) for d in t.dtypes]
    for x in t.extra:
        if x.dtype.is_floating:
            flat = tf.reshape(x, [-1])
            keep = tf.math.is_finite(flat) & (flat >= t.low) & (flat <= t.high)
            cases.append(tf.boolean_mask(flat, keep))
    return cases


def finite_in_range(t: ActivationUnderTest) -> None:
    """Output and gradient are finite for finite inputs in the range, in every dtype."""
    for x in _finite_cases(t):
        f = t.for_dtype(x.dtype.name)
        y = call(describe(x), f, x)
        i = _first_bad(x, y)
        what = "output"
        if i is None:
            y = call(f"gradient at {describe(x)}", elementwise_gradient, f, x)
            i = _first_bad(x, y)
            what = "gradient"
        if i is not None:
            xi = float(tf.reshape(tf.cast(x, tf.float64), [-1])[i])
            yi = float(tf.reshape(tf.cast(y, tf.float64), [-1])[i])
            raise Violation(
                input=f"{x.dtype.name} x={xi!r} (in finite_range {t.finite_range})",
                expected=f"a finite {what}",
                got=repr(yi),
            )


def propagates_nan(t: ActivationUnderTest) -> None:
    """A NaN input gives a NaN output, in every dtype."""
    for dtype in t.dtypes:
        x = tf.constant([np.nan, 1.0, np.nan], dtype)
        y = call(describe(x), t.for_dtype(dtype), x)
        got = np.asarray(tf.cast(y, tf.float64))
        if not np.isnan(got[[0, 2]]).all():
            raise Violation(
                input=describe(x),
                expected="NaN wherever the input is NaN (a diverged model must not look fine)",
                got=values_text(got),
            )


def gradient_matches(t: ActivationUnderTest) -> None:
    """The taped gradient is within tolerance of central differences, away from the kinks."""
    from tftrain.activations import check_gradient

    points = [float(p) for p in t.gradient_points if all(abs(p - k) > 0.01 for k in t.kinks)]
    x = tf.constant(points, tf.float64)
    try:
        check_gradient(t.for_dtype("float64"), x, tolerance=t.gradient_tolerance)
    except AssertionError as mismatch:
        raise Violation(
            input=f"float64 x in [{min(points):g}, {max(points):g}] ({len(points)} points)",
            expected=f"the gradient within {t.gradient_tolerance:g} of central differences",
            got=str(mismatch),
        ) from mismatch


def traces_once(t: ActivationUnderTest) -> None:
    """One ``tf.function`` trace serves several float32 inputs, with the eager outputs."""
    f = t.for_dtype("float32")
    traced = tf.function(lambda x: f(x))
    t.expect_same_outputs("tf.function", f, traced, 4.0)
    expect_one_trace(traced, f"{len(t.samples)} float32 tensors of shape (1001,)")


def compiles_with_xla(t: ActivationUnderTest) -> None:
    """``tf.function(jit_compile=True)`` gives the eager outputs."""
    if not t.jit_compile:
        raise NotApplicable("jit_compile=False")
    f = t.for_dtype("float32")
    t.expect_same_outputs("XLA", f, tf.function(lambda x: f(x), jit_compile=True), 10.0)


def serializes_by_name(t: ActivationUnderTest) -> None:
    """A registered activation rebuilt from its name or Keras config gives the same outputs."""
    from tftrain import activations

    if not registered(activations, t.fn, "activation"):
        raise NotApplicable("not registered with tftrain.activations")
    for how, other in rebuilt_by_name(activations, t.fn):
        t.expect_same_outputs(
            f"after {how}", t.for_dtype("float32"), _variant(other, "float32"), 1.0
        )


#: Every property, by the name a report gives it, in the order they run.
PROPERTIES: tuple[tuple[str, Callable[[ActivationUnderTest], None]], ...] = (
    ("keeps dtype and shape", keeps_dtype_and_shape),
    ("finite in range", finite_in_range),
    ("propagates NaN", propagates_nan),
    ("gradient matches numerical", gradient_matches),
    ("traces once", traces_once),
    ("compiles with XLA", compiles_with_xla),
    ("serializes by name", serializes_by_name),
)
