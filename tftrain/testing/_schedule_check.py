"""``check_schedule``: the properties every learning-rate schedule must have."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tftrain._validation import check_integer, check_one_of
from tftrain.testing._report import CheckReport, check_properties, name_of
from tftrain.testing._schedule_properties import PROPERTIES, ScheduleUnderTest

#: Steps a schedule is evaluated at: the start, around round numbers, a long run.
DEFAULT_STEPS: tuple[int, ...] = (
    0, 1, 2, 3, 5, 9, 10, 11, 99, 100, 101, 999, 1_000, 1_001, 10_000, 100_000, 1_000_000
)  # fmt: skip

#: Every step up to this one is scanned (vectorized), besides ``steps``.
DENSE_UNTIL = 10_000

_MONOTONIC = ("increasing", "decreasing")


def dense_steps(until: int = DENSE_UNTIL) -> np.ndarray:
    """Every step from 0 to ``until``, then a geometric sweep to ``1e9``.

    Example:
        >>> grid = dense_steps(100)
        >>> print(grid[:3], grid[100], grid[-1], len(grid))
        [0 1 2] 100 1000000000 301
    """
    sweep = np.geomspace(until + 1, 10**9, 200).round().astype(np.int64)
    return np.unique(np.concatenate([np.arange(until + 1, dtype=np.int64), sweep]))


def check_schedule(
    schedule: Any,
    *,
    steps: Sequence[int] = DEFAULT_STEPS,
    monotonic: str | None = None,
    jit_compile: bool = True,
    dense_until: int = DENSE_UNTIL,
) -> CheckReport:
    r"""Checks that a learning-rate schedule behaves like tftrain's own.

    Properties, each evaluated at every step of ``steps`` passed as an int64
    tensor (as ``optimizer.iterations`` is); **finite** and **monotonic** also
    at every step from 0 to ``dense_until`` and at a geometric sweep of steps
    beyond, up to ``1e9`` (one vectorized call, so a one-step bump anywhere
    early in training is found):

    * **float32 scalar**: the rate is a float32 tensor of shape ``()``;
    * **finite**: no NaN or infinity at any step;
    * **traces once**: one ``tf.function`` trace serves every step, with the
      eager values (to four times the float32 tolerance: graph
      rewrites may reorder operations);
    * **no retracing when eager**: ``tf.function`` objects that the schedule
      holds (attributes, decorated methods) trace at most once while it is
      called eagerly step after step (a sign of Python values passed to them);
    * **compiles with XLA**: ``tf.function(jit_compile=True)`` gives the eager
      values (to float32 tolerance times 10: XLA may reorder operations);
    * **drives a Keras optimizer**: ``optimizer.learning_rate`` follows
      ``optimizer.iterations``;
    * **serialization round trip**: a registered schedule rebuilds from
      ``tftrain.schedules.serialize`` and from Keras's
      ``serialize_keras_object`` (safe mode), any other from
      ``from_config(get_config())``, with the same rates;
    * **monotonic**: when declared, :math:`\eta(t_{i+1}) \le \eta(t_i)`
      (``"decreasing"``) or :math:`\ge` (``"increasing"``) along sorted steps.

    Args:
        schedule: a ``LearningRateSchedule`` or a spec that
            ``tftrain.schedules.get`` accepts.
        steps: the steps to evaluate at; non-negative integers, at least one
            (e.g. drawn by ``tftrain.testing.strategies.steps()``).
        monotonic: ``None``, ``"increasing"`` or ``"decreasing"`` (non-strict).
        jit_compile: whether to check XLA compilation.
        dense_until: every step up to this one is scanned for the finite and
            monotonic properties; an integer ``>= 0``.

    Returns:
        A :class:`CheckReport` naming the properties that hold.

    Raises:
        PropertyCheckError: a property fails; the message lists each failure
            with the step, the expected and the actual value.
        ValueError: ``steps`` is empty or negative, or ``monotonic`` is invalid.

    Example:
        >>> import tftrain
        >>> report = check_schedule(tftrain.schedules.CosineDecay(0.1, decay_steps=100),
        ...                         monotonic="decreasing")
        >>> print("\n".join(report.passed))
        float32 scalar
        finite
        traces once
        no retracing when eager
        compiles with XLA
        drives a Keras optimizer
        serialization round trip
        monotonic
    """
    from tftrain import schedules  # the family registers itself on import

    steps = [int(s) for s in steps]
    if not steps or min(steps) < 0:
        raise ValueError(
            f"Argument `steps` must be a non-empty sequence of integers >= 0. Received: {steps!r}"
        )
    check_one_of("monotonic", monotonic, (None, *_MONOTONIC))
    check_integer("dense_until", dense_until, minimum=0)
    schedule = schedules.get(schedule)
    subject = ScheduleUnderTest(
        schedule=schedule,
        steps=steps,
        grid=dense_steps(dense_until),
        monotonic=monotonic,
        jit_compile=jit_compile,
    )
    return check_properties(f"schedule {name_of(schedule)}", subject, PROPERTIES)
