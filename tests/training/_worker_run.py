"""One worker of the multi-worker tests (run as a script, one process per worker).

``python -m tests.training._worker_run OUT_DIR [options]`` creates the strategy
first (``multi_worker`` from ``TF_CONFIG``, or ``default`` for the one-process
reference), then trains a small SGD run with sample weights, a schedule, an
EMA, a metric, validation, callbacks, TensorBoard and checkpoints, from arrays
and then from a ``tf.data.Dataset``, and writes ``OUT_DIR/out-<index>.npz``
(weights, EMA averages, histories) and ``OUT_DIR/callbacks-<index>.txt`` (what
its callbacks saw).

Options: ``--strategy`` (``multi_worker``); ``--only arrays`` skips the dataset
run; ``--kill-at STEP MARKER`` makes the chief touch ``MARKER`` after step
``STEP`` and wait for ``MARKER.go`` (the test kills a worker meanwhile);
``--join-timeout`` / ``--heartbeat-timeout`` (seconds).
"""

from __future__ import annotations

import argparse
import atexit
import os
import pathlib
import sys
import time

GLOBAL_BATCH = 16


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--strategy", default="multi_worker")
    parser.add_argument("--only", choices=("arrays", "both"), default="both")
    parser.add_argument("--kill-at", nargs=2, metavar=("STEP", "MARKER"))
    parser.add_argument("--join-timeout", type=float, default=30.0)
    parser.add_argument("--heartbeat-timeout", type=float, default=3.0)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from tftrain.training import make_strategy

    strategy = make_strategy(
        args.strategy, join_timeout=args.join_timeout, heartbeat_timeout=args.heartbeat_timeout
    )
    import keras
    import numpy as np
    import tensorflow as tf

    import tftrain
    from tftrain.training import Callback, cluster_of, fit

    tf.config.experimental.enable_op_determinism()
    index = cluster_of(strategy).index
    out = pathlib.Path(args.out)
    seen: list[str] = []

    class Record(Callback):
        def on_epoch_end(self, epoch, logs):
            seen.append(f"epoch {epoch}")

        def on_step_end(self, step, logs):
            seen.append(f"step {step}")
            if args.kill_at and step == int(args.kill_at[0]):
                marker = pathlib.Path(args.kill_at[1])
                marker.write_text(str(step))
                deadline = time.monotonic() + 60
                while not marker.with_suffix(".go").exists() and time.monotonic() < deadline:
                    time.sleep(0.05)

    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 6)).astype("float32")  # 7 global batches, the last of 4
    y = np.argmax(x[:, :3], axis=1).astype("int32")
    w = np.linspace(0.5, 1.5, len(x)).astype("float32")

    # This worker's own count of the examples its traced steps computed a loss on (outside
    # the strategy's scope: not mirrored), to show that each worker trains on its share only.
    seen_examples = tf.Variable(0, dtype=tf.int64, trainable=False)

    def counted_loss(y_true, y_pred):
        if not tf.executing_eagerly():  # the traced steps, not fit's eager first-batch check
            seen_examples.assign_add(tf.shape(y_true, out_type=tf.int64)[0])
        return keras.losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=True)

    def run(name, data, **kwargs):
        keras.utils.set_random_seed(0)
        seen_examples.assign(0)
        with strategy.scope():
            model = keras.Sequential(
                [keras.Input((6,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(3)]
            )
            optimizer = keras.optimizers.SGD()
            ema = tftrain.ema.ExponentialMovingAverage(0.9)
        history = fit(
            model,
            data,
            loss=counted_loss,
            optimizer=optimizer,
            schedule={
                "name": "exponential_decay",
                "initial_learning_rate": 0.5,
                "decay_steps": 4,
                "decay_rate": 0.8,
            },
            ema=ema,
            metrics=["accuracy"],
            strategy=strategy,
            seed=11,
            steps_per_execution=2,
            checkpoint_dir=out / f"{name}-checkpoints",
            checkpoint_every=2,
            log_dir=out / f"{name}-logs",
            callbacks=[Record()],
            progress=True,
            **kwargs,
        )
        arrays = {f"{name}_w{i}": v for i, v in enumerate(model.get_weights())}
        for i, v in enumerate(model.trainable_variables):
            arrays[f"{name}_ema{i}"] = ema.average(v).numpy()
        arrays[f"{name}_history"] = np.array(history.to_json())
        arrays[f"{name}_seen"] = seen_examples.numpy()
        return arrays

    results = run(
        "arrays",
        (x, y, w),
        batch_size=GLOBAL_BATCH,
        epochs=3,
        validation_data=(x[:36], y[:36]),
        validation_batch_size=8,
    )
    if args.only == "both":
        dataset = tf.data.Dataset.from_tensor_slices((x, y, w[:, None])).batch(GLOBAL_BATCH)
        results.update(run("dataset", dataset, epochs=2, validation_data=dataset.take(3)))
    np.savez(out / f"out-{index}.npz", **results)
    (out / f"callbacks-{index}.txt").write_text("\n".join(seen))


if __name__ == "__main__":
    main()
    # End here, as TensorFlow's own multi-worker test harness ends its processes: its
    # distributed runtime has no clean shutdown (a started gRPC server cannot be stopped).
    # Once in CI a chief died of SIGABRT after its peer had finished the same run, so after
    # its last collective, most likely in the interpreter's teardown. What this script is
    # tested on is all written by now; a failure before this line still fails the test.
    # The atexit hooks still run: autograph deletes its temporary files in one.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
