"""``check_schedule``: the properties every learning-rate schedule must have."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from tftrain._validation import check_integer, check_one_of
from tftrain.testing._report import (
    CheckReport,
    NotApplicable,
    PropertyRun,
    Violation,
    call,
    name_of,
)

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


def _rates_at(schedule: Any, grid: np.ndarray) -> np.ndarray | None:
    """The schedule at every step of ``grid``, as float64, in one call where it can.

    A schedule is called with the whole int64 vector; one that does not give a
    rate per step (a scalar-only schedule) is mapped over the steps in a
    ``tf.function`` instead. ``None`` when it cannot be traced either: the
    "traces once" property reports that, and the scan is left out.
    """
    steps = tf.constant(grid, tf.int64)
    try:
        rates = schedule(steps)
        if tf.is_tensor(rates) and rates.shape == steps.shape:
            return np.asarray(tf.cast(rates, tf.float64))
    except Exception:  # a scalar-only schedule: mapped below
        pass
    mapped = tf.function(
        lambda t: tf.map_fn(
            lambda one: tf.cast(schedule(one), tf.float64), t, fn_output_signature=tf.float64
        )
    )
    try:
        return np.asarray(mapped(steps))
    except Exception:  # not traceable: "traces once" reports it
        return None


def _tf_functions(obj: Any) -> dict[str, Any]:
    """The ``tf.function`` objects an object holds (attributes and decorated methods)."""
    found: dict[str, Any] = {}
    names = set(vars(obj)) if hasattr(obj, "__dict__") else set()
    for klass in type(obj).__mro__:
        names.update(vars(klass))
    for attribute in sorted(names):
        if attribute.startswith("__"):
            continue
        value = getattr(obj, attribute, None)
        if hasattr(value, "experimental_get_tracing_count"):
            found[attribute] = value
    return found


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
    run = PropertyRun(f"schedule {name_of(schedule)}")
    step_tensors = [tf.constant(s, tf.int64) for s in steps]
    cache: dict[str, Any] = {}
    # Rebuilt copies and the optimizer are compared at a spread of the steps.
    probe = sorted(set(range(0, len(steps), max(1, len(steps) // 6))) | {len(steps) - 1})
    inner = _tf_functions(schedule)
    inner_before = {k: f.experimental_get_tracing_count() for k, f in inner.items()}

    def eager() -> np.ndarray:
        if "eager" not in cache:
            out = [call(f"step={s}", schedule, t) for s, t in zip(steps, step_tensors, strict=True)]
            cache["raw"] = out
            cache["eager"] = np.array([np.asarray(tf.cast(v, tf.float64)) for v in out])
        return cache["eager"]

    def scanned() -> tuple[np.ndarray, np.ndarray]:
        """The given and the dense steps, sorted, with their rates."""
        if "scanned" not in cache:
            grid = dense_steps(dense_until)
            rates = _rates_at(schedule, grid)
            if rates is None:
                grid, rates = grid[:0], np.zeros(0)
            # The grid's value wins where a step is in both (np.unique keeps the first).
            all_steps, first = np.unique(
                np.concatenate([grid, np.asarray(steps, np.int64)]), return_index=True
            )
            cache["scanned"] = (all_steps, np.concatenate([rates, eager()])[first])
        return cache["scanned"]

    def float32_scalar() -> None:
        eager()
        for s, rate in zip(steps, cache["raw"], strict=True):
            dtype = getattr(rate, "dtype", type(rate).__name__)
            shape = getattr(rate, "shape", None)
            if not tf.is_tensor(rate) or rate.dtype != tf.float32 or rate.shape != ():
                raise Violation(
                    input=f"step={s} (int64 tensor)",
                    expected="a float32 tensor of shape ()",
                    got=f"{getattr(dtype, 'name', dtype)} of shape {shape}",
                )

    def finite() -> None:
        for where, rates in (steps, eager()), scanned():
            bad = ~np.isfinite(rates)
            if bad.any():
                i = int(np.argmax(bad))
                raise Violation(
                    input=f"step={where[i]}", expected="a finite rate", got=repr(float(rates[i]))
                )

    def compare(label: str, fn: Any, scale: float) -> None:
        expected = eager()
        for s, t, want in zip(steps, step_tensors, expected, strict=True):
            got = float(tf.cast(call(f"step={s} ({label})", fn, t), tf.float64))
            if not np.isclose(got, want, rtol=1e-6 * scale, atol=1e-6 * scale, equal_nan=True):
                raise Violation(
                    input=f"step={s} ({label})",
                    expected=f"the eager rate {float(want)!r}",
                    got=repr(got),
                )

    def traces_once() -> None:
        traced = tf.function(lambda step: schedule(step))
        compare("tf.function", traced, 4.0)
        count = traced.experimental_get_tracing_count()
        if count != 1:
            raise Violation(
                input=f"{len(steps)} int64 step tensors",
                expected="1 trace",
                got=f"{count} traces",
            )

    def no_retracing() -> None:
        eager()  # every step, eagerly, once
        for key, function in inner.items():
            new = function.experimental_get_tracing_count() - inner_before[key]
            if new > 1:
                raise Violation(
                    input=f"{len(steps)} int64 step tensors, eagerly",
                    expected=f"its tf.function `{key}` to trace at most once",
                    got=f"{new} traces (it is called with Python values, not tensors)",
                )

    def xla() -> None:
        if not jit_compile:
            raise NotApplicable("jit_compile=False")
        compare("XLA", tf.function(lambda step: schedule(step), jit_compile=True), 10.0)

    def optimizer() -> None:
        sgd = keras.optimizers.SGD(learning_rate=schedule)
        for i in probe:
            s, want = steps[i], eager()[i]
            sgd.iterations.assign(s)
            got = float(call(f"optimizer.iterations={s}", lambda: sgd.learning_rate))
            if not np.isclose(got, want, rtol=1e-6, atol=1e-6, equal_nan=True):
                raise Violation(
                    input=f"optimizer.iterations={s}",
                    expected=f"optimizer.learning_rate == schedule(step) == {float(want)!r}",
                    got=repr(got),
                )

    def round_trip() -> None:
        rebuilt: list[tuple[str, Any]] = []
        if registered(schedules, schedule, "schedule"):
            spec = call("tftrain.schedules.serialize", schedules.serialize, schedule)
            rebuilt.append((f"tftrain.schedules.get({spec!r})", call("get", schedules.get, spec)))
            config = call("keras serialize", keras.saving.serialize_keras_object, schedule)
            back = call(
                "keras deserialize", keras.saving.deserialize_keras_object, config, safe_mode=True
            )
            rebuilt.append(("keras.saving.deserialize_keras_object(safe_mode=True)", back))
        else:
            config = call("get_config()", schedule.get_config)
            rebuilt.append(
                (
                    f"{type(schedule).__name__}.from_config({config!r})",
                    call("from_config", type(schedule).from_config, config),
                )
            )
        for how, other in rebuilt:
            if type(other) is not type(schedule):
                raise Violation(
                    input=how,
                    expected=f"a {type(schedule).__name__}",
                    got=f"a {type(other).__name__}",
                )
            for i in probe:
                s, t, want = steps[i], step_tensors[i], eager()[i]
                got = float(tf.cast(call(f"step={s} (rebuilt)", other, t), tf.float64))
                if not np.isclose(got, want, rtol=1e-6, atol=1e-6, equal_nan=True):
                    raise Violation(
                        input=f"step={s} after {how}", expected=repr(float(want)), got=repr(got)
                    )

    def monotone() -> None:
        if monotonic is None:
            raise NotApplicable("not declared monotonic")
        ordered, rates = scanned()
        with np.errstate(invalid="ignore"):  # inf - inf: the finite property reports it
            diffs = np.diff(rates)
        bad = diffs > 0 if monotonic == "decreasing" else diffs < 0
        if bad.any():
            i = int(np.argmax(bad))
            raise Violation(
                input=f"steps {ordered[i]} -> {ordered[i + 1]}",
                expected=f"{monotonic} (non-strict) rates",
                got=f"{float(rates[i])!r} -> {float(rates[i + 1])!r}",
            )

    with run:
        run.check("float32 scalar", float32_scalar)
        run.check("finite", finite)
        run.check("traces once", traces_once)
        run.check("no retracing when eager", no_retracing)
        run.check("compiles with XLA", xla)
        run.check("drives a Keras optimizer", optimizer)
        run.check("serialization round trip", round_trip)
        run.check("monotonic", monotone)
        return run.finish()


def registered(family: Any, component: Any, noun: str) -> bool:
    """Whether ``component`` is registered in ``family`` (a family package).

    Example:
        >>> from tftrain import schedules
        >>> registered(schedules, schedules.Constant(0.1), "schedule")
        True
    """
    from tftrain import families

    if isinstance(component, families.BoundFunction):
        return component.family == noun
    registry = getattr(getattr(family, "serialize", None), "__self__", None)
    if not isinstance(registry, families.Registry):
        registry = families.family(noun)
    return registry.name_of(component) is not None
