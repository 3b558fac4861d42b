"""``fit``: the GradientTape loop that composes a schedule, an EMA, a loss and a Keras model."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf
import tqdm
from tensorflow.core.framework import summary_pb2

from tftrain import ema as ema_family
from tftrain import losses as loss_family
from tftrain import optimizers as optimizer_family
from tftrain import schedules as schedule_family
from tftrain._validation import check_integer, check_one_of, is_one_of
from tftrain.training._callbacks import Callback
from tftrain.training._complexity import model_complexity
from tftrain.training._data import Batches, release
from tftrain.training._history import History

#: What ``fit`` does when a step's loss is NaN or infinite.
NONFINITE_POLICIES = ("stop", "skip")

#: What ``fit`` accepts as ``jit_compile``.
JIT_COMPILE_MODES = (True, False, "auto")

#: The default number of steps run in one call when ``steps_per_execution`` is not given.
AUTO_STEPS_PER_EXECUTION = 32


class NonFiniteLossError(FloatingPointError):
    """A step's loss was NaN or infinite (``on_nonfinite="stop"``).

    The step's update was not applied, so the model, optimizer and EMA hold the
    state after the last good step, and no checkpoint was written after it.

    Attributes:
        step: the optimizer step (counted from 0) whose loss was not finite.
        epoch: its epoch (from 0); ``batch``: its batch within the epoch (from 0).
        loss: the non-finite value.
    """

    def __init__(self, step: int, epoch: int, batch: int, loss: float, checkpoint: str | None):
        self.step, self.epoch, self.batch, self.loss = step, epoch, batch, loss
        where = f"newest checkpoint: {checkpoint}" if checkpoint else "no checkpoint written"
        super().__init__(
            f"Non-finite loss {loss} at step {step} (epoch {epoch}, batch {batch}); training "
            f"stopped before applying it, so the weights are those before it "
            f"({where}). Lower the learning rate, check the data for NaN/inf, or pass "
            'on_nonfinite="skip" to skip such steps.'
        )


# ----------------------------------------------------------------------------- resolving specs
def _resolve_loss(loss: Any) -> tuple[Callable[[Any, Any], tf.Tensor], str]:
    """The per-example loss function of ``loss`` and its name (for messages)."""
    if isinstance(loss, str | dict):
        loss = loss_family.get(loss)
    if isinstance(loss, keras.losses.Loss):
        name = loss.name or type(loss).__name__
        return loss.call, name
    if callable(loss) and not isinstance(loss, type):
        return loss, getattr(loss, "__name__", type(loss).__name__)
    raise TypeError(
        "Argument `loss` must be a keras.losses.Loss, a function (y_true, y_pred) -> per-example "
        f"losses, or a registered loss name or dict. Received: loss={loss!r}"
    )


def _is_sparse(loss: Any) -> bool:
    """Whether ``loss`` declared that it takes integer class ids (``kind="sparse_categorical"``).

    The kind is what the loss declared at registration (``tftrain.losses.kind_of``);
    an unregistered callable declares none, so its labels are passed as given.
    """
    return loss_family.kind_of(loss) == "sparse_categorical"


def _resolve_optimizer(optimizer: Any, schedule: Any) -> keras.optimizers.Optimizer:
    if isinstance(optimizer, str | dict):
        getter = getattr(optimizer_family, "get", None) or keras.optimizers.get
        optimizer = getter(optimizer)
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(
            "Argument `optimizer` must be a keras.optimizers.Optimizer or a registered optimizer "
            f"name or dict. Received: optimizer={optimizer!r}"
        )
    if schedule is not None:
        if isinstance(optimizer._learning_rate, keras.optimizers.schedules.LearningRateSchedule):
            raise ValueError(
                "Arguments `schedule` and `optimizer` both set the learning rate: the optimizer "
                f"already has the schedule {optimizer._learning_rate!r}. Pass only one. "
                f"Received: schedule={schedule!r}"
            )
        optimizer.learning_rate = schedule
        # Keras drops the old rate variable from its variable list in place, which leaves a
        # list that tf.train.Checkpoint refuses to save; a fresh copy of it is append-only.
        optimizer._variables = list(optimizer._variables)
    return optimizer


def _resolve_ema(ema: Any) -> Any:
    if ema is None:
        return None
    duck = callable(getattr(ema, "apply", None)) and callable(getattr(ema, "swapped", None))
    tracker = ema if duck else ema_family.get(ema)
    missing = [m for m in ("apply", "swapped") if not callable(getattr(tracker, m, None))]
    if tracker is not None and missing:
        raise TypeError(
            "Argument `ema` must be a tftrain.ema.ExponentialMovingAverage, a decay or a dict "
            f"spec; {type(tracker).__name__} lacks {', '.join(missing)}. Received: ema={ema!r}"
        )
    return tracker


def _resolve_metrics(metrics: Iterable[Any], y: tf.Tensor, y_pred: tf.Tensor) -> list[Any]:
    """Keras metric instances for the specs in ``metrics``, "accuracy" chosen by shapes."""
    out = []
    for spec in metrics:
        if isinstance(spec, str) and spec.lower() in ("accuracy", "acc"):
            if y_pred.shape[-1] == 1:
                metric = keras.metrics.BinaryAccuracy(name="accuracy")
            elif y.shape.rank == y_pred.shape.rank and y.shape[-1] == y_pred.shape[-1]:
                metric = keras.metrics.CategoricalAccuracy(name="accuracy")
            else:
                metric = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
        elif isinstance(spec, keras.metrics.Metric):
            metric = spec
        elif isinstance(spec, str | dict):
            metric = keras.metrics.get(spec)
        elif callable(spec):
            metric = keras.metrics.MeanMetricWrapper(spec, name=getattr(spec, "__name__", None))
        else:
            raise TypeError(
                "Argument `metrics` must hold keras.metrics.Metric instances, metric names or "
                f"functions. Received: {spec!r}"
            )
        out.append(metric)
    names = [m.name for m in out]
    if len(set(names)) != len(names):
        raise ValueError(f"Argument `metrics` has repeated names: {names}")
    return out


def _clone_metric(metric: Any) -> Any:
    return type(metric).from_config(metric.get_config())


# ----------------------------------------------------------------------------- checks
def _per_example(loss_fn: Callable[[Any, Any], Any], y: Any, y_pred: Any) -> tf.Tensor:
    """Per-example float32 losses; trailing axes of a per-element loss are averaged."""
    y_pred = tf.nest.map_structure(
        lambda p: tf.cast(p, tf.float32) if p.dtype.is_floating else p, y_pred
    )
    values = tf.cast(loss_fn(y, y_pred), tf.float32)
    if values.shape.rank is not None and values.shape.rank > 1:
        values = tf.reduce_mean(values, axis=list(range(1, values.shape.rank)))
    return values


def _weighted_sum(per_example: tf.Tensor, rest: Sequence[Any]) -> tf.Tensor:
    """:math:`\\sum_i w_i \\ell_i` (sample weights of shape ``()``, ``(B,)`` or ``(B, 1)``)."""
    if not rest:
        return tf.reduce_sum(per_example)
    return loss_family.reduce_over_global_batch(per_example, rest[0], global_batch_size=1)


def _last_rate(optimizer: keras.optimizers.Optimizer) -> tf.Tensor:
    """The learning rate the optimizer's latest step used (read once per execution)."""
    rate = optimizer._learning_rate
    if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule):
        return tf.cast(rate(tf.maximum(optimizer.iterations - 1, 0)), tf.float32)
    return tf.cast(rate() if callable(rate) else rate, tf.float32)


