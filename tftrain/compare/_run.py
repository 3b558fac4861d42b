"""Running a comparison: one ordinary run folder per trial, resumable, in one or more processes."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tftrain import training
from tftrain._validation import check_integer
from tftrain.compare._plan import Comparison, Trial

#: Written into a run folder when its run has finished: the seconds of each
#: epoch trained by the process that finished it, and the number of epochs.
TIMING_FILE = "epoch_seconds.json"


@dataclass(frozen=True)
class TrialOutcome:
    """What became of one trial: ``"ran"``, ``"skipped"`` (finished before) or ``"failed"``."""

    trial: Trial
    status: str
    message: str = ""


def load_recipe(recipe: str | Mapping[str, Any] | None, overrides: list[str]) -> Any:
    """The recipe (a file or a dict; the default recipe for ``None``) with ``overrides``."""
    from tftrain import config

    if recipe is None:
        return config.default_recipe(overrides=overrides)
    return config.load(recipe, overrides=overrides)


def finished_epochs(folder: Path) -> int:
    """Epochs of the finished run in ``folder``; 0 when it has not finished (or is not there)."""
    try:
        return int(json.loads((folder / TIMING_FILE).read_text())["epochs"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def seconds_per_epoch(epoch_seconds: list[float]) -> float:
    """The median epoch time, leaving out the first epoch (tracing) when there are others.

    Example:
        >>> seconds_per_epoch([5.0, 1.0, 3.0, 2.0]), seconds_per_epoch([4.0])
        (2.0, 4.0)
    """
    later = epoch_seconds[1:] or epoch_seconds
    return float(statistics.median(later))


class EpochTimer(training.Callback):
    """A ``fit`` callback that keeps the wall-clock seconds of each epoch, validation included.

    Example:
        >>> timer = EpochTimer()
        >>> timer.on_epoch_begin(0); timer.on_epoch_end(0, {})
        >>> print(len(timer.seconds), timer.seconds[0] >= 0.0)
        1 True
    """

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch: int) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float]) -> None:
        self.seconds.append(time.perf_counter() - self._start)


def run_trial(
    recipe: str | Mapping[str, Any] | None, overrides: list[str], folder: Path, plots: bool = False
) -> str:
    """Trains one trial into ``folder`` (resuming a run left there) and marks it finished.

    Args:
        recipe: a recipe file or dict, or ``None`` for the default recipe.
        overrides: ``KEY=VALUE`` overrides (the trial's combination and seed).
        folder: the run folder.
        plots: write the run folder's own PNG plots too.

    Returns:
        A one-line summary: the final validation metrics and the time per epoch.

    Raises:
        FloatingPointError: the loss became non-finite (the run stops, unmarked).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> folder = Path(tempfile.mkdtemp())
        >>> recipe = {"model": "linear", "data": {"name": "sales", "samples": 64},
        ...           "loss": "mse", "train": {"epochs": 2}}
        >>> line = run_trial(recipe, [], folder / "run")
        >>> print(finished_epochs(folder / "run"), "s/epoch" in line)
        2 True
    """
    import keras

    from tftrain import config

    keras.backend.clear_session()
    timer = EpochTimer()
    result = config.run(
        load_recipe(recipe, overrides),
        out=folder,
        progress=False,
        plots=plots,
        callbacks=[timer],
    )
    seconds = timer.seconds
    (folder / TIMING_FILE).write_text(
        json.dumps({"epochs": len(result.history), "epoch_seconds": seconds})
    )
    shown = ", ".join(
        f"{k} {v:.4g}" for k, v in result.final.items() if k.startswith(("val_", "ema_val_"))
    )
    per_epoch = f"{seconds_per_epoch(seconds):.3g} s/epoch" if seconds else "no new epoch"
    return f"{shown}; {per_epoch}" if shown else per_epoch


def _start_worker(threads: int) -> None:
    """Shares the cores among the worker processes (before TensorFlow starts its pools)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)


