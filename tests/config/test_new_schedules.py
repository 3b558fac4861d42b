"""The schedules of issue 17 from TOML recipes, by `tftrain plot schedule`, with recipe errors."""

from __future__ import annotations

import numpy as np
import pytest

from tftrain import cli, config, schedules
from tftrain.config import RecipeError

NEW = {
    "one_cycle": (
        'name = "one_cycle"\nmax_learning_rate = 0.1\ntotal_steps = 40\npct_start = 0.25\n'
        'anneal_strategy = "linear"\nthree_phase = true\n',
        schedules.OneCycle,
    ),
    "warmup_stable_decay": (
        'name = "wsd"\npeak_learning_rate = 0.01\ntotal_steps = 40\nwarmup_steps = 4\n'
        'decay_fraction = 0.25\ndecay_shape = "1-sqrt"\n',
        schedules.WarmupStableDecay,
    ),
    "polynomial_decay": (
        'name = "polynomial_decay"\ninitial_learning_rate = 0.1\ndecay_steps = 30\n'
        "power = 2.0\ncycle = true\n",
        schedules.PolynomialDecay,
    ),
    "inverse_time_decay": (
        'name = "inverse_time_decay"\ninitial_learning_rate = 0.1\ndecay_steps = 5\n'
        "decay_rate = 0.5\nstaircase = true\n",
        schedules.InverseTimeDecay,
    ),
    "cosine_decay_restarts": (
        'name = "sgdr"\ninitial_learning_rate = 0.1\nfirst_decay_steps = 5\nt_mul = 2.0\n'
        "m_mul = 0.5\n",
        schedules.CosineDecayRestarts,
    ),
}


def recipe_file(tmp_path, schedule_table: str):
    path = tmp_path / "recipe.toml"
    path.write_text(
        '[model]\nname = "mlp"\nhidden_units = [4]\n\n'
        '[data]\nname = "spirals"\nclasses = 2\nsamples_per_class = 16\n\n'
        '[optimizer]\nname = "sgd"\n\n'
        f"[schedule]\n{schedule_table}\n"
        '[loss]\nname = "sparse_categorical_crossentropy"\nfrom_logits = true\n\n'
        "[train]\nepochs = 1\nbatch_size = 8\n"
    )
    return path


@pytest.mark.parametrize("name", sorted(NEW))
def test_a_recipe_builds_the_schedule_and_its_optimizer_follows_it(tmp_path, name):
    table, cls = NEW[name]
    recipe = config.load(recipe_file(tmp_path, table))
    assert recipe.to_dict()["schedule"]["name"] == name  # aliases resolve to the name
    built = recipe.build()
    assert isinstance(built.schedule, cls)
    # The resolved recipe rebuilds the same schedule (defaults filled in).
    again = config.load(recipe.to_dict()).build().schedule
    np.testing.assert_array_equal(schedules.values(again, 60), schedules.values(built.schedule, 60))


def test_a_recipe_with_a_bad_one_cycle_names_the_key_and_the_range(tmp_path):
    table = 'name = "one_cycle"\nmax_learning_rate = 0.1\ntotal_steps = 40\npct_start = 1.5\n'
    with pytest.raises(RecipeError) as caught:
        config.load(recipe_file(tmp_path, table))
    assert any(
        p.startswith("schedule.pct_start: Argument `pct_start` must be in (0.0, 1.0)")
        for p in caught.value.problems
    ), caught.value.problems


def test_a_recipe_with_an_unknown_decay_shape_lists_the_shapes(tmp_path):
    table = 'name = "wsd"\npeak_learning_rate = 0.1\ntotal_steps = 40\ndecay_shape = "sqrt"\n'
    with pytest.raises(RecipeError) as caught:
        config.load(recipe_file(tmp_path, table))
    assert any(
        p.startswith(
            "schedule.decay_shape: Invalid value for argument `decay_shape`. "
            "Expected one of ['linear', 'cosine', '1-sqrt']"
        )
        for p in caught.value.problems
    ), caught.value.problems


@pytest.mark.parametrize("name", sorted(NEW))
def test_tftrain_plot_schedule_draws_it_from_a_recipe(tmp_path, name):
    pytest.importorskip("matplotlib")
    out = tmp_path / f"{name}.png"
    path = recipe_file(tmp_path, NEW[name][0])
    assert cli.main(["plot", "schedule", str(path), "--steps", "60", "--out", str(out)]) == 0
    assert out.stat().st_size > 0
