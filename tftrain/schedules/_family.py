"""The schedule family's registry: ``get``, ``serialize``, ``names``, ``register``."""

from __future__ import annotations

from typing import Any

import keras

from tftrain._registry import Registry

SCHEDULES: Registry[Any] = Registry(
    "schedule", base=keras.optimizers.schedules.LearningRateSchedule, accept_callables=False
)

register = SCHEDULES.register
serialize = SCHEDULES.serialize
names = SCHEDULES.names


def get(spec: Any) -> keras.optimizers.schedules.LearningRateSchedule:
    """A schedule from a spec.

    Args:
        spec: a number (a constant rate), a registered name, a dict
            ``{"name": ..., **kwargs}``, a ``LearningRateSchedule``, or the dict
            that ``keras.saving.serialize_keras_object`` writes for one.

    Returns:
        The schedule.

    Raises:
        ValueError: unknown name (with the closest known ones) or a bad value.
        TypeError: unknown keyword, or a spec that is no schedule.

    Example:
        >>> print(get({"name": "constant", "value": 0.5}))
        Constant(value=0.5)
        >>> print(get(0.01))
        Constant(value=0.01)
    """
    if isinstance(spec, dict) and "class_name" in spec:
        return keras.saving.deserialize_keras_object(spec)
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return SCHEDULES.get({"name": "constant", "value": spec})
    return SCHEDULES.get(spec)
