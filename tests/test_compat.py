"""Each private Keras/TensorFlow name in ``tftrain._compat`` still exists and means the same.

A failure here names the function whose Keras or TensorFlow internals moved.
"""

from __future__ import annotations

import inspect

import keras
import numpy as np
import tensorflow as tf

from tftrain import _compat


def test_the_xla_context_test_exists_and_sees_jit_compile():
    assert _compat.HAS_XLA_CONTEXT_TEST, "tensorflow.python...control_flow_util is gone"
    seen = []

    def record():
        seen.append(_compat.in_xla_context())
        return tf.constant(0.0)

    tf.function(record, jit_compile=True)()
    tf.function(record)()
    record()
    assert seen == [True, False, False]


def test_strategy_supports_no_merge_call_tells_default_from_mirrored():
    assert _compat.strategy_supports_no_merge_call() is True
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    seen = []

    def replica():
        seen.append(_compat.strategy_supports_no_merge_call())
        return tf.constant(0.0)

    strategy.run(tf.function(replica))
    assert seen and not any(seen)


def test_learning_rate_source_is_the_schedule_not_its_value():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    optimizer = keras.optimizers.SGD(schedule)
    assert _compat.learning_rate_source(optimizer) is schedule
    constant = _compat.learning_rate_source(keras.optimizers.SGD(0.25))
    assert isinstance(constant, keras.Variable) and float(constant) == 0.25


def test_set_learning_rate_schedule_keeps_the_optimizer_checkpointable(tmp_path):
    variable = keras.Variable(np.ones(3, "float32"))
    optimizer = keras.optimizers.Adam(0.1)
    optimizer.build([variable])
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    _compat.set_learning_rate_schedule(optimizer, schedule)
    assert _compat.learning_rate_source(optimizer) is schedule
    optimizer.apply_gradients([(tf.ones(3), variable)])
    tf.train.Checkpoint(optimizer=optimizer).save(str(tmp_path / "ckpt"))


def test_optimizer_strategy_is_the_scope_it_was_created_in():
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        inside = keras.optimizers.SGD(0.1)
    outside = keras.optimizers.SGD(0.1)
    assert _compat.optimizer_strategy(inside, None) is strategy
    assert _compat.optimizer_strategy(outside, None) is tf.distribute.get_strategy()
    assert hasattr(inside, "_distribution_strategy"), "Keras no longer records the strategy"


def test_variable_storage_is_the_tf_variable_even_under_autocast():
    variable = keras.Variable(np.ones(2, "float32"))
    storage = _compat.variable_storage(variable)
    assert isinstance(storage, tf.Variable)
    with keras.src.backend.AutocastScope("float16"):
        assert not isinstance(variable.value, tf.Variable)  # the case this function exists for
        assert _compat.variable_storage(variable) is storage


def test_loss_wrapper_kwargs_reads_a_keras_loss_settings():
    loss = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)
    kwargs = _compat.loss_wrapper_kwargs(loss)
    assert kwargs is not None, "keras LossFunctionWrapper no longer keeps `_fn_kwargs`"
    assert kwargs["from_logits"] is True and kwargs["label_smoothing"] == 0.1
    assert _compat.loss_wrapper_kwargs(lambda y, p: y - p) is None


def test_scalar_summary_metadata_marks_a_tensorboard_scalar(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=3):
        tf.summary.write("x", tf.constant(1.5), metadata=_compat.SCALAR_SUMMARY_METADATA)
    writer.close()
    (path,) = tmp_path.iterdir()
    events = [tf.compat.v1.Event.FromString(r.numpy()) for r in tf.data.TFRecordDataset(str(path))]
    values = [v for e in events for v in e.summary.value]
    assert [(v.tag, v.metadata.plugin_data.plugin_name) for v in values] == [("x", "scalars")]


def test_a_tape_may_record_only_under_a_recording_tape():
    assert _compat.HAS_RECORDING_TEST, (
        "tensorflow.python.eager.record.could_possibly_record is gone"
    )
    assert not _compat.a_tape_may_record()
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        assert _compat.a_tape_may_record()
        with tape.stop_recording():
            assert not _compat.a_tape_may_record()


def test_the_coordination_service_configuration_exists():
    from tensorflow.compiler.xla.tsl.protobuf import coordination_config_pb2
    from tensorflow.python.eager import context

    parameters = inspect.signature(context.context().configure_coordination_service).parameters
    assert {"cluster_register_timeout_in_ms", "heartbeat_timeout_in_ms", "coordinated_jobs"} <= set(
        parameters
    )
    assert coordination_config_pb2.CoordinatedJob(name="worker", num_tasks=2).num_tasks == 2


def test_is_default_strategy_inside_and_outside_scopes(two_replicas):
    assert _compat.is_default_strategy(tf.distribute.get_strategy())
    with two_replicas.scope():
        assert not _compat.is_default_strategy(tf.distribute.get_strategy())
        assert not _compat.is_default_strategy(two_replicas)


def test_the_loss_mask_is_the_one_keras_reductions_read():
    losses = tf.constant([1.0, 3.0, 100.0])
    _compat.set_loss_mask(losses, tf.constant([True, True, False]))
    assert _compat.loss_mask(losses).numpy().tolist() == [True, True, False]
    assert _compat.loss_mask(tf.constant([1.0])) is None

    class Masked(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return losses

    assert float(Masked()(tf.zeros(3), tf.zeros(3))) == 2.0  # (1 + 3) / 2: Keras read the mask


def test_write_checkpoint_state_names_the_newest_and_keeps_paths_relative(tmp_path):
    variable = tf.Variable(1.0)
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=variable), tmp_path, max_to_keep=3)
    first, second = manager.save(), manager.save()
    _compat.write_checkpoint_state(str(tmp_path), first, [first])
    state = tf.train.get_checkpoint_state(tmp_path)
    assert state.model_checkpoint_path == first and list(state.all_model_checkpoint_paths) == [
        first
    ]
    assert str(tmp_path) not in (tmp_path / "checkpoint").read_text()  # relative
    assert second != first
