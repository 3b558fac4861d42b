"""fit: the loop's arithmetic against a hand-written tape loop, its contracts and its errors."""

from __future__ import annotations

import json
import math
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

import tftrain
from tests.training.conftest import sparse_ce
from tftrain.families import family
from tftrain.testing._assertions import assert_close
from tftrain.training import Callback, NonFiniteLossError, fit
from tftrain.training._step import CHECKS, compiled_if, op_types, updates
from tftrain.training._step import jit_mode as _jit_mode


def _hand_loop(model, optimizer, batches, loss_fn, epochs):
    """The reference: one plain GradientTape step per batch, loss = mean over the batch."""
    for _ in range(epochs):
        for x, y, *w in batches:
            with tf.GradientTape() as tape:
                per_example = loss_fn(y, model(x, training=True))
                if w:
                    per_example = per_example * w[0]
                loss = tf.reduce_sum(per_example) / per_example.shape[0]
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))


def _assert_same_weights(a, b, scale=1.0):
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        assert_close(wa, wb, scale=scale)


def _assert_same_history(actual, expected, rel):
    assert list(actual.history) == list(expected.history)
    for key, values in expected.history.items():
        assert actual.history[key] == pytest.approx(values, rel=rel), key


def _fit(model, data, **kwargs):
    kwargs.setdefault("loss", sparse_ce())
    kwargs.setdefault("optimizer", keras.optimizers.Adam(0.01))
    kwargs.setdefault("epochs", 2)
    kwargs.setdefault("progress", False)
    if not isinstance(data, tf.data.Dataset):
        kwargs.setdefault("batch_size", 16)
    return fit(model, data, **kwargs)


# ----------------------------------------------------------------------------- arithmetic
def test_weights_match_a_hand_written_tape_loop_for_arrays_and_datasets(classification, make_model):
    x, y = classification
    w = np.linspace(0.5, 1.5, len(x)).astype("float32")
    from_arrays = make_model()
    _fit(from_arrays, (x, y, w), shuffle=False)
    from_dataset = make_model()
    column = w[:, None]  # (batch, 1) weights, as Keras also takes them
    _fit(from_dataset, tf.data.Dataset.from_tensor_slices((x, y, column)).batch(16))

    reference = make_model()
    batches = [(x[i : i + 16], y[i : i + 16], w[i : i + 16]) for i in range(0, len(x), 16)]
    _hand_loop(reference, keras.optimizers.Adam(0.01), batches, sparse_ce().call, epochs=2)
    _assert_same_weights(from_arrays, reference, scale=10)  # Adam's sqrt: ulps over 12 steps
    _assert_same_weights(from_dataset, reference, scale=10)


def test_keras_losses_plain_functions_and_loss_specs_train_alike(classification, make_model):
    x, y = classification
    losses = [
        {"name": "sparse_categorical_crossentropy", "from_logits": True},
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        lambda y_true, y_pred: tftrain.losses.sparse_categorical_crossentropy(
            y_true, y_pred, from_logits=True
        ),
    ]
    models = []
    for loss in losses:
        models.append(make_model())
        _fit(models[-1], (x, y), loss=loss, epochs=1, seed=0)
    for model in models[1:]:
        _assert_same_weights(model, models[0], scale=10)  # Keras's log-softmax: a few ulps


def test_partial_last_batch_is_averaged_over_its_own_size(classification, make_model):
    x, y = classification
    model = make_model()
    _fit(model, (x[:40], y[:40]), optimizer=keras.optimizers.SGD(0.1), shuffle=False, epochs=1)
    reference = make_model()
    batches = [(x[i : min(i + 16, 40)], y[i : min(i + 16, 40)]) for i in (0, 16, 32)]  # 16, 16, 8
    _hand_loop(reference, keras.optimizers.SGD(0.1), batches, sparse_ce().call, epochs=1)
    _assert_same_weights(model, reference)


def test_loss_and_metrics_are_the_epoch_means_keras_reports(classification, make_model):
    x, y = classification
    model = make_model()
    history = _fit(
        model,
        (x, y),
        optimizer=keras.optimizers.SGD(0.0),
        metrics=["accuracy"],
        epochs=1,
        validation_data=(x, y),
    )
    logits = model(x).numpy()
    expected_loss = float(np.mean(sparse_ce().call(y, logits)))
    expected_accuracy = float(np.mean(np.argmax(logits, 1) == y))
    logs = history.epochs[0]
    assert logs["loss"] == pytest.approx(expected_loss, rel=1e-6)
    assert logs["val_loss"] == pytest.approx(expected_loss, rel=1e-6)
    assert logs["accuracy"] == pytest.approx(expected_accuracy)
    assert logs["val_accuracy"] == pytest.approx(expected_accuracy)


