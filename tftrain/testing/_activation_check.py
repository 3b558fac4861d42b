"""``check_activation``: the properties every activation function must have."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from tftrain._validation import check_one_of, check_positive
from tftrain.testing._gradient import elementwise_gradient
from tftrain.testing._report import (
    CheckReport,
    NotApplicable,
    PropertyRun,
    Violation,
    call,
    describe,
    name_of,
    values_text,
)
from tftrain.testing._round_trip import registered

#: Where gradients are compared: a dense spread over [-6, 6] (kept off the
#: integers and halves, where kinks tend to sit) and a few fixed points.
GRADIENT_POINTS: tuple[float, ...] = tuple(
    sorted(
        {float(v) for v in np.round(np.linspace(-5.9, 5.9, 49) + 0.0137, 6)}
        | {-5.9, -4.3, -3.1, -2.05, -1.3, -0.73, -0.31, -0.11, 0.13, 0.29, 0.71, 1.37, 2.2, 3.3}
    )
)

#: The dtypes an activation must keep.
FLOAT_DTYPES: tuple[str, ...] = ("float16", "bfloat16", "float32", "float64")

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


def check_activation(
    fn: Any,
    *,
    finite_range: tuple[float, float] = (-100.0, 100.0),
    dtypes: Sequence[str] = FLOAT_DTYPES,
    inputs: Any = None,
    gradient_points: Sequence[float] = GRADIENT_POINTS,
    kinks: Sequence[float] = (0.0,),
    gradient_tolerance: float = 1e-6,
    jit_compile: bool = True,
) -> CheckReport:
    r"""Checks that an activation behaves like tftrain's own.

    Properties:

    * **keeps dtype and shape**: for each of ``dtypes`` and shapes ``()``,
      ``(0,)``, ``(5,)``, ``(2, 3)``, ``(2, 0, 3)`` (and ``inputs``), the output
      has the input's dtype and shape;
    * **finite in range**: output and gradient are finite for finite inputs in
      ``finite_range`` (a dense even spread, every power-of-ten magnitude from
      subnormal up, the ends, signed zeros, and ``inputs``), in every dtype;
    * **propagates NaN**: a NaN input gives a NaN output, in every dtype;
    * **gradient matches numerical**: the gradient ``tf.GradientTape`` takes
      (custom gradients included) is within ``gradient_tolerance`` of central
      differences in float64 at ``gradient_points`` farther than 0.01 from
      ``kinks``, both eagerly and inside a ``tf.function`` (through
      ``tftrain.activations.check_gradient``);
    * **traces once**: one ``tf.function`` trace serves several inputs of one
      dtype and shape, with the eager values (to four times the float32 tolerance: graph
      rewrites may reorder operations);
    * **compiles with XLA**: ``jit_compile=True`` gives the eager values (to
      ten times the float32 tolerance);
    * **serializes by name**: when registered with ``tftrain.activations``,
      ``get(serialize(fn))`` and Keras's ``serialize_keras_object`` round trip
      (safe mode) rebuild it with the same outputs.

    Args:
        fn: the activation: a function of one tensor, a Keras layer, or a spec
            that ``tftrain.activations.get`` accepts.
        finite_range: ``(low, high)`` where outputs and gradients must be
            finite; finite, ``low < high``.
        dtypes: the floating dtypes to check; a subset of float16, bfloat16,
            float32, float64.
        inputs: extra input tensors (one or a list, e.g. drawn by
            ``tftrain.testing.strategies.tensors``) for the dtype, shape and
            (within range) finiteness properties.
        gradient_points: where to compare gradients.
        kinks: points of non-differentiability to keep away from.
        gradient_tolerance: the largest absolute gradient error; ``> 0``.
        jit_compile: whether to check XLA compilation.

    Returns:
        A :class:`CheckReport` naming the properties that hold.

    Raises:
        PropertyCheckError: a property fails; the message lists each failure
            with the input, the expected and the actual outcome.
        ValueError: a bad ``finite_range`` or dtype.

    Example:
        >>> report = check_activation(tf.nn.softplus)
        >>> print("\n".join(report.passed))
        keeps dtype and shape
        finite in range
        propagates NaN
        gradient matches numerical
        traces once
        compiles with XLA
        >>> print(report.not_applicable["serializes by name"])
        not registered with tftrain.activations
    """
    from tftrain import activations

    low, high = (float(v) for v in finite_range)
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(
            "Argument `finite_range` must be (low, high) with finite low < high. "
            f"Received: finite_range={finite_range!r}"
        )
    for i, dtype in enumerate(dtypes):
        check_one_of(f"dtypes[{i}]", dtype, FLOAT_DTYPES)
    check_positive("gradient_tolerance", gradient_tolerance)
    if isinstance(fn, (str, dict)):
        fn = activations.get(fn)
    if not callable(fn):
        raise TypeError(f"Argument `fn` must be callable. Received: fn={fn!r}")
    extra = (
        [] if inputs is None else list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    )
    extra = [tf.convert_to_tensor(x) for x in extra]
    run = PropertyRun(f"activation {name_of(fn)}")
    grid = _grid(low, high)

    def keeps_dtype_and_shape() -> None:
        cases = [
            tf.reshape(tf.constant(grid[: int(np.prod(s))], d), s) for d in dtypes for s in _SHAPES
        ]
        for x in cases + extra:
            y = call(describe(x), _variant(fn, x.dtype.name), x)
            if not tf.is_tensor(y) or y.dtype != x.dtype or y.shape != x.shape:
                got = f"{getattr(getattr(y, 'dtype', None), 'name', type(y).__name__)}"
                raise Violation(
                    input=describe(x),
                    expected=f"{x.dtype.name} of shape {tuple(x.shape)}",
                    got=f"{got} of shape {tuple(getattr(y, 'shape', ()))}",
                )

    def finite_in_range() -> None:
        cases = [tf.constant(grid, d) for d in dtypes]
        for x in extra:
            if x.dtype.is_floating:
                flat = tf.reshape(x, [-1])
                keep = tf.math.is_finite(flat) & (flat >= low) & (flat <= high)
                cases.append(tf.boolean_mask(flat, keep))
        for x in cases:
            f = _variant(fn, x.dtype.name)
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
                    input=f"{x.dtype.name} x={xi!r} (in finite_range {finite_range})",
                    expected=f"a finite {what}",
                    got=repr(yi),
                )

    def gradient_matches() -> None:
        from tftrain.activations import check_gradient

        points = [float(p) for p in gradient_points if all(abs(p - k) > 0.01 for k in kinks)]
        x = tf.constant(points, tf.float64)
        try:
            check_gradient(_variant(fn, "float64"), x, tolerance=gradient_tolerance)
        except AssertionError as mismatch:
            raise Violation(
                input=f"float64 x in [{min(points):g}, {max(points):g}] ({len(points)} points)",
                expected=f"the gradient within {gradient_tolerance:g} of central differences",
                got=str(mismatch),
            ) from mismatch

    samples = [tf.constant(np.linspace(low, high, 1001) * s, tf.float32) for s in (1.0, 0.5, 0.01)]

    def compare(label: str, f: Any, g: Any, scale: float) -> None:
        for x in samples:
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

    def propagates_nan() -> None:
        for dtype in dtypes:
            x = tf.constant([np.nan, 1.0, np.nan], dtype)
            y = call(describe(x), _variant(fn, dtype), x)
            got = np.asarray(tf.cast(y, tf.float64))
            if not np.isnan(got[[0, 2]]).all():
                raise Violation(
                    input=describe(x),
                    expected="NaN wherever the input is NaN (a diverged model must not look fine)",
                    got=values_text(got),
                )

    def traces_once() -> None:
        f = _variant(fn, "float32")
        traced = tf.function(lambda x: f(x))
        compare("tf.function", f, traced, 4.0)
        count = traced.experimental_get_tracing_count()
        if count != 1:
            raise Violation(
                input=f"{len(samples)} float32 tensors of shape (1001,)",
                expected="1 trace",
                got=f"{count} traces",
            )

    def xla() -> None:
        if not jit_compile:
            raise NotApplicable("jit_compile=False")
        f = _variant(fn, "float32")
        compare("XLA", f, tf.function(lambda x: f(x), jit_compile=True), 10.0)

    def serializes() -> None:
        if not registered(activations, fn, "activation"):
            raise NotApplicable("not registered with tftrain.activations")
        spec = call("tftrain.activations.serialize", activations.serialize, fn)
        rebuilt = [(f"tftrain.activations.get({spec!r})", call("get", activations.get, spec))]
        config = call("keras serialize", keras.saving.serialize_keras_object, fn)
        back = call(
            "keras deserialize", keras.saving.deserialize_keras_object, config, safe_mode=True
        )
        rebuilt.append(("keras.saving.deserialize_keras_object(safe_mode=True)", back))
        for how, other in rebuilt:
            compare(f"after {how}", _variant(fn, "float32"), _variant(other, "float32"), 1.0)

    with run:
        run.check("keeps dtype and shape", keeps_dtype_and_shape)
        run.check("finite in range", finite_in_range)
        run.check("propagates NaN", propagates_nan)
        run.check("gradient matches numerical", gradient_matches)
        run.check("traces once", traces_once)
        run.check("compiles with XLA", xla)
        run.check("serializes by name", serializes)
        return run.finish()
