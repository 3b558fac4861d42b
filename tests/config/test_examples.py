"""Every example recipe passes ``tftrain check`` and trains; the classic demonstrations hold."""

from __future__ import annotations

import numpy as np
import pytest

from tests._scripts import load_example
from tests.config.conftest import EXAMPLES, QUICK, ROOT
from tftrain import cli, config


def test_the_examples_are_there():
    names = {path.name for path in EXAMPLES}
    assert {
        "sales_mse.toml",
        "sales_asymmetric.toml",
        "activations_relu.toml",
        "activations_swish.toml",
    } <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_passes_check(path, capsys):
    assert cli.main(["check", str(path)]) == 0
    assert capsys.readouterr().out.startswith("description = ")


@pytest.mark.parametrize(
    "path", [*EXAMPLES, config.DEFAULT_RECIPE], ids=lambda p: getattr(p, "name", str(p))
)
def test_every_example_trains_a_few_steps(path):
    overrides = [*QUICK, "train.steps_per_execution=4"]
    if "spirals" in path.read_text():
        overrides.append("data.samples_per_class=40")
    else:
        overrides.append("data.samples=200")
    result = config.run(config.load(path, overrides=overrides), progress=False)
    assert len(result.history) == 1
    assert np.isfinite(result.final["loss"]) and np.isfinite(result.final["val_loss"])


def test_the_activation_examples_differ_only_in_the_activation():
    relu = config.load(ROOT / "examples" / "activations_relu.toml").to_dict()
    swish = config.load(ROOT / "examples" / "activations_swish.toml").to_dict()
    assert relu["model"].pop("activation") == "relu"
    assert swish["model"].pop("activation") == "swish"
    assert relu == swish


@pytest.mark.slow
def test_asymmetric_loss_orders_more_than_mse_on_the_sales_data():
    """The classic demonstration: cost 1, profit 9 learns the 90 % quantile, MSE the mean."""
    covered = {}
    for name in ("sales_mse", "sales_asymmetric"):
        recipe = config.load(ROOT / "examples" / f"{name}.toml", overrides=["train.epochs=15"])
        result = config.run(recipe, progress=False)
        data = result.components.data
        prediction = np.asarray(result.components.model(data.x_val))
        covered[name] = float(np.mean(data.y_val <= prediction))
    assert covered["sales_mse"] < 0.75 < 0.82 < covered["sales_asymmetric"]


def test_compare_activations_prints_a_table_and_writes_a_plot(tmp_path, capsys):
    script = load_example("compare_activations.py")
    out = tmp_path / "cmp.png"
    script.main(
        [
            "--activations",
            "relu",
            "tanh",
            "--epochs",
            "1",
            "--set",
            "data.samples_per_class=40",
            "--out",
            str(out),
        ]
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["activation", "val_accuracy", "val_loss", "s/epoch"]
    assert sorted(line.split()[0] for line in lines[1:3]) == ["relu", "tanh"]
    for line in lines[1:3]:
        assert 0.0 <= float(line.split()[1]) <= 1.0 and float(line.split()[3]) > 0
    assert out.stat().st_size > 0
