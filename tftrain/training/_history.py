"""What a training run reports: per-epoch logs, as Keras's ``History`` keys them."""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Iterable, Mapping


class History:
    """Per-epoch logs of a run, keyed like Keras's ``History``.

    Keys: ``"loss"`` and each training metric's name, ``"learning_rate"`` (the
    rate the epoch's last step used), ``"val_loss"`` and ``"val_<metric>"`` with
    validation data, and ``"ema_val_loss"`` and ``"ema_val_<metric>"`` (the
    validation metrics with the EMA's averaged weights) when an EMA is given.

    Attributes:
        epochs: one dict per finished epoch, in order (a resumed run includes
            the epochs finished before the interruption).
        history: the same logs as a dict of lists, one entry per epoch.

    Example:
        >>> history = History([{"loss": 0.5, "learning_rate": 0.1},
        ...                    {"loss": 0.25, "learning_rate": 0.05}])
        >>> print(", ".join(f"{v:.2f}" for v in history.history["loss"]))
        0.50, 0.25
        >>> print(history.epochs[-1]["learning_rate"])
        0.05
    """

    def __init__(self, epochs: Iterable[Mapping[str, float]] = ()):
        self.epochs: list[dict[str, float]] = [dict(e) for e in epochs]

    @property
    def history(self) -> dict[str, list[float]]:
        """The logs as ``{key: [value per epoch]}`` (NaN where an epoch lacks a key)."""
        keys: list[str] = []
        for logs in self.epochs:
            keys.extend(k for k in logs if k not in keys)
        return {k: [logs.get(k, math.nan) for logs in self.epochs] for k in keys}

    def append(self, logs: Mapping[str, float]) -> None:
        """Adds one finished epoch's logs."""
        self.epochs.append({k: float(v) for k, v in logs.items()})

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """The epochs as JSON (a list of dicts); written to ``path`` when given.

        Returns:
            The JSON text. Non-finite values are written as ``NaN``/``Infinity``
            (Python's ``json`` dialect), which :meth:`from_json` reads back.
        """
        text = json.dumps(self.epochs)
        if path is not None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        return text

    @classmethod
    def from_json(cls, text: str) -> History:
        """The history that :meth:`to_json` wrote (the text, not a path)."""
        return cls(json.loads(text) if text else [])

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Writes one row per epoch: ``epoch`` (from 0) then every key."""
        history = self.history
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["epoch", *history])
            for i, logs in enumerate(self.epochs):
                writer.writerow([i, *(repr(logs.get(k, math.nan)) for k in history)])

    def __len__(self) -> int:
        return len(self.epochs)

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epochs)}, keys={list(self.history)})"
