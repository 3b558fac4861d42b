"""Steps per second of ``fit`` on one process against two workers of a loopback cluster.

The same training (an MLP 32-256-256-10, ReLU, SGD, sparse cross-entropy from
logits, 16 384 synthetic examples in global batches of 256: 64 steps per
epoch) runs once on the default strategy in one process, and once on
``MultiWorkerMirroredStrategy`` with two worker processes on 127.0.0.1, each
computing half of every global batch. Epoch 0 is the warm-up (tracing); the
rate is the best of the later epochs, timed on the chief.

Where the time goes: each two-worker process also times, in the same cluster,
a traced loop of only the per-step all-reduce of the gradients (the
variables' sizes, one ``all_reduce`` of them per step, as ``fit``'s step does
it through the optimizer), so the step's time splits into the all-reduce and
the rest (each worker's half of the forward and backward pass, plus the
synchronisation waits). A third run, one worker of the strategy with no
peers, separates the strategy's own per-step cost (no XLA for the updates,
the cross-replica update path) from the communication.

On a machine with fewer cores than workers need, two workers share the cores
and cannot be faster than one process: the ratio then measures the
communication cost, not a speed-up.

Run: ``python benchmarks/multi_worker.py`` (about a minute on an idle 2-core machine).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time

EPOCHS = 4
EXAMPLES, FEATURES, CLASSES, BATCH = 16_384, 32, 10, 256
ALL_REDUCES_PER_CALL, ALL_REDUCE_CALLS = 20, 10


def _train(strategy_name: str, out: str) -> None:
    from tftrain.training import make_strategy

    strategy = make_strategy(strategy_name)
    import keras
    import numpy as np
    import tensorflow as tf

    from tftrain.training import Callback, cluster_of, fit

    rng = np.random.default_rng(0)
    x = rng.normal(size=(EXAMPLES, FEATURES)).astype("float32")
    y = rng.integers(0, CLASSES, size=EXAMPLES).astype("int32")
    times: list[float] = []

    class Clock(Callback):
        def on_epoch_begin(self, epoch):
            times.append(time.perf_counter())

        def on_train_end(self, history):
            times.append(time.perf_counter())

    with strategy.scope():
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [
                keras.Input((FEATURES,)),
                keras.layers.Dense(256, activation="relu"),
                keras.layers.Dense(256, activation="relu"),
                keras.layers.Dense(CLASSES),
            ]
        )
        optimizer = keras.optimizers.SGD(0.01)
    fit(
        model,
        (x, y),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=optimizer,
        epochs=EPOCHS,
        batch_size=BATCH,
        strategy=strategy,
        callbacks=[Clock()],
        progress=False,
        seed=0,
    )
    steps = EXAMPLES // BATCH
    result: dict[str, float] = {}
    if len(times) > 2:
        epoch_times = [b - a for a, b in itertools.pairwise(times[1:])]  # after the warm-up
        result["steps_per_s"] = steps / min(epoch_times)

    if cluster_of(strategy).multi_worker:
        shapes = [v.shape for v in model.trainable_variables]

        def all_reduce_ms(tensor_shapes):
            @tf.function
            def all_reduces():
                # A Python loop, unrolled: an all-reduce (a merge point) cannot sit in tf.range.
                def replica():
                    values = [tf.ones(s) for s in tensor_shapes]
                    context = tf.distribute.get_replica_context()
                    for _ in range(ALL_REDUCES_PER_CALL):
                        values = context.all_reduce(tf.distribute.ReduceOp.SUM, values)
                    return values[0][0]

                return strategy.run(replica)

            all_reduces()  # trace and warm up
            start = time.perf_counter()
            for _ in range(ALL_REDUCE_CALLS):
                all_reduces()
            elapsed = time.perf_counter() - start
            return 1000 * elapsed / (ALL_REDUCE_CALLS * ALL_REDUCES_PER_CALL)

        result["all_reduce_ms"] = all_reduce_ms(shapes)  # the gradients
        result["small_all_reduce_ms"] = all_reduce_ms([(2,)])  # the step's loss sum and count
        result["parameters"] = float(
            sum(int(v.shape.num_elements()) for v in model.trainable_variables)
        )
    if cluster_of(strategy).is_chief:
        with open(out, "w") as file:
            json.dump(result, file)


def _run(workers: int, out: str, strategy: str = "multi_worker") -> dict[str, float]:
    from tftrain.launch import free_ports, tf_config

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("TF_CONFIG", None)
    if workers == 1:
        commands = [([sys.executable, __file__, "--worker", strategy, out], env)]
    else:
        ports = free_ports(workers)
        commands = [
            (
                [sys.executable, __file__, "--worker", "multi_worker", out],
                {**env, "TF_CONFIG": tf_config(ports, i)},
            )
            for i in range(workers)
        ]
    processes = [subprocess.Popen(command, env=e) for command, e in commands]
    for process in processes:
        if process.wait(timeout=900) != 0:
            raise SystemExit(f"a worker failed with status {process.returncode}")
    with open(out) as file:
        return json.load(file)


def main() -> None:
    import tempfile

    folder = tempfile.mkdtemp(prefix="tftrain-bench-")
    one = _run(1, os.path.join(folder, "one.json"), "default")
    alone = _run(1, os.path.join(folder, "alone.json"), "multi_worker")
    two = _run(2, os.path.join(folder, "two.json"))
    step_ms = 1000 / two["steps_per_s"]
    parameters = int(two["parameters"])
    print(f"MLP {FEATURES}-256-256-{CLASSES} ({parameters} parameters), "
          f"global batch {BATCH}, {os.cpu_count()} CPUs")  # fmt: skip
    print(f"  one process (default strategy): {one['steps_per_s']:8.1f} steps/s")
    print(f"  one worker of the strategy, no peers: {alone['steps_per_s']:8.1f} steps/s")
    print(f"  two workers (loopback cluster): {two['steps_per_s']:8.1f} steps/s")
    print(f"  ratio two workers / one process: {two['steps_per_s'] / one['steps_per_s']:.2f}")
    grads, small = two["all_reduce_ms"], two["small_all_reduce_ms"]
    print(f"  per step: one process {1000 / one['steps_per_s']:.2f} ms; one worker of the "
          f"strategy {1000 / alone['steps_per_s']:.2f} ms; two workers {step_ms:.2f} ms, of which "
          f"the gradient all-reduce {grads:.2f} ms ({grads / step_ms:.0%}) and the loss-sum "
          f"all-reduce {small:.2f} ms ({small / step_ms:.0%})")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _train(sys.argv[2], sys.argv[3])
    else:
        main()
