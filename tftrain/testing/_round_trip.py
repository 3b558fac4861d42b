"""Rebuilding a registered component from its serialized forms, as the checks do."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import keras

from tftrain.testing._report import call


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


def rebuilt_by_name(family: ModuleType, component: Any) -> list[tuple[str, Any]]:
    """``component`` rebuilt by its family's ``serialize``/``get`` and by Keras, with how.

    Keras's ``serialize_keras_object`` and ``deserialize_keras_object`` run in
    safe mode, as a saved model is loaded.

    Example:
        >>> from tftrain import schedules
        >>> for how, copy in rebuilt_by_name(schedules, schedules.Constant(0.1)):
        ...     print(how, "->", type(copy).__name__)
        tftrain.schedules.get({'name': 'constant', 'value': 0.1}) -> Constant
        keras.saving.deserialize_keras_object(safe_mode=True) -> Constant
    """
    spec = call(f"{family.__name__}.serialize", family.serialize, component)
    rebuilt = [(f"{family.__name__}.get({spec!r})", call("get", family.get, spec))]
    config = call("keras serialize", keras.saving.serialize_keras_object, component)
    back = call("keras deserialize", keras.saving.deserialize_keras_object, config, safe_mode=True)
    rebuilt.append(("keras.saving.deserialize_keras_object(safe_mode=True)", back))
    return rebuilt
