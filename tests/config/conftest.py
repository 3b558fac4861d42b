"""Fixtures of the recipe tests: a small valid recipe that trains in a moment."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))

#: Overrides that shrink any example recipe to a few steps.
QUICK = ["train.epochs=1", "train.batch_size=64"]


@pytest.fixture
def small_recipe() -> dict:
    """A valid recipe dict: an MLP on a few spirals, with a schedule and EMA."""
    return {
        "description": "small",
        "model": {"name": "mlp", "hidden_units": [8], "activation": "relu"},
        "data": {"name": "spirals", "classes": 3, "samples_per_class": 20},
        "optimizer": {"name": "adam"},
        "schedule": {
            "name": "exponential_decay",
            "initial_learning_rate": 0.01,
            "decay_steps": 10,
            "decay_rate": 0.5,
            "staircase": True,
        },
        "loss": {"name": "sparse_categorical_crossentropy", "from_logits": True},
        "ema": {"decay": 0.9},
        "metrics": ["accuracy"],
        "train": {"epochs": 2, "batch_size": 16, "seed": 0},
    }