def test_schedule_drives_the_learning_rate_through_iterations(classification, make_model):
    x, y = classification
    schedule = tftrain.schedules.ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5)
    model = make_model()
    optimizer = keras.optimizers.SGD(1.0)
    history = _fit(model, (x, y), optimizer=optimizer, schedule=schedule, epochs=3, shuffle=False)
    steps_per_epoch = 6
    expected = [float(schedule(steps_per_epoch * (e + 1) - 1)) for e in range(3)]
    assert history.history["learning_rate"] == pytest.approx(expected, rel=1e-6)
    assert int(optimizer.iterations) == 18

    reference = make_model()
    batches = [(x[i : i + 16], y[i : i + 16]) for i in range(0, 96, 16)]
    _hand_loop(reference, keras.optimizers.SGD(schedule), batches, sparse_ce().call, epochs=3)
    _assert_same_weights(model, reference)


def test_schedule_spec_and_optimizer_spec_are_resolved(classification, make_model):
    x, y = classification
    history = _fit(
        make_model(),
        (x, y),
        optimizer="sgd",
        epochs=1,
        schedule={"name": "constant", "value": 0.25},
    )
    assert history.history["learning_rate"] == [0.25]


def test_steps_per_execution_does_not_change_the_result(classification, make_model):
    x, y = classification
    reference = make_model()
    _fit(reference, (x[:90], y[:90]), steps_per_execution=6, seed=1)
    for steps_per_execution in (1, 4, None):  # 4 leaves a remainder; None is automatic
        model = make_model()
        _fit(model, (x[:90], y[:90]), steps_per_execution=steps_per_execution, seed=1)
        _assert_same_weights(model, reference)


def test_train_and_eval_functions_each_trace_once_per_run(classification, make_model):
    x, y = classification
    traces = []

    def counting_loss(y_true, y_pred):  # Python runs only when tracing (or eagerly)
        traces.append(tf.executing_eagerly())
        return keras.losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=True)

    _fit(
        make_model(),
        (x[:90], y[:90]),
        loss=counting_loss,
        epochs=3,
        steps_per_execution=4,
        validation_data=(x, y),
        ema=0.9 if hasattr(tftrain.ema, "get") else None,
    )
    # Eager: the first-batch checks of data and validation_data. Traced: train, eval.
    assert traces == [True, True, False, False]


def test_jit_compile_gives_the_same_weights(classification, make_model):
    x, y = classification
    model = make_model()
    _fit(model, (x, y), jit_compile=True, seed=2, epochs=1)
    reference = make_model()
    _fit(reference, (x, y), seed=2, epochs=1)
    _assert_same_weights(model, reference, scale=10)  # XLA may fuse differently


def test_auto_jit_compiles_only_the_updates_and_gives_the_same_weights(classification, make_model):
    x, y = classification
    model = make_model()
    optimizer = keras.optimizers.Adam(0.01)
    ema = tftrain.ema.ExponentialMovingAverage(0.9)
    _fit(model, (x, y), optimizer=optimizer, ema=ema, seed=2, epochs=1)
    assert (
        _jit_mode("auto", tf.distribute.get_strategy(), optimizer, ema, model.trainable_variables)
        == "updates"
    )
    reference = make_model()
    reference_ema = tftrain.ema.ExponentialMovingAverage(0.9)
    _fit(reference, (x, y), ema=reference_ema, seed=2, epochs=1, jit_compile=False)
    _assert_same_weights(model, reference, scale=10)
    for v, r in zip(model.trainable_variables, reference.trainable_variables, strict=True):
        assert_close(ema.average(v), reference_ema.average(r), scale=10)


@pytest.mark.parametrize("jit_compile", [False, "auto"])
def test_the_optimizer_scales_the_loss_and_unscales_the_gradients(
    classification, make_model, jit_compile
):
    x, y = classification
    scaled, plain = make_model(), make_model()
    _fit(
        scaled,
        (x, y),
        optimizer=keras.optimizers.SGD(0.1, loss_scale_factor=1024.0),
        seed=1,
        jit_compile=jit_compile,
    )
    _fit(plain, (x, y), optimizer=keras.optimizers.SGD(0.1), seed=1, jit_compile=jit_compile)
    _assert_same_weights(scaled, plain, scale=10)


