"""A small deterministic training run for the kill-and-resume test (run as a script).

``python -m tests.training._resumable_run CHECKPOINT_DIR OUT.npz [REFERENCE_DIR KILL_MARKER
KILL_STEP]`` trains with a schedule, an EMA, a metric and validation, checkpointing
every two batches, and writes the weights, the EMA averages and the history to
``OUT.npz``. With the last three arguments it first makes the uninterrupted
reference run in ``REFERENCE_DIR`` (written to ``REFERENCE_DIR/out.npz``), then
trains in ``CHECKPOINT_DIR``, touches the marker after step ``KILL_STEP`` and
waits to be killed.
"""

from __future__ import annotations

import os
import pathlib
import sys
import time


def main(argv: list[str]) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import numpy as np
    import tensorflow as tf

    import tftrain
    from tftrain.training import Callback, fit

    tf.config.experimental.enable_op_determinism()
    checkpoint_dir, out = argv[0], argv[1]
    reference, marker, kill_step = (
        (argv[2], argv[3], int(argv[4])) if len(argv) > 2 else (None, None, -1)
    )

    class WaitForKill(Callback):
        def on_step_end(self, step, logs):
            if step == kill_step:
                pathlib.Path(marker).write_text(str(step))
                time.sleep(600)

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

    if reference is not None:
        run(reference, os.path.join(reference, "out.npz"))
    run(checkpoint_dir, out, [WaitForKill()])


if __name__ == "__main__":
    main(sys.argv[1:])