def _check_first_batch(
    model: keras.Model,
    loss_fn: Callable[..., Any],
    loss_name: str,
    sparse: bool,
    batch: Any,
    argument: str,
) -> tuple[Any, Any]:
    """Runs the model and the loss on one batch; clear errors for what does not fit."""
    x, y = batch[0], batch[1]
    for label in tf.nest.flatten(y):
        dtype = tf.as_dtype(label.dtype)
        if not (dtype.is_floating or dtype.is_integer or dtype.is_bool):
            raise TypeError(
                f"Labels in `{argument}` must be numeric. Received labels of dtype {dtype.name}"
            )
        if sparse and not dtype.is_integer:
            raise TypeError(
                f"Labels in `{argument}` must be integer class ids for the loss {loss_name!r}. "
                f"Received labels of dtype {dtype.name}; cast them (y.astype('int32')) or use a "
                "categorical loss for one-hot labels."
            )
    try:
        inputs = tf.nest.flatten(model.inputs) if model.built else []
    except (AttributeError, ValueError):  # a subclassed model has no symbolic inputs
        inputs = []
    if len(inputs) == 1 and tf.is_tensor(x):
        expected = inputs[0]
        if not tf.TensorShape(expected.shape).is_compatible_with(
            tf.TensorShape([None, *x.shape[1:]])
        ):
            raise ValueError(
                f"The data in `{argument}` does not fit the model {model.name!r}: x has shape "
                f"{tuple(x.shape)} per batch, the model expects {tuple(expected.shape)}."
            )
    try:
        y_pred = model(x, training=False)
    except Exception as error:
        shapes = tf.nest.map_structure(lambda t: tuple(t.shape), x)
        raise ValueError(
            f"The data in `{argument}` does not fit the model {model.name!r}: calling it on the "
            f"first batch (x of shape {shapes}) failed: {str(error).splitlines()[0]}"
        ) from error
    batch_size = tf.nest.flatten(x)[0].shape[0]
    try:
        values = loss_fn(y, tf.nest.map_structure(lambda p: tf.cast(p, tf.float32), y_pred))
    except Exception as error:
        raise ValueError(
            f"The loss {loss_name!r} failed on the first batch of `{argument}` (y of shape "
            f"{tuple(tf.nest.flatten(y)[0].shape)}, model output of shape "
            f"{tuple(tf.nest.flatten(y_pred)[0].shape)}): {str(error).splitlines()[0]}"
        ) from error
    values = tf.convert_to_tensor(values)
    if values.shape.rank == 0 or values.shape[0] != batch_size:
        raise ValueError(
            f"Argument `loss` must return per-example losses of shape (batch_size,) (or "
            f"(batch_size, ...)); {loss_name!r} returned shape {tuple(values.shape)} for a batch "
            f"of {batch_size}. Pass a keras.losses.Loss object or an unreduced function."
        )
    if not values.dtype.is_floating:
        raise TypeError(
            f"Argument `loss` must return floating losses; {loss_name!r} returned "
            f"{values.dtype.name}."
        )
    return y, y_pred


