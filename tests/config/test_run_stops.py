"""A run folder keeps history.json and history.csv, up to the last saved step, after any stop."""

from __future__ import annotations

import json

import pytest

from tftrain import config
from tftrain.training import Callback

RECIPE = {
    "model": "linear",
    "data": {"name": "sales", "samples": 64},
    "loss": "mse",
    "train": {"epochs": 3, "batch_size": 16, "checkpoint_every": 2, "steps_per_execution": 1},
}


class RaiseAt(Callback):
    """Raises ``error`` after step ``step`` (4 batches an epoch: step 10 is epoch 2, batch 2)."""

    def __init__(self, step, error):
        super().__init__()
        self.step, self.error = step, error

    def on_step_end(self, step, logs):
        if step == self.step:
            raise self.error


@pytest.mark.parametrize(
    "error", [KeyboardInterrupt(), RuntimeError("a callback failed")], ids=["ctrl-c", "error"]
)
def test_a_stopped_run_writes_the_history_of_its_last_checkpoint(tmp_path, error):
    with pytest.raises(type(error)):
        config.run(RECIPE, out=tmp_path, progress=False, callbacks=[RaiseAt(10, error)])
    saved = json.loads((tmp_path / "history.json").read_text())
    assert len(saved) == 2  # epochs 0 and 1 finished; the last save is at step 8
    assert (tmp_path / "history.csv").read_text().splitlines()[0].startswith("epoch,loss")

    resumed = config.run(RECIPE, out=tmp_path, progress=False, plots=False)
    assert len(resumed.history) == 3
    assert json.loads((tmp_path / "history.json").read_text())[:2] == saved


def test_a_run_stopped_before_any_save_writes_an_empty_history(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        config.run(
            RECIPE, out=tmp_path, progress=False, callbacks=[RaiseAt(1, KeyboardInterrupt())]
        )
    assert json.loads((tmp_path / "history.json").read_text()) == []
    assert (tmp_path / "history.csv").read_text().strip() == "epoch"
