"""The properties ``check_schedule`` verifies, each a function of the schedule under test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

import keras
import numpy as np
import tensorflow as tf

from tftrain.testing._report import NotApplicable, Violation, call
from tftrain.testing._round_trip import rebuilt_by_name, registered
from tftrain.testing._tracing import expect_one_trace, tf_functions


class EagerRates(NamedTuple):
    """The schedule called eagerly at each given step: what it returned, and as float64."""

    outputs: list[Any]
    rates: np.ndarray


class Scan(NamedTuple):
    """The given and the dense steps, sorted, with their rates."""

    steps: np.ndarray
    rates: np.ndarray


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


@dataclass
class ScheduleUnderTest:
    """A schedule and the steps its properties are checked at.

    Attributes:
        schedule: the schedule, as ``tftrain.schedules.get`` returned it.
        steps: the given steps, each evaluated on its own as an int64 tensor.
        grid: the dense steps scanned in one call for the finite and monotonic properties.
        monotonic: ``None``, ``"increasing"`` or ``"decreasing"``.
        jit_compile: whether to check XLA compilation.
        inner: the ``tf.function`` objects the schedule holds, by attribute.
        traces_before: their tracing counts before the check called the schedule.
    """

    schedule: Any
    steps: list[int]
    grid: np.ndarray
    monotonic: str | None
    jit_compile: bool
    inner: dict[str, Any] = field(init=False)
    traces_before: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.inner = tf_functions(self.schedule)
        self.traces_before = {k: f.experimental_get_tracing_count() for k, f in self.inner.items()}

    @cached_property
    def step_tensors(self) -> list[tf.Tensor]:
        return [tf.constant(s, tf.int64) for s in self.steps]

    @cached_property
    def probe(self) -> list[int]:
        """Indices of a spread of the steps, where rebuilt copies and the optimizer are compared."""
        n = len(self.steps)
        return sorted(set(range(0, n, max(1, n // 6))) | {n - 1})

    @cached_property
    def eager(self) -> EagerRates:
        outputs = [
            call(f"step={s}", self.schedule, t)
            for s, t in zip(self.steps, self.step_tensors, strict=True)
        ]
        return EagerRates(outputs, np.array([np.asarray(tf.cast(v, tf.float64)) for v in outputs]))

    @cached_property
    def scan(self) -> Scan:
        rates = _rates_at(self.schedule, self.grid)
        grid = self.grid
        if rates is None:
            grid, rates = grid[:0], np.zeros(0)
        # The grid's value wins where a step is in both (np.unique keeps the first).
        all_steps, first = np.unique(
            np.concatenate([grid, np.asarray(self.steps, np.int64)]), return_index=True
        )
        return Scan(all_steps, np.concatenate([rates, self.eager.rates])[first])

    def expect_eager_rates(self, label: str, fn: Any, scale: float) -> None:
        """Raises unless ``fn`` gives the eager rate at every step, to float32 tolerance x scale."""
        for s, t, want in zip(self.steps, self.step_tensors, self.eager.rates, strict=True):
            got = float(tf.cast(call(f"step={s} ({label})", fn, t), tf.float64))
            if not np.isclose(got, want, rtol=1e-6 * scale, atol=1e-6 * scale, equal_nan=True):
                raise Violation(
                    input=f"step={s} ({label})",
                    expected=f"the eager rate {float(want)!r}",
                    got=repr(got),
                )


def float32_scalar(t: ScheduleUnderTest) -> None:
    """The rate at each step is a float32 tensor of shape ()."""
    for s, rate in zip(t.steps, t.eager.outputs, strict=True):
        dtype = getattr(rate, "dtype", type(rate).__name__)
        shape = getattr(rate, "shape", None)
        if not tf.is_tensor(rate) or rate.dtype != tf.float32 or rate.shape != ():
            raise Violation(
                input=f"step={s} (int64 tensor)",
                expected="a float32 tensor of shape ()",
                got=f"{getattr(dtype, 'name', dtype)} of shape {shape}",
            )


def finite(t: ScheduleUnderTest) -> None:
    """No NaN or infinity at the given steps or anywhere in the scan."""
    for where, rates in (t.steps, t.eager.rates), t.scan:
        bad = ~np.isfinite(rates)
        if bad.any():
            i = int(np.argmax(bad))
            raise Violation(
                input=f"step={where[i]}", expected="a finite rate", got=repr(float(rates[i]))
            )


def traces_once(t: ScheduleUnderTest) -> None:
    """One ``tf.function`` trace serves every step, with the eager rates."""
    traced = tf.function(lambda step: t.schedule(step))
    t.expect_eager_rates("tf.function", traced, 4.0)
    expect_one_trace(traced, f"{len(t.steps)} int64 step tensors")


def no_retracing(t: ScheduleUnderTest) -> None:
    """The schedule's own ``tf.function`` objects trace at most once over the eager calls."""
    _ = t.eager  # every step, eagerly, once
    for key, function in t.inner.items():
        new = function.experimental_get_tracing_count() - t.traces_before[key]
        if new > 1:
            raise Violation(
                input=f"{len(t.steps)} int64 step tensors, eagerly",
                expected=f"its tf.function `{key}` to trace at most once",
                got=f"{new} traces (it is called with Python values, not tensors)",
            )


