"""Shadow weights with an exponential moving average: the classic demonstration, then a model.

1. One weight ``w`` at 0 (its shadow is created there), set to 1 and updated at
   step 0, then set to 10 with the step at 100 and updated seven times, decay
   0.99: ``[w, shadow]`` after each update goes ``[1, 0.9]``, then towards 10.
   The decay warms up as ``min(0.99, (1 + step) / (10 + step))``; the numbers
   are those of ``tf.train.ExponentialMovingAverage``, printed beside them.
2. A small Keras MLP trained for 400 noisy SGD steps on a regression task, the
   EMA applied after each step; the held-out loss with the raw weights and with
   the averaged ones (swapped in for the evaluation, then swapped back).

Run: ``python examples/ema_shadow.py``
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import tensorflow as tf

import tftrain


def classic_demonstration() -> None:
    """Prints ``[w, shadow]`` after each update, ours and TensorFlow's."""
    w = tf.Variable(0.0, name="w")
    ema = tftrain.ema.ExponentialMovingAverage(0.99)
    ema.build([w])  # the shadow starts at w = 0

    twin = tf.Variable(0.0, name="w")  # TensorFlow's tracker on a twin variable
    step = tf.Variable(0, dtype=tf.int64)
    reference = tf.train.ExponentialMovingAverage(0.99, num_updates=step)
    reference.apply([twin])

    print("[w, shadow] after each update (decay 0.99; tf.train's shadow in brackets)")
    print(f"start     [{float(w):.1f}, {float(ema.average(w)):.4f}]")
    for value, n in [(1.0, 0)] + [(10.0, 100)] * 7:
        w.assign(value)
        twin.assign(value)
        step.assign(n)
        ema.apply([w], step=n)
        reference.apply([twin])
        print(
            f"step {n:3d}  [{float(w):.1f}, {float(ema.average(w)):.4f}]"
            f"  ({float(reference.average(twin)):.4f})"
        )


def dataset(n: int, seed: int) -> tuple[tf.Tensor, tf.Tensor]:
    """``y = sin(3 x0) + x1 x2 + noise`` on ``n`` points in ``[-1, 1]^3``."""
    x = tf.random.stateless_uniform((n, 3), seed=(seed, 0), minval=-1.0, maxval=1.0)
    noise = 0.1 * tf.random.stateless_normal((n, 1), seed=(seed, 1))
    y = tf.sin(3.0 * x[:, :1]) + x[:, 1:2] * x[:, 2:3] + noise
    return x, y


def model_with_shadow_weights(steps: int = 400, batch_size: int = 16) -> list[tuple[float, float]]:
    """Trains an MLP with a noisy step size; returns (raw, averaged) test losses per 100 steps."""
    keras.utils.set_random_seed(0)
    x_train, y_train = dataset(2048, seed=1)
    x_test, y_test = dataset(1024, seed=2)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(32, activation="tanh"), keras.layers.Dense(1)]
    )
    optimizer = keras.optimizers.SGD(learning_rate=0.3)
    optimizer.build(model.trainable_variables)
    ema = tftrain.ema.ExponentialMovingAverage(0.99)
    ema.build(model.trainable_variables)  # before the tf.function: shadows = initial weights

    @tf.function
    def train_step(x: tf.Tensor, y: tf.Tensor) -> None:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply(gradients, model.trainable_variables)
        ema.apply(model.trainable_variables, step=optimizer.iterations)

    def test_loss() -> float:
        return float(tf.reduce_mean((model(x_test) - y_test) ** 2))

    batches = (
        tf.data.Dataset.from_tensor_slices((x_train, y_train))
        .shuffle(2048, seed=0)
        .repeat()
        .batch(batch_size)
    )
    print(f"\nMLP, SGD(0.3), batch {batch_size}, EMA decay 0.99 with warm-up")
    print("  step   raw test loss   EMA test loss")
    rows = []
    for step, (x, y) in enumerate(batches.take(steps), start=1):
        train_step(x, y)
        if step % 100 == 0:
            raw = test_loss()
            with ema.swapped(model.trainable_variables):
                averaged = test_loss()
            print(f"  {step:4d}   {raw:13.4f}   {averaged:13.4f}")
            rows.append((raw, averaged))
    return rows


if __name__ == "__main__":
    classic_demonstration()
    model_with_shadow_weights()
