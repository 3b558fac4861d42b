"""Plots: files are written, and the curves drawn are the right numbers."""

from __future__ import annotations

import json
from pathlib import Path

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


@pytest.fixture
def drawn(monkeypatch):
    """The figures saved while the test runs, in order."""
    from matplotlib.figure import Figure

    figures = []
    save = Figure.savefig

    def recording(self, *args, **kwargs):
        figures.append(self)
        return save(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", recording)
    return figures


def texts_outside_their_figure(figure) -> list[str]:
    """The titles, axis labels and legend entries that reach past the figure's edges, and
    the whole drawing's box if anything else (a tick label) does."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    inside = figure.bbox

    def sticks_out(box) -> bool:
        return box.x0 < inside.x0 or box.x1 > inside.x1 or box.y0 < inside.y0 or box.y1 > inside.y1

    texts = []
    for ax in figure.axes:
        legend = ax.get_legend()
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *(legend.get_texts() if legend else [])]
    outside = [t.get_text() for t in texts if sticks_out(t.get_window_extent(renderer))]
    drawing = figure.get_tightbbox(renderer).transformed(figure.dpi_scale_trans)
    if sticks_out(drawing):
        outside.append(f"the drawing spans {drawing.bounds}, the figure {inside.bounds}")
    return outside


def test_every_text_of_every_figure_fits_inside_it(tmp_path, drawn):
    from tftrain import config

    recipe = config.load(Path(__file__).parents[1] / "examples" / "sales_mse.toml")
    plotting.plot_schedule(recipe["schedule"], 1250, tmp_path / "schedule.png")
    long_spec = {
        "name": "piecewise_constant",
        "boundaries": [100, 200, 300, 400, 500, 600, 700, 800],
        "values": [0.1, 0.05, 0.025, 0.0125, 0.00625, 0.003125, 0.0015625, 0.00078125, 0.0001],
    }
    plotting.plot_schedule(long_spec, 1000, tmp_path / "piecewise.png")
    specs = ["relu", "swish", {"name": "leaky_relu", "alpha": 0.2}, "selu", "gelu"]
    plotting.plot_activations(specs, tmp_path / "activations.png")
    epochs = [
        {"loss": 1.0, "val_loss": 1.1, "ema_val_loss": 1.2, "learning_rate": 0.1},
        {"loss": 0.5, "val_loss": 0.6, "ema_val_loss": 0.5, "learning_rate": 0.05},
    ]
    plotting.plot_history(epochs, tmp_path)
    assert [texts_outside_their_figure(figure) for figure in drawn] == [[]] * 5


def test_a_schedule_title_names_every_argument(tmp_path, drawn):
    spec = {
        "name": "exponential_decay",
        "initial_learning_rate": 0.01,
        "decay_steps": 250,
        "decay_rate": 0.5,
    }
    plotting.plot_schedule(spec, 1250, tmp_path / "schedule.png")
    (figure,) = drawn
    title = " ".join(figure.axes[0].get_title().split())
    assert title == (
        "learning rate over 1250 steps: ExponentialDecay(initial_learning_rate=0.01, "
        "decay_steps=250, decay_rate=0.5, staircase=False, transition_begin=0, end_value=None)"
    )


def test_a_history_figure_names_its_curves_and_counts_whole_epochs(tmp_path, drawn):
    epochs = [{"loss": 1.3 - 0.01 * i, "val_loss": 1.2, "ema_val_loss": 1.25} for i in range(3)]
    plotting.plot_history(epochs, tmp_path)
    (figure,) = drawn
    ax = figure.axes[0]
    assert ax.get_title() == "loss per epoch"
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["training", "validation", "validation, EMA weights"]
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)
    assert ax.get_yscale() == "linear"  # 1.2 to 1.3 spans less than a decade