def test_mixed_precision_with_a_loss_scale_optimizer_trains_like_float32(classification):
    x, y = classification

    def run(policy):
        keras.mixed_precision.set_global_policy(policy)
        try:
            keras.utils.set_random_seed(0)
            model = keras.Sequential(
                [
                    keras.Input((6,)),
                    keras.layers.Dense(8, activation="tanh"),
                    keras.layers.Dense(3, dtype="float32"),
                ]
            )
            optimizer = keras.optimizers.SGD(0.5)  # not scale-invariant, unlike Adam
            if policy == "mixed_float16":
                optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
            history = _fit(model, (x, y), optimizer=optimizer, epochs=4, seed=0)
        finally:
            keras.mixed_precision.set_global_policy("float32")
        return model, optimizer, history.history["loss"]

    model, optimizer, mixed = run("mixed_float16")
    _, _, full = run("float32")
    assert all(v.dtype == "float32" for v in model.trainable_variables)
    assert float(optimizer.dynamic_scale) > 1.0  # the loss was scaled
    # Unscaled gradients would be 2**15 times too small: no progress at all.
    assert mixed[-1] < 0.8 * mixed[0]
    np.testing.assert_allclose(mixed, full, rtol=0.05)


class _PythonSideOptimizer(keras.optimizers.SGD):
    """SGD whose update goes through ``tf.py_function``, which XLA cannot compile."""

    def update_step(self, gradient, variable, learning_rate):
        step = tf.py_function(lambda g: g * 0.1, [gradient], gradient.dtype)
        variable.assign_sub(tf.reshape(step, variable.shape))


def test_auto_jit_leaves_updates_that_xla_cannot_compile_uncompiled(classification, make_model):
    x, y = classification
    model, optimizer = make_model(), _PythonSideOptimizer()
    optimizer.build(model.trainable_variables)
    strategy = tf.distribute.get_strategy()
    assert _jit_mode("auto", strategy, optimizer, None, model.trainable_variables) == "off"
    assert _jit_mode(True, strategy, optimizer, None, model.trainable_variables) == "step"
    assert _jit_mode(False, strategy, optimizer, None, model.trainable_variables) == "off"
    before = [w.copy() for w in model.get_weights()]
    history = _fit(model, (x, y), optimizer=optimizer, epochs=1)
    assert np.isfinite(history.history["loss"][0])
    assert not all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))


class _CheckingOptimizer(keras.optimizers.SGD):
    """SGD that asserts its gradients are finite, a check XLA would drop."""

    def update_step(self, gradient, variable, learning_rate):
        check = tf.debugging.assert_all_finite(gradient, "gradient must be finite")
        with tf.control_dependencies([check]):
            super().update_step(gradient, variable, learning_rate)


def test_auto_jit_leaves_updates_that_assert_uncompiled_so_the_check_still_raises(
    classification, make_model
):
    x, y = classification
    model, optimizer = make_model(), _CheckingOptimizer(0.1)
    optimizer.build(model.trainable_variables)
    strategy = tf.distribute.get_strategy()
    assert _jit_mode("auto", strategy, optimizer, None, model.trainable_variables) == "off"
    x = x.copy()
    x[0, 0] = np.inf  # an infinite input, so a non-finite gradient in the first step
    with pytest.raises(tf.errors.InvalidArgumentError, match="gradient must be finite"):
        _fit(model, (x, y), optimizer=optimizer, epochs=1, shuffle=False, on_nonfinite="skip")


def test_the_default_compiled_update_holds_no_assertion_for_xla_to_drop(make_model):
    model, optimizer = make_model(), keras.optimizers.Adam(0.01)
    optimizer.build(model.trainable_variables)
    ema = tftrain.ema.ExponentialMovingAverage(0.9, warmup=True)
    probe = compiled_if(updates(optimizer, ema, model.trainable_variables))
    zeros = [tf.zeros(v.shape, v.dtype) for v in model.trainable_variables]
    graph = probe.get_concrete_function(tf.constant(True), zeros).graph
    assert "AssignVariableOp" in op_types(graph) or "AssignSubVariableOp" in op_types(graph)
    assert not CHECKS & op_types(graph)
    # Outside XLA the EMA still checks its step.
    uncompiled = tf.function(updates(optimizer, ema, model.trainable_variables))
    assert "Assert" in op_types(uncompiled.get_concrete_function(zeros).graph)


