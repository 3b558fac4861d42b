"""The ``tftrain`` command: train, compare, check and plot recipes; list the components.

Run ``tftrain --help`` (or ``python -m tftrain --help``). User mistakes (a
missing file, a bad recipe or override) print one ``tftrain: error:`` line per
problem on stderr and exit with status 2, without a traceback; a run stopped by
a non-finite loss, by a lost worker of a multi-worker run or by a checkpoint
that cannot be saved prints one line and exits with status 1; SIGTERM saves a
checkpoint where the run is, prints one line and exits with status 143 (Ctrl-C:
130); ``--traceback`` shows the traceback. TensorFlow's native
start-up and XLA log lines are kept off stderr unless ``--verbose`` is given or
``TF_CPP_MIN_LOG_LEVEL`` is set.
``--help`` and ``--version`` answer without importing TensorFlow.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tftrain import __version__
from tftrain._native_logs import native_logs_hidden
from tftrain.families import PACKAGES, plural

#: ``tftrain list`` families: the word a user types -> the registry's family noun.
FAMILIES = {plural(noun): noun for noun in PACKAGES if noun != "ema"}
_ALIASES = {**{noun: plural(noun) for noun in FAMILIES.values()}, "data": "datasets"}


class UsageError(Exception):
    """A mistake in how the command was called; printed as one line."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tftrain",
        description="Train, check and plot tftrain recipes; list the registered components.",
    )
    parser.add_argument(
        "--traceback", action="store_true", help="show the full traceback on errors"
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="show TensorFlow's native log lines (also shown when TF_CPP_MIN_LOG_LEVEL is set)",
    )
    parser.add_argument("--version", action="version", version=f"tftrain {__version__}")
    parser.add_argument(
        "--import",
        dest="imports",
        action="append",
        default=[],
        metavar="MODULE",
        help="import MODULE first (repeatable), e.g. one that registers your own components; "
        "looked up on the Python path and in the current directory",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, summary, add_arguments in (
        ("train", "train a recipe (default: the built-in one) into a run folder", _train_arguments),
        (
            "launch",
            "run `tftrain train --strategy multi_worker` as N local workers (loopback ports)",
            _launch_arguments,
        ),
        (
            "compare",
            "train every combination of varied keys over seeds; tables and plots with CIs",
            _compare_arguments,
        ),
        ("check", "validate a recipe and print it resolved", _check_arguments),
        ("list", "registered names, one line each", _list_arguments),
        ("plot", "PNG plots of schedules, activations, histories", _plot_arguments),
    ):
        add_arguments(commands.add_parser(name, help=summary))
    return parser


def _train_arguments(train: argparse.ArgumentParser) -> None:
    train.add_argument("recipe", nargs="?", help="a .toml or .json recipe (default: built-in)")
    _add_set(train)
    train.add_argument(
        "--out", help="the run folder (default: runs/RECIPE_NAME); run again to resume"
    )
    train.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    train.add_argument("--no-plots", action="store_true", help="do not write PNG plots")
    train.add_argument(
        "--strategy",
        choices=("default", "mirrored", "multi_worker"),
        help="the tf.distribute strategy (default: the recipe's train.strategy, else none); "
        "multi_worker reads the cluster from TF_CONFIG",
    )
    train.add_argument(
        "--join-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="multi_worker: how long to wait for every worker to join (default 60)",
    )


def _launch_arguments(launch: argparse.ArgumentParser) -> None:
    launch.add_argument("--workers", type=int, required=True, help="the number of workers")
    launch.add_argument(
        "--logs", help="where the other workers' logs go (default: a temporary folder)"
    )
    launch.add_argument("recipe", nargs="?", help="a .toml or .json recipe (default: built-in)")
    launch.add_argument(
        "train_args",
        nargs=argparse.REMAINDER,
        metavar="...",
        help="`tftrain train` options for every worker (--out, --set, --no-plots, ...)",
    )


def _compare_arguments(compare: argparse.ArgumentParser) -> None:
    compare.add_argument("recipe", nargs="?", help="a .toml or .json recipe (default: built-in)")
    compare.add_argument(
        "--vary",
        action="append",
        default=[],
        required=True,
        metavar="KEY=V1,V2,...",
        help="a recipe key and its values, e.g. --vary model.activation=relu,swish (repeatable; "
        "every combination runs; the first is the baseline)",
    )
    compare.add_argument(
        "--seeds", default="5", help="a count (5: seeds 0-4) or a list (0,3,7); default 5"
    )
    _add_set(compare)
    compare.add_argument(
        "--out",
        help="the comparison folder (default: comparisons/RECIPE_NAME); run again to resume",
    )
    compare.add_argument(
        "--jobs", type=int, default=1, help="runs at a time, in separate processes (default 1)"
    )
    compare.add_argument(
        "--metric",
        dest="metrics",
        action="append",
        metavar="NAME",
        help="a final metric to report, e.g. val_accuracy (repeatable; default: all)",
    )
    compare.add_argument("--no-plots", action="store_true", help="do not write PNG plots")


def _check_arguments(check: argparse.ArgumentParser) -> None:
    check.add_argument("recipe", nargs="?", help="a .toml or .json recipe (default: built-in)")
    _add_set(check)
    check.add_argument("--format", choices=("toml", "json"), default="toml")


def _list_arguments(listing: argparse.ArgumentParser) -> None:
    listing.add_argument("family", nargs="?", help=f"one of {', '.join(FAMILIES)} (default: all)")


def _plot_arguments(plot: argparse.ArgumentParser) -> None:
    kinds = plot.add_subparsers(dest="kind", required=True, metavar="KIND")
    schedule = kinds.add_parser("schedule", help="a learning-rate schedule over steps")
    schedule.add_argument(
        "spec",
        help="a recipe file (its schedule), a schedule name, or an inline TOML/JSON table "
        "such as '{name=\"cosine_decay\", initial_learning_rate=0.1, decay_steps=100}'",
    )
    schedule.add_argument("--steps", type=int, required=True, help="number of steps to plot")
    _add_set(schedule)
    schedule.add_argument("--out", default="schedule.png", help="the PNG file to write")
    activation = kinds.add_parser("activations", help="activations and their derivatives")
    activation.add_argument("names", nargs="+", help="activation names or inline tables")
    activation.add_argument(
        "--range",
        nargs=2,
        type=float,
        default=(-4.0, 4.0),
        metavar=("LOW", "HIGH"),
        help="the inputs shown",
    )
    activation.add_argument("--out", default="activations.png", help="the PNG file to write")
    history = kinds.add_parser("history", help="the curves of a run folder")
    history.add_argument("run_dir", help="a run folder written by `tftrain train`")
    history.add_argument("--out", help="where to write the PNGs (default: the run folder)")


def _add_set(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a recipe key, e.g. --set schedule.decay_rate=0.9 (repeatable)",
    )


# ------------------------------------------------------------------ commands
def _recipe(path: str | None, overrides: list[str]) -> Any:
    from tftrain import config

    if path is None:
        return config.default_recipe(overrides=overrides)
    return config.load(path, overrides=overrides)


def _train(args: argparse.Namespace) -> int:
    from tftrain import config

    # A multi-worker strategy must exist before any other TensorFlow op of the program.
    strategy = _strategy(args.strategy, args.join_timeout) if args.strategy else None
    recipe = _recipe(args.recipe, args.overrides)
    if strategy is None and recipe["train"].get("strategy"):
        strategy = _strategy(recipe["train"]["strategy"], args.join_timeout)
    out = (
        Path(args.out)
        if args.out
        else Path("runs") / (Path(args.recipe).stem if args.recipe else "default")
    )
    print(f"tftrain: training {recipe!r} into {out}/", flush=True)
    result = config.run(
        recipe,
        out=out,
        progress=not args.no_progress,
        plots=not args.no_plots,
        strategy=strategy,
    )
    print(_final_table(result.final))
    if result.files:
        print(f"tftrain: wrote {', '.join(sorted({p.name for p in result.files}))} in {out}/")
    return 0


def _strategy(name: str, join_timeout: float) -> Any:
    from tftrain import training

    return training.make_strategy(name, join_timeout=join_timeout)


def _launch(args: argparse.Namespace) -> int:
    from tftrain import launch

    if args.workers < 1:
        raise UsageError(f"--workers must be >= 1; received {args.workers}")
    rest = list(args.train_args)
    if "--strategy" in rest:
        raise UsageError("tftrain launch sets --strategy multi_worker itself; drop --strategy")
    command = [*launch.worker_command(args.recipe, rest)]
    imports = [part for module in args.imports for part in ("--import", module)]
    command[3:3] = imports  # global options go before the `train` command
    return launch.launch(command, args.workers, log_dir=args.logs)


def _final_table(final: dict[str, float]) -> str:
    """Final metrics: one row per quantity, raw and EMA columns side by side."""
    raw = {k: v for k, v in final.items() if not k.startswith("ema_")}
    lines = ["final metrics:"]
    width = max((len(k) for k in raw), default=10)
    has_ema = any(k.startswith("ema_") for k in final)
    header = f"  {'':{width}}  {'raw':>12}" + (f"  {'ema':>12}" if has_ema else "")
    lines.append(header)
    for key, value in raw.items():
        row = f"  {key:{width}}  {value:12.6g}"
        if has_ema:
            ema = final.get(f"ema_{key}")
            row += f"  {ema:12.6g}" if ema is not None else f"  {'':>12}"
        lines.append(row)
    return "\n".join(lines)


def _compare(args: argparse.Namespace) -> int:
    from tftrain import compare, plotting

    name = Path(args.recipe).stem if args.recipe else "default"
    plan = compare.Comparison(
        args.recipe,
        Path(args.out) if args.out else Path("comparisons") / name,
        [compare.Variation.parse(text) for text in args.vary],
        compare.parse_seeds(args.seeds),
        list(args.overrides),
    )
    print(f"tftrain: comparing {len(plan.combinations())} combinations x {len(plan.seeds)} "
          f"seeds into {plan.out}/", flush=True)  # fmt: skip
    outcomes = compare.run_comparison(
        plan, jobs=args.jobs, log=lambda line: print(f"tftrain: {line}", flush=True)
    )
    report = compare.collect(plan, metrics=args.metrics)
    files = report.write(plan.out)
    if not args.no_plots and plotting.matplotlib_available() and report.runs:
        files += plotting.plot_comparison(report, plan.out)
    print(report.to_markdown())
    print(f"tftrain: wrote {', '.join(p.name for p in files)} in {plan.out}/")
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        print(f"tftrain: error: {len(failed)} runs failed (non-finite loss); see above",
              file=sys.stderr)  # fmt: skip
        return 1
    return 0


def _check(args: argparse.Namespace) -> int:
    recipe = _recipe(args.recipe, args.overrides)
    sys.stdout.write(recipe.to_json() if args.format == "json" else recipe.to_toml())
    print(f"# {recipe.source}: OK", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace) -> int:
    import tftrain
    from tftrain import families

    tftrain._import_subpackages()  # every family registers itself on import

    if args.family is None:
        chosen = list(FAMILIES)
    else:
        word = args.family.lower()
        word = _ALIASES.get(word, word)
        if word not in FAMILIES:
            raise UsageError(f"unknown family {args.family!r}; choose one of {', '.join(FAMILIES)}")
        chosen = [word]
    for word in chosen:
        registry = families.family(FAMILIES[word])
        print(f"{word}:")
        aliases: dict[str, list[str]] = {}
        for alias, name in registry.aliases().items():
            aliases.setdefault(name, []).append(alias)
        described = registry.describe()
        labels = {
            n: n + (f" ({', '.join(sorted(aliases[n]))})" if n in aliases else "")
            for n in described
        }
        width = max((len(label) for label in labels.values()), default=0)
        for name, description in described.items():
            print(f"  {labels[name]:{width}}  {_plain_text(description)}")
    return 0


def _plain_text(text: str) -> str:
    """A docstring line without reStructuredText markup.

    Example:
        >>> _plain_text("A rate :math:`y = a x` with ``alpha``.")
        'A rate y = a x with alpha.'
    """
    text = re.sub(r":\w+:`([^`]*)`", r"\1", text)
    return text.replace("``", "")


def _inline(text: str) -> Any:
    """A name, or an inline TOML table / JSON object, as a spec."""
    import tomllib

    text = text.strip()
    if text.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass
        try:
            return tomllib.loads(f"spec = {text}")["spec"]
        except tomllib.TOMLDecodeError as error:
            raise UsageError(f"cannot read {text!r} as a TOML or JSON table: {error}") from None
    return text


def _plot(args: argparse.Namespace) -> int:
    from tftrain import plotting

    if args.kind == "schedule":
        if Path(args.spec).suffix.lower() in (".toml", ".json") or Path(args.spec).is_file():
            recipe = _recipe(args.spec, args.overrides)
            spec = recipe["schedule"]
            if spec is None:
                raise UsageError(f"{args.spec}: the recipe has no schedule section")
        else:
            spec = _inline(args.spec)
        path = plotting.plot_schedule(spec, args.steps, args.out)
    elif args.kind == "activations":
        path = plotting.plot_activations(
            [_inline(n) for n in args.names], args.out, x_range=tuple(args.range)
        )
    else:
        run_dir = Path(args.run_dir)
        paths = plotting.plot_history(run_dir, args.out or run_dir)
        print("\n".join(str(p) for p in paths))
        return 0
    print(path)
    return 0


# ---------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    """Runs the ``tftrain`` command with ``argv`` (default: ``sys.argv[1:]``); returns the status.

    Example:
        >>> main(["list", "models"])
        models:
          cnn     A small convolutional network: conv-pool blocks, then dense layers.
          linear  A linear model: one dense layer, y = W x + b, then output_activation.
          mlp     A multi-layer perceptron: dense layers with an activation between them.
        0
    """
    args = _parser().parse_args(argv)
    quiet = not args.verbose and "TF_CPP_MIN_LOG_LEVEL" not in os.environ
    with native_logs_hidden() if quiet else contextlib.nullcontext():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    commands = {
        "train": _train,
        "launch": _launch,
        "compare": _compare,
        "check": _check,
        "list": _list,
        "plot": _plot,
    }
    from tftrain import config
    from tftrain.config import RecipeError
    from tftrain.training import CheckpointSaveError, TrainingInterrupted, WorkerLostError

    try:
        for module in args.imports:
            config.import_module(module)
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return commands[args.command](args)
    except RecipeError as error:
        if args.traceback:
            raise
        for problem in error.problems:
            print(f"tftrain: error: {error.source}: {problem}", file=sys.stderr)
        return 2
    except (UsageError, OSError, ValueError, TypeError, ImportError) as error:
        if args.traceback:
            raise
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"tftrain: error: {message}", file=sys.stderr)
        return 2
    except WorkerLostError as error:  # a peer of a multi-worker run is gone: restart the job
        if args.traceback:
            raise
        print(f"tftrain: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    except TrainingInterrupted as error:  # SIGTERM: saved where it stopped
        print(f"tftrain: {error}; run the same command again to resume", file=sys.stderr)
        return error.exit_code
    except CheckpointSaveError as error:  # a full disk or a broken folder: earlier ones intact
        if args.traceback:
            raise
        print(f"tftrain: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    except FloatingPointError as error:  # a non-finite loss: the run stopped, resumable
        if args.traceback:
            raise
        print(f"tftrain: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("tftrain: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Shows tftrain's own warnings as one ``tftrain: warning:`` line; others as usual."""
    from tftrain.training import DamagedCheckpointWarning

    if issubclass(category, DamagedCheckpointWarning):
        print(f"tftrain: warning: {' '.join(str(message).split())}", file=sys.stderr)
    else:
        _SHOW_WARNING(message, category, filename, lineno, file, line)


_SHOW_WARNING = warnings.showwarning


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
