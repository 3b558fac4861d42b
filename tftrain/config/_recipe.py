"""Recipes: one TOML / JSON file or dict naming every component of a training run."""

from __future__ import annotations

import copy
import difflib
import importlib
import inspect
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import keras

from tftrain import families
from tftrain._validation import argument_of, is_one_of
from tftrain.config import _toml

#: The sections of a recipe, in the order they are written.
SECTIONS = (
    "imports",
    "description",
    "model",
    "data",
    "optimizer",
    "schedule",
    "loss",
    "ema",
    "train",
    "metrics",
)
#: Sections naming a registered component, and the registry family of each.
NAMED = {
    "model": "model",
    "data": "dataset",
    "optimizer": "optimizer",
    "schedule": "schedule",
    "loss": "loss",
}
REQUIRED = ("model", "data", "loss")
#: Model arguments that :meth:`Recipe.build` takes from the data unless the recipe sets them.
_FROM_DATA = ("input_shape", "output_units")

#: Keys of the ``train`` section: default, and a check returning a problem or None.
TRAIN_DEFAULTS: dict[str, Any] = {"epochs": 10, "batch_size": 32, "seed": 0}
#: fit() arguments that other sections or the command line supply, never ``train``.
_NOT_TRAIN = {
    "model",
    "data",
    "loss",
    "optimizer",
    "schedule",
    "ema",
    "metrics",
    "validation_data",
    "strategy",
    "checkpoint_dir",
    "log_dir",
    "callbacks",
    "progress",
}


class RecipeError(ValueError):
    """A recipe (or an override) has problems; ``problems`` lists them all, each saying where.

    Example:
        >>> error = RecipeError(["train.epochs: must be >= 1; received 0"], source="r.toml")
        >>> print(error)
        r.toml: 1 problem:
          train.epochs: must be >= 1; received 0
    """

    def __init__(self, problems: Iterable[str], *, source: str = "recipe"):
        self.problems = list(problems)
        self.source = source
        count = f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        super().__init__(f"{source}: {count}:\n" + "\n".join(f"  {p}" for p in self.problems))


