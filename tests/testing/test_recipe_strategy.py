"""recipes(): every drawn recipe loads, round-trips, builds and trains."""

from __future__ import annotations

import math

import pytest
from hypothesis import find, given, settings

import tftrain
from tftrain.testing.strategies import recipes


def config():
    if not hasattr(tftrain.config, "load"):
        pytest.fail("tftrain.config has no recipes yet")  # failing, not a silent skip
    return tftrain.config


@given(recipes())
def test_every_drawn_recipe_loads_and_its_resolved_form_loads_to_the_same(recipe):
    loaded = config().load(recipe)
    assert config().load(loaded.to_dict()).to_dict() == loaded.to_dict()


@settings(max_examples=4)
@given(recipes())
def test_drawn_recipes_build_every_component(recipe):
    parts = config().load(recipe).build()
    assert parts.model is not None and parts.loss is not None
    assert (parts.ema is None) == (recipe["ema"] is None)


@settings(max_examples=2)
@given(recipes(max_epochs=1))
def test_drawn_recipes_train_to_a_finite_loss(recipe):
    result = config().run(recipe, progress=False, plots=False)
    losses = result.history.history["loss"]
    assert len(losses) == 1 and all(map(math.isfinite, losses))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"datasets": ("mnist",)}, r"`datasets\[0\]`. Expected one of .*datasets\[0\]='mnist'"),
        ({"datasets": ()}, r"`datasets` must not be empty"),
        ({"max_epochs": 0}, r"`max_epochs` must be >= 1. Received: max_epochs=0"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        find(recipes(**kwargs), lambda r: True)
