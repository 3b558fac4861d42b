"""The classic sales-forecast problem: a symmetric loss against an asymmetric one.

A product sells ``x1 + x2`` units (plus a little noise) given two features in
[0, 1). A linear model ``w1 * x1 + w2 * x2`` trained with MSE learns weights
near 1. With ``AsymmetricLoss(cost=1, profit=9)`` (an unsold unit costs 1, a
lost sale 9) it learns to over-produce: weights above 1 (it predicts the 0.9
quantile). With ``cost=9, profit=1`` it under-produces: weights below 1.

Run: ``python examples/asymmetric_sales.py``
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import tensorflow as tf

from tftrain import data as datasets
from tftrain import losses


def sales_data(n: int = 4096, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Features ``x1, x2`` uniform in [0, 1) and sales ``x1 + x2`` + U[-0.05, 0.05].

    The built-in ``linear_sales`` dataset, all of it for training.
    """
    data = datasets.get(
        {"name": "linear_sales", "samples": n, "validation_split": 0.0, "seed": seed}
    )
    return data.x_train, data.y_train


def train(loss: object, *, epochs: int = 20, batch_size: int = 64, seed: int = 0) -> np.ndarray:
    """Fits ``y = x @ w`` (no bias) with a GradientTape loop; returns ``w`` as ``(w1, w2)``."""
    loss_fn = losses.get(loss)
    x, y = sales_data(seed=seed)
    tf.random.set_seed(seed)
    w = tf.Variable(tf.random.uniform((2, 1), 0.0, 0.5, seed=seed))
    optimizer = keras.optimizers.Adam(learning_rate=0.01)
    data = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed).batch(batch_size)

    @tf.function
    def step(xb: tf.Tensor, yb: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            value = loss_fn(yb, tf.matmul(xb, w))
        optimizer.apply_gradients([(tape.gradient(value, w), w)])
        return value

    for _ in range(epochs):
        for xb, yb in data:
            step(xb, yb)
    return w.numpy().ravel()


def main() -> None:
    for label, spec in (
        ("mse", "mse"),
        ("asymmetric cost=1 profit=9", {"name": "asymmetric", "cost": 1.0, "profit": 9.0}),
        ("asymmetric cost=9 profit=1", {"name": "asymmetric", "cost": 9.0, "profit": 1.0}),
    ):
        w1, w2 = train(spec)
        print(f"{label:<28} w1={w1:.4f} w2={w2:.4f}")


if __name__ == "__main__":
    main()
