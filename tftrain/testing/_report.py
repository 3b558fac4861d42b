"""What a check reports: the properties that held, and for each that failed, why.

A check runs every property of a component, collects the failures, and raises
one :class:`PropertyCheckError` listing them all (which property, which input,
what was expected and what came out); when nothing failed it returns a
:class:`CheckReport` naming what was verified and what did not apply.

Example:
    >>> run = PropertyRun("my_schedule")
    >>> run.check("finite", lambda: None)
    >>> def broken():
    ...     raise Violation(input="step=10", expected="a finite value", got="nan")
    >>> run.check("traces once", broken)
    >>> run.finish()
    Traceback (most recent call last):
    ...
    tftrain.testing._report.PropertyCheckError: my_schedule fails 1 of 2 properties:
      - traces once: input step=10: expected a finite value, got nan
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import tensorflow as tf


@dataclass(frozen=True)
class Finding:
    """One failed property: the property, the input, the expectation and the outcome."""

    property: str
    input: str
    expected: str
    got: str

    def __str__(self) -> str:
        return f"{self.property}: input {self.input}: expected {self.expected}, got {self.got}"


class PropertyCheckError(AssertionError):
    """A component broke one or more properties; ``findings`` lists each failure.

    An ``AssertionError``, so pytest shows the full report as the failure.
    """

    def __init__(self, component: str, findings: list[Finding], checked: int):
        self.component = component
        self.findings = list(findings)
        lines = "\n".join(f"  - {f}" for f in self.findings)
        noun = "property" if checked == 1 else "properties"
        super().__init__(f"{component} fails {len(findings)} of {checked} {noun}:\n{lines}")


class Violation(Exception):
    """Raised inside a property: the input, what was expected, what came out."""

    def __init__(self, *, input: str, expected: str, got: str):
        super().__init__(f"input {input}: expected {expected}, got {got}")
        self.input = input
        self.expected = expected
        self.got = got


class NotApplicable(Exception):
    """Raised inside a property that does not apply to this component (with why)."""


@dataclass
class CheckReport:
    """What a passing check verified: ``passed`` properties, ``not_applicable`` with reasons.

    Example:
        >>> report = CheckReport("relu", passed=["keeps dtype and shape"])
        >>> print(report)
        relu: 1 properties hold: keeps dtype and shape
    """

    component: str
    passed: list[str] = field(default_factory=list)
    not_applicable: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        text = f"{self.component}: {len(self.passed)} properties hold: {', '.join(self.passed)}"
        if self.not_applicable:
            skipped = "; ".join(f"{k} ({v})" for k, v in self.not_applicable.items())
            text += f"; not applicable: {skipped}"
        return text


class PropertyRun:
    """Runs properties one by one and turns their outcome into a report or an error."""

    def __init__(self, component: str):
        self.component = component
        self.findings: list[Finding] = []
        self.report = CheckReport(component)

    def check(self, name: str, prop: Callable[[], None]) -> None:
        """Runs ``prop``: a :class:`Violation` or any error is a failure of ``name``."""
        try:
            prop()
        except Violation as v:
            self.findings.append(Finding(name, v.input, v.expected, v.got))
        except NotApplicable as reason:
            self.report.not_applicable[name] = str(reason)
        except Exception as error:  # the component raised where it should not
            self.findings.append(Finding(name, "(any)", "no error", _raised(error)))
        else:
            self.report.passed.append(name)

    def __enter__(self) -> PropertyRun:
        tf.get_logger().addFilter(_quiet_retracing)
        return self

    def __exit__(self, *exc: Any) -> None:
        tf.get_logger().removeFilter(_quiet_retracing)

    def finish(self) -> CheckReport:
        """The report, or :class:`PropertyCheckError` when any property failed."""
        if self.findings:
            checked = len(self.findings) + len(self.report.passed)
            raise PropertyCheckError(self.component, self.findings, checked)
        return self.report


Subject = TypeVar("Subject")


def check_properties(
    component: str,
    subject: Subject,
    properties: Sequence[tuple[str, Callable[[Subject], None]]],
) -> CheckReport:
    """Runs each named property on ``subject``, in order; the report, or the failures raised.

    Example:
        >>> def positive(x):
        ...     if x <= 0:
        ...         raise Violation(input=f"x={x}", expected="x > 0", got="not")
        >>> print(check_properties("three", 3, [("positive", positive)]))
        three: 1 properties hold: positive
    """
    run = PropertyRun(component)
    with run:
        for name, prop in properties:
            run.check(name, functools.partial(prop, subject))
        return run.finish()


def _quiet_retracing(record: logging.LogRecord) -> bool:
    """Drops TF's frequent-retracing warning: each check traces fresh functions on purpose."""
    return "triggered tf.function retracing" not in record.getMessage()


def _raised(error: BaseException) -> str:
    """``TypeName: the telling line of the message`` (TF messages run on for pages)."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    first = lines[0] if lines else ""
    if first == "in user code:" and len(lines) > 1:  # a tf.function error: the cause is last
        first = lines[-1]
    if len(first) > 300:
        first = first[:297] + "..."
    return f"raised {type(error).__name__}: {first}"


def call(
    description: str | Callable[[], str], fn: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    """``fn(*args, **kwargs)``; an error becomes a :class:`Violation` naming the input.

    ``description`` may be a function that makes the text, called only on an error.
    """
    try:
        return fn(*args, **kwargs)
    except (Violation, NotApplicable):
        raise
    except Exception as error:
        where = description() if callable(description) else description
        raise Violation(input=where, expected="a result", got=_raised(error)) from error


def values_text(values: Any) -> str:
    """Values rounded to 6 significant digits, for reports.

    Example:
        >>> values_text([0.1234567, float("nan")])
        '[0.123457, nan]'
    """
    flat = np.asarray(values, dtype=np.float64).ravel()
    return "[" + ", ".join(f"{v:.6g}" for v in flat) + "]"


def describe(x: Any) -> str:
    """A short description of a tensor: dtype, shape and its first values.

    Example:
        >>> describe(tf.constant([1.0, 2.5]))
        'float32[2] [1, 2.5]'
    """
    if not tf.is_tensor(x) and not isinstance(x, np.ndarray):
        return repr(x)
    x = tf.convert_to_tensor(x)
    shape = ",".join(str(d) for d in x.shape)
    values = np.asarray(tf.cast(x, tf.float64) if x.dtype.is_floating else x).ravel()
    preview = ", ".join(f"{v:.6g}" for v in values[:6].tolist())
    more = ", ..." if values.size > 6 else ""
    return f"{x.dtype.name}[{shape}] [{preview}{more}]"


def name_of(component: Any) -> str:
    """A readable name for a component in reports.

    Example:
        >>> name_of(tf.nn.relu)
        'relu'
    """
    if isinstance(component, (type, str)):
        return str(getattr(component, "__name__", component))
    if hasattr(component, "__name__"):  # functions, bound functions
        return repr(component) if hasattr(component, "kwargs") else str(component.__name__)
    if type(component).__repr__ is not object.__repr__:
        return repr(component)
    return type(component).__name__
