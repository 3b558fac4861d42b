"""Figures of schedules, activations and training histories, written as PNG files.

Matplotlib, a dependency of tftrain, is imported only when a figure is drawn
(so ``import tftrain`` stays light). Figures are made with matplotlib's object-oriented API, so
nothing here touches pyplot's global state or needs a display.

Example:
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> paths = plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7],
    ...                       "learning_rate": [0.1, 0.05]}, folder)
    >>> print(sorted(p.name for p in paths))
    ['learning_rate.png', 'loss.png']
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np


def _figure(rows: int = 1, cols: int = 1, size: tuple[float, float] = (6.0, 4.0)) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - exercised only without matplotlib
        raise ImportError(
            "Plotting needs matplotlib, a dependency of tftrain: pip install matplotlib."
        ) from None
    figure = Figure(figsize=(size[0] * cols, size[1] * rows), layout="constrained")
    return figure, figure.subplots(rows, cols, squeeze=False)


def _save(figure: Any, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    return path


def matplotlib_available() -> bool:
    """Whether matplotlib can be imported (so plots can be drawn).

    Example:
        >>> matplotlib_available()
        True
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError:  # pragma: no cover
        return False
    return True


def plot_schedule(schedule: Any, steps: int, path: str | Path) -> Path:
    """Plots a learning-rate schedule over ``steps`` steps to a PNG file.

    Args:
        schedule: a schedule or any spec :func:`tftrain.schedules.get` accepts.
        steps: how many steps to show; ``>= 1``.
        path: the PNG file to write.

    Returns:
        The path written.

    Raises:
        ValueError: ``steps < 1`` or a bad schedule spec.
        ImportError: matplotlib is not installed.

    Example:
        >>> import tempfile
        >>> path = plot_schedule({"name": "exponential_decay", "initial_learning_rate": 0.1,
        ...                       "decay_steps": 10, "decay_rate": 0.5, "staircase": True},
        ...                      50, tempfile.mkdtemp() + "/schedule.png")
        >>> print(path.name, path.stat().st_size > 0)
        schedule.png True
    """
    from tftrain import schedules
    from tftrain._validation import check_integer

    steps = check_integer("steps", steps, minimum=1)
    schedule = schedules.get(schedule)
    rates = schedules.values(schedule, steps)
    figure, axes = _figure()
    ax = axes[0, 0]
    ax.plot(np.arange(steps), rates, drawstyle="steps-post")
    ax.set(xlabel="step", ylabel="learning rate")
    _set_title(ax, f"learning rate over {steps} steps: {schedule!r}")
    ax.grid(alpha=0.3)
    return _save(figure, path)


#: The share of the figure's width a title may take: the axes it is centred on sit
#: right of the figure's centre by half the y-axis label's margin.
_TITLE_SHARE = 0.85


def _set_title(ax: Any, text: str) -> None:
    """Sets ``ax``'s title, wrapped at spaces into as few lines as fit the figure's width.

    A component's whole repr is the title (every argument shown, none cut off);
    ``tests/test_plotting.py`` checks every text of every figure lies inside it.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(ax.figure).get_renderer()
    room = _TITLE_SHARE * ax.figure.bbox.width
    for chars in range(len(text), 0, -1):
        lines = textwrap.wrap(text, chars, break_long_words=False, break_on_hyphens=False)
        title = ax.set_title("\n".join(lines))
        if title.get_window_extent(renderer).width <= room:
            return


def activation_curves(
    specs: Iterable[Any], x: Sequence[float] | np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each activation's values and derivatives at ``x``, by label.

    The derivative is taken with ``tf.GradientTape`` (activations are
    elementwise, so the gradient of the sum is the derivative at each point).

    Example:
        >>> curves = activation_curves(["relu"], [-1.0, 2.0])
        >>> y, dy = curves["relu"]
        >>> print(y.tolist(), dy.tolist())
        [0.0, 2.0] [0.0, 1.0]
    """
    import tensorflow as tf

    from tftrain import activations

    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    points = tf.constant(np.asarray(x, dtype=np.float32))
    for spec in specs:
        fn = activations.get(spec)
        with tf.GradientTape() as tape:
            tape.watch(points)
            y = fn(points)
        dy = tape.gradient(y, points)
        label = spec if isinstance(spec, str) else repr(fn)
        out[label] = (np.asarray(y, np.float32), np.asarray(dy, np.float32))
    return out


