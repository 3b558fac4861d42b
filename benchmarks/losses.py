"""The cross-entropies against Keras's: forward, and forward plus backward.

Logits of shape (1024, 1000), float32, each loss reduced with Keras's default
``sum_over_batch_size``, inside ``tf.function``; tftrain's sparse loss with its
label validation on (the default). Prints the median time per call and the
ratio of tftrain to Keras for each pair, measured in turns in the same run.
Target: every ratio at most 1.05.

Run: ``python benchmarks/losses.py``
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import tensorflow as tf
from _timing import interleaved_medians

from tftrain import losses

# Each candidate is its own tf.function by design; their first traces are not retracing.
tf.get_logger().setLevel("ERROR")

BATCH, CLASSES, CALLS = 1024, 1000, 10

PAIRS = {
    "categorical_crossentropy": (
        losses.CategoricalCrossentropy(from_logits=True),
        keras.losses.CategoricalCrossentropy(from_logits=True),
        "one_hot",
    ),
    "sparse_categorical_crossentropy": (
        losses.SparseCategoricalCrossentropy(from_logits=True),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        "index",
    ),
    "binary_crossentropy": (
        losses.BinaryCrossentropy(from_logits=True),
        keras.losses.BinaryCrossentropy(from_logits=True),
        "multi_hot",
    ),
}


def labels(kind: str) -> tf.Tensor:
    index = tf.random.uniform([BATCH], 0, CLASSES, tf.int32, seed=1)
    if kind == "index":
        return index
    if kind == "one_hot":
        return tf.one_hot(index, CLASSES)
    return tf.cast(tf.random.uniform([BATCH, CLASSES], seed=2) < 0.1, tf.float32)


def timed(loss, y_true: tf.Tensor, logits: tf.Tensor, backward: bool):
    """A callable that runs CALLS forward (or forward+backward) passes and waits."""

    @tf.function
    def step():
        if not backward:
            return loss(y_true, logits)
        with tf.GradientTape() as tape:
            tape.watch(logits)
            value = loss(y_true, logits)
        return tape.gradient(value, logits)

    def run():
        for _ in range(CALLS):
            out = step()
        out.numpy()

    return run


def main() -> None:
    logits = tf.random.normal([BATCH, CLASSES], seed=0) * 5
    candidates = {}
    for name, (ours, theirs, kind) in PAIRS.items():
        y_true = labels(kind)
        for direction, backward in (("forward", False), ("fwd+bwd", True)):
            candidates[(name, direction, "keras")] = timed(theirs, y_true, logits, backward)
            candidates[(name, direction, "tftrain")] = timed(ours, y_true, logits, backward)
    medians = interleaved_medians(candidates, repeats=41, warmup=3)
    print(f"logits ({BATCH}, {CLASSES}) float32, tf.function, median per call over 41 rounds")
    worst = 0.0
    for name in PAIRS:
        for direction in ("forward", "fwd+bwd"):
            keras_s = medians[(name, direction, "keras")] / CALLS
            ours_s = medians[(name, direction, "tftrain")] / CALLS
            worst = max(worst, ours_s / keras_s)
            print(
                f"{name:<32} {direction:<8} keras {keras_s * 1e3:7.3f} ms"
                f"  tftrain {ours_s * 1e3:7.3f} ms  ratio {ours_s / keras_s:.3f}x keras"
            )
    print(f"worst ratio {worst:.3f}x (target <= 1.05x)")


if __name__ == "__main__":
    main()
