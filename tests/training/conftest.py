"""Fixtures for the training-loop tests: tiny data, a seeded model factory, an EMA."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import tftrain


@pytest.fixture
def make_ema():
    """Builds a tftrain.ema.ExponentialMovingAverage: ``make_ema(decay, **kwargs)``."""
    return lambda decay=0.9, **kw: tftrain.ema.ExponentialMovingAverage(decay, **kw)


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
