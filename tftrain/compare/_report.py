"""A comparison's results: intervals over seeds, paired differences, CSV and Markdown."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from tftrain.compare._plan import Comparison
from tftrain.compare._run import TIMING_FILE, seconds_per_epoch
from tftrain.compare._stats import Interval, mean_interval

#: The time per epoch, reported beside the final metrics under this name.
SECONDS = "seconds_per_epoch"


@dataclass
class RunRecord:
    """One finished run: its final metrics, its curves and its time per epoch."""

    combination: str
    seed: int
    final: dict[str, float]
    curves: dict[str, list[float]]
    seconds_per_epoch: float


class SummaryRow(NamedTuple):
    """A combination's metric over seeds; ``ratio`` is its mean over the baseline's mean."""

    combination: str
    metric: str
    interval: Interval
    ratio: float


class PairedRow(NamedTuple):
    """A combination minus the baseline, seed by seed, over the seeds both finished."""

    combination: str
    baseline: str
    metric: str
    difference: Interval


@dataclass
class ComparisonReport:
    """The finished runs of a comparison and the statistics over their seeds.

    Attributes:
        combinations: the combinations' labels, the baseline first.
        runs: one :class:`RunRecord` per finished run.
        metrics: the final metrics reported (every logged one but the
            learning rate, unless chosen).
        confidence: the coverage of the intervals.

    Example:
        >>> runs = [RunRecord(c, s, {"val_accuracy": a}, {"val_accuracy": [a]}, t)
        ...         for c, s, a, t in [("relu", 0, 0.90, 1.0), ("relu", 1, 0.92, 1.0),
        ...                            ("swish", 0, 0.93, 1.5), ("swish", 1, 0.94, 1.5)]]
        >>> report = ComparisonReport(["relu", "swish"], runs, ["val_accuracy"])
        >>> paired = report.paired()[0]
        >>> print(paired.metric, f"{paired.difference.mean:.3f}", report.summary()[-1].ratio)
        val_accuracy 0.025 1.5
    """

    combinations: list[str]
    runs: list[RunRecord]
    metrics: list[str] = field(default_factory=list)
    confidence: float = 0.95

    @property
    def baseline(self) -> str:
        """The first combination, which the others are compared with."""
        return self.combinations[0]

    def values(self, combination: str, metric: str) -> dict[int, float]:
        """``{seed: value}`` of a final metric (or :data:`SECONDS`) for one combination."""
        out = {}
        for run in self.runs:
            if run.combination == combination:
                value = run.seconds_per_epoch if metric == SECONDS else run.final.get(metric)
                if value is not None and math.isfinite(value):
                    out[run.seed] = value
        return out

    def summary(self) -> list[SummaryRow]:
        """Every combination's metrics (then its time per epoch) as intervals over seeds."""
        rows = []
        base = {m: self.values(self.baseline, m) for m in [*self.metrics, SECONDS]}
        for combination in self.combinations:
            for metric in [*self.metrics, SECONDS]:
                values = self.values(combination, metric)
                if not values:
                    continue
                interval = mean_interval(values.values(), self.confidence)
                ratio = math.nan
                if base[metric]:
                    base_mean = math.fsum(base[metric].values()) / len(base[metric])
                    ratio = interval.mean / base_mean if base_mean else math.nan
                rows.append(SummaryRow(combination, metric, interval, ratio))
        return rows

    def paired(self) -> list[PairedRow]:
        """Each other combination minus the baseline, seed by seed, for every metric and time."""
        rows = []
        for combination in self.combinations[1:]:
            for metric in [*self.metrics, SECONDS]:
                ours, theirs = self.values(combination, metric), self.values(self.baseline, metric)
                seeds = sorted(set(ours) & set(theirs))
                if seeds:
                    differences = [ours[s] - theirs[s] for s in seeds]
                    interval = mean_interval(differences, self.confidence)
                    rows.append(PairedRow(combination, self.baseline, metric, interval))
        return rows

    def to_markdown(self) -> str:
        """The summary and paired tables as Markdown."""
        percent = f"{self.confidence:.0%}"
        summary = {(r.combination, r.metric): r for r in self.summary()}
        head = ["combination", "seeds", *self.metrics, "s/epoch", "time ratio"]
        lines = [
            f"Final metrics over seeds: mean ± standard deviation [{percent} confidence "
            f"interval, t distribution].",
            "",
            "| " + " | ".join(head) + " |",
            "|" + "---|" * len(head),
        ]
        for combination in self.combinations:
            time = summary.get((combination, SECONDS))
            cells = [f"`{combination}`", str(time.interval.n if time else 0)]
            for metric in [*self.metrics, SECONDS]:
                row = summary.get((combination, metric))
                cells.append(_cell(row.interval) if row else "")
            cells.append(f"{time.ratio:.2f}" if time else "")
            lines.append("| " + " | ".join(cells) + " |")
        lines += [
            "",
            f"Paired differences from `{self.baseline}` (same seed; {percent} confidence "
            "interval):",
            "",
            "| combination | metric | difference | interval | excludes 0 |",
            "|---|---|---|---|---|",
        ]
        for pair in self.paired():
            d = pair.difference
            lines.append(
                f"| `{pair.combination}` | {pair.metric} | {d.mean:+.4g} | "
                f"[{d.low:+.4g}, {d.high:+.4g}] | {'yes' if d.excludes_zero else 'no'} |"
            )
        return "\n".join(lines) + "\n"

    def write(self, out: str | Path) -> list[Path]:
        """Writes ``summary.csv``, ``paired.csv`` and ``report.md`` into ``out``."""
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        summary, paired, markdown = (
            folder / "summary.csv",
            folder / "paired.csv",
            folder / "report.md",
        )
        with open(summary, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(
                ["combination", "metric", "n", "mean", "std", "ci_low", "ci_high", "ratio"]
            )
            for r in self.summary():
                writer.writerow([r.combination, r.metric, *map(repr, r.interval), repr(r.ratio)])
        with open(paired, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(
                ["combination", "baseline", "metric", "n", "mean_difference", "std", "ci_low",
                 "ci_high", "excludes_zero"]
            )  # fmt: skip
            for p in self.paired():
                writer.writerow(
                    [p.combination, p.baseline, p.metric, *map(repr, p.difference),
                     p.difference.excludes_zero]
                )  # fmt: skip
        markdown.write_text(self.to_markdown(), encoding="utf-8")
        return [summary, paired, markdown]


def _cell(interval: Interval) -> str:
    if interval.n < 2:
        return f"{interval.mean:.4g}"
    return f"{interval.mean:.4g} ± {interval.std:.2g} [{interval.low:.4g}, {interval.high:.4g}]"


def collect(
    comparison: Comparison, *, metrics: Sequence[str] | None = None, confidence: float = 0.95
) -> ComparisonReport:
    """Reads the finished run folders of a comparison into a :class:`ComparisonReport`.

    Runs that have not finished are left out (their combination then has
    fewer seeds; the tables show how many).

    Args:
        comparison: the plan whose run folders to read.
        metrics: the final metrics to report, or ``None`` for every logged
            one but ``learning_rate``.
        confidence: the coverage of the intervals, in ``(0, 1)``.

    Raises:
        ValueError: a chosen metric that no run logged (naming the logged ones).

    Example:
        >>> import tempfile
        >>> from tftrain.compare import Variation
        >>> plan = Comparison(None, Path(tempfile.mkdtemp()),
        ...                   [Variation.parse("model.activation=relu,swish")], seeds=[0, 1])
        >>> report = collect(plan)  # nothing has run yet: no finished runs to report
        >>> print(report.combinations, len(report.runs))
        ['model.activation=relu', 'model.activation=swish'] 0
    """
    runs = []
    for trial in comparison.trials():
        timing = trial.folder / TIMING_FILE
        if not timing.is_file():
            continue
        seconds = json.loads(timing.read_text())["epoch_seconds"]
        epochs = json.loads((trial.folder / "history.json").read_text())
        curves: dict[str, list[float]] = {}
        for logs in epochs:
            for key, value in logs.items():
                curves.setdefault(key, []).append(float(value))
        final = {k: v[-1] for k, v in curves.items()}
        per_epoch = seconds_per_epoch(seconds) if seconds else math.nan
        runs.append(RunRecord(trial.combination, trial.seed, final, curves, per_epoch))
    logged = list(dict.fromkeys(k for run in runs for k in run.final if k != "learning_rate"))
    if metrics is None:
        chosen = logged
    else:
        chosen = list(metrics)
        unknown = [m for m in chosen if m not in logged]
        if unknown and runs:
            raise ValueError(
                f"Invalid value for argument `metrics`: {', '.join(unknown)} not logged by the "
                f"runs. Expected some of {{{', '.join(logged)}}}. Received: metrics={chosen!r}"
            )
    return ComparisonReport(comparison.combinations(), runs, chosen, confidence)
