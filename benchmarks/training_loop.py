"""Steps per second of tftrain's ``fit`` against Keras's ``model.fit`` and hand-written loops.

An MLP 784-256-256-10 (ReLU, Adam, sparse cross-entropy from logits) on 30 000
synthetic examples in batches of 128 (235 steps per epoch), fed by the same
``tf.data`` pipeline in every candidate. Every candidate trains in its own
process, and the processes take turns *epoch by epoch* (only one runs at a
time), so slow drifts of the shared machine hit all of them alike: epoch 0 of
each is the warm-up (tracing excluded), then each timed round is one epoch of
every candidate. (Processes, not threads: XLA programs in a process whose
other threads hold TensorFlow state were seen to stall, at half a core.)
Wall-clock rates are the best round's (as ``timeit`` advises: here epochs
stall at random); CPU-time rates are medians over rounds, and their ratios
medians of the per-round (paired) ratios.

Candidates: ``fit`` with an exponential-decay schedule and an EMA; ``fit`` bare
(its defaults: ``jit_compile="auto"`` compiles the optimizer's update), and
with ``jit_compile=False`` and ``True``; Keras ``model.fit`` with its defaults
and with ``steps_per_execution=16``; a hand-written ``tf.function`` loop, one
step per call and 16 steps per call.
Targets: bare ``fit`` >= 1.1x Keras's best and >= 0.95x the 16-step hand loop;
schedule plus EMA cost <= 10% (ratio >= 0.90).

Run: ``python benchmarks/training_loop.py`` (about 3 minutes; ``ROUNDS=3`` for a quick look;
arguments, if any, are substrings that select candidates: ``... "bare)" "16 steps"``).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import multiprocessing
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

EXAMPLES, BATCH, ROUNDS = 30_000, 128, int(os.environ.get("ROUNDS", "12"))
EPOCHS = ROUNDS + 1  # epoch 0 warms up
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


class Turns:
    """Lets candidates in processes run one epoch at a time, in a fixed rotation."""

    def __init__(self, count: int, context: multiprocessing.context.BaseContext):
        self._condition = context.Condition()
        self._current = context.Value("i", 0, lock=False)
        self._active = context.Array("b", [1] * count, lock=False)

    def begin(self, index: int) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self._current.value == index)

    def end(self, index: int, *, last: bool = False) -> None:
        """Passes the turn on; ``last`` also leaves the rotation."""
        with self._condition:
            if last:
                self._active[index] = 0
            if self._current.value == index:
                count = len(self._active)
                for k in range(1, count + 1):
                    if self._active[(index + k) % count]:
                        self._current.value = (index + k) % count
                        break
            self._condition.notify_all()


class _EpochTimer(Callback, keras.callbacks.Callback):
    """Takes its turn at each epoch and times the epochs after the warm-up epoch 0."""

    def __init__(self, index: int, turns: Turns):
        keras.callbacks.Callback.__init__(self)
        self.index, self.turns = index, turns
        self.seconds: list[tuple[float, float]] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.turns.begin(self.index)
        self._start = _clocks()

    def on_epoch_end(self, epoch, logs=None):
        if epoch >= 1:
            self.seconds.append(_since(self._start))
        self.turns.end(self.index, last=epoch == EPOCHS - 1)


Candidate = Callable[[int, Turns], list[tuple[float, float]]]


def tftrain_fit(schedule_and_ema: bool, **options: object) -> Candidate:
    def run(index: int, turns: Turns) -> list[tuple[float, float]]:
        timer = _EpochTimer(index, turns)
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
            **options,
        )
        return timer.seconds

    return run


def keras_fit(steps_per_execution: int) -> Candidate:
    def run(index: int, turns: Turns) -> list[tuple[float, float]]:
        model = mlp()
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss=loss(),
            steps_per_execution=steps_per_execution,
        )
        timer = _EpochTimer(index, turns)
        model.fit(DATASET, epochs=EPOCHS, callbacks=[timer], verbose=0, shuffle=False)
        return timer.seconds

    return run


def hand_loop(steps_per_call: int) -> Candidate:
    def run(index: int, turns: Turns) -> list[tuple[float, float]]:
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

        seconds = []
        for n in range(EPOCHS):  # epoch 0 traces
            turns.begin(index)
            start = _clocks()
            epoch()
            if n >= 1:
                seconds.append(_since(start))
            turns.end(index, last=n == EPOCHS - 1)
        return seconds

    return run


def candidates() -> dict[str, Candidate]:
    every = {
        "tftrain fit + schedule + EMA": tftrain_fit(True),
        "tftrain fit (bare)": tftrain_fit(False),
        "tftrain fit (bare, jit_compile=False)": tftrain_fit(False, jit_compile=False),
        "tftrain fit (bare, jit_compile=True)": tftrain_fit(False, jit_compile=True),
        "keras fit (defaults)": keras_fit(1),
        "keras fit (16 steps/execution)": keras_fit(16),
        "hand loop (1 step/call)": hand_loop(1),
        "hand loop (16 steps/call)": hand_loop(16),
    }
    only = sys.argv[1:]  # optional substrings: run only the candidates that contain one
    return {k: v for k, v in every.items() if not only or any(o in k for o in only)}


def _run_candidate(index: int, name: str, turns: Turns, results: multiprocessing.Queue) -> None:
    try:
        results.put((name, candidates()[name](index, turns)))
    except BaseException as error:  # report it, and leave the rotation so the others go on
        turns.end(index, last=True)
        results.put((name, f"failed: {error!r}"))


def main() -> None:
    names = list(candidates())
    context = multiprocessing.get_context("spawn")
    turns = Turns(len(names), context)
    queue: multiprocessing.Queue = context.Queue()
    processes = [
        context.Process(target=_run_candidate, args=(i, name, turns, queue))
        for i, name in enumerate(names)
    ]
    for process in processes:
        process.start()
    received = dict(queue.get() for _ in processes)
    for process in processes:
        process.join()
    failed = {name: r for name, r in received.items() if isinstance(r, str)}
    if failed:
        sys.exit("\n".join(f"{name}: {why}" for name, why in failed.items()))
    results = {name: received[name] for name in names}
    if os.environ.get("RAW"):
        for name, rounds in results.items():
            print(name, " ".join(f"{STEPS / w:.0f}/{STEPS / c:.0f}" for w, c in rounds))
    print(
        f"MLP 784-256-256-10, Adam, batch {BATCH}, {STEPS} steps/epoch; {ROUNDS} rounds of one "
        "timed epoch per candidate, interleaved"
    )
    print("  steps/s: wall clock, the best round (epochs here stall at random, by up to 6x,")
    print("  at unchanged CPU time: the machine is shared); steps/CPU-s: per second of the")
    print("  process's CPU time (all threads), the median round, which such stalls do not touch.")
    views = (("steps/s, best round", 0, max), ("steps/CPU-s, median round", 1, statistics.median))
    for label, index, statistic in views:
        rates = {name: [STEPS / r[index] for r in rounds] for name, rounds in results.items()}
        print(f"{label}:")
        width = max(map(len, rates))
        for name, values in rates.items():
            print(f"  {name:<{width}}  {statistic(values):8.1f}")

        def ratio(numerator: str, *denominators: str, rates=rates, statistic=statistic) -> float:
            """Of the statistic; for medians, the median of the per-round (paired) ratios."""
            if not all(name in rates for name in (numerator, *denominators)):
                return float("nan")  # not run (see the command-line filter)
            if statistic is max:
                return max(rates[numerator]) / max(max(rates[d]) for d in denominators)
            return statistics.median(
                rates[numerator][i] / max(rates[d][i] for d in denominators) for i in range(ROUNDS)
            )

        bare = "tftrain fit (bare)"
        ratios = [
            (
                "bare fit / best Keras fit",
                ratio(bare, "keras fit (defaults)", "keras fit (16 steps/execution)"),
                1.10,
            ),
            (
                "bare fit / hand loop (16 steps/call)",
                ratio(bare, "hand loop (16 steps/call)"),
                0.95,
            ),
            ("fit + schedule + EMA / bare fit", ratio("tftrain fit + schedule + EMA", bare), 0.90),
        ]
        for text, value, target in ratios:
            if value != value:  # NaN: a candidate it needs was not run
                continue
            verdict = "ok" if value >= target else "BELOW TARGET"
            print(f"  {text:<40} {value:6.3f}x  (target >= {target:.2f}x: {verdict})")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
