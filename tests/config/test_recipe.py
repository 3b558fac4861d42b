"""Recipes: validation with every problem at once, overrides, round trips, building."""

from __future__ import annotations

import json
import re

import keras
import numpy as np
import pytest

from tftrain import config, schedules
from tftrain.config import RecipeError, load


def problems_of(recipe, **kwargs) -> list[str]:
    with pytest.raises(RecipeError) as info:
        load(recipe, **kwargs)
    return info.value.problems


def test_a_valid_recipe_resolves_names_and_fills_defaults(small_recipe):
    recipe = load(small_recipe)
    resolved = recipe.to_dict()
    assert resolved["schedule"]["transition_begin"] == 0  # a default, filled in
    assert resolved["model"]["dropout"] == 0.0
    assert resolved["ema"] == {"decay": 0.9, "warmup": True}
    assert resolved["train"]["epochs"] == 2
    assert list(resolved) == list(config._recipe.SECTIONS)


def test_names_are_canonical_and_case_insensitive(small_recipe):
    small_recipe["schedule"]["name"] = "Exponential-Decay"
    small_recipe["optimizer"] = "ADAM"
    resolved = load(small_recipe).to_dict()
    assert resolved["schedule"]["name"] == "exponential_decay"
    assert resolved["optimizer"] == {"name": "adam"}


def test_to_dict_round_trips(small_recipe):
    recipe = load(small_recipe)
    assert load(recipe.to_dict()) == recipe
    assert load(recipe.to_dict()).to_dict() == recipe.to_dict()


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_files_round_trip(small_recipe, tmp_path, suffix):
    recipe = load(small_recipe)
    path = recipe.save(tmp_path / f"r{suffix}")
    again = load(path)
    assert again == recipe
    assert again.source == str(path)


def test_every_problem_is_reported_at_once_and_says_where(small_recipe):
    small_recipe["schedul"] = {}
    small_recipe["schedule"]["decay_rat"] = small_recipe["schedule"].pop("decay_rate")
    small_recipe["model"]["name"] = "mpl"
    small_recipe["data"]["classes"] = 1
    small_recipe["train"] = {"epochs": 0, "batch_siz": 8}
    small_recipe["ema"] = {"decay": 1.5}
    small_recipe["metrics"] = ["acuracy"]
    problems = problems_of(small_recipe)
    expected = [
        r"^schedul: unknown section; did you mean schedule\?",
        r"^schedule\.decay_rat: unknown key; did you mean decay_rate\?",
        r"^model\.name: Unknown model 'mpl'\. Did you mean 'mlp'\?",
        r"^data\.classes: Argument `classes` must be >= 2\. Received: classes=1",
        r"^train\.epochs: must be >= 1; received 0",
        r"^train\.batch_siz: unknown key; did you mean batch_size\?",
        r"^ema\.decay: .*decay",
        r"^metrics\[0\]: unknown metric 'acuracy'",
    ]
    assert len(problems) == len(expected), problems
    for pattern in expected:
        assert any(re.search(pattern, p) for p in problems), (pattern, problems)


def test_a_bad_value_names_the_key_the_value_and_the_range(small_recipe):
    small_recipe["schedule"]["decay_steps"] = 0
    (problem,) = problems_of(small_recipe)
    assert problem == (
        "schedule.decay_steps: Argument `decay_steps` must be > 0. Received: decay_steps=0"
    )


def test_a_bad_value_beside_an_unknown_key_is_still_reported(small_recipe):
    small_recipe["schedule"]["decay_steps"] = 0
    small_recipe["schedule"]["stair"] = True
    problems = problems_of(small_recipe)
    assert any(
        p.startswith("schedule.stair: unknown key; did you mean staircase?") for p in problems
    )
    assert any(p.startswith("schedule.decay_steps: Argument `decay_steps`") for p in problems)


def test_wrong_types_name_the_key(small_recipe):
    small_recipe["schedule"]["staircase"] = "yes"
    small_recipe["train"]["batch_size"] = "big"
    problems = problems_of(small_recipe)
    assert "schedule.staircase: expected true or false; received 'yes'" in problems
    assert "train.batch_size: expected a number; received 'big'" in problems


@pytest.mark.parametrize("accepted", [True, False, "auto"])
def test_jit_compile_takes_true_false_or_auto(small_recipe, accepted):
    small_recipe["train"]["jit_compile"] = accepted
    assert load(small_recipe).to_dict()["train"]["jit_compile"] == accepted


@pytest.mark.parametrize(
    ("key", "value"), [("jit_compile", "always"), ("jit_compile", 1), ("on_nonfinite", "ignore")]
)
def test_train_keys_with_a_few_values_name_them(small_recipe, key, value):
    small_recipe["train"][key] = value
    problems = problems_of(small_recipe)
    expected = {"jit_compile": 'true, false, "auto"', "on_nonfinite": '"stop", "skip"'}[key]
    assert f"train.{key}: expected one of {expected}; received {value!r}" in problems


