"""Evaluate a schedule over many steps at once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import tensorflow as tf

from tftrain.schedules._base import Schedule
from tftrain.schedules._family import get


def values(schedule: Any, steps: int | Iterable[int]) -> np.ndarray:
    """The learning rates of ``schedule`` at ``steps``, for plots and tests.

    tftrain's schedules are evaluated in one vectorized call; any other
    ``LearningRateSchedule`` step by step inside one ``tf.map_fn``. The
    vectorized kernels (``pow``, ``cos``) may round differently from the
    one-step calls an optimizer makes, by one float32 ulp at most: use this
    for plots and tolerance checks, and single calls for bit-exact laws.

    Args:
        schedule: a schedule or a spec that :func:`get` accepts.
        steps: a number of steps ``n`` (meaning ``0, 1, ..., n - 1``) or the
            steps themselves.

    Returns:
        A float32 NumPy array with one rate per step.

    Example:
        >>> rates = values({"name": "exponential_decay", "initial_learning_rate": 1.0,
        ...                 "decay_steps": 1, "decay_rate": 0.5}, 4)
        >>> print(rates)
        [1.    0.5   0.25  0.125]
    """
    schedule = get(schedule)
    steps = np.arange(steps) if isinstance(steps, (int, np.integer)) else np.asarray(list(steps))
    steps_tensor = tf.constant(steps, tf.int64)
    if isinstance(schedule, Schedule):
        rates = schedule(steps_tensor)
    else:
        rates = tf.map_fn(
            lambda step: tf.cast(schedule(step), tf.float32),
            steps_tensor,
            fn_output_signature=tf.float32,
        )
    return np.asarray(rates, dtype=np.float32)