def _attempt(
    recipe: str | Mapping[str, Any] | None, overrides: list[str], folder: Path, plots: bool
) -> tuple:
    try:
        return "ran", run_trial(recipe, overrides, folder, plots)
    except FloatingPointError as error:  # a diverged run: the others still run
        return "failed", " ".join(str(error).split())


def run_comparison(
    comparison: Comparison,
    *,
    jobs: int = 1,
    plots: bool = False,
    log: Callable[[str], None] = print,
) -> list[TrialOutcome]:
    r"""Runs every trial that has not finished, ``jobs`` at a time; returns every trial's outcome.

    Every combination's recipe is checked first, so a bad ``--vary`` value
    stops the comparison before any training. A trial whose run folder holds a
    finished run with the planned number of epochs is skipped; an unfinished
    one resumes from its checkpoint. With ``jobs > 1`` the trials run in that
    many separate processes, which share the CPU cores (so their epoch times
    are comparable with each other, not with a ``jobs=1`` comparison). A run
    whose loss became non-finite is reported as failed and the others go on.

    Args:
        comparison: the plan.
        jobs: processes to train in; ``1`` trains in this process.
        plots: write each run folder's own PNG plots too.
        log: called with one line per trial.

    Returns:
        One :class:`TrialOutcome` per trial, in the plan's order.

    Raises:
        RecipeError: a combination's recipe is invalid.
        ValueError: ``jobs < 1``.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from tftrain.compare import Comparison, Variation
        >>> recipe = Path(tempfile.mkdtemp()) / "sales.toml"
        >>> _ = recipe.write_text('loss = "mse"\n[model]\nname = "linear"\n'
        ...     '[data]\nname = "sales"\nsamples = 64\n[train]\nepochs = 1\n')
        >>> plan = Comparison(str(recipe), recipe.parent / "cmp",
        ...                   [Variation.parse("train.batch_size=16,32")], seeds=[0])
        >>> print([o.status for o in run_comparison(plan, log=lambda line: None)])
        ['ran', 'ran']
        >>> print([o.status for o in run_comparison(plan, log=lambda line: None)])
        ['skipped', 'skipped']
    """
    workers = check_integer("jobs", jobs, minimum=1)
    trials = comparison.trials()
    planned: dict[str, int] = {}
    for trial in trials:
        if trial.combination not in planned:
            recipe = load_recipe(comparison.recipe, comparison.run_overrides(trial))
            planned[trial.combination] = int(recipe["train"]["epochs"])
    comparison.out.mkdir(parents=True, exist_ok=True)
    (comparison.out / "comparison.json").write_text(json.dumps(comparison.to_dict(), indent=2))
    outcomes: dict[Trial, TrialOutcome] = {}

    def report(trial: Trial, status: str, message: str) -> None:
        outcomes[trial] = TrialOutcome(trial, status, message)
        log(
            f"[{len(outcomes)}/{len(trials)}] {trial.combination}, seed {trial.seed}: "
            f"{status}: {message}"
        )

    pending = []
    for trial in trials:
        if finished_epochs(trial.folder) >= planned[trial.combination]:
            report(trial, "skipped", f"finished before, in {trial.folder}")
        else:
            pending.append(trial)
    arguments = [(comparison.recipe, comparison.run_overrides(t), t.folder, plots) for t in pending]
    if workers == 1:
        for trial, args in zip(pending, arguments, strict=True):
            report(trial, *_attempt(*args))
    elif pending:
        import multiprocessing

        processes = min(workers, len(pending))
        threads = max(1, (os.cpu_count() or 1) // processes)
        with ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(threads,),
        ) as pool:
            futures = {
                pool.submit(_attempt, *args): t for t, args in zip(pending, arguments, strict=True)
            }
            for future in as_completed(futures):
                report(futures[future], *future.result())
    return [outcomes[t] for t in trials]
