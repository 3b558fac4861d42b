"""``tftrain compare`` end to end: a tiny comparison on ``digits``, resumed, its numbers checked."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from tftrain import cli

pytest.importorskip("sklearn")

TINY = """
metrics = ["accuracy"]
[model]
name = "cnn"
filters = [4]
dense_units = [8]
[data]
name = "digits"
samples = 120
validation_split = 0.25
[loss]
name = "sparse_categorical_crossentropy"
from_logits = true
[ema]
decay = 0.9
[train]
epochs = 1
batch_size = 30
"""
COMBINATIONS = {"model.activation=relu": "relu", "model.activation=swish": "swish"}
#: t(0.975, 1) = tan(0.95 pi / 2): two seeds.
T_1 = math.tan(0.95 * math.pi / 2)


def _final(folder: Path, key: str) -> float:
    return json.loads((folder / "history.json").read_text())[-1][key]


@pytest.mark.slow
def test_a_tiny_comparison_runs_resumes_and_reports_t_intervals(tmp_path, capsys, monkeypatch):
    (tmp_path / "tiny.toml").write_text(TINY)
    monkeypatch.chdir(tmp_path)
    command = ["compare", "tiny.toml", "--vary", "model.activation=relu,swish", "--seeds", "2"]
    # Two worker processes train the four runs.
    assert cli.main([*command, "--out", "cmp", "--jobs", "2"]) == 0
    first = capsys.readouterr().out
    out = tmp_path / "cmp"
    folders = {
        (label, seed): out / label / f"seed-{seed}" for label in COMBINATIONS for seed in (0, 1)
    }
    for folder in folders.values():  # ordinary run folders, marked finished
        for name in ("recipe.toml", "history.json", "epoch_seconds.json"):
            assert (folder / name).is_file(), folder / name
    saved = json.loads((folders[("model.activation=swish", 1)] / "recipe.json").read_text())
    assert saved["model"]["activation"] == "swish" and saved["train"]["seed"] == 1
    for name in ("summary.csv", "paired.csv", "report.md", "curves.png", "final_metrics.png"):
        assert (out / name).stat().st_size > 0, name
    assert first.count(": ran: ") == 4
    assert "ema_val_accuracy" in first and "excludes 0" in first

    # The CSV against a hand computation from the run folders' own histories.
    with open(out / "summary.csv", newline="") as f:
        summary = {(r["combination"], r["metric"]): r for r in csv.DictReader(f)}
    for label in COMBINATIONS:
        for metric in ("val_accuracy", "ema_val_accuracy", "val_loss"):
            a, b = (_final(folders[(label, s)], metric) for s in (0, 1))
            mean, std = (a + b) / 2, abs(a - b) / math.sqrt(2)
            row = summary[(label, metric)]
            assert int(row["n"]) == 2
            assert float(row["mean"]) == pytest.approx(mean, rel=1e-9)
            assert float(row["std"]) == pytest.approx(std, rel=1e-9, abs=1e-12)
            assert float(row["ci_high"]) == pytest.approx(mean + T_1 * std / math.sqrt(2), 1e-9)
    with open(out / "paired.csv", newline="") as f:
        paired = {r["metric"]: r for r in csv.DictReader(f)}
    differences = [
        _final(folders[("model.activation=swish", s)], "val_accuracy")
        - _final(folders[("model.activation=relu", s)], "val_accuracy")
        for s in (0, 1)
    ]
    assert float(paired["val_accuracy"]["mean_difference"]) == pytest.approx(
        sum(differences) / 2, abs=1e-12
    )

    # Resume: only the deleted run trains again (here, in this process).
    deleted = folders[("model.activation=relu", 1)]
    kept = {k: (f / "history.json").read_text() for k, f in folders.items() if f != deleted}
    stamps = {k: (f / "history.json").stat().st_mtime_ns for k, f in folders.items()}
    for path in sorted(deleted.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    deleted.rmdir()
    assert cli.main([*command, "--out", "cmp"]) == 0
    again = capsys.readouterr().out
    assert again.count(": skipped: finished before") == 3
    assert "model.activation=relu, seed 1: ran:" in again
    assert (deleted / "epoch_seconds.json").is_file()
    for key, text in kept.items():
        assert (folders[key] / "history.json").read_text() == text
        assert (folders[key] / "history.json").stat().st_mtime_ns == stamps[key]


def test_a_bad_value_stops_before_any_training(tmp_path, capsys, monkeypatch):
    (tmp_path / "tiny.toml").write_text(TINY)
    monkeypatch.chdir(tmp_path)
    status = cli.main(
        ["compare", "tiny.toml", "--vary", "model.activation=relu,swishh", "--out", "cmp"]
    )
    assert status == 2
    err = capsys.readouterr().err
    assert "swishh" in err and "Did you mean 'swish'" in err
    assert not (tmp_path / "cmp" / "model.activation=relu").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vary", "model.activation"], "expected KEY=VALUE"),
        (["--vary", "model.activation=relu", "--seeds", "0"], "`seeds` must be >= 1"),
        (["--vary", "model.activation=relu", "--jobs", "0"], "`jobs` must be >= 1"),
    ],
)
def test_usage_mistakes_are_one_line_and_status_2(tmp_path, capsys, monkeypatch, args, message):
    (tmp_path / "tiny.toml").write_text(TINY)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["compare", "tiny.toml", *args]) == 2
    (line,) = [x for x in capsys.readouterr().err.splitlines() if x.startswith("tftrain: error")]
    assert message in line
