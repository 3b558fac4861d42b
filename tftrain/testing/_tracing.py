"""What the checks ask of tracing: one trace for many inputs, and the traced functions held."""

from __future__ import annotations

from typing import Any

from tftrain.testing._report import Violation


def expect_one_trace(traced: Any, inputs: str) -> None:
    """Raises a :class:`Violation` unless the ``tf.function`` ``traced`` traced exactly once."""
    count = traced.experimental_get_tracing_count()
    if count != 1:
        raise Violation(input=inputs, expected="1 trace", got=f"{count} traces")


def tf_functions(obj: Any) -> dict[str, Any]:
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
