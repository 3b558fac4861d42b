"""The losses of issue 17 in recipes: TOML sections build them, with their arguments checked."""

from __future__ import annotations

import numpy as np
import pytest

from tftrain import config, losses

SALES = {
    "model": {"name": "mlp", "hidden_units": [4], "activation": "relu"},
    "data": {"name": "sales", "samples": 64},
    "loss": "mse",
    "train": {"epochs": 1, "batch_size": 32},
}


@pytest.mark.parametrize(
    ("section", "cls", "setting"),
    [
        ('name = "huber"\ndelta = 0.5', losses.Huber, ("delta", 0.5)),
        ('name = "mae"', losses.MeanAbsoluteError, None),
        ('name = "quantile"\ntau = 0.9', losses.QuantileLoss, ("tau", 0.9)),
    ],
)
def test_regression_losses_train_from_a_toml_recipe(tmp_path, section, cls, setting):
    path = tmp_path / "recipe.toml"
    path.write_text(
        '[model]\nname = "mlp"\nhidden_units = [4]\nactivation = "relu"\n\n'
        '[data]\nname = "sales"\nsamples = 64\n\n'
        "[train]\nepochs = 1\nbatch_size = 32\n\n"
        f"[loss]\n{section}\n"
    )
    recipe = config.load(path)
    loss = recipe.build().loss
    assert isinstance(loss, cls)
    if setting is not None:
        assert getattr(loss, setting[0]) == setting[1]
    assert config.load(recipe.to_dict()) == recipe
    assert np.isfinite(config.run(recipe, progress=False).final["loss"])


@pytest.mark.parametrize(
    ("spec", "cls"),
    [
        (
            {"name": "categorical_focal_crossentropy", "gamma": 2.0, "from_logits": True},
            losses.CategoricalFocalCrossentropy,
        ),
        (
            {"name": "sparse_categorical_crossentropy", "from_logits": True, "ignore_class": -1},
            losses.SparseCategoricalCrossentropy,
        ),
    ],
)
def test_classification_losses_build_from_a_recipe(small_recipe, spec, cls):
    small_recipe["loss"] = spec
    loss = config.load(small_recipe).build().loss
    assert isinstance(loss, cls)
    assert {k: v for k, v in loss.get_config().items() if k in spec and k != "name"} == {
        k: v for k, v in spec.items() if k != "name"
    }


def test_a_bad_tau_in_a_recipe_names_the_key():
    with pytest.raises(config.RecipeError, match=r"loss\.tau.*must be in \(0.0, 1.0\)"):
        config.load({**SALES, "loss": {"name": "quantile", "tau": 1.0}})
