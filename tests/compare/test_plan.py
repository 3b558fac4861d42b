"""Planning a comparison: varied keys, their combinations, seeds and run folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tftrain.compare import Comparison, Variation, parse_seeds
from tftrain.config import RecipeError


def test_vary_values_split_at_top_level_commas_only():
    v = Variation.parse('model.hidden_units=[8, 8],[16],{a = 1, b = 2},"x,y",swish')
    assert v.key == "model.hidden_units"
    assert v.values == ("[8, 8]", "[16]", "{a = 1, b = 2}", '"x,y"', "swish")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("model.activation", r"expected KEY=VALUE"),
        ("model.activation=relu,,swish", r"an empty value"),
        ("model.activation=relu,relu", r"a value is given twice"),
    ],
)
def test_bad_vary_is_a_recipe_error_naming_it(text, match):
    with pytest.raises(RecipeError) as caught:
        Variation.parse(text)
    assert any(__import__("re").search(match, p) for p in caught.value.problems)


@pytest.mark.parametrize(
    ("text", "seeds"),
    [("5", [0, 1, 2, 3, 4]), ("1", [0]), ("3,1", [3, 1]), ("7,", [7]), (2, [0, 1])],
)
def test_seeds_are_a_count_or_a_list(text, seeds):
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize(
    ("text", "match"),
    [("0", r"`seeds` must be >= 1"), ("a,b", r"`seeds` must be a count"),
     ("1,1", r"each once"), ("2,-1", r"`seed` must be >= 0")],
)  # fmt: skip
def test_bad_seeds_name_the_argument(text, match):
    with pytest.raises(ValueError, match=match):
        parse_seeds(text)


def test_combinations_are_the_product_in_order_and_trials_go_seed_by_seed():
    plan = Comparison(
        "r.toml",
        Path("out"),
        [
            Variation.parse("model.activation=relu,swish"),
            Variation.parse("schedule.decay_rate=0.9,0.99"),
        ],
        seeds=[3, 5],
        overrides=["train.epochs=1"],
    )
    assert plan.combinations() == [
        "model.activation=relu, schedule.decay_rate=0.9",
        "model.activation=relu, schedule.decay_rate=0.99",
        "model.activation=swish, schedule.decay_rate=0.9",
        "model.activation=swish, schedule.decay_rate=0.99",
    ]
    trials = plan.trials()
    assert [t.seed for t in trials] == [3] * 4 + [5] * 4
    assert [t.combination for t in trials[:4]] == plan.combinations()
    folders = {t.folder for t in trials}
    assert len(folders) == 8
    assert trials[5].folder == Path("out/model.activation=relu+schedule.decay_rate=0.99/seed-5")
    assert plan.run_overrides(trials[5]) == [
        "train.epochs=1",
        "model.activation=relu",
        "schedule.decay_rate=0.99",
        "train.seed=5",
    ]


def test_folder_names_keep_only_safe_characters():
    plan = Comparison(None, Path("o"), [Variation.parse("model.hidden_units=[8, 8]")], [0])
    assert plan.trials()[0].folder == Path("o/model.hidden_units=_8_8_/seed-0")
