"""The elementwise gradient of a function, for the finiteness checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tensorflow as tf


def elementwise_gradient(fn: Callable[[tf.Tensor], Any], x: tf.Tensor) -> tf.Tensor:
    """``d fn(x) / dx`` elementwise (the sum of the outputs' gradient), in ``x``'s dtype."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