def test_auto_jit_is_off_with_several_replicas(classification, make_model, two_replicas):
    with two_replicas.scope():
        model, optimizer = make_model(), keras.optimizers.Adam(0.01)
        optimizer.build(model.trainable_variables)
    assert _jit_mode("auto", two_replicas, optimizer, None, model.trainable_variables) == "off"


def test_out_of_range_labels_in_a_later_batch_raise_under_the_default_jit(
    classification, make_model
):
    x, y = classification
    y = y.copy()
    y[40] = 3  # batch 2 of 16; the first-batch check passes
    model = make_model()
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"must be integers in \[0, num_classes\)"
    ):
        _fit(model, (x, y), shuffle=False, epochs=1)


def test_seed_makes_a_run_reproducible_and_shuffles(classification, make_model):
    x, y = classification
    runs = []
    for seed in (7, 7, 8):
        model = make_model()
        _fit(model, (x, y), seed=seed, epochs=1)
        runs.append(model.get_weights())
    for a, b in zip(runs[0], runs[1], strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(runs[0], runs[2], strict=True))


def test_empty_batches_are_not_applied(classification, make_model):
    x, y = classification
    sizes = tf.data.Dataset.from_tensor_slices((x[:32], y[:32])).batch(16)
    empty = tf.data.Dataset.from_tensor_slices((x[:0], y[:0])).batch(16, drop_remainder=False)
    data = sizes.concatenate(tf.data.Dataset.from_tensors((x[:0], y[:0]))).concatenate(empty)
    optimizer = keras.optimizers.Adam(0.01)
    history = _fit(make_model(), data, optimizer=optimizer, epochs=1)
    assert int(optimizer.iterations) == 2
    assert math.isfinite(history.history["loss"][0])


def test_regularization_losses_are_added(make_model):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L2(0.5))]
    )
    x = np.zeros((8, 2), "float32")
    history = fit(
        model,
        (x, np.zeros((8, 1), "float32")),
        loss=keras.losses.MeanSquaredError(),
        optimizer=keras.optimizers.SGD(0.0),
        epochs=1,
        batch_size=8,
        progress=False,
    )
    kernel = model.layers[0].kernel.numpy()
    assert history.history["loss"][0] == pytest.approx(0.5 * float(np.sum(kernel**2)), rel=1e-6)


# ----------------------------------------------------------------------------- EMA
def test_ema_validation_uses_the_averages_and_keeps_the_training_weights(
    classification, make_model, make_ema
):
    x, y = classification
    ema = make_ema(0.5)
    model = make_model()
    history = _fit(model, (x, y), ema=ema, validation_data=(x, y), metrics=["accuracy"], seed=3)
    reference = make_model()
    _fit(reference, (x, y), seed=3)
    _assert_same_weights(model, reference)  # training is untouched by the EMA and its swap

    averages = [ema.average(v) for v in model.trainable_variables]
    assert any(
        not np.allclose(a.numpy(), v.numpy())
        for a, v in zip(averages, model.trainable_variables, strict=True)
    )
    for v, a in zip(model.trainable_variables, averages, strict=True):
        v.assign(a)
    logits = model(x).numpy()
    logs = history.epochs[-1]
    assert logs["ema_val_loss"] == pytest.approx(float(np.mean(sparse_ce().call(y, logits))), 1e-6)
    assert logs["ema_val_accuracy"] == pytest.approx(float(np.mean(np.argmax(logits, 1) == y)))
    assert logs["val_loss"] != pytest.approx(logs["ema_val_loss"], rel=1e-6)


# ----------------------------------------------------------------------------- non-finite loss
def _data_with_nan(x, y, row):
    x = x.copy()
    x[row, 0] = np.nan
    return x, y