def test_missing_sections_and_keys(small_recipe):
    del small_recipe["loss"]
    del small_recipe["schedule"]["decay_steps"]
    problems = problems_of(small_recipe)
    assert any(p.startswith("loss: missing section") for p in problems)
    assert "schedule: missing key `decay_steps` (required by 'exponential_decay')" in problems


def test_a_rate_in_two_places_is_refused(small_recipe):
    small_recipe["optimizer"]["learning_rate"] = 0.1
    assert problems_of(small_recipe) == [
        "optimizer.learning_rate: conflicts with the schedule section; set the rate in one place"
    ]


def test_overrides_are_applied_and_validated_like_the_file(small_recipe):
    recipe = load(
        small_recipe,
        overrides=[
            "schedule.decay_rate=0.9",
            "model.activation=tanh",
            "model.hidden_units=[4, 4]",
            "ema.warmup=false",
        ],
    )
    assert recipe["schedule"]["decay_rate"] == 0.9
    assert recipe["model"]["activation"] == "tanh"
    assert recipe["model"]["hidden_units"] == [4, 4]
    assert recipe["ema"]["warmup"] is False
    problems = problems_of(
        small_recipe, overrides=["schedule.decay_rat=0.9", "train.epochs=-1", "nonsense"]
    )
    assert any(
        p.startswith("schedule.decay_rat: unknown key; did you mean decay_rate?") for p in problems
    )
    assert "train.epochs: must be >= 1; received -1" in problems
    assert any(p.startswith("override 'nonsense': expected KEY=VALUE") for p in problems)


def test_with_overrides_derives_a_new_recipe(small_recipe):
    recipe = load(small_recipe)
    other = recipe.with_overrides(["train.epochs=5"])
    assert other["train"]["epochs"] == 5 and recipe["train"]["epochs"] == 2


def test_an_override_into_a_value_is_refused(small_recipe):
    problems = problems_of(small_recipe, overrides=["train.epochs.x=1"])
    assert problems == ["override 'train.epochs.x=1': train.epochs is 2, not a table"]


def test_a_section_given_as_a_name_can_take_overridden_keys(small_recipe):
    small_recipe["loss"] = "sparse_categorical_crossentropy"
    recipe = load(small_recipe, overrides=["loss.from_logits=true"])
    assert recipe["loss"]["from_logits"] is True


def test_a_number_as_schedule_is_a_constant_rate(small_recipe):
    small_recipe["schedule"] = 0.05
    assert load(small_recipe)["schedule"] == {"name": "constant", "value": 0.05}


def test_missing_file_and_syntax_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such recipe file"):
        load(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[model\nname = 'mlp'\n")
    with pytest.raises(RecipeError, match=r"bad\.toml: 1 problem:\n  invalid TOML"):
        load(bad)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{")
    with pytest.raises(RecipeError, match="invalid JSON"):
        load(bad_json)


def test_build_sizes_the_model_to_the_data_and_is_reproducible(small_recipe):
    recipe = load(small_recipe)
    a, b = recipe.build(), recipe.build()
    assert a.model.input_shape == (None, 2) and a.model.output_shape == (None, 3)
    for wa, wb in zip(a.model.get_weights(), b.model.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert isinstance(a.schedule, schedules.ExponentialDecay)
    assert isinstance(a.optimizer, keras.optimizers.Adam)
    assert a.ema is not None and a.metrics == ["accuracy"]
    assert a.train == recipe["train"]


def test_the_resolved_recipe_leaves_the_model_size_to_the_data(small_recipe):
    recipe = load(small_recipe)
    assert "output_units" not in recipe["model"] and "input_shape" not in recipe["model"]
    again = load(recipe.to_dict()).build()
    assert again.model.output_shape == (None, 3)
    small_recipe["model"]["output_units"] = 5
    assert load(small_recipe).build().model.output_shape == (None, 5)


def test_json_output_is_plain(small_recipe):
    assert json.loads(load(small_recipe).to_json())["loss"]["name"] == (
        "sparse_categorical_crossentropy"
    )


def test_a_keras_3_leaky_relu_spec_builds_and_round_trips(small_recipe):
    small_recipe["model"]["activation"] = {"name": "leaky_relu", "negative_slope": 0.1}
    recipe = load(small_recipe, overrides=["model.activation.negative_slope=0.05"])
    assert recipe["model"]["activation"] == {"name": "leaky_relu", "negative_slope": 0.05}
    assert load(recipe.to_dict())["model"]["activation"] == recipe["model"]["activation"]
    hidden = recipe.build().model.layers[0]
    assert hidden.activation(np.float32(-2.0)).numpy() == np.float32(-0.1)


def test_alpha_and_negative_slope_together_are_a_recipe_problem(small_recipe):
    small_recipe["model"]["activation"] = {"name": "leaky_relu", "alpha": 0.1}
    with pytest.raises(RecipeError) as caught:
        load(small_recipe, overrides=["model.activation.negative_slope=0.2"])
    assert any(
        p.startswith("model: Only one of `alpha` and `negative_slope` may be given")
        and p.endswith("Received: alpha=0.1, negative_slope=0.2")
        for p in caught.value.problems
    ), caught.value.problems