def plot_activations(
    specs: Iterable[Any],
    path: str | Path,
    *,
    x_range: tuple[float, float] = (-4.0, 4.0),
    points: int = 401,
) -> Path:
    """Plots activation functions (left) and their derivatives (right) to a PNG file.

    Args:
        specs: activation names or specs (anything :func:`tftrain.activations.get`
            accepts).
        path: the PNG file to write.
        x_range: the interval of inputs shown; ``low < high``.
        points: number of points; ``>= 2``.

    Returns:
        The path written.

    Raises:
        ValueError: an unknown activation (naming the known ones) or a bad range.
        ImportError: matplotlib is not installed.

    Example:
        >>> import tempfile
        >>> path = plot_activations(["relu", "tanh"], tempfile.mkdtemp() + "/act.png")
        >>> print(path.name)
        act.png
    """
    from tftrain._validation import check_integer, check_number

    low = check_number("x_range[0]", x_range[0])
    high = check_number("x_range[1]", x_range[1])
    if not low < high:
        raise ValueError(f"Argument `x_range` must have low < high. Received: x_range={x_range!r}")
    points = check_integer("points", points, minimum=2)
    x = np.linspace(low, high, points, dtype=np.float32)
    curves = activation_curves(list(specs), x)
    figure, axes = _figure(1, 2)
    for label, (y, dy) in curves.items():
        axes[0, 0].plot(x, y, label=label)
        axes[0, 1].plot(x, dy, label=label)
    axes[0, 0].set(xlabel="x", ylabel="f(x)", title="activations")
    axes[0, 1].set(xlabel="x", ylabel="f'(x)", title="their derivatives")
    for ax in axes[0]:
        ax.grid(alpha=0.3)
        ax.legend()
    return _save(figure, path)


def _history_dict(history: Any) -> dict[str, list[float]]:
    if isinstance(history, (str, Path)):
        path = Path(history)
        if path.is_dir():
            path = path / "history.json"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such history file (expected a run folder)")
        history = json.loads(path.read_text())
    if hasattr(history, "history"):
        history = history.history
    if isinstance(history, list):  # History.to_json writes one dict per epoch
        keys = list(dict.fromkeys(k for epoch in history for k in epoch))
        history = {k: [epoch.get(k) for epoch in history] for k in keys}
    if isinstance(history, Mapping) and "history" in history:
        history = history["history"]
    if not isinstance(history, Mapping):
        raise TypeError(f"Cannot read a training history from {type(history).__name__}.")
    return {str(k): list(v) for k, v in history.items() if isinstance(v, (list, tuple))}


def plot_history(history: Any, out_dir: str | Path) -> list[Path]:
    """Plots a training history: ``loss.png``, ``learning_rate.png``, one PNG per metric.

    Each figure shows the training curve with its validation (``val_``) and
    EMA validation (``ema_val_``) curves, per epoch.

    Args:
        history: a ``History``, its ``.history`` dict, a ``history.json``
            file or a run folder holding one.
        out_dir: the folder to write into (created if needed).

    Returns:
        The paths written.

    Raises:
        FileNotFoundError: no history at the path given.
        ImportError: matplotlib is not installed.

    Example:
        >>> import tempfile
        >>> epochs = [{"loss": 1.0, "accuracy": 0.5}, {"loss": 0.4, "accuracy": 0.8}]
        >>> print([p.name for p in plot_history(epochs, tempfile.mkdtemp())])
        ['loss.png', 'accuracy.png']
    """
    curves = _history_dict(history)
    out = Path(out_dir)
    bases = [
        k
        for k in curves
        if not k.startswith(("val_", "ema_val_", "ema_")) and k not in ("epoch", "time", "step")
    ]
    written = []
    for base in bases:
        figure, axes = _figure()
        ax = axes[0, 0]
        shown = []
        for key, label in _CURVES.items():
            values = [np.nan if v is None else float(v) for v in curves.get(key.format(base), [])]
            if values:
                ax.plot(np.arange(1, len(values) + 1), values, marker=".", label=label)
                shown += [v for v in values if np.isfinite(v)]
        name = base.replace("_", " ")
        ax.set(xlabel="epoch", ylabel=name, title=f"{name} per epoch")
        ax.xaxis.set_major_locator(_whole_numbers())  # epochs are whole
        if shown and min(shown) > 0 and max(shown) > 10 * min(shown):  # spans a decade
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend()
        written.append(_save(figure, out / f"{base}.png"))
    return written


