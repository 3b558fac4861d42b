"""Train the same recipe with several activations and compare accuracy and speed.

Every run uses the same recipe, data and seed; only ``model.activation``
changes (initializers follow the activation unless the recipe sets one). Prints
a table of the final validation accuracy and the time per epoch (median over
epochs after the first, which includes tracing), and writes a plot.

    python examples/compare_activations.py
    python examples/compare_activations.py --activations relu swish gelu mish selu tanh \\
        --epochs 10 --out compare_activations.png
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from tftrain import config
from tftrain.compare import EpochTimer

HERE = Path(__file__).resolve().parent


def compare(recipe_path: str | Path, activations: list[str], overrides: list[str]) -> list[dict]:
    """Runs the recipe once per activation; returns one row per activation."""
    base = config.load(recipe_path, overrides=overrides)
    # One untimed epoch first, so TensorFlow's one-time start-up is not charged to the first.
    config.run(base.with_overrides(["train.epochs=1"]), progress=False)
    rows = []
    for activation in activations:
        recipe = base.with_overrides([f"model.activation={activation}"])
        timer = EpochTimer()
        result = config.run(recipe, progress=False, callbacks=[timer])
        later = timer.seconds[1:] or timer.seconds
        rows.append(
            {
                "activation": activation,
                "val_accuracy": result.final.get("val_accuracy", float("nan")),
                "val_loss": result.final.get("val_loss", float("nan")),
                "seconds_per_epoch": statistics.median(later),
                "curve": result.history.history.get("val_accuracy", []),
            }
        )
    return rows


def table(rows: list[dict]) -> str:
    """The rows as a fixed-width text table."""
    lines = [f"{'activation':<12} {'val_accuracy':>12} {'val_loss':>10} {'s/epoch':>9}"]
    for row in sorted(rows, key=lambda r: -r["val_accuracy"]):
        lines.append(
            f"{row['activation']:<12} {row['val_accuracy']:12.4f} {row['val_loss']:10.4f} "
            f"{row['seconds_per_epoch']:9.4f}"
        )
    return "\n".join(lines)


def plot(rows: list[dict], path: str | Path) -> Path:
    """Validation accuracy per epoch for each activation, and the time per epoch."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 4), layout="constrained")
    curves, speed = figure.subplots(1, 2)
    for row in rows:
        curves.plot(range(1, len(row["curve"]) + 1), row["curve"], label=row["activation"])
    curves.set(xlabel="epoch", ylabel="validation accuracy", title="same recipe, same seed")
    curves.grid(alpha=0.3)
    curves.legend()
    speed.bar([r["activation"] for r in rows], [r["seconds_per_epoch"] for r in rows])
    speed.set(ylabel="seconds per epoch (median)", title="time per epoch")
    figure.savefig(path, dpi=100)
    return Path(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default=str(HERE / "activations_relu.toml"))
    parser.add_argument(
        "--activations",
        nargs="+",
        default=["relu", "leaky_relu", "elu", "selu", "swish", "gelu", "mish", "tanh", "sigmoid"],
    )
    parser.add_argument("--epochs", type=int, help="override train.epochs")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="more recipe overrides",
    )
    parser.add_argument("--out", default="compare_activations.png", help="the plot to write")
    args = parser.parse_args(argv)
    overrides = list(args.overrides)
    if args.epochs is not None:
        overrides.append(f"train.epochs={args.epochs}")
    rows = compare(args.recipe, args.activations, overrides)
    print(table(rows))
    print(f"plot: {plot(rows, args.out)}")


if __name__ == "__main__":
    main()