def test_nonfinite_loss_stops_naming_the_step_and_keeps_the_last_good_state(
    classification, make_model
):
    x, y = _data_with_nan(*classification, row=40)  # batch 2 (no shuffle)
    model = make_model()
    optimizer = keras.optimizers.Adam(0.01)
    with pytest.raises(NonFiniteLossError, match=r"at step 2 \(epoch 0, batch 2\)") as info:
        _fit(model, (x, y), optimizer=optimizer, shuffle=False, steps_per_execution=4)
    assert info.value.step == 2 and math.isnan(info.value.loss)
    assert int(optimizer.iterations) == 2
    reference = make_model()  # the two good steps only
    _fit(reference, (x[:32], y[:32]), epochs=1, shuffle=False)
    for now, expected in zip(model.get_weights(), reference.get_weights(), strict=True):
        assert np.all(np.isfinite(now))
        assert_close(now, expected)


def test_nonfinite_loss_never_reaches_a_checkpoint(classification, make_model, tmp_path):
    x, y = _data_with_nan(*classification, row=40)  # batch 2 of every epoch
    model = make_model()
    with pytest.raises(NonFiniteLossError, match=r"step 2 \(epoch 0, batch 2\)") as info:
        _fit(
            model,
            (x, y),
            shuffle=False,
            checkpoint_dir=tmp_path,
            checkpoint_every=1,
            steps_per_execution=1,
        )
    latest = tf.train.latest_checkpoint(tmp_path)
    assert latest.endswith("-2") and str(latest) in str(info.value)
    reader = tf.train.load_checkpoint(latest)
    for name in reader.get_variable_to_shape_map():
        value = reader.get_tensor(name)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            assert np.all(np.isfinite(value)), name


def test_nonfinite_skip_policy_skips_the_update_and_counts_it(classification, make_model):
    x, y = _data_with_nan(*classification, row=40)
    model = make_model()
    optimizer = keras.optimizers.Adam(0.01)
    history = _fit(model, (x, y), optimizer=optimizer, shuffle=False, on_nonfinite="skip")
    assert history.history["nonfinite_steps"] == [1.0, 1.0]
    assert int(optimizer.iterations) == 10
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert all(math.isfinite(v) for v in history.history["loss"])


# ----------------------------------------------------------------------------- checkpoints
def test_fit_on_a_checkpoint_directory_resumes_exactly(
    classification, make_model, make_ema, tmp_path
):
    x, y = classification
    first = make_model()
    ema_a = make_ema(0.8)
    _fit(
        first,
        (x, y),
        epochs=2,
        seed=5,
        checkpoint_dir=tmp_path,
        ema=ema_a,
        validation_data=(x, y),
        metrics=["accuracy"],
    )
    resumed = make_model(seed=9)  # different initial weights: the checkpoint must win
    ema_b = make_ema(0.8)
    history = _fit(
        resumed,
        (x, y),
        epochs=4,
        seed=5,
        checkpoint_dir=tmp_path,
        ema=ema_b,
        validation_data=(x, y),
        metrics=["accuracy"],
    )

    straight = make_model()
    ema_c = make_ema(0.8)
    expected = _fit(
        straight, (x, y), epochs=4, seed=5, ema=ema_c, validation_data=(x, y), metrics=["accuracy"]
    )
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    pairs = zip(resumed.trainable_variables, straight.trainable_variables, strict=True)
    for v_resumed, v_straight in pairs:
        np.testing.assert_array_equal(
            ema_b.average(v_resumed).numpy(), ema_c.average(v_straight).numpy()
        )
    assert len(history) == 4
    _assert_same_history(history, expected, rel=1e-12)


def test_a_dataset_resumes_mid_epoch_by_skipping_the_consumed_batches(
    classification, make_model, tmp_path
):
    x, y = classification
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)

    class StopAt(Callback):
        def on_step_end(self, step, logs):
            self.stop_training = step == 8  # epoch 1, batch 2: a mid-epoch checkpoint

    _fit(
        make_model(),
        data,
        epochs=3,
        steps_per_execution=2,
        callbacks=[StopAt()],
        checkpoint_dir=tmp_path,
        metrics=["accuracy"],
    )
    assert tf.train.latest_checkpoint(tmp_path).endswith("-8")
    resumed = make_model(seed=3)
    history = _fit(resumed, data, epochs=3, checkpoint_dir=tmp_path, metrics=["accuracy"])
    straight = make_model()
    expected = _fit(straight, data, epochs=3, metrics=["accuracy"])
    _assert_same_weights(resumed, straight)
    _assert_same_history(history, expected, rel=1e-6)