def _grid(count: int) -> tuple[Any, list[Any]]:
    cols = min(3, max(1, count))
    rows = -(-max(1, count) // cols)
    figure, axes = _figure(rows, cols, size=(5.0, 3.6))
    flat = list(axes.flat)
    for ax in flat[count:]:
        ax.set_visible(False)
    return figure, flat[:count]


def plot_comparison(report: Any, out_dir: str | Path) -> list[Path]:
    """Plots a comparison: ``curves.png`` (mean curves with a band over seeds) and
    ``final_metrics.png`` (final metrics and time per epoch with error bars).

    Bands and error bars are the report's confidence intervals over seeds
    (Student t); the dots on the error-bar plot are the single seeds.

    Args:
        report: a :class:`tftrain.compare.ComparisonReport`.
        out_dir: the folder to write into (created if needed).

    Returns:
        The two paths written.

    Raises:
        ImportError: matplotlib is not installed.

    Example:
        >>> import tempfile
        >>> from tftrain.compare import ComparisonReport, RunRecord
        >>> runs = [RunRecord(c, s, {"val_loss": v[-1]}, {"val_loss": v}, 1.0)
        ...         for c, s, v in [("a", 0, [1.0, 0.5]), ("a", 1, [0.9, 0.6]),
        ...                         ("b", 0, [1.1, 0.4]), ("b", 1, [1.0, 0.3])]]
        >>> report = ComparisonReport(["a", "b"], runs, ["val_loss"])
        >>> print([p.name for p in plot_comparison(report, tempfile.mkdtemp())])
        ['curves.png', 'final_metrics.png']
    """
    from tftrain.compare import SECONDS, mean_interval

    out = Path(out_dir)
    colors = [f"C{i % 10}" for i in range(len(report.combinations))]
    percent = f"{report.confidence:.0%}"

    figure, axes = _grid(len(report.metrics))
    for ax, metric in zip(axes, report.metrics, strict=True):
        for combination, color in zip(report.combinations, colors, strict=True):
            curves = [r.curves[metric] for r in report.runs if r.combination == combination]
            curves = [c for c in curves if c]
            if not curves:
                continue
            length = min(len(c) for c in curves)
            per_epoch = [mean_interval([c[i] for c in curves], report.confidence)
                         for i in range(length)]  # fmt: skip
            epochs = np.arange(1, length + 1)
            ax.plot(epochs, [i.mean for i in per_epoch], color=color,
                    label=f"{combination} (n={len(curves)})")  # fmt: skip
            if len(curves) > 1:
                ax.fill_between(epochs, [i.low for i in per_epoch], [i.high for i in per_epoch],
                                color=color, alpha=0.2, linewidth=0)  # fmt: skip
        ax.set(xlabel="epoch", ylabel=metric, title=f"{metric} (mean, {percent} CI)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    written = [_save(figure, out / "curves.png")]

    quantities = [*report.metrics, SECONDS]
    figure, axes = _grid(len(quantities))
    positions = np.arange(len(report.combinations))
    for ax, metric in zip(axes, quantities, strict=True):
        for x, combination, color in zip(positions, report.combinations, colors, strict=True):
            values = list(report.values(combination, metric).values())
            if not values:
                continue
            interval = mean_interval(values, report.confidence)
            if interval.n > 1:
                error = [[interval.mean - interval.low], [interval.high - interval.mean]]
            else:
                error = None
            ax.errorbar([x], [interval.mean], yerr=error, fmt="o", color=color, capsize=6,
                        markersize=7)  # fmt: skip
            spread = np.linspace(-0.12, 0.12, len(values)) if len(values) > 1 else [0.0]
            ax.scatter(x + np.asarray(spread) + 0.25, values, color=color, s=10, alpha=0.6)
        ax.set_xticks(positions, report.combinations, rotation=20, ha="right", fontsize="small")
        ax.set(ylabel=metric, title=f"{metric} (mean, {percent} CI)")
        ax.grid(alpha=0.3, axis="y")
    written.append(_save(figure, out / "final_metrics.png"))
    return written


def _whole_numbers() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


#: The curves a history figure can show, by key pattern, with their legend labels.
_CURVES = {
    "{}": "training",
    "val_{}": "validation",
    "ema_val_{}": "validation, EMA weights",
    "ema_{}": "training, EMA weights",
}