# ------------------------------------------------------------------- helpers
def _close(word: str, options: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean {match[0]}?" if match else ""


def _family_get(family: str) -> Callable[[Any], Any]:
    """The family's public ``get`` (which may do more than the bare registry)."""
    return families.package(family).get  # type: ignore[no-any-return]


def _plain(value: Any) -> Any:
    """``value`` with tuples as lists and NumPy scalars as Python numbers."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return value.item()
        except (TypeError, ValueError):
            return value
    return value


def _type_problem(where: str, value: Any, default: Any) -> str | None:
    """A problem when ``value``'s type plainly cannot replace ``default``'s."""
    if value is None or default is None or default is inspect.Parameter.empty:
        return None
    if isinstance(default, bool):
        if not isinstance(value, bool):
            return f"{where}: expected true or false; received {value!r}"
    elif isinstance(default, (int, float)) and (
        isinstance(value, bool) or not isinstance(value, (int, float))
    ):
        return f"{where}: expected a number; received {value!r}"
    return None


# ------------------------------------------------------------ section checks
def _check_named(
    section: str, value: Any, problems: list[str]
) -> tuple[dict[str, Any] | None, Any]:
    """Validates a named section; returns its spec dict (or None) and a trial build."""
    family = NAMED[section]
    registry = families.family(family)
    if section == "schedule" and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = {"name": "constant", "value": value}
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, Mapping):
        problems.append(
            f"{section}: expected a table with a `name` key, or a name; received {value!r}"
        )
        return None, None
    spec = dict(value)
    if "name" not in spec:
        known = ", ".join(registry.names())
        problems.append(f"{section}: missing key `name` (the {family} to use; known: {known})")
        return None, None
    try:
        entry = registry.entry(spec["name"])
    except ValueError as error:
        problems.append(f"{section}.name: {error}")
        return None, None
    spec["name"] = entry.name
    params, open_ = registry.parameters(entry.name)
    accepted = {p.name: p for p in params if p.name != "name"}
    kwargs = {k: v for k, v in spec.items() if k != "name"}
    optional_from_data = set(_FROM_DATA) if section == "model" else set()
    found = registry.problems(entry.name, kwargs)
    # A misspelt key stands in for the key it resembles, so that its value is checked too.
    meant = {
        p.closest: kwargs[p.key]
        for p in found
        if p.reason == "unknown" and p.key and p.closest and p.closest not in kwargs
    }
    before = len(problems)
    for problem in found:
        if problem.reason == "unknown":
            close = f"; did you mean {problem.closest}?" if problem.closest else ""
            problems.append(
                f"{section}.{problem.key}: unknown key{close} "
                f"Accepted by {family} {entry.name!r}: {', '.join(accepted) or '(none)'}."
            )
        elif problem.reason == "missing":
            if problem.key not in optional_from_data and problem.key not in meant:
                problems.append(
                    f"{section}: missing key `{problem.key}` (required by {entry.name!r})"
                )
        else:
            problems.append(_at(section, problem.key, problem.message, accepted))
    for key in kwargs:
        if key in accepted:
            mistyped = _type_problem(f"{section}.{key}", spec[key], accepted[key].default)
            if mistyped:
                problems.append(mistyped)
    if len(problems) == before and not any(p.reason == "invalid" for p in found):
        return _trial(section, spec, family, accepted, problems)
    if not any(p.reason == "invalid" for p in found):
        # Still build from the keys that are right, to report bad values at the same time.
        usable = {k: v for k, v in spec.items() if k == "name" or k in accepted or open_}
        candidate = {**meant, **usable}
        if not [p for p in registry.problems(entry.name, candidate) if p.reason == "missing"]:
            _trial(section, candidate, family, accepted, problems)
    return None, None


def _trial(
    section: str, spec: dict[str, Any], family: str, keys: Iterable[str], problems: list[str]
) -> tuple[dict[str, Any] | None, Any]:
    """Builds the component once to surface value errors; returns spec and component."""
    try:
        return spec, _family_get(family)(spec)
    except (ValueError, TypeError, OSError) as error:
        problems.append(_at(section, argument_of(error), str(error).splitlines()[0], keys))
        return None, None


def _at(section: str, key: str | None, message: str, keys: Iterable[str]) -> str:
    """``section.key: message`` when ``key`` is one of ``keys``, else ``section: message``."""
    return f"{section}.{key}: {message}" if key in set(keys) else f"{section}: {message}"


def _resolved_spec(section: str, spec: dict[str, Any], built: Any) -> dict[str, Any]:
    """The section with its defaults filled in (the serialized component where possible)."""
    import tftrain

    if section in ("schedule", "loss", "optimizer"):
        module = {"schedule": tftrain.schedules, "loss": tftrain.losses}.get(
            section, tftrain.optimizers
        )
        try:
            return _plain(module.serialize(built))
        except ValueError:  # a component that cannot say its spec: keep what was given
            return _plain(spec)
    registry = families.family(NAMED[section])
    entry = registry.entry(spec["name"])
    out: dict[str, Any] = {"name": entry.name}
    from_data = _FROM_DATA if section == "model" else ()
    for p in registry.parameters(entry.name)[0]:
        if p.name in spec:
            out[p.name] = spec[p.name]
        elif p.default not in (p.empty, None) and p.name != "name" and p.name not in from_data:
            out[p.name] = p.default
    out.update({k: v for k, v in spec.items() if k not in out})
    return _plain(out)


def _check_ema(value: Any, problems: list[str]) -> dict[str, Any] | None:
    if value is None or value is False:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = {"decay": value}
    if value is True:
        value = {}
    if not isinstance(value, Mapping):
        problems.append(
            f"ema: expected a table like {{decay = 0.99, warmup = true}}, a decay, or false; "
            f"received {value!r}"
        )
        return None
    from tftrain import ema

    spec = dict(value)
    registry = families.family("ema")
    params = {
        p.name: p for p in registry.parameters("exponential_moving_average")[0] if p.name != "name"
    }
    before = len(problems)
    for key in spec:
        if key not in params:
            problems.append(
                f"ema.{key}: unknown key{_close(key, params)} Accepted: {', '.join(params)}."
            )
        else:
            problem = _type_problem(f"ema.{key}", spec[key], params[key].default)
            if problem:
                problems.append(problem)
    if len(problems) > before:
        return None
    try:
        ema.get(spec)
    except (ValueError, TypeError) as error:
        problems.append(_at("ema", argument_of(error), str(error).splitlines()[0], params))
        return None
    out = {k: p.default for k, p in params.items() if p.default not in (p.empty, None)}
    out.update(spec)
    return _plain(out)


def _train_parameters() -> dict[str, Any]:
    """The ``train`` keys and their defaults: ``fit``'s own tuning arguments."""
    from tftrain import training

    keys = {
        p.name: (None if p.default is p.empty else p.default)
        for p in inspect.signature(training.fit).parameters.values()
        if p.name not in _NOT_TRAIN and p.kind is p.KEYWORD_ONLY
    }
    keys.update(TRAIN_DEFAULTS)
    keys["strategy"] = None  # a name (training.STRATEGIES); run() creates the strategy
    return keys


def _train_choices() -> dict[str, tuple[Any, ...]]:
    """``train`` keys that take one of a few values, as ``fit`` accepts them."""
    from tftrain import training

    return {
        "jit_compile": training.JIT_COMPILE_MODES,
        "on_nonfinite": training.NONFINITE_POLICIES,
        "strategy": training.STRATEGIES,
    }


def _check_train(value: Any, problems: list[str]) -> dict[str, Any] | None:
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        problems.append(f"train: expected a table like {{epochs = 10}}; received {value!r}")
        return None
    params = _train_parameters()
    choices_of = _train_choices()
    before = len(problems)
    for key, item in value.items():
        if key not in params:
            problems.append(
                f"train.{key}: unknown key{_close(key, params)} Accepted: {', '.join(params)}."
            )
            continue
        problem = _type_problem(f"train.{key}", item, params[key])
        if problem:
            problems.append(problem)
            continue
        choices = choices_of.get(key)
        if choices is not None and not is_one_of(item, choices):
            accepted = ", ".join(json.dumps(c) for c in choices)
            problems.append(f"train.{key}: expected one of {accepted}; received {item!r}")
            continue
        minimum = {"epochs": 1, "batch_size": 1, "steps_per_execution": 1, "seed": 0}.get(key)
        if minimum is not None and item is not None:
            if isinstance(item, bool) or not isinstance(item, int):
                problems.append(f"train.{key}: expected an integer >= {minimum}; received {item!r}")
            elif item < minimum:
                problems.append(f"train.{key}: must be >= {minimum}; received {item!r}")
    if len(problems) > before:
        return None
    out = {k: v for k, v in params.items() if v is not None}
    out.update(value)
    return _plain(out)


def _check_metrics(value: Any, problems: list[str]) -> list[Any] | None:
    if value is None:
        return []
    if isinstance(value, (str, Mapping)):
        value = [value]
    if not isinstance(value, (list, tuple)):
        problems.append(f"metrics: expected a list of metric names; received {value!r}")
        return None
    before = len(problems)
    for i, metric in enumerate(value):
        try:
            keras.metrics.get(metric)
        except (ValueError, TypeError) as error:
            message = str(error).splitlines()[0]
            problems.append(f"metrics[{i}]: unknown metric {metric!r} ({message})")
    return None if len(problems) > before else _plain(list(value))


# ------------------------------------------------------------------- recipe
@dataclass
class Components:
    """What :meth:`Recipe.build` returns: every component, ready for ``tftrain.training.fit``.

    Attributes:
        model: the Keras model, built for the data's input shape.
        data: the :class:`tftrain.data.Dataset`.
        optimizer: the Keras optimizer.
        schedule: the learning-rate schedule, or ``None`` (the optimizer's own rate).
        loss: the loss.
        ema: the ``ExponentialMovingAverage`` tracker, or ``None``.
        metrics: metric names (as ``fit`` takes them) or Keras metrics.
        train: the ``train`` section: keyword arguments of ``fit``.

    Example:
        >>> parts = load({"model": "linear", "data": "sales", "loss": "mse"}).build()
        >>> print(parts.model.input_shape, parts.model.output_shape, parts.train["epochs"])
        (None, 5) (None, 1) 10
    """

    model: keras.Model
    data: Any
    optimizer: keras.optimizers.Optimizer
    schedule: Any
    loss: Any
    ema: Any
    metrics: list[Any] = field(default_factory=list)
    train: dict[str, Any] = field(default_factory=dict)


class Recipe:
    """A validated recipe: build it, write it, or derive one with overrides.

    Made by :func:`load`, never directly. ``to_dict()`` gives the resolved
    recipe (names canonical, defaults filled in); loading that dict again gives
    an equal recipe.

    Example:
        >>> recipe = load({"model": "linear", "data": "sales", "loss": "mse",
        ...                "schedule": 0.01, "train": {"epochs": 3}})
        >>> print(recipe.to_toml().split("[optimizer]")[0])
        metrics = []
        <BLANKLINE>
        [model]
        name = "linear"
        <BLANKLINE>
        [data]
        name = "sales"
        samples = 1000
        noise = 1.0
        validation_split = 0.2
        standardize = true
        seed = 0
        <BLANKLINE>
        <BLANKLINE>
        >>> print(recipe["schedule"], recipe["train"]["epochs"], recipe["train"]["batch_size"])
        {'name': 'constant', 'value': 0.01} 3 32
        >>> load(recipe.to_dict()) == recipe
        True
    """

    def __init__(self, resolved: dict[str, Any], raw: dict[str, Any], source: str):
        self._resolved = resolved
        self._raw = raw
        self.source = source

    def to_dict(self) -> dict[str, Any]:
        """The resolved recipe as a plain dict (JSON- and TOML-ready; ``None`` for unset)."""
        return copy.deepcopy(self._resolved)

    def to_toml(self) -> str:
        """The resolved recipe as TOML text (unset values left out)."""
        return _toml.dumps(self._resolved)

    def to_json(self) -> str:
        """The resolved recipe as indented JSON text."""
        return json.dumps(self._resolved, indent=2) + "\n"

    def save(self, path: str | Path) -> Path:
        """Writes the resolved recipe to ``path`` (``.toml`` or ``.json``) and returns it."""
        path = Path(path)
        path.write_text(self.to_json() if path.suffix.lower() == ".json" else self.to_toml())
        return path

    def with_overrides(self, overrides: Iterable[str]) -> Recipe:
        """A new recipe with ``KEY=VALUE`` overrides applied, validated as a whole.

        Raises:
            RecipeError: a malformed override, or the problems of the result.
        """
        return load(self._raw, overrides=overrides, name=self.source)

    def __getitem__(self, section: str) -> Any:
        return copy.deepcopy(self._resolved[section])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Recipe) and self._resolved == other._resolved

    def __repr__(self) -> str:
        parts = [
            f"{s}={self._resolved[s]['name']}"
            for s in NAMED
            if isinstance(self._resolved.get(s), dict)
        ]
        return f"Recipe({', '.join(parts)})"

    def build(self) -> Components:
        """Builds every component: data first, then the model sized to it.

        The model is built after seeding Keras with ``train.seed``, so the same
        recipe gives the same initial weights.

        Returns:
            The :class:`Components`.
        """
        import tftrain

        r = self._resolved
        seed = r["train"].get("seed")
        if seed is not None:
            keras.utils.set_random_seed(seed)
        data = tftrain.data.get(r["data"])
        model_spec = dict(r["model"])
        if model_spec.get("input_shape") is None:
            model_spec["input_shape"] = data.input_shape
        if model_spec.get("output_units") is None:
            model_spec["output_units"] = data.output_units
        model = tftrain.models.get(model_spec)
        schedule = tftrain.schedules.get(r["schedule"]) if r.get("schedule") else None
        optimizer = tftrain.optimizers.get(r["optimizer"])
        loss = _family_get("loss")(r["loss"])
        ema_tracker = tftrain.ema.get(r["ema"]) if r.get("ema") else None
        # Names go to fit as they are: it picks e.g. the right "accuracy" for the labels.
        metrics = [m if isinstance(m, str) else keras.metrics.get(m) for m in r["metrics"] or []]
        return Components(model, data, optimizer, schedule, loss, ema_tracker, metrics, r["train"])


