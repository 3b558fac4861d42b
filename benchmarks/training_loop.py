"""Steps per second of tftrain's ``fit`` against Keras's ``model.fit`` and hand-written loops.

An MLP 784-256-256-10 (ReLU, Adam, sparse cross-entropy from logits) on 30 000
synthetic examples in batches of 128 (235 steps per epoch), fed by the same
``tf.data`` pipeline in every candidate. Each measurement is one epoch after a
warm-up epoch (tracing excluded); each run gives ``EPOCHS - 1`` such epochs, the
candidates run in turns, ``ROUNDS`` times, and the median is reported, since the
machine is shared.

Candidates: ``fit`` with an exponential-decay schedule and an EMA; ``fit`` bare;
Keras ``model.fit`` with its defaults and with ``steps_per_execution=16``; a
hand-written ``tf.function`` loop, one step per call and 16 steps per call.
Targets: bare ``fit`` >= 1.1x Keras's best and >= 0.95x the 16-step hand loop;
schedule plus EMA cost <= 10% (ratio >= 0.90).

Run: ``python benchmarks/training_loop.py`` (about 2-3 minutes; ``ROUNDS=2`` for a quick look).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import statistics
import sys
import time
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

import tftrain
from tftrain.training import Callback, fit

tf.get_logger().setLevel("ERROR")  # every candidate traces its own functions, by design

EXAMPLES, BATCH, ROUNDS, EPOCHS = 30_000, 128, int(os.environ.get("ROUNDS", "7")), 3
STEPS = -(-EXAMPLES // BATCH)
rng = np.random.default_rng(0)
X = rng.normal(size=(EXAMPLES, 784)).astype("float32")
Y = rng.integers(0, 10, size=EXAMPLES).astype("int32")
DATASET = tf.data.Dataset.from_tensor_slices((X, Y)).batch(BATCH).cache().prefetch(2)


def _clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) since ``start``."""
    wall, cpu = _clocks()
    return wall - start[0], cpu - start[1]


def mlp() -> keras.Model:
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(10),
        ]
    )


def loss() -> keras.losses.Loss:
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


class _EpochTimer(Callback, keras.callbacks.Callback):
    """Seconds of each epoch after the warm-up epoch 0, for tftrain and Keras alike."""

    def __init__(self):
        keras.callbacks.Callback.__init__(self)
        self.seconds: list[tuple[float, float]] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = _clocks()

    def on_epoch_end(self, epoch, logs=None):
        if epoch >= 1:
            self.seconds.append(_since(self._start))


def tftrain_fit(schedule_and_ema: bool) -> Callable[[], list[tuple[float, float]]]:
    def run() -> list[tuple[float, float]]:
        timer = _EpochTimer()
        extras = {}
        if schedule_and_ema:
            extras = {
                "schedule": {
                    "name": "exponential_decay",
                    "initial_learning_rate": 1e-3,
                    "decay_steps": 1000,
                    "decay_rate": 0.9,
                },
                "ema": tftrain.ema.ExponentialMovingAverage(0.999),
            }
        fit(
            mlp(),
            DATASET,
            loss=loss(),
            optimizer=keras.optimizers.Adam(1e-3),
            epochs=EPOCHS,
            callbacks=[timer],
            progress=False,
            **extras,
        )
        return timer.seconds

    return run


def keras_fit(steps_per_execution: int) -> Callable[[], list[tuple[float, float]]]:
    def run() -> list[tuple[float, float]]:
        model = mlp()
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss=loss(),
            steps_per_execution=steps_per_execution,
        )
        timer = _EpochTimer()
        model.fit(DATASET, epochs=EPOCHS, callbacks=[timer], verbose=0, shuffle=False)
        return timer.seconds

    return run


def hand_loop(steps_per_call: int) -> Callable[[], list[tuple[float, float]]]:
    def run() -> list[tuple[float, float]]:
        model, optimizer, loss_fn = mlp(), keras.optimizers.Adam(1e-3), loss()

        @tf.function
        def steps(iterator, n):
            for _ in tf.range(n):
                x, y = next(iterator)
                with tf.GradientTape() as tape:
                    value = loss_fn(y, model(x, training=True))
                grads = tape.gradient(value, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))

        def epoch():
            iterator = iter(DATASET)
            for start in range(0, STEPS, steps_per_call):
                steps(iterator, tf.constant(min(steps_per_call, STEPS - start), tf.int64))
            float(optimizer.iterations)  # wait for the last step

        epoch()  # warm-up: traces
        seconds = []
        for _ in range(EPOCHS - 1):
            start = _clocks()
            epoch()
            seconds.append(_since(start))
        return seconds

    return run


def main() -> None:
    candidates = {
        "tftrain fit + schedule + EMA": tftrain_fit(True),
        "tftrain fit (bare)": tftrain_fit(False),
        "keras fit (defaults)": keras_fit(1),
        "keras fit (16 steps/execution)": keras_fit(16),
        "hand loop (1 step/call)": hand_loop(1),
        "hand loop (16 steps/call)": hand_loop(16),
    }
    wall: dict[str, list[float]] = {name: [] for name in candidates}
    cpu: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(ROUNDS):
        for name, run in candidates.items():
            for wall_seconds, cpu_seconds in run():
                wall[name].append(STEPS / wall_seconds)
                cpu[name].append(STEPS / cpu_seconds)
    print(
        f"MLP 784-256-256-10, Adam, batch {BATCH}, {STEPS} steps/epoch; median of "
        f"{ROUNDS} rounds x {EPOCHS - 1} timed epochs"
    )
    print("  steps/s: wall clock; steps/CPU-s: per second of this process's CPU time (all")
    print("  threads), which other processes on a shared machine disturb far less.")
    for label, samples in (("steps/s", wall), ("steps/CPU-s", cpu)):
        rate = {name: statistics.median(values) for name, values in samples.items()}
        print(f"{label}:")
        width = max(map(len, rate))
        for name, value in rate.items():
            print(f"  {name:<{width}}  {value:8.1f}")
        bare = rate["tftrain fit (bare)"]
        keras_best = max(rate["keras fit (defaults)"], rate["keras fit (16 steps/execution)"])
        ratios = [
            ("bare fit / best Keras fit", bare / keras_best, 1.10),
            (
                "bare fit / hand loop (16 steps/call)",
                bare / rate["hand loop (16 steps/call)"],
                0.95,
            ),
            ("fit + schedule + EMA / bare fit", rate["tftrain fit + schedule + EMA"] / bare, 0.90),
        ]
        for text, ratio, target in ratios:
            verdict = "ok" if ratio >= target else "BELOW TARGET"
            print(f"  {text:<40} {ratio:6.3f}x  (target >= {target:.2f}x: {verdict})")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
