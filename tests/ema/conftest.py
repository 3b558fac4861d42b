"""Fixtures for the EMA tests: a small Keras model and TensorFlow's tracker as the oracle."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import numpy as np
import pytest
import tensorflow as tf


def small_model() -> keras.Model:
    """A two-layer MLP on 3 features, built (so its variables exist)."""
    return keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)]
    )


def tensorflow_shadows(
    initial: np.ndarray,
    values: Sequence[np.ndarray],
    steps: Sequence[int] | None,
    decay: float,
    *,
    warmup: bool = True,
    dtype: tf.DType = tf.float32,
) -> list[np.ndarray]:
    """The shadow after each update by ``tf.train.ExponentialMovingAverage``.

    A plain variable starts at ``initial`` (the shadow is created there), then is
    set to each of ``values`` and updated with ``num_updates`` = the matching
    step (``steps=None``: the number of earlier updates).
    """
    variable = tf.Variable(initial, dtype=dtype, name="reference")
    num_updates = tf.Variable(0, dtype=tf.int64)
    ema = tf.train.ExponentialMovingAverage(decay, num_updates=num_updates if warmup else None)
    # Creates the shadow at ``initial``; an update at the shadow's own value leaves it there.
    ema.apply([variable])
    out = []
    for i, value in enumerate(values):
        variable.assign(value)
        num_updates.assign(i if steps is None else steps[i])
        ema.apply([variable])
        out.append(ema.average(variable).numpy())
    return out


@pytest.fixture
def reference() -> Callable[..., list[np.ndarray]]:
    """``tensorflow_shadows`` as a fixture."""
    return tensorflow_shadows
