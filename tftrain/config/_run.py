"""Training a recipe into a run folder: resolved recipe, history, checkpoints, plots."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from tftrain.config._recipe import Components, Recipe, RecipeError, load

#: The recipe ``tftrain train`` runs when given none.
DEFAULT_RECIPE = resources.files("tftrain.config") / "default.toml"


def default_recipe(*, overrides: Iterable[str] = ()) -> Recipe:
    """The built-in default recipe (swish MLP on the spirals, EMA, staircase decay).

    Example:
        >>> print(default_recipe()["model"]["activation"])
        swish
    """
    with resources.as_file(DEFAULT_RECIPE) as path:
        return load(path, overrides=overrides, name="default recipe")


@dataclass
class RunResult:
    """What :func:`run` returns.

    Attributes:
        recipe: the resolved recipe that ran.
        history: the ``History`` returned by ``fit``.
        final: the last epoch's values (``loss``, ``val_loss``, metrics, and
            their ``ema_val_`` counterparts when EMA is on).
        components: the built components; ``components.model`` is trained.
        out: the run folder, or ``None``.
        files: the files written into it.

    Example:
        >>> result = run({"model": "linear", "data": {"name": "sales", "samples": 64},
        ...               "loss": "mse", "train": {"epochs": 2}}, progress=False)
        >>> print(len(result.history), sorted(result.final)[:2])
        2 ['learning_rate', 'loss']
    """

    recipe: Recipe
    history: Any
    final: dict[str, float]
    components: Components | None = None
    out: Path | None = None
    files: list[Path] = field(default_factory=list)


#: ``train`` keys a resumed run may change: train for longer, or on other machines.
_RESUMABLE_CHANGES = (("train", "epochs"), ("train", "strategy"))


def _same_run(saved: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """Keys (``section.key``) where two resolved recipes differ, but for ``_RESUMABLE_CHANGES``."""
    differ = []
    for section in sorted(set(saved) | set(current)):
        a, b = saved.get(section), current.get(section)
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            for key in sorted(set(a) | set(b)):
                if (section, key) not in _RESUMABLE_CHANGES and a.get(key) != b.get(key):
                    differ.append(f"{section}.{key}")
        elif a != b:
            differ.append(section)
    return differ


def last_epoch(history: Any) -> dict[str, float]:
    """The last value of every curve in a ``History`` (or its dict).

    Example:
        >>> last_epoch({"loss": [1.0, 0.5], "val_loss": [1.2, 0.75]})
        {'loss': 0.5, 'val_loss': 0.75}
    """
    curves = getattr(history, "history", history)
    return {
        str(k): float(v[-1])
        for k, v in curves.items()
        if isinstance(v, (list, tuple)) and v and isinstance(v[-1], (int, float))
    }


def _write_history(history: Any, folder: Path) -> list[Path]:
    history.to_json(folder / "history.json")
    history.to_csv(folder / "history.csv")
    return [folder / "history.json", folder / "history.csv"]


def run(
    recipe: Recipe | str | Path | Mapping[str, Any] | None = None,
    *,
    out: str | Path | None = None,
    overrides: Iterable[str] = (),
    progress: bool = True,
    plots: bool = True,
    callbacks: Iterable[Any] = (),
    strategy: Any = None,
) -> RunResult:
    """Trains a recipe with ``tftrain.training.fit``, writing a run folder when ``out`` is given.

    The folder gets ``recipe.toml`` and ``recipe.json`` (the resolved recipe),
    ``history.json`` and ``history.csv``, ``checkpoints/`` and, unless ``plots``
    is false, ``loss.png``, ``learning_rate.png`` and a PNG per metric. Running again on
    the same folder resumes from the last checkpoint (only ``train.epochs`` may
    differ from the saved recipe, to train for longer). A run that stops early
    (Ctrl-C, SIGTERM, an error) still writes ``history.json`` and
    ``history.csv``, with the epochs of its newest checkpoint.

    Args:
        recipe: a :class:`Recipe`, a path or dict for :func:`load`, or ``None``
            for the default recipe.
        out: the run folder, or ``None`` to write nothing.
        overrides: ``KEY=VALUE`` overrides.
        progress: show the progress bar.
        plots: write the PNG plots.
        callbacks: ``tftrain.training.Callback`` instances passed to ``fit``.
        strategy: a ``tf.distribute.Strategy`` or a name of
            ``tftrain.training.STRATEGIES``; default the recipe's
            ``train.strategy``, else the default strategy. The model, optimizer
            and EMA are built in its scope. Under ``"multi_worker"`` every
            worker runs this with the same ``out`` (shared storage across
            hosts); only the chief writes the run folder.

    Returns:
        The :class:`RunResult`.

    Raises:
        RecipeError: a bad recipe or override, or a run folder that holds a
            different recipe.
        FileNotFoundError: no recipe file.

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> recipe = {"model": "linear", "data": {"name": "sales", "samples": 64},
        ...           "loss": "mse", "train": {"epochs": 1}}
        >>> result = run(recipe, out=folder, progress=False)
        >>> print(sorted(p.name for p in result.files))  # doctest: +NORMALIZE_WHITESPACE
        ['history.csv', 'history.json', 'learning_rate.png', 'loss.png', 'recipe.json',
         'recipe.toml']
        >>> print(len(run(recipe, out=folder, overrides=["train.epochs=2"],
        ...               progress=False).history))
        2
    """
    from tftrain import plotting, training

    overrides = list(overrides)
    if recipe is None:
        recipe = default_recipe(overrides=overrides)
    elif isinstance(recipe, Recipe):
        recipe = recipe.with_overrides(overrides) if overrides else recipe
    else:
        recipe = load(recipe, overrides=overrides)
    strategy = strategy if strategy is not None else recipe["train"].get("strategy")
    if strategy is None or isinstance(strategy, str):
        strategy = training.make_strategy(strategy or "default")
    chief = training.cluster_of(strategy).is_chief
    folder = Path(out) if out is not None else None
    files: list[Path] = []
    if folder is not None and chief:
        saved = folder / "recipe.json"
        if saved.is_file():
            differ = _same_run(json.loads(saved.read_text()), recipe.to_dict())
            if differ:
                raise RecipeError(
                    [
                        f"{folder} holds a run of a different recipe (differs in "
                        f"{', '.join(differ)}); resume with the same recipe or use another --out"
                    ],
                    source=recipe.source,
                )
        folder.mkdir(parents=True, exist_ok=True)
        files += [recipe.save(folder / "recipe.toml"), recipe.save(folder / "recipe.json")]
    with strategy.scope():
        parts = recipe.build()
    data = parts.data
    checkpoint_dir = folder / "checkpoints" if folder is not None else None
    try:
        history = training.fit(
            parts.model,
            (data.x_train, data.y_train),
            loss=parts.loss,
            optimizer=parts.optimizer,
            schedule=parts.schedule,
            ema=parts.ema,
            metrics=parts.metrics,
            validation_data=data.validation_data,
            checkpoint_dir=str(checkpoint_dir) if checkpoint_dir is not None else None,
            progress=progress,
            callbacks=list(callbacks),
            strategy=strategy,
            **{k: v for k, v in parts.train.items() if k != "strategy"},
        )
    except BaseException as error:
        # Any stop (Ctrl-C, SIGTERM, an error): the history up to the last saved step.
        if folder is not None and checkpoint_dir is not None and chief:
            try:
                _write_history(training.saved_history(checkpoint_dir), folder)
            except OSError as unwritten:  # a full disk must not hide why the run stopped
                error.add_note(f"history.json and history.csv were not written: {unwritten}")
        raise
    if folder is not None and chief:
        files += _write_history(history, folder)
        if plots:
            files += plotting.plot_history(history, folder)
    return RunResult(recipe, history, last_epoch(history), parts, folder, files)
