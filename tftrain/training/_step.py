"""Building the step: the traced multi-step train and evaluation functions of one run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import keras
import tensorflow as tf

from tftrain import losses as loss_family
from tftrain._compat import (
    is_default_strategy,
    learning_rate_source,
    loss_mask,
    strategy_supports_no_merge_call,
)


class PerExample(NamedTuple):
    """A batch's per-example losses and how many examples the loss counts."""

    losses: tf.Tensor  # float32, shape (B,)
    count: tf.Tensor  # float32 scalar: B, or fewer where the loss masked some out


def per_example(loss_fn: Callable[[Any, Any], Any], y: Any, y_pred: Any) -> PerExample:
    """Per-example float32 losses; trailing axes of a per-element loss are averaged.

    A loss that marks some of its values as not counting (Keras's mask, as
    ``ignore_class`` sets it) has them left out of the count, so the mean
    over the global batch is over the counted values only, as in Keras. Each
    example counts as the share of its values that count (a segmentation map
    with half its pixels ignored counts one half), which makes the mean the
    one over all counted values of the global batch.
    """
    y_pred = tf.nest.map_structure(
        lambda p: tf.cast(p, tf.float32) if p.dtype.is_floating else p, y_pred
    )
    raw = loss_fn(y, y_pred)
    mask = loss_mask(raw)
    values = tf.cast(raw, tf.float32)
    axes = list(range(1, values.shape.rank or 1))
    if axes:
        values = tf.reduce_mean(values, axis=axes)
    if mask is None:
        return PerExample(values, tf.cast(tf.shape(values)[0], tf.float32))
    counted = tf.cast(tf.broadcast_to(mask, tf.shape(raw)), tf.float32)
    if axes:
        counted = tf.reduce_mean(counted, axis=axes)
    return PerExample(values, tf.reduce_sum(counted))


def weighted_sum(losses: tf.Tensor, rest: Sequence[Any]) -> tf.Tensor:
    """:math:`\\sum_i w_i \\ell_i` (sample weights of shape ``()``, ``(B,)`` or ``(B, 1)``)."""
    if not rest:
        return tf.reduce_sum(losses)
    return loss_family.reduce_over_global_batch(losses, rest[0], global_batch_size=1)


def last_rate(optimizer: keras.optimizers.Optimizer) -> tf.Tensor:
    """The learning rate the optimizer's latest step used (read once per execution)."""
    rate = learning_rate_source(optimizer)
    if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule):
        return tf.cast(rate(tf.maximum(optimizer.iterations - 1, 0)), tf.float32)
    return tf.cast(rate() if callable(rate) else rate, tf.float32)


def updates(
    optimizer: keras.optimizers.Optimizer, ema: Any, variables: Sequence[Any]
) -> Callable[[Sequence[tf.Tensor]], None]:
    """``update(gradients)``: the optimizer's step, then the EMA's, on ``variables``."""

    def update(gradients: Sequence[tf.Tensor]) -> None:
        optimizer.apply_gradients(zip(gradients, variables, strict=True))
        if ema is not None:
            ema.apply(variables, step=optimizer.iterations)

    return update


def compiled_if(update: Callable[[Sequence[tf.Tensor]], None]) -> Any:
    """``update`` as one XLA program ``(condition, gradients)`` that applies it if ``condition``.

    The branch is inside the program: a graph ``tf.cond`` around the program
    would make it wait for every gradient (``benchmarks/training_loop.py``
    measures the step).
    """

    def apply_if(condition: tf.Tensor, gradients: Sequence[tf.Tensor]) -> None:
        tf.cond(condition, lambda: update(gradients), lambda: None)

    return tf.function(apply_if, jit_compile=True, autograph=False)


def updates_compile(
    optimizer: keras.optimizers.Optimizer, ema: Any, variables: Sequence[Any]
) -> bool:
    """Whether the optimizer's and the EMA's updates of ``variables`` lower to XLA.

    Traces them on zero gradients and lowers the graph to HLO, which fails on
    an op XLA lacks (e.g. a ``tf.py_function`` in a custom optimizer); nothing
    runs and no state changes. Updates that assert something are not compiled
    either: XLA would drop the assertion, and a check the user relies on would
    silently stop raising.
    """
    probe = compiled_if(updates(optimizer, ema, variables))
    args = (tf.constant(True), [tf.zeros(v.shape, v.dtype) for v in variables])
    try:
        if CHECKS & op_types(probe.get_concrete_function(*args).graph):
            return False
        probe.experimental_get_compiler_ir(*args)(stage="hlo")
    except (tf.errors.OpError, NotImplementedError, TypeError, ValueError):
        return False
    return True