def test_a_finished_run_resumes_to_nothing(classification, make_model, tmp_path):
    x, y = classification
    model = make_model()
    _fit(model, (x, y), epochs=2, checkpoint_dir=tmp_path)
    again = make_model(seed=4)
    optimizer = keras.optimizers.Adam(0.01)
    history = _fit(again, (x, y), epochs=2, checkpoint_dir=tmp_path, optimizer=optimizer)
    assert len(history) == 2 and int(optimizer.iterations) == 12
    _assert_same_weights(again, model)


def test_a_checkpoint_of_another_model_is_refused(classification, make_model, tmp_path):
    x, y = classification
    _fit(make_model(), (x, y), epochs=1, checkpoint_dir=tmp_path)
    bigger = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="does not match"):
        _fit(bigger, (x, y), epochs=2, checkpoint_dir=tmp_path)


# ----------------------------------------------------------------------------- reporting
def test_history_keys_are_keras_like(classification, make_model, make_ema):
    x, y = classification
    history = _fit(
        make_model(), (x, y), metrics=["accuracy"], validation_data=(x, y), ema=make_ema()
    )
    assert list(history.history) == [
        "loss",
        "accuracy",
        "learning_rate",
        "val_loss",
        "val_accuracy",
        "ema_val_loss",
        "ema_val_accuracy",
    ]
    assert all(len(v) == 2 for v in history.history.values())


def test_callbacks_see_every_execution_and_epoch_and_can_stop(classification, make_model):
    x, y = classification
    seen = []

    class Recorder(Callback):
        def on_train_begin(self, logs):
            seen.append(("begin", logs["initial_epoch"]))

        def on_step_end(self, step, logs):
            seen.append(("step", step, round(logs["learning_rate"], 4)))

        def on_epoch_end(self, epoch, logs):
            seen.append(("epoch", epoch, sorted(logs)))
            self.stop_training = epoch == 1

        def on_train_end(self, history):
            seen.append(("end", len(history)))

    _fit(
        make_model(),
        (x, y),
        epochs=5,
        steps_per_execution=4,
        callbacks=[Recorder()],
        optimizer=keras.optimizers.SGD(0.125),
    )
    assert seen == [
        ("begin", 0),
        ("step", 4, 0.125),
        ("step", 6, 0.125),
        ("epoch", 0, ["learning_rate", "loss"]),
        ("step", 10, 0.125),
        ("step", 12, 0.125),
        ("epoch", 1, ["learning_rate", "loss"]),
        ("end", 2),
    ]


