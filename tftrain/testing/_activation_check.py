"""``check_activation``: the properties every activation function must have."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from tftrain._validation import check_one_of, check_positive
from tftrain.testing._activation_properties import PROPERTIES, ActivationUnderTest
from tftrain.testing._report import CheckReport, check_properties, name_of

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
    subject = ActivationUnderTest(
        fn=fn,
        finite_range=finite_range,
        dtypes=dtypes,
        extra=[tf.convert_to_tensor(x) for x in extra],
        gradient_points=gradient_points,
        kinks=kinks,
        gradient_tolerance=gradient_tolerance,
        jit_compile=jit_compile,
    )
    return check_properties(f"activation {name_of(fn)}", subject, PROPERTIES)
