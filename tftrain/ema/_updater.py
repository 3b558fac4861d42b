"""How shadows are updated: the performance paths behind ``ExponentialMovingAverage.apply``.

Four paths compute the same update ``shadow -= (shadow - value) * (1 - decay)``:

- op by op, for small updates and inside any graph the caller builds;
- per-CPU XLA programs (:func:`parallel_fused_update`), for large updates in a graph;
- the same programs in a cached graph that captures the variables, for large eager updates;
- ``strategy.extended.update`` per shadow, under a ``tf.distribute`` strategy.

``benchmarks/ema.py`` measures them against a Keras optimizer step.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import Any

import tensorflow as tf

#: Below this many elements in one ``apply`` the shadows are updated op by op;
#: from it on, in XLA programs (one pass over memory, worth their compile time;
#: the threshold is chosen with ``benchmarks/ema.py``).
FUSED_UPDATE_MIN_ELEMENTS = 1 << 16


def update_one(shadow: tf.Variable, value: Any, one_minus_decay: tf.Tensor) -> Any:
    """``shadow -= (shadow - value) * (1 - decay)``: TensorFlow's own update, one variable."""
    value = tf.cast(value, shadow.dtype)
    return shadow.assign_sub((shadow - value) * tf.cast(one_minus_decay, shadow.dtype))


@tf.function(jit_compile=True, autograph=False)
def fused_update(shadows: list[tf.Variable], values: list[tf.Variable], one_minus_decay: Any):
    """Shadows updated in one XLA program: one pass over each shadow and variable."""
    for shadow, value in zip(shadows, values, strict=True):
        update_one(shadow, value, one_minus_decay)


def cpu_count() -> int:
    """The CPUs this process may run on (TensorFlow's inter-op pool size by default)."""
    threads = tf.config.threading.get_inter_op_parallelism_threads()
    if threads > 0:
        return threads
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def balanced_groups(sizes: list[int], groups: int) -> list[list[int]]:
    """Indices into ``sizes`` split into at most ``groups`` lists of near-equal total size.

    Largest first, each into the lightest group so far; each group keeps the
    original order. Deterministic, so the same variables give the same groups
    (and the same traces) on every call.
    """
    loads = [0] * max(1, min(groups, len(sizes)))
    members: list[list[int]] = [[] for _ in loads]
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        lightest = loads.index(min(loads))
        members[lightest].append(i)
        loads[lightest] += sizes[i]
    return [sorted(m) for m in members if m]


def parallel_fused_update(
    shadows: list[tf.Variable], values: list[tf.Variable], one_minus_decay: Any
) -> None:
    """One XLA program per CPU, each over a share of the shadows of near-equal size.

    XLA's CPU code runs a program's small element-wise loops on one thread;
    independent programs run side by side on TensorFlow's inter-op threads,
    which is why the shadows are split per CPU (``benchmarks/ema.py`` compares
    one program with one per CPU). Called while building a graph (eager
    applies go through :meth:`ShadowUpdater.eager_update`).
    """
    sizes = [s.shape.num_elements() or 0 for s in shadows]
    for group in balanced_groups(sizes, cpu_count()):
        fused_update([shadows[i] for i in group], [values[i] for i in group], one_minus_decay)


class ShadowUpdater:
    """Applies one update to a list of shadows by the path that suits where it runs.

    Holds the cached eager graphs (Python bookkeeping, never checkpointed).
    """

    def __init__(self) -> None:
        # shadow ids -> a tf.Function that updates those shadows, for eager applies
        self.eager_updates: dict[tuple[int, ...], Any] = {}

    def update(
        self,
        strategy: tf.distribute.Strategy,
        shadows: Sequence[tf.Variable],
        values: Sequence[tf.Variable],
        one_minus_decay: Any,
    ) -> None:
        """Moves each shadow towards its value by ``one_minus_decay``; cross-replica context."""
        if tf.distribute.has_strategy():
            for shadow, value in zip(shadows, values, strict=True):
                strategy.extended.update(
                    shadow, update_one, args=(value, one_minus_decay), group=True
                )
            return
        size = sum(s.shape.num_elements() or 0 for s in shadows)
        if shadows and size >= FUSED_UPDATE_MIN_ELEMENTS:
            if tf.executing_eagerly():
                self.eager_update(list(shadows), list(values))(one_minus_decay)
            else:
                parallel_fused_update(list(shadows), list(values), one_minus_decay)
        else:
            for shadow, value in zip(shadows, values, strict=True):
                update_one(shadow, value, one_minus_decay)

    def eager_update(self, shadows: list[tf.Variable], values: list[tf.Variable]) -> Any:
        """:func:`parallel_fused_update` of these shadows as a graph, for an eager ``apply``.

        A graph, so that the XLA programs run side by side. The function
        captures the variables instead of taking them as arguments: matching
        thousands of variable arguments to a trace on every call would cost
        more than the update itself (``benchmarks/ema.py``, eager rounds). It
        is only ever called eagerly: a ``tf.function`` first traced eagerly and
        later called inside another function's graph would reuse the eager
        trace's variables.
        """
        key = tuple(id(s) for s in shadows)  # the tracker keeps its shadows alive
        update = self.eager_updates.get(key)
        if update is None:
            update = tf.function(
                functools.partial(parallel_fused_update, shadows, values), autograph=False
            )
            self.eager_updates[key] = update
        return update
