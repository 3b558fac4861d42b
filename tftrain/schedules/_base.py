"""What every tftrain schedule shares: the step convention and nested schedules."""

from __future__ import annotations

from typing import Any

import keras
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


def to_spec(schedule: keras.optimizers.schedules.LearningRateSchedule) -> dict[str, Any]:
    """The config form of a nested schedule: tftrain's dict, else Keras's."""
    if SCHEDULES.name_of(schedule) is not None:
        return SCHEDULES.serialize(schedule)
    return keras.saving.serialize_keras_object(schedule)
