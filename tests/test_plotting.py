"""Plots: files are written, and the curves drawn are the right numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tftrain import plotting


def test_schedule_plot_is_a_png(tmp_path):
    spec = {"name": "cosine_decay", "initial_learning_rate": 0.1, "decay_steps": 20}
    path = plotting.plot_schedule(spec, 30, tmp_path / "sub" / "s.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_schedule_plot_refuses_zero_steps(tmp_path):
    with pytest.raises(ValueError, match=r"`steps` must be >= 1\. Received: steps=0"):
        plotting.plot_schedule(0.1, 0, tmp_path / "s.png")


def test_activation_curves_are_the_function_and_its_derivative():
    x = np.linspace(-3, 3, 13, dtype=np.float32)
    curves = plotting.activation_curves(["tanh", "relu"], x)
    y, dy = curves["tanh"]
    np.testing.assert_allclose(y, np.tanh(x), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(dy, 1 - np.tanh(x) ** 2, rtol=1e-5, atol=1e-6)
    y, dy = curves["relu"]
    np.testing.assert_array_equal(dy[x > 0], 1.0)
    np.testing.assert_array_equal(dy[x < 0], 0.0)


def test_activation_plot_refuses_an_empty_range(tmp_path):
    with pytest.raises(ValueError, match=r"`x_range` must have low < high"):
        plotting.plot_activations(["relu"], tmp_path / "a.png", x_range=(1.0, 1.0))


def test_history_plots_from_a_dict_a_list_or_a_folder(tmp_path):
    epochs = [
        {"loss": 1.0, "val_loss": 1.5, "mean_absolute_error": 3.0, "learning_rate": 0.1},
        {"loss": 0.5, "val_loss": 0.9, "mean_absolute_error": 2.0, "learning_rate": 0.1},
    ]
    (tmp_path / "history.json").write_text(json.dumps(epochs))
    names = ["learning_rate.png", "loss.png", "mean_absolute_error.png"]
    assert sorted(p.name for p in plotting.plot_history(tmp_path, tmp_path / "a")) == names
    assert sorted(p.name for p in plotting.plot_history(epochs, tmp_path / "b")) == names
    as_dict = {k: [e[k] for e in epochs] for k in epochs[0]}
    assert sorted(p.name for p in plotting.plot_history(as_dict, tmp_path / "c")) == names
