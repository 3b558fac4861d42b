"""Every private Keras and TensorFlow name tftrain reaches, behind one named function each.

Keras and TensorFlow may rename or drop any of these in a release. Keeping them
here means one module to fix, and ``tests/test_compat.py`` checks each against
the installed versions so that such a release fails there, by name, rather than
somewhere inside a training run.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf
from tensorflow.core.framework import summary_pb2
from tensorflow.python.checkpoint import checkpoint_management as _checkpoint_management

try:  # TensorFlow's own test for "inside tf.function(jit_compile=True)"
    from tensorflow.python.framework import ops as _ops
    from tensorflow.python.ops import control_flow_util as _control_flow_util
except ImportError:  # pragma: no cover - tests/test_compat.py fails when this happens
    _control_flow_util = None

try:  # whether any tape records here; TensorFlow's own test
    from tensorflow.python.eager.record import could_possibly_record as _could_possibly_record
except ImportError:  # pragma: no cover - tests/test_compat.py fails when this happens
    _could_possibly_record = None

#: Whether this TensorFlow has the internal test behind :func:`a_tape_may_record`.
HAS_RECORDING_TEST = _could_possibly_record is not None

#: Whether this TensorFlow has the internal test behind :func:`in_xla_context`.
HAS_XLA_CONTEXT_TEST = _control_flow_util is not None


def in_xla_context() -> bool:
    """True while building a graph that XLA will compile (``tf.function(jit_compile=True)``).

    False eagerly, in plain graphs, and on a TensorFlow without the internal
    test (see :data:`HAS_XLA_CONTEXT_TEST`).
    """
    if _control_flow_util is None or tf.executing_eagerly():
        return False
    return bool(_control_flow_util.GraphOrParentsInXlaContext(_ops.get_default_graph()))


def a_tape_may_record() -> bool:
    """Whether a gradient tape may record the ops run here (True when unsure).

    Without TensorFlow's internal test (see :data:`HAS_RECORDING_TEST`) the
    answer is always True: callers then recompute what a tape might need,
    which is correct, only slower.
    """
    return True if _could_possibly_record is None else bool(_could_possibly_record())


def strategy_supports_no_merge_call() -> bool:
    """Whether the current strategy runs replica code without ``merge_call`` synchronisation."""
    return bool(tf.__internal__.distribute.strategy_supports_no_merge_call())


def learning_rate_source(optimizer: keras.optimizers.Optimizer) -> Any:
    """What sets the learning rate: a ``LearningRateSchedule``, a variable or a callable.

    Keras's public ``optimizer.learning_rate`` is the current value; the
    schedule itself is kept in a private attribute.
    """
    return optimizer._learning_rate


def set_learning_rate_schedule(
    optimizer: keras.optimizers.Optimizer,
    schedule: keras.optimizers.schedules.LearningRateSchedule,
) -> None:
    """Makes ``schedule`` ``optimizer``'s learning rate, keeping the optimizer checkpointable.

    Keras drops the old rate variable from its variable list in place, which
    leaves a list that ``tf.train.Checkpoint`` refuses to save; a fresh copy of
    it is append-only again.
    """
    optimizer.learning_rate = schedule
    optimizer._variables = list(optimizer._variables)


def optimizer_strategy(optimizer: keras.optimizers.Optimizer, default: Any) -> Any:
    """The ``tf.distribute.Strategy`` ``optimizer`` was created under, else ``default``."""
    return getattr(optimizer, "_distribution_strategy", default)


def variable_storage(variable: keras.Variable) -> tf.Variable:
    """The ``tf.Variable`` that stores a Keras 3 variable, even inside an autocast scope.

    ``variable.value`` is a cast tensor inside ``keras.mixed_precision``'s
    autocast scope; the storage is needed to assign to it or to key it.
    """
    inner = variable.value
    return inner if isinstance(inner, tf.Variable) else variable._value


def loss_wrapper_kwargs(loss: Any) -> dict[str, Any] | None:
    """The keyword arguments a Keras ``LossFunctionWrapper`` passes its function, else None."""
    kwargs = getattr(loss, "_fn_kwargs", None)
    return kwargs if isinstance(kwargs, dict) else None


def set_loss_mask(losses: tf.Tensor, mask: tf.Tensor) -> None:
    """Marks which of ``losses`` count, as Keras's own losses do (``ignore_class``).

    ``keras.losses.Loss.__call__`` reads the mark and leaves the unmarked
    losses out of its mean; so does tftrain's ``fit`` (:func:`loss_mask`).
    Keras keeps it in a private tensor attribute.
    """
    keras.src.backend.set_keras_mask(losses, mask)


def loss_mask(losses: Any) -> tf.Tensor | None:
    """The mask a loss set on its per-example ``losses`` (:func:`set_loss_mask`), or None."""
    return keras.src.backend.get_keras_mask(losses)  # type: ignore[no-any-return]


#: Marks a summary as a TensorBoard scalar, so ``tensorboard`` need not be installed to write one.
SCALAR_SUMMARY_METADATA = summary_pb2.SummaryMetadata(
    plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"),
    data_class=summary_pb2.DATA_CLASS_SCALAR,
)


def configure_coordination_service(
    cluster: dict[str, list[str]], *, register_timeout_ms: int, heartbeat_timeout_ms: int
) -> None:
    """Sets how long TensorFlow's coordination service waits for a worker to join or to answer.

    ``MultiWorkerMirroredStrategy`` configures the service itself (waiting an
    hour for a worker that never comes up) unless it is configured already;
    there is no public way to pass these timeouts. Call it before the strategy
    is created, with ``cluster`` the ``TF_CONFIG`` cluster (job name -> addresses).
    """
    from tensorflow.compiler.xla.tsl.protobuf import coordination_config_pb2
    from tensorflow.python.eager import context

    jobs = [job for job in ("chief", "worker") if cluster.get(job)]
    context.context().configure_coordination_service(
        service_type="standalone",
        service_leader=f"/job:{jobs[0]}/replica:0/task:0",
        coordinated_jobs=[
            coordination_config_pb2.CoordinatedJob(name=job, num_tasks=len(cluster[job]))
            for job in jobs
        ],
        cluster_register_timeout_in_ms=register_timeout_ms,
        heartbeat_timeout_in_ms=heartbeat_timeout_ms,
    )


def is_default_strategy(strategy: Any) -> bool:
    """Whether ``strategy`` is TensorFlow's default (no-op) strategy, inside a scope or not.

    ``tf.distribute.get_strategy()`` answers the strategy of the current scope;
    the default one itself has no public name.
    """
    from tensorflow.python.distribute import distribute_lib

    return strategy is distribute_lib._get_default_strategy()


def write_checkpoint_state(directory: str, newest: str, all_paths: list[str]) -> None:
    """Rewrites ``directory``'s ``checkpoint`` state file to name ``newest`` and ``all_paths``.

    The writer ``tf.train.CheckpointManager`` itself uses (relative paths, so a
    run folder can move); the public ``tf.compat.v1`` one prints a deprecation
    warning on the user's terminal.
    """
    _checkpoint_management.update_checkpoint_state_internal(
        directory, newest, all_model_checkpoint_paths=all_paths, save_relative_paths=True
    )
