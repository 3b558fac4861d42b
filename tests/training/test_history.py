"""History: Keras-like keys, JSON and CSV."""

from __future__ import annotations

import inspect
import math

import pytest

import tftrain.training
from tftrain.training import History


def test_history_is_a_dict_of_lists_with_nan_where_an_epoch_lacks_a_key():
    history = History([{"loss": 1.0}, {"loss": 0.5, "val_loss": 0.75}])
    assert history.history["loss"] == [1.0, 0.5]
    assert math.isnan(history.history["val_loss"][0]) and history.history["val_loss"][1] == 0.75


def test_json_round_trip_keeps_non_finite_values(tmp_path):
    history = History([{"loss": math.inf, "learning_rate": 0.1}])
    text = history.to_json(tmp_path / "h.json")
    again = History.from_json((tmp_path / "h.json").read_text())
    assert text == (tmp_path / "h.json").read_text()
    assert again.epochs == history.epochs and len(again) == 1


def test_csv_has_one_row_per_epoch(tmp_path):
    History([{"loss": 0.5}, {"loss": 0.25}]).to_csv(tmp_path / "h.csv")
    assert (tmp_path / "h.csv").read_text().splitlines() == ["epoch,loss", "0,0.5", "1,0.25"]


@pytest.mark.parametrize("name", tftrain.training.__all__)
def test_every_public_name_has_a_docstring(name):
    doc = inspect.getdoc(getattr(tftrain.training, name)) or ""
    assert doc.strip(), name
    if name in ("fit", "model_complexity", "History", "Callback", "ComplexityReport"):
        assert "Example:" in doc and ">>>" in doc, name