# --------------------------------------------------------------------- load
def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such recipe file")
    text = path.read_text()
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise RecipeError([f"invalid JSON: {error}"], source=str(path)) from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise RecipeError([f"invalid TOML: {error}"], source=str(path)) from None
    if not isinstance(data, dict):
        raise RecipeError(["a recipe must be a table of sections"], source=str(path))
    return data


def parse_override(text: str) -> tuple[list[str], Any]:
    """Splits ``"schedule.decay_rate=0.9"`` into a key path and a value.

    The value is read as a TOML value (``0.9``, ``true``, ``[32, 32]``,
    ``{decay = 0.999}``, ``"swish"``); anything that is not one is taken as a
    string, so ``model.activation=swish`` needs no quotes.

    Raises:
        RecipeError: no ``=`` or an empty key.

    Example:
        >>> parse_override("model.hidden_units=[32, 32]")
        (['model', 'hidden_units'], [32, 32])
        >>> parse_override("model.activation=swish")
        (['model', 'activation'], 'swish')
    """
    key, sep, raw = text.partition("=")
    path = [part.strip() for part in key.strip().split(".")]
    if not sep or not all(path):
        raise RecipeError(
            [f"override {text!r}: expected KEY=VALUE, e.g. schedule.decay_rate=0.9"],
            source="--set",
        )
    raw = raw.strip()
    try:
        value = tomllib.loads(f"value = {raw}")["value"]
    except tomllib.TOMLDecodeError:
        value = raw
    return path, value


