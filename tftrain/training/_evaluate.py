"""Validation: the loss and metrics of a dataset, with the raw and with the EMA weights."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from tftrain.training._cluster import distribute_epoch
from tftrain.training._data import Batches, release
from tftrain.training._step import Steps


def evaluate(steps: Steps, batches: Batches, data_seed: int, prefix: str) -> dict[str, float]:
    """``{prefix}loss`` and ``{prefix}<metric>`` over one pass of ``batches``."""
    for metric in steps.val_metrics:
        metric.reset_state()
    iterator = iter(distribute_epoch(steps.strategy, batches, 0, data_seed))
    out = steps.evaluate(iterator, tf.constant(batches.steps, tf.int64))
    release(iterator)
    del iterator
    logs = {f"{prefix}loss": float(out.total) / max(float(out.count), 1.0)}
    for metric in steps.val_metrics:
        logs[f"{prefix}{metric.name}"] = float(metric.result())
    return logs


def validation_logs(steps: Steps, batches: Batches, data_seed: int, ema: Any) -> dict[str, float]:
    """``val_*`` with the training weights and, with an EMA, ``ema_val_*`` with its averages."""
    logs = evaluate(steps, batches, data_seed, "val_")
    if ema is not None:
        with ema.swapped(steps.variables):
            logs.update(evaluate(steps, batches, data_seed, "ema_val_"))
    return logs