def test_tensorboard_scalars_are_written(classification, make_model, tmp_path):
    x, y = classification
    history = _fit(make_model(), (x, y), log_dir=tmp_path, validation_data=(x, y))
    tags = {}
    for path in tmp_path.glob("events.out.tfevents.*"):
        for record in tf.data.TFRecordDataset(str(path)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                assert value.metadata.plugin_data.plugin_name == "scalars"
                number = tf.make_ndarray(value.tensor)
                tags.setdefault(value.tag, []).append((event.step, float(number)))
    assert tags["epoch/loss"] == [
        (0, pytest.approx(history.history["loss"][0])),
        (1, pytest.approx(history.history["loss"][1])),
    ]
    assert [step for step, _ in tags["epoch/val_loss"]] == [0, 1]
    assert tags["step/learning_rate"] == [(6, pytest.approx(0.01)), (12, pytest.approx(0.01))]


def test_progress_prints_the_complexity_report(classification, make_model, capsys):
    x, y = classification
    _fit(make_model(), (x, y), epochs=1, progress=True)
    out = capsys.readouterr().out
    assert "Model complexity" in out and "83 trainable parameters" in out
    _fit(make_model(), (x, y), epochs=1, progress=False)
    assert capsys.readouterr().out == ""


def test_a_progress_bar_with_loss_and_rate_on_a_terminal_only(
    classification, make_model, capsys, monkeypatch
):
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    x, y = classification
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    _fit(make_model(), (x, y), epochs=1, progress=True, optimizer=keras.optimizers.SGD(0.125))
    assert "Epoch 1/1" in terminal.getvalue() and "lr=0.125" in terminal.getvalue()
    assert "loss=" in terminal.getvalue()
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal: no bar
    _fit(make_model(), (x, y), epochs=1, progress=True)
    assert sys.stderr.getvalue() == ""
    capsys.readouterr()


def test_history_round_trips_through_json_and_csv(classification, make_model, tmp_path):
    x, y = classification
    history = _fit(make_model(), (x, y), validation_data=(x, y))
    history.to_json(tmp_path / "h.json")
    assert json.loads((tmp_path / "h.json").read_text()) == history.epochs
    history.to_csv(tmp_path / "h.csv")
    lines = (tmp_path / "h.csv").read_text().splitlines()
    assert lines[0] == "epoch,loss,learning_rate,val_loss"
    assert float(lines[2].split(",")[1]) == history.history["loss"][1]


# ----------------------------------------------------------------------------- distribution
def test_mirrored_strategy_matches_one_device(classification, make_model, make_ema, two_replicas):
    x, y = classification
    w = np.linspace(0.5, 1.5, len(x)).astype("float32")
    data = (x[:88], y[:88], w[:88])  # a partial last batch of 8: 4 examples per replica
    with two_replicas.scope():
        model = make_model()
        optimizer = keras.optimizers.Adam(0.01)
        ema = make_ema(0.5)
    history = _fit(
        model,
        data,
        optimizer=optimizer,
        strategy=two_replicas,
        ema=ema,
        seed=4,
        metrics=["accuracy"],
        validation_data=(x, y),
    )
    reference = make_model()
    ema_ref = make_ema(0.5)
    expected = _fit(
        reference, data, seed=4, ema=ema_ref, metrics=["accuracy"], validation_data=(x, y)
    )
    _assert_same_weights(model, reference, scale=10)  # two partial sums: a few ulps
    _assert_same_history(history, expected, rel=1e-5)


def test_a_model_built_outside_the_strategy_is_refused(classification, make_model, two_replicas):
    x, y = classification
    with pytest.raises(ValueError, match="outside the strategy's scope"):
        _fit(make_model(), (x, y), strategy=two_replicas)
    with two_replicas.scope():
        model = make_model()
    with pytest.raises(ValueError, match="optimizer` was created outside the strategy's scope"):
        _fit(model, (x, y), strategy=two_replicas, optimizer=keras.optimizers.Adam())
    with pytest.raises(ValueError, match="`jit_compile=True` is not supported"):
        _fit(model, (x, y), strategy=two_replicas, jit_compile=True)


# ----------------------------------------------------------------------------- bad input
def _refused(model, data, error, match, **kwargs):
    optimizer = kwargs.setdefault("optimizer", keras.optimizers.Adam(0.01))
    with pytest.raises(error, match=match):
        _fit(model, data, **kwargs)
    assert int(optimizer.iterations) == 0  # nothing ran


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": 0}, ValueError, r"Argument `epochs` must be >= 1. Received: epochs=0"),
        ({"epochs": 1.5}, TypeError, "Argument `epochs` must be an integer"),
        ({"steps_per_execution": 0}, ValueError, "`steps_per_execution` must be >= 1"),
        ({"jit_compile": "always"}, TypeError, 'must be True, False or "auto"'),
        ({"on_nonfinite": "ignore"}, ValueError, r"`on_nonfinite`. Expected one of \['stop'"),
        ({"schedule": "warmup_cosine"}, ValueError, "Unknown schedule 'warmup_cosine'"),
        ({"schedule": [0.1, 0.2]}, TypeError, "as a schedule"),
        ({"ema": "fast"}, ValueError, "Unknown ema 'fast'"),
        ({"ema": 1.5}, ValueError, r"`decay` must be in \[0.0, 1.0\)"),
        ({"ema": keras.optimizers.Adam()}, TypeError, "as an ema"),
        ({"loss": 3}, TypeError, "Argument `loss` must be"),
        (
            {
                "optimizer": keras.optimizers.SGD(
                    keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
                ),
                "schedule": 0.1,
            },
            ValueError,
            "both set the learning rate",
        ),
        ({"callbacks": [print]}, TypeError, "Argument `callbacks`"),
        ({"batch_size": None}, ValueError, "`batch_size` is required"),
        ({"metrics": [42]}, TypeError, "Argument `metrics`"),
    ],
)
def test_bad_arguments_fail_before_any_step(classification, make_model, kwargs, error, match):
    _refused(make_model(), classification, error, match, **kwargs)


