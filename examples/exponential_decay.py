"""The classic demonstration of exponential learning-rate decay.

One weight ``w = 5`` and the loss ``(w + 1)^2``, minimised by plain gradient
descent in a GradientTape loop for 40 steps, first with a smooth decay (base
rate 0.2, decay rate 0.99 every step), then with the staircase variant (base
0.1, rate 0.99). Each step prints the step, w, the loss and the learning rate;
w approaches -1.

Run: ``python examples/exponential_decay.py``
"""

from __future__ import annotations

import tensorflow as tf

import tftrain


def descend(schedule: tftrain.schedules.Schedule, steps: int = 40) -> float:
    """Runs gradient descent on ``(w + 1)^2`` from ``w = 5``; returns the final w."""
    w = tf.Variable(5.0)
    step = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def train_step() -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            loss = (w + 1.0) ** 2
        learning_rate = schedule(step)
        w.assign_sub(learning_rate * tape.gradient(loss, w))
        step.assign_add(1)
        return loss, learning_rate

    print(f"{'step':>4} {'w':>10} {'loss':>12} {'lr':>10}")
    for _ in range(steps):
        loss, rate = train_step()
        print(f"{int(step) - 1:>4} {float(w):>10.5f} {float(loss):>12.6f} {float(rate):>10.6f}")
    return float(w)


def main() -> None:
    print("Exponential decay: base 0.2, decay rate 0.99 every step")
    smooth = descend(tftrain.schedules.ExponentialDecay(0.2, decay_steps=1, decay_rate=0.99))
    print("\nStaircase: base 0.1, decay rate 0.99, staircase=True (decay_steps=1)")
    stairs = descend(
        tftrain.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.99, staircase=True)
    )
    print(f"\nfinal w: smooth {smooth:.5f}, staircase {stairs:.5f} (the minimum is at -1)")


if __name__ == "__main__":
    main()
