"""What tftrain.testing's checks cost next to the hand-written tests they replace.

Each check is timed against a hand-written peer doing the core of the same work
with plain TF (the calls in each dtype, ``tf.test.compute_gradient``, one
``tf.function`` and one XLA compile; per-step calls, a ``tf.function`` and
``from_config`` for a schedule; per-example calls in float32 and float16 and
the reductions for a loss). Both build fresh ``tf.function``s on every call, as
a test does. The tensors strategy is timed against ``hypothesis.extra.numpy``
arrays turned into tensors. Candidates run interleaved, medians over repeats;
the ratio is each check's median over its peer's. The checks cover more
inputs and properties than the peers (check_loss: three draws, perfect and
confidently wrong predictions, four Keras reductions); target: every check
within 5x of its peer and under 0.5 s, so a hypothesis test can call it.

Run: ``python benchmarks/testing.py``
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import itertools

import keras
import numpy as np
import tensorflow as tf
from _timing import interleaved_medians, print_ratios
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tftrain import schedules
from tftrain.testing import check_activation, check_loss, check_schedule
from tftrain.testing.strategies import tensors

tf.get_logger().setLevel("ERROR")  # every candidate traces fresh functions on purpose


def swish(x):
    return x * tf.sigmoid(x)


def hand_activation() -> None:
    x = tf.constant(np.linspace(-100, 100, 41))
    for dtype in (tf.float16, tf.bfloat16, tf.float32, tf.float64):
        y = swish(tf.cast(x, dtype))
        assert y.dtype == dtype and np.isfinite(np.asarray(tf.cast(y, tf.float64))).all()
    points = tf.constant(np.linspace(-5.9, 5.8, 16), tf.float64)
    analytic, numerical = tf.test.compute_gradient(swish, [points], delta=1e-4)
    np.testing.assert_allclose(analytic[0], numerical[0], rtol=1e-4, atol=1e-6)
    x32 = tf.cast(x, tf.float32)
    np.testing.assert_allclose(tf.function(swish)(x32), swish(x32), rtol=1e-6)
    np.testing.assert_allclose(tf.function(swish, jit_compile=True)(x32), swish(x32), rtol=1e-5)


def mse(y_true, y_pred):
    return keras.losses.mean_squared_error(tf.cast(y_true, tf.float32), tf.cast(y_pred, tf.float32))


def hand_loss() -> None:
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.normal(size=(2, 6, 3)).astype("float32")
    losses = mse(y_true, y_pred)
    assert losses.shape == (6,) and (np.asarray(losses) >= 0).all()
    assert mse(y_true.astype("float16"), y_pred.astype("float16")).dtype == tf.float32
    np.testing.assert_allclose(mse(y_true, y_true), 0.0, atol=1e-6)
    loss = keras.losses.MeanSquaredError()
    np.testing.assert_allclose(loss(y_true, y_pred), np.mean(losses), rtol=1e-5)
    x = tf.constant(y_pred)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = mse(y_true, x)
    assert np.isfinite(tape.gradient(out, x)).all()


SCHEDULE = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
STEPS = [0, 1, 2, 3, 5, 9, 10, 11, 99, 100, 101, 999, 1000, 1001, 10_000, 100_000, 1_000_000]


def hand_schedule() -> None:
    eager = [float(SCHEDULE(tf.constant(s, tf.int64))) for s in STEPS]
    assert np.isfinite(eager).all() and all(b <= a for a, b in itertools.pairwise(eager))
    traced = tf.function(lambda step: SCHEDULE(step))
    np.testing.assert_allclose(
        [float(traced(tf.constant(s, tf.int64))) for s in STEPS], eager, rtol=1e-5
    )
    rebuilt = schedules.get(schedules.serialize(SCHEDULE))
    np.testing.assert_allclose(
        [float(rebuilt(tf.constant(s, tf.int64))) for s in STEPS], eager, rtol=1e-5
    )


def draws(strategy) -> None:
    @settings(max_examples=50, derandomize=True, database=None, deadline=None)
    @given(strategy)
    def run(x):
        assert x.shape[0] >= 0

    run()


SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5)
PLAIN = hnp.arrays(np.float32, SHAPES, elements=st.floats(-100, 100, width=32)).map(tf.constant)


def main() -> None:
    groups = {
        "activation": {
            "check_activation": lambda: check_activation(swish),
            "hand-written": hand_activation,
        },
        "loss": {"check_loss": lambda: check_loss(mse), "hand-written": hand_loss},
        "schedule": {
            "check_schedule": lambda: check_schedule(SCHEDULE, monotonic="decreasing"),
            "hand-written": hand_schedule,
        },
        "50 tensors": {
            "tensors()": lambda: draws(tensors(shape=SHAPES, dtype="float32")),
            "hnp.arrays": lambda: draws(PLAIN),
        },
    }
    for title, candidates in groups.items():
        print(f"\n{title}")
        baseline = "hand-written" if "hand-written" in candidates else "hnp.arrays"
        print_ratios(interleaved_medians(candidates, repeats=9), baseline)


if __name__ == "__main__":
    main()