def test_data_that_does_not_fit_the_model_is_refused(classification, make_model):
    x, y = classification
    _refused(make_model(), (x[:, :4], y), ValueError, r"x has shape \(16, 4\).*expects \(None, 6\)")


def test_data_that_does_not_fit_a_subclassed_model_is_refused(classification):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(3)

        def call(self, x):
            return self.dense(tf.reshape(x, (-1, 6)))

    x, y = classification
    _refused(Net(), (x[:, :4], y), ValueError, "does not fit the model.*failed")


def test_a_loss_that_reduces_is_refused(classification, make_model):
    _refused(
        make_model(),
        classification,
        ValueError,
        r"per-example.*returned shape \(\)",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True).__call__,
    )


def test_labels_of_the_wrong_shape_for_the_loss_are_refused(classification, make_model):
    x, _ = classification
    _refused(
        make_model(),
        (x, np.zeros((96, 5), "float32")),
        ValueError,
        "loss .* failed on the first batch",
        loss=keras.losses.MeanSquaredError(),
    )


def test_string_labels_are_refused(classification, make_model):
    x, y = classification
    _refused(make_model(), (x, y.astype(str)), TypeError, "must be numeric.*dtype string")


def test_float_labels_for_a_sparse_loss_are_refused(classification, make_model):
    x, y = classification
    _refused(make_model(), (x, y.astype("float32")), TypeError, "integer class ids.*float32")


def test_unbatched_or_malformed_datasets_are_refused(classification, make_model):
    x, y = classification
    _refused(
        make_model(), tf.data.Dataset.from_tensor_slices((x, y)), ValueError, r"x has shape \(6,\)"
    )
    _refused(
        make_model(),
        tf.data.Dataset.from_tensor_slices(x).batch(4),
        ValueError,
        r"must yield tuples \(x, y\)",
    )
    _refused(
        make_model(),
        tf.data.Dataset.from_tensor_slices((x, y)).batch(4).repeat(),
        ValueError,
        "infinite dataset",
    )
    _refused(
        make_model(),
        tf.data.Dataset.from_tensor_slices((x, y)).batch(4),
        ValueError,
        "`batch_size` must be None",
        batch_size=4,
    )


# ----------------------------------------------------------------------------- declared kind
def test_integer_labels_follow_the_declared_kind_not_the_name(classification, make_model):
    x, y = classification
    floats = y.astype("float32")

    def ce_ids(y_true, y_pred):
        return keras.losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=True)

    def my_sparse(y_true, y_pred):
        return ce_ids(y_true, y_pred)

    # Unregistered callables declare no kind: their labels pass as given, whatever the name.
    for loss in (ce_ids, my_sparse):
        _fit(make_model(), (x, floats), loss=loss, epochs=1)
    tftrain.losses.register("ce_ids_for_test", kind="sparse_categorical")(ce_ids)
    try:
        _refused(make_model(), (x, floats), TypeError, "must be integer class ids", loss=ce_ids)
        _refused(make_model(), (x, floats), TypeError, "integer class ids", loss="ce_ids_for_test")
        _fit(make_model(), (x, y), loss=ce_ids, epochs=1)
    finally:
        family("loss").unregister("ce_ids_for_test")


@pytest.mark.parametrize(
    "kind",
    [
        tf.distribute.experimental.ParameterServerStrategy,
        tf.distribute.TPUStrategy,
        tf.distribute.experimental.CentralStorageStrategy,
    ],
)
def test_unsupported_strategies_are_refused_naming_the_supported_ones(
    classification, make_model, kind
):
    strategy = object.__new__(kind)  # no cluster or TPU here; fit refuses it by its type
    message = (
        f"Argument `strategy`: {kind.__name__} is not supported by tftrain.training.fit. "
        "Supported and tested: the default strategy, tf.distribute.MirroredStrategy and "
        "tf.distribute.MultiWorkerMirroredStrategy"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        _fit(make_model(), classification, strategy=strategy)


def test_a_one_replica_strategy_trains_with_the_default_jit(classification, make_model):
    # Its update all-reduces through merge_call, which the compiled update cannot hold: "off".
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with strategy.scope():
        model = make_model()
        optimizer = keras.optimizers.Adam(0.01)
    history = _fit(model, classification, optimizer=optimizer, strategy=strategy, epochs=1)
    reference = make_model()
    _fit(reference, classification, epochs=1)
    _assert_same_weights(model, reference, scale=10)
    assert len(history) == 1