#: Ops that raise on bad values in TensorFlow and that XLA compiles to nothing.
CHECKS = frozenset({"Assert", "CheckNumerics", "CheckNumericsV2"})


def op_types(graph: tf.Graph) -> set[str]:
    """The types of every op in ``graph``, including those inside its branches and loops."""
    definition = graph.as_graph_def()
    types = {node.op for node in definition.node}
    for function in definition.library.function:
        types.update(node.op for node in function.node_def)
    return types


def jit_mode(
    jit_compile: bool | str,
    strategy: tf.distribute.Strategy,
    optimizer: keras.optimizers.Optimizer,
    ema: Any,
    variables: Sequence[Any],
) -> str:
    """What XLA compiles: ``"step"`` (all of it), ``"updates"`` or ``"off"``."""
    if jit_compile is True:
        return "step"
    # Under any strategy but the default one (even with one replica), the optimizer's update
    # all-reduces through merge_call, which a compiled nested function cannot contain.
    if jit_compile is False or not is_default_strategy(strategy):
        return "off"
    return "updates" if updates_compile(optimizer, ema, variables) else "off"


def apply_if(condition: tf.Tensor, update: Callable[..., None], args: tuple[Any, ...]) -> None:
    """``update(*args)`` when ``condition`` (the same on every replica), from a replica context.

    A strategy that synchronizes through ``merge_call`` (``MirroredStrategy``)
    cannot branch around ``optimizer.apply_gradients`` inside a replica, so the
    branch is taken in the cross-replica context and each replica's update is
    run from there, as Keras's ``LossScaleOptimizer`` does.
    """
    if strategy_supports_no_merge_call():
        tf.cond(condition, lambda: update(*args), lambda: None)
        return

    def cross_replica(distribution, condition, args):
        condition = distribution.experimental_local_results(condition)[0]
        tf.cond(
            condition,
            lambda: distribution.extended.call_for_each_replica(update, args=args),
            lambda: None,
        )

    tf.distribute.get_replica_context().merge_call(cross_replica, args=(condition, args))


class TrainOutput(NamedTuple):
    """What one call of :attr:`Steps.train` ran (scalar tensors)."""

    total: tf.Tensor  # sum of the finite steps' global-batch losses times their sizes
    count: tf.Tensor  # examples in the finite steps
    done: tf.Tensor  # steps run
    bad: tf.Tensor  # index of the non-finite step that stopped the call, else -1
    bad_loss: tf.Tensor  # its loss
    skipped: tf.Tensor  # non-finite steps skipped (``on_nonfinite="skip"``)
    learning_rate: tf.Tensor  # the rate of the latest step
    iterations: tf.Tensor  # the optimizer's step count after the call


class EvalOutput(NamedTuple):
    """What one call of :attr:`Steps.evaluate` summed (scalar tensors)."""

    total: tf.Tensor
    count: tf.Tensor


