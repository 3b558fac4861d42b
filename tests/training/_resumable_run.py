"""A small deterministic training run for the kill-and-resume test (run as a script).

``python -m tests.training._resumable_run RUN_DIR OUT.npz [options]`` trains with a
schedule, an EMA, a metric and validation in ``RUN_DIR``, checkpointing every two
batches, and writes the weights, the EMA averages and the history to ``OUT.npz``.

Options: ``--kill-at STEP MARKER`` touches ``MARKER`` after step ``STEP`` and waits
to be killed, or, once ``MARKER.sent`` exists (written after a SIGTERM), goes on
(a run stopped by SIGTERM exits with its ``TrainingInterrupted.exit_code``);
``--reference DIR`` first makes an uninterrupted run in ``DIR``
(written to ``DIR/out.npz``); ``--after FILE`` waits for ``FILE`` before the run
in ``RUN_DIR`` (so a resuming process can import and make the reference run while
the other one is being killed).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir")
    parser.add_argument("out")
    parser.add_argument("--kill-at", nargs=2, metavar=("STEP", "MARKER"))
    parser.add_argument("--reference")
    parser.add_argument("--after")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import numpy as np
    import tensorflow as tf

    import tftrain
    from tftrain.training import Callback, TrainingInterrupted, fit

    tf.config.experimental.enable_op_determinism()

    class WaitForKill(Callback):
        def on_step_end(self, step, logs):
            if args.kill_at and step == int(args.kill_at[0]):
                marker = pathlib.Path(args.kill_at[1])
                marker.write_text(str(step))
                sent = marker.with_name(marker.name + ".sent")
                deadline = time.monotonic() + 600
                while not sent.exists() and time.monotonic() < deadline:
                    time.sleep(0.02)

    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 6)).astype("float32")
    y = np.argmax(x[:, :3], axis=1).astype("int32")

    def run(directory, out, callbacks=()):
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [keras.Input((6,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(3)]
        )
        ema = tftrain.ema.ExponentialMovingAverage(0.9)
        history = fit(
            model,
            (x, y),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            optimizer=keras.optimizers.Adam(),
            schedule={
                "name": "exponential_decay",
                "initial_learning_rate": 0.05,
                "decay_steps": 4,
                "decay_rate": 0.8,
            },
            ema=ema,
            metrics=["accuracy"],
            validation_data=(x[:32], y[:32]),
            epochs=2,
            batch_size=16,
            seed=11,
            steps_per_execution=2,
            checkpoint_dir=directory,
            checkpoint_every=2,
            callbacks=list(callbacks),
            progress=False,
        )
        arrays = {f"w{i}": w for i, w in enumerate(model.get_weights())}
        for i, v in enumerate(model.trainable_variables):
            arrays[f"ema{i}"] = ema.average(v).numpy()
        np.savez(out, history=history.to_json(), **arrays)

    if args.reference:
        run(args.reference, os.path.join(args.reference, "out.npz"))
    if args.after:
        while not os.path.exists(args.after):
            time.sleep(0.02)
    try:
        run(args.run_dir, args.out, [WaitForKill()])
    except TrainingInterrupted as error:
        print(error)
        sys.exit(error.exit_code)


if __name__ == "__main__":
    main()