def apply_overrides(recipe: Mapping[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """A copy of the raw ``recipe`` dict with ``KEY=VALUE`` overrides set.

    A section given as a bare name (``loss = "mse"``) becomes a table so that
    its keys can be set.

    Raises:
        RecipeError: every malformed override at once.

    Example:
        >>> apply_overrides({"loss": "mse", "train": {"epochs": 3}},
        ...                 ["loss.reduction=sum", "train.epochs=5"])
        {'loss': {'name': 'mse', 'reduction': 'sum'}, 'train': {'epochs': 5}}
    """
    out, problems = _apply_overrides(recipe, overrides)
    if problems:
        raise RecipeError(problems, source="--set")
    return out


def _apply_overrides(
    recipe: Mapping[str, Any], overrides: Iterable[str]
) -> tuple[dict[str, Any], list[str]]:
    out = copy.deepcopy(dict(recipe))
    problems: list[str] = []
    for text in overrides:
        try:
            path, value = parse_override(text)
        except RecipeError as error:
            problems += error.problems
            continue
        node: Any = out
        for depth, part in enumerate(path[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif isinstance(child, str) and depth == 0 and part in NAMED:
                child = node[part] = {"name": child}
            elif not isinstance(child, dict):
                where = ".".join(path[: depth + 1])
                problems.append(f"override {text!r}: {where} is {child!r}, not a table")
                break
            node = child
        else:
            node[path[-1]] = value
    return out, problems


def load(
    recipe: str | Path | Mapping[str, Any],
    *,
    overrides: Iterable[str] = (),
    name: str | None = None,
) -> Recipe:
    """Reads and validates a recipe, with overrides, before anything is built.

    Every section is checked: unknown sections and keys (with the closest known
    one), component names (with the registered ones), value types, and values
    (each component is constructed once, so its own argument checks run; the
    data is generated or read). All problems are collected and raised together.

    Args:
        recipe: a ``.toml`` or ``.json`` path, or a dict with the sections
            ``model``, ``data``, ``loss`` (required), ``optimizer`` (default
            Adam), ``schedule``, ``ema``, ``train``, ``metrics``, an optional
            ``description``, and optional ``imports``: modules imported first
            (looked up on ``sys.path``, in the current directory and in the
            recipe's folder), so that the components they register can be named.
            A named section is a table with a ``name`` key and the
            component's arguments, or just the name.
        overrides: ``KEY=VALUE`` strings such as ``"schedule.decay_rate=0.9"``.
        name: how messages refer to the recipe (default: the path, or ``recipe``).

    Returns:
        The :class:`Recipe`.

    Raises:
        FileNotFoundError: no file at the path.
        RecipeError: all problems found, each as ``section.key: what is wrong``.

    Example:
        >>> recipe = load({"model": {"name": "mlp", "hidden_units": [8]},
        ...                "data": {"name": "spirals", "samples_per_class": 20},
        ...                "loss": "mse",
        ...                "schedule": {"name": "exponential_decay", "initial_learning_rate": 0.1,
        ...                             "decay_steps": 10, "decay_rat": 0.5}})
        Traceback (most recent call last):
        ...
        tftrain.config._recipe.RecipeError: recipe: 1 problem:
          schedule.decay_rat: unknown key; did you mean decay_rate? ...
    """
    folder = None
    if isinstance(recipe, Mapping):
        raw = copy.deepcopy(dict(recipe))
        label = name or "recipe"
    else:
        path = Path(recipe)
        raw = _read(path)
        label = name or str(path)
        folder = path.parent
    raw, problems = _apply_overrides(raw, overrides)
    resolved = _validate(raw, problems, folder)
    if problems:
        raise RecipeError(problems, source=label)
    return Recipe(resolved, raw, label)


def _check_imports(value: Any, problems: list[str], folder: Path | None) -> list[str] | None:
    """Imports the modules the recipe names, so the components they register are known.

    A module is looked up on ``sys.path``, then in the current directory and
    the recipe's folder.
    """
    if value is None or value == []:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        problems.append(f"imports: expected a list of module names; received {value!r}")
        return None
    before = len(problems)
    for i, module in enumerate(value):
        try:
            import_module(module, folder)
        except ImportError as error:
            problems.append(f"imports[{i}]: cannot import {module!r} ({error})")
    return None if len(problems) > before else list(value)


def import_module(module: str, folder: str | Path | None = None) -> Any:
    """Imports ``module`` (e.g. one that registers a user's components) and returns it.

    The module is looked up on ``sys.path``, then in the current directory and
    in ``folder`` (a recipe's folder), which are added to ``sys.path`` for that.

    Raises:
        ImportError: no such module, or its import failed.

    Example:
        >>> import_module("json").__name__
        'json'
    """
    for extra in (Path.cwd(), folder):
        if extra is not None and str(Path(extra).resolve()) not in sys.path:
            sys.path.append(str(Path(extra).resolve()))
    return importlib.import_module(module)


def _validate(
    raw: dict[str, Any], problems: list[str], folder: Path | None = None
) -> dict[str, Any]:
    resolved: dict[str, Any] = {"imports": _check_imports(raw.get("imports"), problems, folder)}
    for key in raw:
        if key not in SECTIONS:
            problems.append(
                f"{key}: unknown section{_close(key, SECTIONS)} Sections: {', '.join(SECTIONS)}."
            )
    for section in REQUIRED:
        if raw.get(section) is None:
            known = ", ".join(families.family(NAMED[section]).names())
            problems.append(f"{section}: missing section (one of: {known})")
    description = raw.get("description")
    if description is not None and not isinstance(description, str):
        problems.append(f"description: expected a string; received {description!r}")
    resolved["description"] = description
    raw_optimizer = raw.get("optimizer", "adam")
    if (
        raw.get("schedule") is not None
        and isinstance(raw_optimizer, Mapping)
        and "learning_rate" in raw_optimizer
    ):
        problems.append(
            "optimizer.learning_rate: conflicts with the schedule section; "
            "set the rate in one place"
        )
    for section in NAMED:
        value = raw.get(section, "adam" if section == "optimizer" else None)
        if value is None:
            resolved[section] = None
            continue
        spec, built = _check_named(section, value, problems)
        resolved[section] = _resolved_spec(section, spec, built) if spec is not None else None
    resolved["ema"] = _check_ema(raw.get("ema"), problems)
    resolved["train"] = _check_train(raw.get("train"), problems)
    resolved["metrics"] = _check_metrics(raw.get("metrics"), problems)
    return {key: resolved[key] for key in SECTIONS}
