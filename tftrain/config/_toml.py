"""Writing recipes as TOML (the standard library reads TOML but does not write it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import tomlkit


def _without_none(value: Any) -> Any:
    """``value`` with every ``None`` left out: TOML has no null, and absent means default."""
    if isinstance(value, Mapping):
        return {str(k): _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_without_none(v) for v in value]
    return value


def dumps(document: Mapping[str, Any]) -> str:
    """``document`` as TOML, written by ``tomlkit``; ``None`` values are left out.

    Plain values come first, then one table per dict (nested dicts, such as a
    wrapped schedule, become sub-tables like ``[schedule.schedule]``).

    Example:
        >>> print(dumps({"metrics": ["accuracy"], "train": {"epochs": 2, "seed": None}}))
        metrics = ["accuracy"]
        <BLANKLINE>
        [train]
        epochs = 2
        <BLANKLINE>
    """
    return tomlkit.dumps(_without_none(document))