def compiles_with_xla(t: ScheduleUnderTest) -> None:
    """``tf.function(jit_compile=True)`` gives the eager rates."""
    if not t.jit_compile:
        raise NotApplicable("jit_compile=False")
    compiled = tf.function(lambda step: t.schedule(step), jit_compile=True)
    t.expect_eager_rates("XLA", compiled, 10.0)


def drives_an_optimizer(t: ScheduleUnderTest) -> None:
    """``optimizer.learning_rate`` follows ``optimizer.iterations``."""
    sgd = keras.optimizers.SGD(learning_rate=t.schedule)
    for i in t.probe:
        s, want = t.steps[i], t.eager.rates[i]
        sgd.iterations.assign(s)
        got = float(call(f"optimizer.iterations={s}", lambda: sgd.learning_rate))
        if not np.isclose(got, want, rtol=1e-6, atol=1e-6, equal_nan=True):
            raise Violation(
                input=f"optimizer.iterations={s}",
                expected=f"optimizer.learning_rate == schedule(step) == {float(want)!r}",
                got=repr(got),
            )


def _rebuilt(t: ScheduleUnderTest) -> list[tuple[str, Any]]:
    """Copies of the schedule: by name when registered, else ``from_config(get_config())``."""
    from tftrain import schedules

    if registered(schedules, t.schedule, "schedule"):
        return rebuilt_by_name(schedules, t.schedule)
    config = call("get_config()", t.schedule.get_config)
    cls = type(t.schedule)
    return [
        (f"{cls.__name__}.from_config({config!r})", call("from_config", cls.from_config, config))
    ]


def round_trip(t: ScheduleUnderTest) -> None:
    """Each rebuilt copy is of the schedule's class and gives its rates."""
    for how, other in _rebuilt(t):
        if type(other) is not type(t.schedule):
            raise Violation(
                input=how,
                expected=f"a {type(t.schedule).__name__}",
                got=f"a {type(other).__name__}",
            )
        for i in t.probe:
            s, step, want = t.steps[i], t.step_tensors[i], t.eager.rates[i]
            got = float(tf.cast(call(f"step={s} (rebuilt)", other, step), tf.float64))
            if not np.isclose(got, want, rtol=1e-6, atol=1e-6, equal_nan=True):
                raise Violation(
                    input=f"step={s} after {how}", expected=repr(float(want)), got=repr(got)
                )


def monotone(t: ScheduleUnderTest) -> None:
    """When declared, the rates never rise (decreasing) or fall (increasing) along the scan."""
    if t.monotonic is None:
        raise NotApplicable("not declared monotonic")
    ordered, rates = t.scan
    with np.errstate(invalid="ignore"):  # inf - inf: the finite property reports it
        diffs = np.diff(rates)
    bad = diffs > 0 if t.monotonic == "decreasing" else diffs < 0
    if bad.any():
        i = int(np.argmax(bad))
        raise Violation(
            input=f"steps {ordered[i]} -> {ordered[i + 1]}",
            expected=f"{t.monotonic} (non-strict) rates",
            got=f"{float(rates[i])!r} -> {float(rates[i + 1])!r}",
        )


#: Every property, by the name a report gives it, in the order they run.
PROPERTIES: tuple[tuple[str, Callable[[ScheduleUnderTest], None]], ...] = (
    ("float32 scalar", float32_scalar),
    ("finite", finite),
    ("traces once", traces_once),
    ("no retracing when eager", no_retracing),
    ("compiles with XLA", compiles_with_xla),
    ("drives a Keras optimizer", drives_an_optimizer),
    ("serialization round trip", round_trip),
    ("monotonic", monotone),
)
