"""What every tftrain schedule shares: the step convention and nested schedules."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from tftrain.schedules._family import SCHEDULES


class Schedule(keras.optimizers.schedules.LearningRateSchedule):
    """Base of tftrain's schedules: elementwise over steps, float32 out.

    A subclass maps a step tensor of any shape to a float32 tensor of the same
    shape, with pure TF ops (no Python branching on the step's value), so it
    traces once in ``tf.function`` and compiles with XLA. Steps count from 0, as
    ``optimizer.iterations`` does; a negative step is treated as step 0.
    """

    def get_config(self) -> dict[str, Any]:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def as_step(step: Any) -> tf.Tensor:
    """``step`` (Python number, int or float tensor, variable) as float32, clamped at 0."""
    step = tf.convert_to_tensor(step)
    return tf.maximum(tf.cast(step, tf.float32), 0.0)


def float32_below(boundary: float) -> float:
    """The largest float32 ``<= boundary``: for a float32 step ``t``, ``t <= float32_below(b)``
    exactly when ``t <= b``.

    Comparing a step with a boundary rounded to nearest float32 can put the step on the
    wrong side of a phase far shorter than a float32 ulp; this rounds the boundary the
    safe way, once, at construction.

    Example:
        >>> float32_below(2.0), float32_below(0.1) < 0.1
        (2.0, True)
    """
    rounded = np.float32(boundary)
    if float(rounded) > boundary:
        rounded = np.nextafter(rounded, np.float32(-np.inf))
    return float(rounded)


def to_spec(schedule: keras.optimizers.schedules.LearningRateSchedule) -> dict[str, Any]:
    """The config form of a nested schedule: tftrain's dict, else Keras's."""
    if SCHEDULES.name_of(schedule) is not None:
        return SCHEDULES.serialize(schedule)
    return keras.saving.serialize_keras_object(schedule)
