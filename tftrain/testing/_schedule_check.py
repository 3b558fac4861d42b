"""``check_schedule``: the properties every learning-rate schedule must have."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from tftrain._validation import check_one_of
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

_MONOTONIC = ("increasing", "decreasing")


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
) -> CheckReport:
    r"""Checks that a learning-rate schedule behaves like tftrain's own.

    Properties, each evaluated at every step of ``steps`` passed as an int64
    tensor (as ``optimizer.iterations`` is):

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
        steps: the steps to evaluate at; non-negative integers, at least one.
        monotonic: ``None``, ``"increasing"`` or ``"decreasing"`` (non-strict).
        jit_compile: whether to check XLA compilation.

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
        rates = eager()
        bad = ~np.isfinite(rates)
        if bad.any():
            i = int(np.argmax(bad))
            raise Violation(
                input=f"step={steps[i]}", expected="a finite rate", got=repr(float(rates[i]))
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
        order = np.argsort(steps, kind="stable")
        rates = eager()[order]
        ordered = [steps[i] for i in order]
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
