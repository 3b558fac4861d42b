"""Reading finished run folders into tables: summary and paired statistics, CSV, Markdown, plots."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from tftrain import compare, plotting
from tftrain.compare import Comparison, Variation

#: t(0.975, 2): three seeds.
T_2 = 0.95 * math.sqrt(2.0 / (1.0 - 0.95**2))

ACCURACY = {"relu": [0.90, 0.93, 0.91], "swish": [0.92, 0.95, 0.94]}
SECONDS = {"relu": [1.0, 1.2, 1.1], "swish": [1.3, 1.5, 1.4]}


def _write_run(folder: Path, accuracy: float, seconds: float, finished: bool = True) -> None:
    folder.mkdir(parents=True)
    epochs = [
        {"loss": 1.0, "learning_rate": 0.1, "val_accuracy": accuracy - 0.1},
        {"loss": 0.5, "learning_rate": 0.1, "val_accuracy": accuracy},
    ]
    (folder / "history.json").write_text(json.dumps(epochs))
    if finished:
        # The first epoch (tracing) is left out of the time per epoch.
        timing = {"epochs": 2, "epoch_seconds": [10.0, seconds]}
        (folder / compare.TIMING_FILE).write_text(json.dumps(timing))


@pytest.fixture
def plan(tmp_path: Path) -> Comparison:
    plan = Comparison(None, tmp_path, [Variation.parse("model.activation=relu,swish")], [0, 1, 2])
    for trial in plan.trials():
        name = trial.combination.split("=")[1]
        _write_run(trial.folder, ACCURACY[name][trial.seed], SECONDS[name][trial.seed])
    return plan


def _by_hand(values: list[float]) -> tuple[float, float, float, float]:
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = T_2 * std / math.sqrt(n)
    return mean, std, mean - half, mean + half


def test_summary_is_the_t_interval_over_seeds(plan):
    report = compare.collect(plan)
    assert report.metrics == ["loss", "val_accuracy"]  # not the learning rate
    rows = {(r.combination, r.metric): r for r in report.summary()}
    for name in ("relu", "swish"):
        accuracy = rows[(f"model.activation={name}", "val_accuracy")].interval
        assert accuracy.n == 3
        np.testing.assert_allclose(accuracy[1:], _by_hand(ACCURACY[name]), rtol=1e-12)
        time = rows[(f"model.activation={name}", compare.SECONDS)].interval
        np.testing.assert_allclose(time[1:], _by_hand(SECONDS[name]), rtol=1e-12)
    ratio = rows[("model.activation=swish", compare.SECONDS)].ratio
    assert ratio == pytest.approx(1.4 / 1.1, rel=1e-12)


def test_paired_differences_are_taken_seed_by_seed(plan):
    report = compare.collect(plan, metrics=["val_accuracy"])
    rows = {r.metric: r for r in report.paired()}
    assert set(rows) == {"val_accuracy", compare.SECONDS}
    differences = [s - r for s, r in zip(ACCURACY["swish"], ACCURACY["relu"], strict=True)]
    d = rows["val_accuracy"].difference
    np.testing.assert_allclose(d[1:], _by_hand(differences), rtol=1e-10)
    # Pairing removes the seed-to-seed spread both share: the interval excludes 0 here
    # while the two unpaired intervals overlap.
    assert d.excludes_zero and d.low > 0
    summary = {r.combination: r.interval for r in report.summary() if r.metric == "val_accuracy"}
    assert summary["model.activation=swish"].low < summary["model.activation=relu"].high


def test_unfinished_runs_are_left_out(plan):
    (plan.trials()[-1].folder / compare.TIMING_FILE).unlink()  # swish, seed 2
    report = compare.collect(plan, metrics=["val_accuracy"])
    counts = {r.combination: r.interval.n for r in report.summary() if r.metric == "val_accuracy"}
    assert counts == {"model.activation=relu": 3, "model.activation=swish": 2}
    assert report.paired()[0].difference.n == 2


def test_csv_and_markdown_hold_the_same_numbers(plan, tmp_path):
    report = compare.collect(plan, metrics=["val_accuracy"])
    paths = report.write(tmp_path / "tables")
    assert [p.name for p in paths] == ["summary.csv", "paired.csv", "report.md"]
    with open(paths[0], newline="") as f:
        rows = list(csv.DictReader(f))
    swish = next(
        r for r in rows if r["combination"] == "model.activation=swish" and
        r["metric"] == "val_accuracy"
    )  # fmt: skip
    mean, std, low, high = _by_hand(ACCURACY["swish"])
    assert float(swish["mean"]) == pytest.approx(mean, rel=1e-12)
    assert float(swish["ci_low"]) == pytest.approx(low, rel=1e-12)
    assert int(swish["n"]) == 3
    with open(paths[1], newline="") as f:
        paired = {r["metric"]: r for r in csv.DictReader(f)}
    assert paired["val_accuracy"]["excludes_zero"] == "True"
    assert paired["val_accuracy"]["baseline"] == "model.activation=relu"
    markdown = paths[2].read_text()
    assert f"{mean:.4g} ± {std:.2g} [{low:.4g}, {high:.4g}]" in markdown
    assert "| `model.activation=swish` | val_accuracy | +0.02333 |" in markdown
    assert "| 1.27 |" in markdown  # the time ratio 1.4 / 1.1


def test_an_unlogged_metric_is_refused_naming_the_logged_ones(plan):
    with pytest.raises(ValueError, match=r"val_acc not logged.*loss, val_accuracy"):
        compare.collect(plan, metrics=["val_acc"])


def test_plots_are_written(plan, tmp_path):
    pytest.importorskip("matplotlib")
    report = compare.collect(plan)
    paths = plotting.plot_comparison(report, tmp_path / "plots")
    assert [p.name for p in paths] == ["curves.png", "final_metrics.png"]
    assert all(p.stat().st_size > 10_000 for p in paths)
