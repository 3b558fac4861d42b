"""EMA update cost: tftrain's apply against TensorFlow's and against one SGD step.

200 float32 variables holding 10 M parameters in total. Each peer runs inside
a ``tf.function`` on the same variables, in the same process, interleaved
round by round (the machine is shared and noisy); each round times a few
calls per peer, and the medians over rounds are compared:

* ``tftrain``: ``tftrain.ema.ExponentialMovingAverage(0.99).apply(variables)``
* ``tf.train``: ``tf.train.ExponentialMovingAverage(0.99, num_updates=n).apply(variables)``
* ``keras SGD``: one ``keras.optimizers.SGD(0.01).apply(gradients, variables)`` step
* ``raw SGD``: one fused ``ResourceApplyGradientDescent`` per variable (the floor:
  read two arrays, write one, as an EMA update must too)

Targets: tftrain <= 0.7x tf.train and <= 1.0x one (Keras) SGD step. Each ratio
is printed with the quartiles of the round-by-round ratios, which show how far
the machine's noise moves it.

Run: ``python benchmarks/ema.py [--rounds 25] [--calls 4]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import tensorflow as tf

import tftrain

VARIABLES = 200
PARAMETERS = 10_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25, help="interleaved rounds")
    parser.add_argument("--calls", type=int, default=4, help="calls per peer per round")
    args = parser.parse_args()

    per = PARAMETERS // VARIABLES
    shapes = [(per // 250, 250)] * VARIABLES
    variables = [
        tf.Variable(tf.random.normal(shape), name=f"w{i}") for i, shape in enumerate(shapes)
    ]
    gradients = [tf.random.normal(shape) * 1e-3 for shape in shapes]
    total = sum(int(tf.size(v)) for v in variables)

    ours = tftrain.ema.ExponentialMovingAverage(0.99)
    ours.build(variables)
    count = tf.Variable(0, dtype=tf.int64)
    theirs = tf.train.ExponentialMovingAverage(0.99, num_updates=count)
    sgd = keras.optimizers.SGD(0.01)
    sgd.build(variables)
    rate = tf.constant(0.01)

    @tf.function
    def tftrain_apply():
        ours.apply(variables)

    @tf.function
    def tf_train_apply():
        theirs.apply(variables)
        count.assign_add(1)

    @tf.function
    def keras_sgd_step():
        sgd.apply(gradients, variables)

    @tf.function
    def raw_sgd_step():
        for v, g in zip(variables, gradients, strict=True):
            tf.raw_ops.ResourceApplyGradientDescent(var=v.handle, alpha=rate, delta=g)

    peers = {
        "tftrain": tftrain_apply,
        "tf.train": tf_train_apply,
        "keras SGD": keras_sgd_step,
        "raw SGD": raw_sgd_step,
    }
    for fn in peers.values():  # trace, compile, allocate
        fn()
        fn()
    times: dict[str, list[float]] = {name: [] for name in peers}
    for r in range(args.rounds):
        order = list(peers) if r % 2 == 0 else list(reversed(peers))
        for name in order:
            start = time.perf_counter()
            for _ in range(args.calls):
                peers[name]()
            times[name].append((time.perf_counter() - start) / args.calls)

    median = {name: statistics.median(t) for name, t in times.items()}
    print(
        f"{VARIABLES} float32 variables, {total / 1e6:.1f} M parameters, "
        f"{args.rounds} rounds x {args.calls} calls, tf {tf.__version__}"
    )
    for name, seconds in median.items():
        spread = statistics.quantiles(times[name], n=4)
        print(
            f"  {name:10s} median {seconds * 1e3:7.2f} ms  "
            f"(quartiles {spread[0] * 1e3:.2f}-{spread[2] * 1e3:.2f})"
        )
    print("ratio of medians; in brackets the quartiles of the same ratio taken round by round")

    def ratio(a: str, b: str, note: str = "") -> None:
        paired = statistics.quantiles([x / y for x, y in zip(times[a], times[b], strict=True)], n=4)
        print(
            f"{a + ' / ' + b:21s} = {median[a] / median[b]:.2f}x  "
            f"[{paired[0]:.2f}-{paired[2]:.2f}]  {note}".rstrip()
        )

    ratio("tftrain", "tf.train", "(target <= 0.70x)")
    ratio("tftrain", "keras SGD", "(target <= 1.00x)")
    ratio("tf.train", "keras SGD")
    ratio("tftrain", "raw SGD", "(the floor: 1.00x)")


if __name__ == "__main__":
    main()
