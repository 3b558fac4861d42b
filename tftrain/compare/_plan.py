"""What a comparison runs: every combination of the varied recipe keys, for each seed."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tftrain._validation import check_integer
from tftrain.config import RecipeError, parse_override


def _split_values(text: str) -> list[str]:
    """Splits ``a,[1, 2],"x,y"`` at the commas outside brackets, braces and quotes."""
    values, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            values.append(text[start:i].strip())
            start = i + 1
    values.append(text[start:].strip())
    return values


@dataclass(frozen=True)
class Variation:
    """One varied recipe key and its values, each a ``KEY=VALUE`` override.

    Example:
        >>> v = Variation.parse("model.hidden_units=[8],[16, 16]")
        >>> print(v.key, v.overrides)
        model.hidden_units ('model.hidden_units=[8]', 'model.hidden_units=[16, 16]')
    """

    key: str
    values: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Variation:
        """``KEY=V1,V2,...`` (values as in ``--set``; commas inside ``[]``, ``{}``, quotes kept).

        Raises:
            RecipeError: no ``=``, an empty key, an empty or repeated value.
        """
        path, _ = parse_override(text)
        key = ".".join(path)
        values = _split_values(text.partition("=")[2])
        problems = []
        if any(not v for v in values):
            problems.append(f"--vary {text!r}: an empty value; expected KEY=V1,V2,...")
        if len(set(values)) != len(values):
            problems.append(f"--vary {text!r}: a value is given twice")
        if problems:
            raise RecipeError(problems, source="--vary")
        return cls(key, tuple(values))

    @property
    def overrides(self) -> tuple[str, ...]:
        """One ``KEY=VALUE`` override per value."""
        return tuple(f"{self.key}={v}" for v in self.values)


def parse_seeds(text: str | int | Sequence[int]) -> list[int]:
    """Seeds from ``5`` (seeds 0 to 4) or ``"0,3,7"`` (those seeds).

    Raises:
        ValueError: a count ``< 1``, a seed ``< 0``, a repeated seed.

    Example:
        >>> parse_seeds("3"), parse_seeds("4,2"), parse_seeds(2)
        ([0, 1, 2], [4, 2], [0, 1])
    """
    if isinstance(text, str):
        try:
            seeds = [int(p) for p in text.split(",") if p.strip()]
        except ValueError:
            raise ValueError(
                f"Argument `seeds` must be a count (5) or a list of seeds (0,3,7). "
                f"Received: seeds={text!r}"
            ) from None
        if "," not in text and seeds:
            return parse_seeds(seeds[0])
    elif isinstance(text, int):
        return list(range(check_integer("seeds", text, minimum=1)))
    else:
        seeds = list(text)
    for seed in seeds:
        check_integer("seed", seed, minimum=0)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(
            f"Argument `seeds` must list at least one seed, each once. Received: seeds={text!r}"
        )
    return seeds


def _slug(overrides: Iterable[str]) -> str:
    """A folder name for a combination: its overrides, joined, in safe characters."""
    text = "+".join(overrides) or "recipe"
    return re.sub(r"[^A-Za-z0-9._=+-]+", "_", text)


@dataclass(frozen=True)
class Trial:
    """One training run of a comparison: a combination with one seed, in its run folder."""

    combination: str
    overrides: tuple[str, ...]
    seed: int
    folder: Path


@dataclass
class Comparison:
    """A recipe, fixed overrides, varied keys and seeds: the plan of ``tftrain compare``.

    The combinations are the product of the variations' values, in the
    order given; the first one is the baseline of the paired comparison.
    Each seed sets ``train.seed`` (initial weights and batch order); the data
    split stays the recipe's, so a seed gives every combination the same
    start and the same batches.

    Attributes:
        recipe: a recipe path, or ``None`` for the default recipe.
        out: the comparison folder; run folders are ``out/COMBINATION/seed-N``.
        variations: the varied keys.
        seeds: the seeds.
        overrides: ``KEY=VALUE`` overrides applied to every run.

    Example:
        >>> plan = Comparison(None, Path("cmp"),
        ...     [Variation.parse("model.activation=relu,swish")], seeds=[0, 1])
        >>> print(plan.combinations())
        ['model.activation=relu', 'model.activation=swish']
        >>> print(plan.trials()[1].folder.as_posix())
        cmp/model.activation=swish/seed-0
    """

    recipe: str | None
    out: Path
    variations: list[Variation]
    seeds: list[int]
    overrides: list[str] = field(default_factory=list)

    def _products(self) -> list[tuple[str, ...]]:
        return list(itertools.product(*(v.overrides for v in self.variations)))

    def combinations(self) -> list[str]:
        """The combinations' labels (their overrides joined by ``, ``), baseline first."""
        return [", ".join(p) or "recipe" for p in self._products()]

    def trials(self) -> list[Trial]:
        """Every run, seed by seed, so that a slow machine spell hits all combinations alike."""
        products = self._products()
        return [
            Trial(", ".join(p) or "recipe", p, seed, self.out / _slug(p) / f"seed-{seed}")
            for seed in self.seeds
            for p in products
        ]

    def run_overrides(self, trial: Trial) -> list[str]:
        """The overrides a trial's run uses: the fixed ones, its combination's, its seed."""
        return [*self.overrides, *trial.overrides, f"train.seed={trial.seed}"]

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data (written as ``comparison.json``)."""
        return {
            "recipe": self.recipe,
            "overrides": list(self.overrides),
            "vary": {v.key: list(v.values) for v in self.variations},
            "seeds": list(self.seeds),
            "combinations": self.combinations(),
        }
