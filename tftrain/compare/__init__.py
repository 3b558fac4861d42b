"""Comparisons: the same recipe with some keys varied, over several seeds, with error bars.

:class:`Comparison` plans every combination of the varied keys for each seed;
:func:`run_comparison` trains each as an ordinary run folder (skipping those
that finished, so an interrupted comparison resumes); :func:`collect` reads
them into a :class:`ComparisonReport` with means, standard deviations and
Student-t confidence intervals over seeds, the time per epoch, and paired
differences from the first combination. ``tftrain compare`` does all of it.

Example:
    >>> from pathlib import Path
    >>> plan = Comparison("recipe.toml", Path("cmp"),
    ...                   [Variation.parse("model.activation=relu,swish,mish")], seeds=[0, 1])
    >>> print(len(plan.trials()), plan.combinations()[0])
    6 model.activation=relu
    >>> print(f"{mean_interval([0.97, 0.98, 0.99]).low:.4f}")
    0.9552
"""

from tftrain.compare._plan import Comparison, Trial, Variation, parse_seeds
from tftrain.compare._report import (
    SECONDS,
    ComparisonReport,
    PairedRow,
    RunRecord,
    SummaryRow,
    collect,
)
from tftrain.compare._run import (
    TIMING_FILE,
    EpochTimer,
    TrialOutcome,
    run_comparison,
    run_trial,
)
from tftrain.compare._stats import Interval, mean_interval, t_quantile

__all__ = [
    "SECONDS",
    "TIMING_FILE",
    "Comparison",
    "ComparisonReport",
    "EpochTimer",
    "Interval",
    "PairedRow",
    "RunRecord",
    "SummaryRow",
    "Trial",
    "TrialOutcome",
    "Variation",
    "collect",
    "mean_interval",
    "parse_seeds",
    "run_comparison",
    "run_trial",
    "t_quantile",
]
