"""Fixtures for the training-loop tests: tiny data, a seeded model factory, an EMA."""

from __future__ import annotations

import contextlib

import keras
import numpy as np
import pytest
import tensorflow as tf

import tftrain


class _EmaDouble(tf.Module):
    """Stand-in with the pinned tftrain.ema interface, until tftrain.ema lands."""

    def __init__(self, decay: float = 0.9, *, warmup: bool = True, name: str = "ema"):
        super().__init__(name=name)
        self.decay = decay
        self.warmup = warmup
        self.shadows: dict[str, tf.Variable] = {}

    def apply(self, variables, step=None):
        decay = tf.constant(self.decay)
        if self.warmup and step is not None:
            t = tf.cast(step, tf.float32)
            decay = tf.minimum(decay, (1.0 + t) / (10.0 + t))
        for v in variables:
            key = v.path
            if key not in self.shadows:
                with tf.init_scope():
                    self.shadows[key] = tf.Variable(v.numpy(), trainable=False)
            s = self.shadows[key]
            s.assign_sub((1.0 - decay) * (s - tf.convert_to_tensor(v)))

    def average(self, variable):
        return self.shadows[variable.path]

    def averages(self):
        return dict(self.shadows)

    @contextlib.contextmanager
    def swapped(self, variables):
        saved = [tf.identity(v) for v in variables]
        for v in variables:
            v.assign(self.shadows[v.path])
        try:
            yield
        finally:
            for v, value in zip(variables, saved, strict=True):
                v.assign(value)


@pytest.fixture
def make_ema():
    """Builds the real ExponentialMovingAverage (or the double until it lands)."""
    cls = getattr(tftrain.ema, "ExponentialMovingAverage", _EmaDouble)
    return lambda decay=0.9, **kw: cls(decay, **kw)


@pytest.fixture
def classification():
    """96 examples of 6 features, 3 classes (a learnable rule), float32 / int32."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 6)).astype("float32")
    y = (np.argmax(x[:, :3], axis=1)).astype("int32")
    return x, y


@pytest.fixture
def make_model():
    """A seeded 6-8-3 MLP factory; the same weights on every call."""

    def make(seed: int = 0, inputs: int = 6, outputs: int = 3) -> keras.Model:
        keras.utils.set_random_seed(seed)
        return keras.Sequential(
            [
                keras.Input((inputs,)),
                keras.layers.Dense(8, activation="tanh"),
                keras.layers.Dense(outputs),
            ]
        )

    return make


def sparse_ce() -> keras.losses.Loss:
    return tftrain.losses.SparseCategoricalCrossentropy(from_logits=True)