class Steps:
    """The traced functions of one run: ``train(iterator, steps)`` and ``evaluate(...)``.

    Each runs ``steps`` (an int64 tensor, so one trace serves every size)
    replica steps in one ``tf.function`` call.

    Args:
        jit_compile: ``"step"``, ``"updates"`` or ``"off"``, see :func:`jit_mode`.
        stop_on_nonfinite: stop a call at the first non-finite step, instead of
            skipping it.
    """

    def __init__(
        self,
        model: keras.Model,
        loss_fn: Callable[[Any, Any], Any],
        optimizer: keras.optimizers.Optimizer,
        ema: Any,
        metrics: Sequence[Any],
        val_metrics: Sequence[Any],
        strategy: tf.distribute.Strategy,
        *,
        jit_compile: str,
        stop_on_nonfinite: bool,
    ):
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.metrics = metrics
        self.val_metrics = val_metrics
        self.strategy = strategy
        self.variables = model.trainable_variables
        self.replicas = strategy.num_replicas_in_sync
        self.jit_compile = jit_compile
        self.stop_on_nonfinite = stop_on_nonfinite
        self.apply_updates = updates(optimizer, ema, self.variables)
        self.compiled_updates = (
            compiled_if(self.apply_updates) if jit_compile == "updates" else None
        )
        self.step = self.replica_step
        if jit_compile == "step":
            self.step = tf.function(self.replica_step, jit_compile=True)
        self.train = tf.function(self._train)
        self.evaluate = tf.function(self._evaluate)

    def global_sums(self, local_sum: tf.Tensor, local_count: tf.Tensor) -> tuple[Any, Any]:
        if self.replicas == 1:
            return local_sum, local_count
        context = tf.distribute.get_replica_context()
        sums = context.all_reduce(tf.distribute.ReduceOp.SUM, tf.stack([local_sum, local_count]))
        return sums[0], sums[1]

    def regularization(self) -> tf.Tensor:
        if not self.model.losses:
            return tf.constant(0.0)
        return tf.cast(tf.add_n(self.model.losses), tf.float32)

    def update_metrics(self, y: Any, y_pred: Any, weight: Any) -> None:
        for metric in self.metrics:
            metric.update_state(y, y_pred, sample_weight=weight)

    def replica_step(self, batch: Any) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """One replica's step: ``(loss * count, count, finite)`` of the global batch."""
        x, y, *rest = batch
        with tf.GradientTape() as tape:
            y_pred = self.model(x, training=True)
            losses, local_count = per_example(self.loss_fn, y, y_pred)
            local_sum = weighted_sum(losses, rest)
            total, count = self.global_sums(tf.stop_gradient(local_sum), local_count)
            reg = self.regularization()
            # Averaged over the global batch, as tf.nn.compute_average_loss does, then
            # scaled as the optimizer asks (a LossScaleOptimizer for mixed precision, or
            # `loss_scale_factor`); its `apply_gradients` unscales the gradients.
            scaled = tf.math.divide_no_nan(local_sum, count) + reg / self.replicas
            scaled = self.optimizer.scale_loss(scaled)
        gradients = tape.gradient(scaled, self.variables)
        mean = tf.math.divide_no_nan(total, count) + reg
        finite = tf.math.is_finite(mean)

        def update(gradients, y, y_pred, weight):
            self.apply_updates(gradients)
            self.update_metrics(y, y_pred, weight)

        apply = tf.logical_and(finite, count > 0)
        weight = rest[0] if rest else None
        if self.compiled_updates is not None:
            self.compiled_updates(apply, gradients)
            if self.metrics:
                tf.cond(apply, lambda: self.update_metrics(y, y_pred, weight), lambda: None)
        else:
            apply_if(apply, update, (gradients, y, y_pred, weight))
        return mean * count, count, finite

    def _first(self, value: Any) -> Any:
        return self.strategy.experimental_local_results(value)[0]

    def _train(self, iterator: Any, steps: tf.Tensor) -> TrainOutput:
        total = tf.constant(0.0)
        count = tf.constant(0.0)
        done = tf.constant(0, tf.int64)
        bad = tf.constant(-1, tf.int64)
        bad_loss = tf.constant(0.0)
        skipped = tf.constant(0, tf.int64)
        for _ in tf.range(steps):
            if bad >= 0:
                break
            out = self.strategy.run(self.step, args=(next(iterator),))
            step_total, step_count, finite = [self._first(o) for o in out]
            # Arithmetic, not a branch per step: a cond in the loop body slows every step
            # (benchmarks/training_loop.py).
            total += tf.where(finite, step_total, 0.0)
            count += tf.where(finite, step_count, 0.0)
            if self.stop_on_nonfinite:
                bad = tf.where(finite, bad, done)
                bad_loss = tf.where(finite, bad_loss, step_total / step_count)
            else:
                skipped += tf.cast(tf.logical_not(finite), tf.int64)
            done += 1
        return TrainOutput(
            total,
            count,
            done,
            bad,
            bad_loss,
            skipped,
            last_rate(self.optimizer),
            tf.identity(self.optimizer.iterations),
        )

    def replica_eval(self, batch: Any) -> tuple[tf.Tensor, tf.Tensor]:
        x, y, *rest = batch
        y_pred = self.model(x, training=False)
        losses, count = per_example(self.loss_fn, y, y_pred)
        for metric in self.val_metrics:
            metric.update_state(y, y_pred, sample_weight=rest[0] if rest else None)
        return weighted_sum(losses, rest) + self.regularization() * count, count

    def _evaluate(self, iterator: Any, steps: tf.Tensor) -> EvalOutput:
        total = tf.constant(0.0)
        count = tf.constant(0.0)
        for _ in tf.range(steps):
            out = self.strategy.run(self.replica_eval, args=(next(iterator),))
            total += self.strategy.reduce(tf.distribute.ReduceOp.SUM, out[0], axis=None)
            count += self.strategy.reduce(tf.distribute.ReduceOp.SUM, out[1], axis=None)
        return EvalOutput(total, count)
