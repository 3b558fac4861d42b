"""The cross-entropies against Keras's: forward, and forward plus backward.

Logits of shape (1024, 1000), float32, each loss reduced with Keras's default
``sum_over_batch_size``, inside ``tf.function``; tftrain's sparse loss with its
label validation on (the default). Prints the median time per call and the
ratio of tftrain to Keras for each pair: the median over rounds of the
per-round ratio, where each round times both in adjacent turns (in alternating
order), so load on the shared machine hits both alike. Target: every ratio at
most 1.05.

Run: ``python benchmarks/losses.py``
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import statistics
import time

import keras
import tensorflow as tf

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


def paired(keras_fn, ours_fn, rounds: int) -> tuple[float, float, float]:
    """Median seconds of each and the median per-round ratio ours / keras."""
    for fn in (keras_fn, ours_fn, keras_fn, ours_fn):
        fn()  # warm up: trace, allocate
    times: dict[str, list[float]] = {"keras": [], "ours": []}
    ratios = []
    for i in range(rounds):
        order = (("keras", keras_fn), ("ours", ours_fn))
        for label, fn in order if i % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            fn()
            times[label].append(time.perf_counter() - start)
        ratios.append(times["ours"][-1] / times["keras"][-1])
    return (
        statistics.median(times["keras"]),
        statistics.median(times["ours"]),
        statistics.median(ratios),
    )


def main() -> None:
    logits = tf.random.normal([BATCH, CLASSES], seed=0) * 5
    rounds = 61
    print(f"logits ({BATCH}, {CLASSES}) float32, tf.function, {CALLS} calls x {rounds} rounds")
    worst = 0.0
    for name, (ours, theirs, kind) in PAIRS.items():
        y_true = labels(kind)
        for direction, backward in (("forward", False), ("fwd+bwd", True)):
            keras_s, ours_s, ratio = paired(
                timed(theirs, y_true, logits, backward),
                timed(ours, y_true, logits, backward),
                rounds,
            )
            worst = max(worst, ratio)
            print(
                f"{name:<32} {direction:<8} keras {keras_s / CALLS * 1e3:7.3f} ms"
                f"  tftrain {ours_s / CALLS * 1e3:7.3f} ms  ratio {ratio:.3f}x keras"
            )
    print(f"worst ratio {worst:.3f}x (target <= 1.05x)")


if __name__ == "__main__":
    main()
