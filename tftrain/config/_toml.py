"""Writing recipes as TOML (the standard library reads TOML but does not write it)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        items = [f"{_key(str(k))} = {_value(v)}" for k, v in value.items() if v is not None]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"Cannot write {value!r} (of type {type(value).__name__}) as TOML.")


def dumps(document: Mapping[str, Any]) -> str:
    """``document`` as TOML: plain values first, then one table per dict; ``None`` is left out.

    Example:
        >>> print(dumps({"metrics": ["accuracy"], "train": {"epochs": 2, "seed": None}}))
        metrics = ["accuracy"]
        <BLANKLINE>
        [train]
        epochs = 2
        <BLANKLINE>
    """
    lines = [
        f"{_key(k)} = {_value(v)}"
        for k, v in document.items()
        if v is not None and not _is_table(v)
    ]
    for key, table in document.items():
        if _is_table(table):
            lines += ["", f"[{_key(key)}]"]
            lines += [f"{_key(str(k))} = {_value(v)}" for k, v in table.items() if v is not None]
    return "\n".join(lines).lstrip("\n") + "\n"


def _is_table(value: Any) -> bool:
    return isinstance(value, Mapping)