def _check_in_scope(model: keras.Model, strategy: tf.distribute.Strategy) -> None:
    for variable in model.variables:
        if not strategy.extended.variable_created_in_scope(getattr(variable, "value", variable)):
            raise ValueError(
                f"The model {model.name!r} was built outside the strategy's scope (variable "
                f"{variable.path!r}); create and build it inside `with strategy.scope():`."
            )


def _build_ema(tracker: Any, variables: Sequence[Any]) -> None:
    """Creates the EMA's shadow variables now, so they exist before a restore and a trace."""
    build = getattr(tracker, "build", None)
    if callable(build):
        build(variables)


def _updates(
    optimizer: keras.optimizers.Optimizer, ema: Any, variables: Sequence[Any]
) -> Callable[[Sequence[tf.Tensor]], None]:
    """``update(gradients)``: the optimizer's step, then the EMA's, on ``variables``."""

    def update(gradients: Sequence[tf.Tensor]) -> None:
        optimizer.apply_gradients(zip(gradients, variables, strict=True))
        if ema is not None:
            ema.apply(variables, step=optimizer.iterations)

    return update


def _compiled_if(update: Callable[[Sequence[tf.Tensor]], None]) -> Any:
    """``update`` as one XLA program ``(condition, gradients)`` that applies it if ``condition``.

    The branch is inside the program: a graph ``tf.cond`` around the program
    would make it wait for every gradient, and costs about 10% of a small step.
    """

    def apply_if(condition: tf.Tensor, gradients: Sequence[tf.Tensor]) -> None:
        tf.cond(condition, lambda: update(gradients), lambda: None)

    return tf.function(apply_if, jit_compile=True, autograph=False)


def _updates_compile(
    optimizer: keras.optimizers.Optimizer, ema: Any, variables: Sequence[Any]
) -> bool:
    """Whether the optimizer's and the EMA's updates of ``variables`` lower to XLA.

    Traces them on zero gradients and lowers the graph to HLO, which fails on
    an op XLA lacks (e.g. a ``tf.py_function`` in a custom optimizer); nothing
    runs and no state changes.
    """
    probe = _compiled_if(_updates(optimizer, ema, variables))
    zeros = [tf.zeros(v.shape, v.dtype) for v in variables]
    try:
        probe.experimental_get_compiler_ir(tf.constant(True), zeros)(stage="hlo")
    except (tf.errors.OpError, NotImplementedError, TypeError, ValueError):
        return False
    return True


def _jit_mode(
    jit_compile: bool | str,
    strategy: tf.distribute.Strategy,
    optimizer: keras.optimizers.Optimizer,
    ema: Any,
    variables: Sequence[Any],
) -> str:
    """What XLA compiles: ``"step"`` (all of it), ``"updates"`` or ``"off"``."""
    if jit_compile is True:
        return "step"
    if jit_compile is False or strategy.num_replicas_in_sync > 1:
        return "off"
    return "updates" if _updates_compile(optimizer, ema, variables) else "off"


