"""What a recipe costs over writing the same run by hand.

Two comparisons, each interleaved and repeated (medians; the machine is shared):

1. set-up: ``config.load`` (validate everything, trial-build each component)
   plus ``Recipe.build`` against constructing the same model, data,
   optimizer, schedule, loss and EMA directly;
2. training: ``config.run`` of the recipe against ``training.fit`` called by hand
   on components built directly, for the same epochs: the recipe layer must
   add nothing per step.

    PYTHONPATH=$PWD TF_CPP_MIN_LOG_LEVEL=2 python benchmarks/recipes.py
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras
from _timing import interleaved_medians, print_ratios

from tftrain import config, data, ema, losses, models, schedules, training

RECIPE = {
    "model": {"name": "mlp", "hidden_units": [32, 32], "activation": "swish"},
    "data": {"name": "spirals", "classes": 3, "samples_per_class": 100},
    "optimizer": {"name": "adam"},
    "schedule": {
        "name": "exponential_decay",
        "initial_learning_rate": 0.01,
        "decay_steps": 50,
        "decay_rate": 0.6,
        "staircase": True,
    },
    "loss": {"name": "sparse_categorical_crossentropy", "from_logits": True},
    "ema": {"decay": 0.99},
    "metrics": ["accuracy"],
    "train": {"epochs": 3, "batch_size": 32, "seed": 0},
}


def by_hand() -> dict:
    """The recipe's components, constructed directly."""
    keras.utils.set_random_seed(0)
    dataset = data.spirals(classes=3, samples_per_class=100)
    return {
        "model": models.mlp(
            input_shape=[2], output_units=3, hidden_units=[32, 32], activation="swish"
        ),
        "data": dataset,
        "optimizer": keras.optimizers.Adam(),
        "schedule": schedules.ExponentialDecay(0.01, 50, 0.6, staircase=True),
        "loss": losses.get({"name": "sparse_categorical_crossentropy", "from_logits": True}),
        "ema": ema.get({"decay": 0.99}),
    }


def fit_by_hand() -> None:
    parts = by_hand()
    d = parts["data"]
    training.fit(
        parts["model"],
        (d.x_train, d.y_train),
        loss=parts["loss"],
        optimizer=parts["optimizer"],
        schedule=parts["schedule"],
        ema=parts["ema"],
        metrics=["accuracy"],
        validation_data=d.validation_data,
        progress=False,
        epochs=3,
        batch_size=32,
        seed=0,
    )


def main() -> None:
    print("set-up (validate + build) vs constructing by hand")
    setup = interleaved_medians(
        {"by_hand": by_hand, "recipe": lambda: config.load(RECIPE).build()},
        repeats=15,
        warmup=2,
    )
    print_ratios(setup, "by_hand", unit="ms")
    print("\ntraining 3 epochs (270 examples x 3): config.run vs training.fit by hand")
    runs = interleaved_medians(
        {
            "fit_by_hand": fit_by_hand,
            "config.run": lambda: config.run(config.load(RECIPE), progress=False),
        },
        repeats=5,
        warmup=1,
    )
    print_ratios(runs, "fit_by_hand", unit="s")


if __name__ == "__main__":
    main()
