"""Activation-family fixtures: float64 NumPy references and derivatives, limits at ±inf."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf

import tftrain.activations as A
from tftrain.activations._elu import SELU_ALPHA, SELU_SCALE
from tftrain.activations._family import ACTIVATIONS

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _sigmoid(x):
    with np.errstate(over="ignore"):
        return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), 1 - 1 / (1 + np.exp(-np.abs(x))))


def _softplus(x):
    return np.logaddexp(0.0, x)


def _gelu(x):
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _hard_sigmoid(x):
    return np.clip(x / 6 + 0.5, 0.0, 1.0)


def _hard_silu_slope(x):
    """Keras's one-sided slopes at the kinks: 0 at -3, 1 at 3."""
    return np.where(x <= -3, 0.0, np.where(x >= 3, 1.0, (2 * x + 3) / 6))


#: name -> (float64 NumPy reference, its derivative), for finite inputs.
REFERENCES = {
    "linear": (lambda x: x, lambda x: np.ones_like(x)),
    "relu": (lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float)),
    "relu6": (lambda x: np.clip(x, 0, 6), lambda x: ((x > 0) & (x < 6)).astype(float)),
    "hard_sigmoid": (_hard_sigmoid, lambda x: ((x > -3) & (x < 3)) / 6.0),
    "hard_silu": (lambda x: x * _hard_sigmoid(x), _hard_silu_slope),
    "softsign": (lambda x: x / (1 + np.abs(x)), lambda x: 1 / (1 + np.abs(x)) ** 2),
    "celu": (_elu, lambda x: np.where(x > 0, 1.0, np.exp(np.minimum(x, 0)))),
    "leaky_relu": (lambda x: np.where(x > 0, x, 0.2 * x), lambda x: np.where(x > 0, 1.0, 0.2)),
    "sigmoid": (_sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "softplus": (_softplus, _sigmoid),
    "elu": (_elu, lambda x: np.where(x > 0, 1.0, np.exp(np.minimum(x, 0)))),
    "selu": (
        lambda x: SELU_SCALE * _elu(x, SELU_ALPHA),
        lambda x: SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0))),
    ),
    "swish": (
        lambda x: x * _sigmoid(x),
        lambda x: _sigmoid(x) + x * _sigmoid(x) * (1 - _sigmoid(x)),
    ),
    "mish": (
        lambda x: x * np.tanh(_softplus(x)),
        lambda x: np.tanh(_softplus(x)) + x * (1 - np.tanh(_softplus(x)) ** 2) * _sigmoid(x),
    ),
    "gelu": (
        _gelu,
        lambda x: (
            0.5 * (1 + _erf(x / math.sqrt(2))) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        ),
    ),
    "square": (lambda x: x * x, lambda x: 2 * x),
}

#: name -> ((f(-inf), f(+inf)), (f'(-inf), f'(+inf))): the limits.
LIMITS = {
    "linear": ((-np.inf, np.inf), (1.0, 1.0)),
    "relu": ((0.0, np.inf), (0.0, 1.0)),
    "relu6": ((0.0, 6.0), (0.0, 0.0)),
    "hard_sigmoid": ((0.0, 1.0), (0.0, 0.0)),
    "hard_silu": ((0.0, np.inf), (0.0, 1.0)),
    "softsign": ((-1.0, 1.0), (0.0, 0.0)),
    "celu": ((-1.0, np.inf), (0.0, 1.0)),
    "leaky_relu": ((-np.inf, np.inf), (0.2, 1.0)),
    "sigmoid": ((0.0, 1.0), (0.0, 0.0)),
    "tanh": ((-1.0, 1.0), (0.0, 0.0)),
    "softplus": ((0.0, np.inf), (0.0, 1.0)),
    "elu": ((-1.0, np.inf), (0.0, 1.0)),
    "selu": ((-SELU_SCALE * SELU_ALPHA, np.inf), (0.0, SELU_SCALE)),
    "swish": ((0.0, np.inf), (0.0, 1.0)),
    "mish": ((0.0, np.inf), (0.0, 1.0)),
    "gelu": ((0.0, np.inf), (0.0, 1.0)),
    "square": ((np.inf, np.inf), (-np.inf, np.inf)),
}

MONOTONIC = [
    "linear", "relu", "relu6", "leaky_relu", "sigmoid", "hard_sigmoid", "tanh", "softsign",
    "softplus", "elu", "celu", "selu",
]  # fmt: skip

FLOAT_DTYPES = ["float16", "bfloat16", "float32", "float64"]

#: Probe points: away from 0 (ReLU kinks) by more than a float16 ulp-sized step.
POINTS = np.array([-20.0, -6.5, -3.0, -1.25, -0.5, -0.1, 0.1, 0.5, 1.25, 3.0, 6.5, 20.0])


@pytest.fixture
def registered():
    """Names registered by a test, unregistered afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        ACTIVATIONS.unregister(name)


@pytest.fixture
def softsign_from_output(registered):
    """A user's softsign by ``custom_activation``, the gradient read from the output.

    ``grad`` is ``dy * (1 - |y|)^2``.

    Not the built-in ``softsign`` (whose gradient reads the input): this one
    tests what ``custom_activation`` keeps and differentiates when ``grad`` reads ``y``.
    """
    registered.append("softsign_from_output_test")

    @A.custom_activation(
        "softsign_from_output_test", grad=lambda x, y, dy: dy * tf.square(1 - tf.abs(y))
    )
    def softsign_from_output(x):
        return x / (1 + tf.abs(x))

    return softsign_from_output


def gradient(fn, x):
    """``d sum(fn(x)) / dx``, taken with a ``GradientTape``."""
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x)


@pytest.fixture
def points() -> np.ndarray:
    return POINTS.copy()


__all__ = [
    "FLOAT_DTYPES",
    "LIMITS",
    "MONOTONIC",
    "POINTS",
    "REFERENCES",
    "_gelu_tanh",
    "gradient",
]