# ----------------------------------------------------------------------------- the loop
def _apply_if(condition: tf.Tensor, update: Callable[..., None], args: tuple[Any, ...]) -> None:
    """``update(*args)`` when ``condition`` (the same on every replica), from a replica context.

    A strategy that synchronizes through ``merge_call`` (``MirroredStrategy``)
    cannot branch around ``optimizer.apply_gradients`` inside a replica, so the
    branch is taken in the cross-replica context and each replica's update is
    run from there, as Keras's ``LossScaleOptimizer`` does.
    """
    if tf.__internal__.distribute.strategy_supports_no_merge_call():
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


class _Loop:
    """The compiled pieces of one run: the multi-step train and eval functions."""

    def __init__(
        self,
        model,
        loss_fn,
        optimizer,
        ema,
        metrics,
        val_metrics,
        strategy,
        *,
        jit_compile: str,
        stop_on_nonfinite: bool,
    ):
        self.model = model
        self.optimizer = optimizer
        variables = model.trainable_variables
        replicas = strategy.num_replicas_in_sync

        def global_sums(local_sum, local_count):
            if replicas == 1:
                return local_sum, local_count
            context = tf.distribute.get_replica_context()
            sums = context.all_reduce(
                tf.distribute.ReduceOp.SUM, tf.stack([local_sum, local_count])
            )
            return sums[0], sums[1]

        def regularization():
            if not model.losses:
                return tf.constant(0.0)
            return tf.cast(tf.add_n(model.losses), tf.float32)

        def replica_step(batch):
            x, y, *rest = batch
            with tf.GradientTape() as tape:
                y_pred = model(x, training=True)
                per_example = _per_example(loss_fn, y, y_pred)
                local_sum = _weighted_sum(per_example, rest)
                local_count = tf.cast(tf.shape(per_example)[0], tf.float32)
                total, count = global_sums(tf.stop_gradient(local_sum), local_count)
                reg = regularization()
                # Averaged over the global batch, as tf.nn.compute_average_loss does, then
                # scaled as the optimizer asks (a LossScaleOptimizer for mixed precision, or
                # `loss_scale_factor`); its `apply_gradients` unscales the gradients.
                scaled = tf.math.divide_no_nan(local_sum, count) + reg / replicas
                scaled = optimizer.scale_loss(scaled)
            gradients = tape.gradient(scaled, variables)
            mean = tf.math.divide_no_nan(total, count) + reg
            finite = tf.math.is_finite(mean)

            def update(gradients, y, y_pred, weight):
                apply_updates(gradients)
                update_metrics(y, y_pred, weight)

            def update_metrics(y, y_pred, weight):
                for metric in metrics:
                    metric.update_state(y, y_pred, sample_weight=weight)

            apply = tf.logical_and(finite, count > 0)
            weight = rest[0] if rest else None
            if jit_compile == "updates":
                compiled_updates(apply, gradients)
                if metrics:
                    tf.cond(apply, lambda: update_metrics(y, y_pred, weight), lambda: None)
            else:
                _apply_if(apply, update, (gradients, y, y_pred, weight))
            return mean * count, count, finite

        apply_updates = _updates(optimizer, ema, variables)
        compiled_updates = _compiled_if(apply_updates) if jit_compile == "updates" else None
        step = replica_step
        if jit_compile == "step":
            step = tf.function(replica_step, jit_compile=True)

        def first(value):
            return strategy.experimental_local_results(value)[0]

        @tf.function
        def train(iterator, steps):
            total = tf.constant(0.0)
            count = tf.constant(0.0)
            done = tf.constant(0, tf.int64)
            bad = tf.constant(-1, tf.int64)
            bad_loss = tf.constant(0.0)
            skipped = tf.constant(0, tf.int64)
            for _ in tf.range(steps):
                if bad >= 0:
                    break
                out = strategy.run(step, args=(next(iterator),))
                step_total, step_count, finite = [first(o) for o in out]
                # Arithmetic, not a branch per step: a cond in the loop body costs ~5%.
                total += tf.where(finite, step_total, 0.0)
                count += tf.where(finite, step_count, 0.0)
                if stop_on_nonfinite:
                    bad = tf.where(finite, bad, done)
                    bad_loss = tf.where(finite, bad_loss, step_total / step_count)
                else:
                    skipped += tf.cast(tf.logical_not(finite), tf.int64)
                done += 1
            return (
                total,
                count,
                done,
                bad,
                bad_loss,
                skipped,
                _last_rate(optimizer),
                tf.identity(optimizer.iterations),
            )

        def replica_eval(batch):
            x, y, *rest = batch
            y_pred = model(x, training=False)
            per_example = _per_example(loss_fn, y, y_pred)
            count = tf.cast(tf.shape(per_example)[0], tf.float32)
            for metric in val_metrics:
                metric.update_state(y, y_pred, sample_weight=rest[0] if rest else None)
            return _weighted_sum(per_example, rest) + regularization() * count, count

        @tf.function
        def evaluate(iterator, steps):
            total = tf.constant(0.0)
            count = tf.constant(0.0)
            for _ in tf.range(steps):
                out = strategy.run(replica_eval, args=(next(iterator),))
                total += strategy.reduce(tf.distribute.ReduceOp.SUM, out[0], axis=None)
                count += strategy.reduce(tf.distribute.ReduceOp.SUM, out[1], axis=None)
            return total, count

        self.train = train
        self.evaluate = evaluate


