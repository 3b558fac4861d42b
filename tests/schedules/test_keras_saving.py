"""A model compiled with a tftrain schedule saves to .keras and reloads with safe mode."""

from __future__ import annotations

import keras
import numpy as np

from tftrain.schedules import LinearWarmup, values


def test_model_with_a_scheduled_optimizer_round_trips_through_a_keras_file(tmp_path):
    schedule = LinearWarmup(
        {
            "name": "exponential_decay",
            "initial_learning_rate": 0.1,
            "decay_steps": 5,
            "decay_rate": 0.5,
        },
        warmup_steps=3,
    )
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule), loss="mse")
    model.fit(np.ones((8, 2)), np.zeros((8, 1)), epochs=1, batch_size=4, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)

    reloaded = keras.models.load_model(path, safe_mode=True)
    restored = reloaded.optimizer._learning_rate  # Keras keeps the schedule object here
    assert isinstance(restored, LinearWarmup)
    np.testing.assert_array_equal(values(restored, 20), values(schedule, 20))
    assert int(reloaded.optimizer.iterations) == 2
