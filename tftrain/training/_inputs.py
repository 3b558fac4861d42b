"""Resolving ``fit``'s inputs: specs to components, and the first batch checked against them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import keras
import tensorflow as tf

from tftrain import ema as ema_family
from tftrain import losses as loss_family
from tftrain import optimizers as optimizer_family
from tftrain import schedules as schedule_family
from tftrain._compat import learning_rate_source, optimizer_strategy, set_learning_rate_schedule
from tftrain.training._data import Batches


def resolve_loss(loss: Any) -> tuple[Callable[[Any, Any], tf.Tensor], str]:
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


def resolve_optimizer(optimizer: Any, schedule: Any) -> keras.optimizers.Optimizer:
    if isinstance(optimizer, str | dict):
        optimizer = optimizer_family.get(optimizer)
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(
            "Argument `optimizer` must be a keras.optimizers.Optimizer or a registered optimizer "
            f"name or dict. Received: optimizer={optimizer!r}"
        )
    if schedule is not None:
        current = learning_rate_source(optimizer)
        if isinstance(current, keras.optimizers.schedules.LearningRateSchedule):
            raise ValueError(
                "Arguments `schedule` and `optimizer` both set the learning rate: the optimizer "
                f"already has the schedule {current!r}. Pass only one. "
                f"Received: schedule={schedule!r}"
            )
        set_learning_rate_schedule(optimizer, schedule)
    return optimizer


def resolve_ema(ema: Any) -> Any:
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


def resolve_metrics(metrics: Iterable[Any], y: tf.Tensor, y_pred: tf.Tensor) -> list[Any]:
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


def clone_metric(metric: Any) -> Any:
    return type(metric).from_config(metric.get_config())


def check_first_batch(
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


def check_in_scope(model: keras.Model, strategy: tf.distribute.Strategy) -> None:
    for variable in model.variables:
        if not strategy.extended.variable_created_in_scope(getattr(variable, "value", variable)):
            raise ValueError(
                f"The model {model.name!r} was built outside the strategy's scope (variable "
                f"{variable.path!r}); create and build it inside `with strategy.scope():`."
            )


@dataclass(frozen=True)
class Inputs:
    """What ``fit``'s specs resolve to before anything touches the model."""

    loss_fn: Callable[[Any, Any], tf.Tensor]  # per-example losses
    loss_name: str
    sparse: bool  # the loss takes integer class ids
    schedule: Any
    ema: Any
    train_data: Batches
    val_data: Batches | None


def resolve_inputs(
    *,
    data: Any,
    loss: Any,
    schedule: Any,
    ema: Any,
    batch_size: int | None,
    shuffle: bool,
    validation_data: Any,
    validation_batch_size: int | None,
) -> Inputs:
    """The loss, schedule, EMA and batches that ``fit``'s arguments name."""
    loss_fn, loss_name = resolve_loss(loss)
    sparse = _is_sparse(loss)
    schedule = None if schedule is None else schedule_family.get(schedule)
    tracker = resolve_ema(ema)
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
    return Inputs(loss_fn, loss_name, sparse, schedule, tracker, train_data, val_data)


@dataclass(frozen=True)
class Components:
    """The optimizer and metrics of a run, built in the strategy's scope."""

    optimizer: keras.optimizers.Optimizer
    train_metrics: list[Any]
    val_metrics: list[Any]  # clones of ``train_metrics``, so validation does not mix in


def build_components(
    model: keras.Model,
    inputs: Inputs,
    optimizer: Any,
    metrics: Iterable[Any],
    strategy: tf.distribute.Strategy,
) -> Components:
    """Checks the first batches against the model, then builds the optimizer, metrics and EMA.

    Call it inside ``strategy.scope()``: what it creates belongs to the strategy.
    """
    check = (model, inputs.loss_fn, inputs.loss_name, inputs.sparse)
    y, y_pred = check_first_batch(*check, inputs.train_data.first_batch(), "data")
    if inputs.val_data is not None:
        check_first_batch(*check, inputs.val_data.first_batch(), "validation_data")
    if strategy is not tf.distribute.get_strategy() or strategy.num_replicas_in_sync > 1:
        check_in_scope(model, strategy)
    optimizer = resolve_optimizer(optimizer, inputs.schedule)
    if optimizer_strategy(optimizer, strategy) is not strategy:
        raise ValueError(
            "Argument `optimizer` was created outside the strategy's scope; create it inside "
            "`with strategy.scope():` or pass it as a name or dict."
        )
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    train_metrics = resolve_metrics(metrics, y, y_pred)
    val_metrics = [clone_metric(m) for m in train_metrics]
    for metric in (*train_metrics, *val_metrics):
        metric.reset_state()
    build = getattr(inputs.ema, "build", None)
    if callable(build):  # shadows exist before a restore and before the step is traced
        build(model.trainable_variables)
    return Components(optimizer, train_metrics, val_metrics)
