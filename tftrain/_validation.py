"""Argument checks shared by every family, with errors in the Keras pattern.

Each check runs once, at construction, on plain Python values; nothing here
runs per step. Messages name the argument, the constraint and the value::

    Argument `decay_steps` must be > 0. Received: decay_steps=0

Example:
    >>> check_positive("decay_steps", 0)
    Traceback (most recent call last):
    ...
    tftrain._validation.ArgumentError: Argument `decay_steps` must be > 0. Received: decay_steps=0
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any


class ArgumentError(ValueError):
    """A bad argument value; ``argument`` names the argument (``"decay_steps"``).

    Recipe validation reads ``argument`` to say which key is wrong, so no
    message text is parsed.
    """

    def __init__(self, argument: str, message: str):
        super().__init__(message)
        self.argument = argument


class ArgumentTypeError(TypeError):
    """An argument of the wrong type; ``argument`` names the argument."""

    def __init__(self, argument: str, message: str):
        super().__init__(message)
        self.argument = argument


def argument_of(error: BaseException) -> str | None:
    """The top-level argument an :class:`ArgumentError` names (``"values[2]"`` gives ``"values"``).

    Example:
        >>> argument_of(ArgumentError("values[2]", "bad")), argument_of(ValueError("bad"))
        ('values', None)
    """
    argument = getattr(error, "argument", None)
    return argument.split("[")[0].split(".")[0] if isinstance(argument, str) else None


def _received(name: str, value: Any) -> str:
    return f"Received: {name}={value!r}"


def check_number(name: str, value: Any) -> float:
    """Returns ``value`` as a float; a finite real number (not a bool) is required.

    Raises:
        TypeError: ``value`` is not a real number.
        ValueError: ``value`` is NaN or infinite.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(
            name, f"Argument `{name}` must be a real number. {_received(name, value)}"
        )
    if not math.isfinite(float(value)):
        raise ArgumentError(name, f"Argument `{name}` must be finite. {_received(name, value)}")
    return float(value)


def check_integer(name: str, value: Any, *, minimum: int | None = None) -> int:
    """Returns ``value`` as an int; an integer (not a bool) ``>= minimum`` is required.

    A float with no fraction (``4.0``, as JSON may give) counts as an integer.

    Raises:
        TypeError: ``value`` is not an integer (a bool, or a float with a fraction).
        ValueError: ``value`` is below ``minimum``.
    """
    whole_float = isinstance(value, float) and value.is_integer()
    if isinstance(value, bool) or not (isinstance(value, numbers.Integral) or whole_float):
        raise ArgumentTypeError(
            name, f"Argument `{name}` must be an integer. {_received(name, value)}"
        )
    value = int(value)
    if minimum is not None and value < minimum:
        raise ArgumentError(
            name, f"Argument `{name}` must be >= {minimum}. {_received(name, value)}"
        )
    return value


def check_positive(name: str, value: Any) -> float:
    """Returns ``value`` as a float; a finite number ``> 0`` is required."""
    number = check_number(name, value)
    if not number > 0:
        raise ArgumentError(name, f"Argument `{name}` must be > 0. {_received(name, value)}")
    return number


def check_non_negative(name: str, value: Any) -> float:
    """Returns ``value`` as a float; a finite number ``>= 0`` is required."""
    number = check_number(name, value)
    if not number >= 0:
        raise ArgumentError(name, f"Argument `{name}` must be >= 0. {_received(name, value)}")
    return number


def check_in_range(
    name: str,
    value: Any,
    low: float,
    high: float,
    *,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Returns ``value`` as a float; a finite number inside the interval is required.

    Example:
        >>> check_in_range("decay", 1.0, 0.0, 1.0, high_inclusive=False)
        Traceback (most recent call last):
        ...
        tftrain._validation.ArgumentError: Argument `decay` must be in [0.0, 1.0). ...
    """
    number = check_number(name, value)
    above = number >= low if low_inclusive else number > low
    below = number <= high if high_inclusive else number < high
    if not (above and below):
        interval = f"{'[' if low_inclusive else '('}{low}, {high}{']' if high_inclusive else ')'}"
        raise ArgumentError(
            name, f"Argument `{name}` must be in {interval}. {_received(name, value)}"
        )
    return number


def is_one_of(value: Any, options: Iterable[Any]) -> bool:
    """Whether ``value`` is one of ``options``; ``True`` and ``False`` only match themselves.

    Example:
        >>> is_one_of(1, (True, False, "auto")), is_one_of("auto", (True, False, "auto"))
        (False, True)
    """
    return any(
        value is option if isinstance(value, bool) or isinstance(option, bool) else value == option
        for option in options
    )


def check_one_of(name: str, value: Any, options: Iterable[Any]) -> Any:
    """Returns ``value`` if it is one of ``options``.

    Example:
        >>> check_one_of("reduction", "avg", ("sum", "none"))
        Traceback (most recent call last):
        ...
        tftrain._validation.ArgumentError: Invalid value for argument `reduction`. \
Expected one of ['sum', 'none']. Received: reduction='avg'
    """
    options = list(options)
    if not is_one_of(value, options):
        raise ArgumentError(
            name,
            f"Invalid value for argument `{name}`. Expected one of {options}. "
            f"{_received(name, value)}",
        )
    return value


def check_increasing(name: str, values: Sequence[Any]) -> list[float]:
    """Returns ``values`` as floats; a strictly increasing sequence of finite numbers."""
    numbers_ = [check_number(f"{name}[{i}]", v) for i, v in enumerate(values)]
    for i in range(1, len(numbers_)):
        if not numbers_[i] > numbers_[i - 1]:
            raise ArgumentError(
                name,
                f"Argument `{name}` must be strictly increasing; {name}[{i}]={values[i]!r} "
                f"is not > {name}[{i - 1}]={values[i - 1]!r}. {_received(name, list(values))}",
            )
    return numbers_


def check_bool(name: str, value: Any) -> bool:
    """Returns ``value``; ``True`` or ``False`` is required (``1`` or ``"yes"`` is refused).

    Example:
        >>> check_bool("staircase", "yes")
        Traceback (most recent call last):
        ...
        tftrain._validation.ArgumentTypeError: Argument `staircase` must be a bool. \
Received: staircase='yes'
    """
    if not isinstance(value, bool):
        raise ArgumentTypeError(name, f"Argument `{name}` must be a bool. {_received(name, value)}")
    return value