#: Marks a summary as a TensorBoard scalar, so ``tensorboard`` need not be installed to write one.
_SCALAR_METADATA = summary_pb2.SummaryMetadata(
    plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"),
    data_class=summary_pb2.DATA_CLASS_SCALAR,
)


def _scalar(tag: str, value: float) -> None:
    """What ``tf.summary.scalar`` writes, without requiring the tensorboard package."""
    tf.summary.write(tag, tf.constant(value, tf.float32), metadata=_SCALAR_METADATA)


def _show_progress(progress: bool) -> bool:
    return bool(progress) and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


def _chunks(start: int, end: int, size: int, every: int | None) -> list[int]:
    """Execution sizes over batches ``start..end`` of an epoch, cut at multiples of ``every``."""
    sizes = []
    position = start
    while position < end:
        n = min(size, end - position)
        if every:
            n = min(n, every - position % every)
        sizes.append(n)
        position += n
    return sizes


def fit(
    model: keras.Model,
    data: Any,
    *,
    loss: Any,
    optimizer: Any,
    epochs: int,
    batch_size: int | None = None,
    schedule: Any = None,
    ema: Any = None,
    metrics: Sequence[Any] = (),
    validation_data: Any = None,
    validation_batch_size: int | None = None,
    shuffle: bool = True,
    strategy: tf.distribute.Strategy | None = None,
    steps_per_execution: int | None = None,
    jit_compile: bool | str = "auto",
    checkpoint_dir: str | os.PathLike[str] | None = None,
    checkpoint_every: int | None = None,
    max_checkpoints: int = 3,
    log_dir: str | os.PathLike[str] | None = None,
    callbacks: Sequence[Callback] = (),
    progress: bool = True,
    seed: int | None = None,
    on_nonfinite: str = "stop",
) -> History:
    r"""Trains ``model`` with a ``tf.GradientTape`` loop; resumable, distributable.

    Each step runs the model under a tape, reduces the per-example losses over
    the *global* batch (as ``tf.nn.compute_average_loss``),

    .. math::

        L = \frac{1}{B}\sum_{i=1}^{B} w_i\,\ell(y_i, \hat y_i) + \sum R,

    with :math:`B` the global batch size, :math:`w_i` the sample weights (1
    without) and :math:`R` the model's regularization losses, applies the
    gradients with ``optimizer``, then updates the EMA with
    ``ema.apply(variables, step=optimizer.iterations)`` (the number of updates
    taken) and the metrics. ``steps_per_execution`` steps run inside one traced
    ``tf.function`` call; the train and evaluation functions each trace once per
    run. The schedule sets the optimizer's learning rate as a function of
    ``optimizer.iterations``.

    After each epoch the validation data is evaluated with the raw weights
    (``val_*``) and, with an EMA, with the averaged weights swapped in
    (``ema_val_*``); the training weights are restored afterwards.

    With ``checkpoint_dir``, a ``tf.train.CheckpointManager`` saves the model,
    optimizer, EMA, training metrics, epoch, position in the epoch and the
    history at each epoch end (and every ``checkpoint_every`` batches); calling
    ``fit`` again on the directory resumes from the newest checkpoint. Arrays
    are shuffled by ``(seed, epoch)``, so a resumed run is step for step the
    uninterrupted one (a dataset is re-iterated and the consumed batches
    skipped: exact when its order is the same on every pass).

    Non-finite loss, ``on_nonfinite="stop"`` (default): the step's update is
    not applied and :class:`NonFiniteLossError` names the step; no checkpoint
    is written after the last good step. ``"skip"``: such steps are not applied
    and training goes on; their count is logged as ``nonfinite_steps``. Empty
    batches are never applied.

    Args:
        model: any ``keras.Model`` (under a ``strategy``, created in its scope).
        data: a ``tf.data.Dataset`` of ``(x, y)`` or ``(x, y, sample_weight)``
            batches, or a tuple of arrays of that form with ``batch_size``.
        loss: a ``keras.losses.Loss`` (its ``call`` gives per-example losses), a
            function ``(y_true, y_pred) -> per-example losses`` (shape
            ``(batch,)``; extra trailing axes are averaged), or a
            ``tftrain.losses`` name or dict.
        optimizer: a ``keras.optimizers.Optimizer`` (created in the strategy's
            scope) or a ``tftrain.optimizers`` name or dict.
        epochs: the total number of epochs; an integer ``>= 1``. A resumed run
            continues up to this number.
        batch_size: the global batch size for arrays; ``None`` for a dataset.
        schedule: a learning-rate schedule or a ``tftrain.schedules`` spec; it
            replaces the optimizer's constant learning rate.
        ema: ``None``, a ``tftrain.ema.ExponentialMovingAverage``, a decay, or
            a dict spec (``tftrain.ema.get``).
        metrics: Keras metrics, metric names (``"accuracy"`` is chosen by the
            label and output shapes) or functions ``(y_true, y_pred)``.
        validation_data: evaluated after each epoch; same forms as ``data``.
        validation_batch_size: for validation arrays; defaults to ``batch_size``.
        shuffle: shuffle arrays each epoch (datasets are used as given).
        strategy: a ``tf.distribute.Strategy``; default the current one.
        steps_per_execution: steps per traced call, an integer ``>= 1``;
            default ``min(32, steps per epoch)``.
        jit_compile: ``True`` compiles the whole step with XLA (out-of-range
            sparse labels then give a NaN loss instead of an error, see
            ``tftrain.losses``); ``"auto"`` (default) compiles only the
            optimizer's and the EMA's updates, one fused XLA program per step,
            when there is one replica and they lower to XLA, while the model,
            the loss and its label checks run on TensorFlow's kernels (on the
            MLP of ``benchmarks/training_loop.py``: +16% steps/s and +13% steps
            per CPU-second over ``False``); ``False`` compiles nothing.
        checkpoint_dir: where to save checkpoints and resume from.
        checkpoint_every: also save every this many batches of an epoch (``>= 1``).
        max_checkpoints: checkpoints kept; ``>= 1``.
        log_dir: write TensorBoard scalars (``epoch/<key>`` per epoch,
            ``step/loss`` and ``step/learning_rate`` per execution) here.
        callbacks: :class:`Callback` instances.
        progress: print the model-complexity report and, on a terminal, a
            progress bar (tqdm) with the loss and learning rate.
        seed: seeds Python, NumPy and TensorFlow (``keras.utils.set_random_seed``)
            and the shuffling, so that a run is reproducible.
        on_nonfinite: ``"stop"`` or ``"skip"``, see above.

    Returns:
        The :class:`History` of every epoch (of the resumed run, too).

    Raises:
        ValueError: a bad argument value, or data, labels or a loss that do not
            fit the model (raised before any step runs).
        TypeError: an argument of the wrong type (a loss, optimizer, schedule or
            EMA that is none), or labels of the wrong dtype.
        NonFiniteLossError: a non-finite loss with ``on_nonfinite="stop"``.

    Example:
        >>> import keras, numpy as np
        >>> keras.utils.set_random_seed(0)
        >>> x = np.linspace(-1, 1, 64, dtype="float32")[:, None]
        >>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        >>> history = fit(model, (x, 3 * x), loss=keras.losses.MeanSquaredError(),
        ...               optimizer=keras.optimizers.SGD(0.5), epochs=5, batch_size=16,
        ...               progress=False, seed=0)
        >>> print(f"loss {history.history['loss'][-1]:.5f}, "
        ...       f"slope {float(model.layers[0].kernel[0, 0]):.2f}")
        loss 0.00000, slope 3.00
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"Argument `model` must be a keras.Model. Received: model={model!r}")
    epochs = check_integer("epochs", epochs, minimum=1)
    check_one_of("on_nonfinite", on_nonfinite, NONFINITE_POLICIES)
    if steps_per_execution is not None:
        steps_per_execution = check_integer("steps_per_execution", steps_per_execution, minimum=1)
    if checkpoint_every is not None:
        checkpoint_every = check_integer("checkpoint_every", checkpoint_every, minimum=1)
    max_checkpoints = check_integer("max_checkpoints", max_checkpoints, minimum=1)
    if not is_one_of(jit_compile, JIT_COMPILE_MODES):
        raise TypeError(
            'Argument `jit_compile` must be True, False or "auto". '
            f"Received: jit_compile={jit_compile!r}"
        )
    callbacks = list(callbacks)
    for callback in callbacks:
        if not isinstance(callback, Callback):
            raise TypeError(
                "Argument `callbacks` must hold tftrain.training.Callback instances. "
                f"Received: {callback!r}"
            )
    if seed is not None:
        seed = check_integer("seed", seed, minimum=0)
        keras.utils.set_random_seed(seed)
    strategy = strategy or tf.distribute.get_strategy()
    if jit_compile is True and strategy.num_replicas_in_sync > 1:
        raise ValueError(
            "Argument `jit_compile=True` is not supported with a multi-replica strategy (the "
            "step synchronizes replicas, which XLA cannot compile). Received: jit_compile=True, "
            f"strategy with {strategy.num_replicas_in_sync} replicas"
        )
    loss_fn, loss_name = _resolve_loss(loss)
    sparse = _is_sparse(loss)
    schedule = None if schedule is None else schedule_family.get(schedule)
    tracker = _resolve_ema(ema)
    train_data = Batches(data, batch_size=batch_size, shuffle=shuffle, argument="data")
    val_data = None
    if validation_data is not None:
        val_data = Batches(
            validation_data,
            batch_size=validation_batch_size
            or (batch_size if not isinstance(validation_data, tf.data.Dataset) else None),
            shuffle=False,
            argument="validation_data",
        )

    with strategy.scope():
        y, y_pred = _check_first_batch(
            model, loss_fn, loss_name, sparse, train_data.first_batch(), "data"
        )
        if val_data is not None:
            _check_first_batch(
                model, loss_fn, loss_name, sparse, val_data.first_batch(), "validation_data"
            )
        if strategy is not tf.distribute.get_strategy() or strategy.num_replicas_in_sync > 1:
            _check_in_scope(model, strategy)
        optimizer = _resolve_optimizer(optimizer, schedule)
        if getattr(optimizer, "_distribution_strategy", strategy) is not strategy:
            raise ValueError(
                "Argument `optimizer` was created outside the strategy's scope; create it inside "
                "`with strategy.scope():` or pass it as a name or dict."
            )
        if not optimizer.built:
            optimizer.build(model.trainable_variables)
        train_metrics = _resolve_metrics(metrics, y, y_pred)
        val_metrics = [_clone_metric(m) for m in train_metrics]
        for metric in (*train_metrics, *val_metrics):
            metric.reset_state()
        if tracker is not None:
            _build_ema(tracker, model.trainable_variables)
        state = {
            "epoch": tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch"),
            "batch": tf.Variable(0, dtype=tf.int64, trainable=False, name="batch"),
            "loss_total": tf.Variable(0.0, dtype=tf.float64, trainable=False),
            "loss_count": tf.Variable(0.0, dtype=tf.float64, trainable=False),
            "seed": tf.Variable(
                seed if seed is not None else int(np.random.randint(2**31)), dtype=tf.int64
            ),
            "history": tf.Variable("", dtype=tf.string, trainable=False),
        }

    history = History()
    manager = None
    if checkpoint_dir is not None:
        parts: dict[str, Any] = {"model": model, "optimizer": optimizer, "state": state}
        if tracker is not None:
            parts["ema"] = tracker
        if train_metrics:  # Keras metrics are not trackable themselves; their variables are
            parts["metrics"] = [v for metric in train_metrics for v in metric.variables]
        checkpoint = tf.train.Checkpoint(**parts)
        manager = tf.train.CheckpointManager(
            checkpoint, os.fspath(checkpoint_dir), max_to_keep=max_checkpoints
        )
        if manager.latest_checkpoint:
            try:
                checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
            except (AssertionError, ValueError, tf.errors.OpError) as error:
                raise ValueError(
                    f"The checkpoint {manager.latest_checkpoint} does not match this model, "
                    f"optimizer and EMA: {str(error).splitlines()[0]}"
                ) from error
            history = History.from_json(state["history"].numpy().decode())

    data_seed = int(state["seed"].numpy())
    initial_epoch = int(state["epoch"].numpy())
    initial_batch = int(state["batch"].numpy())
    loop = _Loop(
        model,
        loss_fn,
        optimizer,
        tracker,
        train_metrics,
        val_metrics,
        strategy,
        jit_compile=_jit_mode(jit_compile, strategy, optimizer, tracker, model.trainable_variables),
        stop_on_nonfinite=on_nonfinite == "stop",
    )
    size = steps_per_execution or min(AUTO_STEPS_PER_EXECUTION, train_data.steps)
    show = _show_progress(progress)
    if progress:
        print(model_complexity(model))
    writer = tf.summary.create_file_writer(os.fspath(log_dir)) if log_dir is not None else None

    # The epoch's loss sums, kept in Python between calls (eager reads and writes of
    # the state variables cost ~0.2 ms each) and written to them for checkpoints.
    sums = {"loss_total": 0.0, "loss_count": 0.0}
    step_sizes: dict[int, tf.Tensor] = {}

    def save() -> None:
        if manager is not None:
            for key, value in sums.items():
                state[key].assign(value)
            state["history"].assign(history.to_json())
            manager.save(checkpoint_number=int(optimizer.iterations.numpy()))

    def evaluate(batches: Batches, prefix: str) -> dict[str, float]:
        for metric in val_metrics:
            metric.reset_state()
        iterator = iter(strategy.experimental_distribute_dataset(batches.epoch(0, data_seed)))
        total, count = loop.evaluate(iterator, tf.constant(batches.steps, tf.int64))
        release(iterator)
        del iterator
        logs = {f"{prefix}loss": float(total) / max(float(count), 1.0)}
        for metric in val_metrics:
            logs[f"{prefix}{metric.name}"] = float(metric.result())
        return logs

    for callback in callbacks:
        callback.model, callback.optimizer, callback.stop_training = model, optimizer, False
        callback.on_train_begin({"initial_epoch": initial_epoch, "initial_step": initial_batch})
    stop = False
    for epoch in range(initial_epoch, epochs):
        start = initial_batch if epoch == initial_epoch else 0
        if start == 0:
            sums.update(loss_total=0.0, loss_count=0.0)
            for metric in train_metrics:
                metric.reset_state()
        else:  # resumed inside the epoch: the sums saved with the checkpoint
            sums.update({key: float(state[key].numpy()) for key in sums})
        for callback in callbacks:
            callback.on_epoch_begin(epoch)
        dataset = strategy.experimental_distribute_dataset(
            train_data.epoch(epoch, data_seed, start)
        )
        iterator = iter(dataset)
        bar = tqdm.tqdm(
            total=train_data.steps,
            initial=start,
            desc=f"Epoch {epoch + 1}/{epochs}",
            unit="step",
            disable=not show,
            leave=True,
            dynamic_ncols=True,
        )
        position = start
        nonfinite = 0
        learning_rate = float("nan")
        for n in _chunks(start, train_data.steps, size, checkpoint_every):
            if n not in step_sizes:
                step_sizes[n] = tf.constant(n, tf.int64)
            total, count, done, bad, bad_loss, skipped, lr, iterations = loop.train(
                iterator, step_sizes[n]
            )
            global_step = int(iterations)
            if int(bad) >= 0:
                bar.close()
                raise NonFiniteLossError(
                    step=global_step,
                    epoch=epoch,
                    batch=position + int(bad),
                    loss=float(bad_loss),
                    checkpoint=manager.latest_checkpoint if manager is not None else None,
                )
            sums["loss_total"] += float(total)
            sums["loss_count"] += float(count)
            learning_rate = float(lr)
            nonfinite += int(skipped)
            done = int(done)
            position += done
            running = sums["loss_total"] / max(sums["loss_count"], 1.0)
            bar.update(done)
            bar.set_postfix(loss=f"{running:.4g}", lr=f"{learning_rate:.3g}")
            if writer is not None:
                with writer.as_default(step=global_step):
                    _scalar("step/loss", running)
                    _scalar("step/learning_rate", learning_rate)
            for callback in callbacks:
                callback.on_step_end(global_step, {"loss": running, "learning_rate": learning_rate})
            stop = any(c.stop_training for c in callbacks)
            if position < train_data.steps and (
                stop or (checkpoint_every and position % checkpoint_every == 0)
            ):
                state["epoch"].assign(epoch)
                state["batch"].assign(position)
                save()
            if stop:
                break
        bar.close()
        release(iterator)
        del iterator, dataset
        if position < train_data.steps:  # stopped by a callback inside the epoch
            break
        logs = {"loss": sums["loss_total"] / max(sums["loss_count"], 1.0)}
        for metric in train_metrics:
            logs[metric.name] = float(metric.result())
        logs["learning_rate"] = learning_rate
        if on_nonfinite == "skip":
            logs["nonfinite_steps"] = float(nonfinite)
        if val_data is not None:
            logs.update(evaluate(val_data, "val_"))
            if tracker is not None:
                with tracker.swapped(model.trainable_variables):
                    logs.update(evaluate(val_data, "ema_val_"))
        history.append(logs)
        if writer is not None:
            with writer.as_default(step=epoch):
                for key, value in logs.items():
                    _scalar(f"epoch/{key}", value)
            writer.flush()
        state["epoch"].assign(epoch + 1)
        state["batch"].assign(0)
        save()
        for callback in callbacks:
            callback.on_epoch_end(epoch, dict(logs))
        if stop or any(c.stop_training for c in callbacks):
            break
    if writer is not None:
        writer.close()
    for callback in callbacks:
        callback.on_train_end(history)
    return history
