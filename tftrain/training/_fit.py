"""``fit``: the GradientTape loop that composes a schedule, an EMA, a loss and a Keras model.

The parts, one module each: resolving the inputs (``_inputs``), the
checkpointable state (``_state``), building the step (``_step``), running an
epoch (``_epoch``) and validation (``_evaluate``).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence
from typing import Any

import keras
import tensorflow as tf

from tftrain._validation import check_integer, check_one_of, is_one_of
from tftrain.training._callbacks import Callback
from tftrain.training._cluster import (
    check_supported,
    cluster_of,
    make_checkpoints,
    reported_lost_workers,
    stop_agreement,
)
from tftrain.training._complexity import model_complexity
from tftrain.training._epoch import EpochResult, EpochRunner, show_progress
from tftrain.training._evaluate import validation_logs
from tftrain.training._history import History
from tftrain.training._inputs import build_components, resolve_inputs
from tftrain.training._interrupts import TerminationRequests, TrainingInterrupted
from tftrain.training._nonfinite import NONFINITE_POLICIES
from tftrain.training._state import LoopState
from tftrain.training._step import Steps, jit_mode
from tftrain.training._summaries import write_scalar

__all__ = ["AUTO_STEPS_PER_EXECUTION", "JIT_COMPILE_MODES", "NONFINITE_POLICIES", "fit"]

#: What ``fit`` accepts as ``jit_compile``.
JIT_COMPILE_MODES = (True, False, "auto")

#: The default number of steps run in one call when ``steps_per_execution`` is not given.
AUTO_STEPS_PER_EXECUTION = 32


def _checked_callbacks(callbacks: Sequence[Callback]) -> list[Callback]:
    for callback in callbacks:
        if not isinstance(callback, Callback):
            raise TypeError(
                "Argument `callbacks` must hold tftrain.training.Callback instances. "
                f"Received: {callback!r}"
            )
    return list(callbacks)


def _check_jit_compile(jit_compile: Any, strategy: tf.distribute.Strategy) -> None:
    if not is_one_of(jit_compile, JIT_COMPILE_MODES):
        raise TypeError(
            'Argument `jit_compile` must be True, False or "auto". '
            f"Received: jit_compile={jit_compile!r}"
        )
    if jit_compile is True and strategy.num_replicas_in_sync > 1:
        raise ValueError(
            "Argument `jit_compile=True` is not supported with a multi-replica strategy (the "
            "step synchronizes replicas, which XLA cannot compile). Received: jit_compile=True, "
            f"strategy with {strategy.num_replicas_in_sync} replicas"
        )


def _epoch_logs(
    result: EpochResult, state: LoopState, metrics: Sequence[Any], count_nonfinite: bool
) -> dict[str, float]:
    """The training part of an epoch's history row."""
    logs = {"loss": state.mean_loss()}
    for metric in metrics:
        logs[metric.name] = float(metric.result())
    logs["learning_rate"] = result.learning_rate
    if count_nonfinite:
        logs["nonfinite_steps"] = float(result.nonfinite)
    return logs


