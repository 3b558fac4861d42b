"""Recipes: a TOML / JSON file or dict that names every component of a training run.

A recipe has the sections ``model``, ``data``, ``loss`` (required),
``optimizer``, ``schedule``, ``ema``, ``train`` and ``metrics``. :func:`load`
checks all of it and reports every problem at once; :meth:`Recipe.build`
builds the components; :func:`run` trains and writes a run folder.

Example:
    >>> recipe = load({"model": {"name": "mlp", "hidden_units": [8], "activation": "relu"},
    ...                "data": {"name": "spirals", "samples_per_class": 20},
    ...                "loss": {"name": "sparse_categorical_crossentropy", "from_logits": True},
    ...                "train": {"epochs": 2}},
    ...               overrides=["model.hidden_units=[4, 4]"])
    >>> print(recipe["model"]["hidden_units"], recipe["train"]["epochs"])
    [4, 4] 2
"""

from tftrain.config._recipe import (
    Components,
    Recipe,
    RecipeError,
    apply_overrides,
    import_module,
    load,
    parse_override,
)
from tftrain.config._run import DEFAULT_RECIPE, RunResult, default_recipe, last_epoch, run

__all__ = [
    "DEFAULT_RECIPE",
    "Components",
    "Recipe",
    "RecipeError",
    "RunResult",
    "apply_overrides",
    "default_recipe",
    "import_module",
    "last_epoch",
    "load",
    "parse_override",
    "run",
]