def _write_epoch(writer: Any, epoch: int, logs: dict[str, float]) -> None:
    if writer is not None:
        with writer.as_default(step=epoch):
            for key, value in logs.items():
                write_scalar(f"epoch/{key}", value)
        writer.flush()


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
    skipped: exact when its order is the same on every pass). The newest
    checkpoint that reads completely is the one resumed: a damaged newer one (a
    truncated data file, a missing or corrupt index, a state file naming a
    checkpoint that is gone) is skipped with a :class:`DamagedCheckpointWarning`.
    A save that fails stops the run with :class:`CheckpointSaveError` and
    leaves the earlier checkpoints intact.

    SIGTERM (sent by Kubernetes, Slurm and cloud VMs before they take a machine
    away) is a request to stop: after the current execution the run saves a
    checkpoint at that step (inside the epoch, too), and ``fit`` raises
    :class:`TrainingInterrupted`; calling it again resumes exactly. Under a
    multi-worker strategy a SIGTERM to any worker stops all of them at the
    same step. (Only when ``fit`` runs in the main thread, where Python can
    handle signals.)

    Non-finite loss, ``on_nonfinite="stop"`` (default): the step's update is
    not applied and :class:`NonFiniteLossError` names the step; no checkpoint
    is written after the last good step. ``"skip"``: such steps are not applied
    and training goes on; their count is logged as ``nonfinite_steps``. Empty
    batches are never applied.

    The loss is averaged over the global batch. Examples that the loss leaves
    out (Keras's loss mask, as ``ignore_class`` of a sparse cross-entropy sets
    it) are left out of that mean, as Keras's own reduction does: their loss
    and gradient are 0 and they are not counted (pixels of a segmentation map,
    one by one). A global batch in which every example is left out is not
    applied, like an empty one.

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
            when there is one replica and they lower to XLA and hold no
            assertion (XLA would drop it; such updates stay uncompiled), while the model,
            the loss and its label checks run on TensorFlow's kernels (the
            default because it is the fastest on ``benchmarks/training_loop.py``);
            ``False`` compiles nothing.
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
        TrainingInterrupted: SIGTERM was received; the checkpoint saved is named.
        CheckpointSaveError: a checkpoint could not be written (names the folder).
        NoRestorableCheckpointError: ``checkpoint_dir`` holds checkpoints and
            none of them reads (a ``ValueError``).

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
    strategy = strategy or tf.distribute.get_strategy()
    check_supported(strategy)
    _check_jit_compile(jit_compile, strategy)
    callbacks = _checked_callbacks(callbacks)
    # Callbacks, progress and summaries on the chief only; a stop they ask for, or a
    # SIGTERM to any worker, reaches all.
    cluster = cluster_of(strategy)
    agree = stop_agreement(strategy)
    callbacks = callbacks if cluster.is_chief else []
    if seed is not None:
        seed = check_integer("seed", seed, minimum=0)
        keras.utils.set_random_seed(seed)
    inputs = resolve_inputs(
        data=data,
        loss=loss,
        schedule=schedule,
        ema=ema,
        batch_size=batch_size,
        shuffle=shuffle,
        validation_data=validation_data,
        validation_batch_size=validation_batch_size,
    )
    with strategy.scope():
        parts = build_components(model, inputs, optimizer, metrics, strategy)
    state = LoopState(seed, strategy)
    checkpoints = make_checkpoints(
        checkpoint_dir,
        strategy,
        max_to_keep=max_checkpoints,
        model=model,
        optimizer=parts.optimizer,
        ema=inputs.ema,
        metrics=parts.train_metrics,
        state=state,
    )
    history = checkpoints.restore()
    initial_epoch, initial_batch = state.epoch, state.batch
    steps = Steps(
        model,
        inputs.loss_fn,
        parts.optimizer,
        inputs.ema,
        parts.train_metrics,
        parts.val_metrics,
        strategy,
        jit_compile=jit_mode(
            jit_compile, strategy, parts.optimizer, inputs.ema, model.trainable_variables
        ),
        stop_on_nonfinite=on_nonfinite == "stop",
    )
    if progress and cluster.is_chief:
        print(model_complexity(model))
    writer = None
    if log_dir is not None and cluster.is_chief:
        writer = tf.summary.create_file_writer(os.fspath(log_dir))
    runner = EpochRunner(
        steps,
        inputs.train_data,
        state,
        checkpoints,
        callbacks,
        epochs=epochs,
        steps_per_execution=steps_per_execution
        or min(AUTO_STEPS_PER_EXECUTION, inputs.train_data.steps),
        checkpoint_every=checkpoint_every,
        show=show_progress(progress) and cluster.is_chief,
        writer=writer,
        agree=agree,
        interrupted=lambda: termination.requested,
    )

    for callback in callbacks:
        callback.model, callback.optimizer, callback.stop_training = model, parts.optimizer, False
        callback.on_train_begin({"initial_epoch": initial_epoch, "initial_step": initial_batch})
    termination = TerminationRequests()
    try:
        with termination, reported_lost_workers(cluster, checkpoints):
            for epoch in range(initial_epoch, epochs):
                result = runner.run(epoch, initial_batch if epoch == initial_epoch else 0, history)
                if not result.complete(inputs.train_data.steps):  # stopped inside the epoch
                    break
                logs = _epoch_logs(result, state, parts.train_metrics, on_nonfinite == "skip")
                if inputs.val_data is not None:
                    logs.update(
                        validation_logs(steps, inputs.val_data, state.data_seed, inputs.ema)
                    )
                history.append(logs)
                _write_epoch(writer, epoch, logs)
                state.at(epoch + 1, 0)
                checkpoints.save(history)
                for callback in callbacks:
                    callback.on_epoch_end(epoch, dict(logs))
                stop = any(c.stop_training for c in callbacks) or termination.requested
                if result.stopped or agree(stop):
                    break
            # Every worker gets here at the same step; whether any was sent SIGTERM is agreed.
            if state.epoch < epochs and agree(termination.requested):
                raise TrainingInterrupted(
                    termination.received or signal.SIGTERM,
                    int(parts.optimizer.iterations.numpy()),
                    checkpoints.latest,
                )
    finally:
        if writer is not None:
            writer.close()
    for callback in callbacks:
        callback.on_train_end(history)
    return history
