"""ExponentialMovingAverage: TensorFlow's numbers, the laws, contexts, dtypes, errors."""

from __future__ import annotations

import contextlib
import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import example, given
from hypothesis import strategies as st

from tests.ema.conftest import small_model, tensorflow_shadows
from tftrain.ema import ExponentialMovingAverage
from tftrain.ema import _updater as updater_module
from tftrain.ema._updater import fused_update as _fused_update
from tftrain.testing import assert_close

finite = st.floats(-1e3, 1e3, allow_nan=False, width=32)
decays = st.floats(0.0, 0.999)


def bits(x: tf.Tensor | tf.Variable) -> bytes:
    """The exact bytes of a tensor's value, for bit-for-bit comparisons."""
    return tf.convert_to_tensor(x).numpy().tobytes()


def run_updates(ema, variable, values, steps, mode):
    """Sets ``variable`` to each value and applies (eagerly or in one tf.function)."""

    def update(value, step):
        variable.assign(value)
        ema.apply([variable], step=step)

    if mode == "function":
        update = tf.function(update)
    out = []
    for i, value in enumerate(values):
        step = None if steps is None else tf.constant(steps[i], tf.int64)
        update(tf.constant(value, variable.dtype), step)
        out.append(ema.average(variable).numpy())
    return out


# --------------------------------------------------------------------- numbers
def test_classic_demonstration_matches_tensorflow():
    w = tf.Variable(0.0, name="w")
    ema = ExponentialMovingAverage(0.99)
    ema.build([w])
    assert float(ema.average(w)) == 0.0
    ours = run_updates(ema, w, [1.0] + [10.0] * 7, [0] + [100] * 7, "eager")
    theirs = tensorflow_shadows(0.0, [1.0] + [10.0] * 7, [0] + [100] * 7, 0.99)
    assert_close(np.array(ours), np.array(theirs))
    # By hand: 0.9 (decay 0.1), then decay 101/110 towards 10.
    expected = [0.9]
    for _ in range(7):
        expected.append(expected[-1] - (1 - 101 / 110) * (expected[-1] - 10.0))
    assert_close(np.array(ours), np.array(expected), scale=4)  # float32 vs exact arithmetic
    assert ours[0] == pytest.approx(0.9) and 4.9 < ours[-1] < 5.0


@pytest.mark.parametrize("mode", ["eager", "function"])
@given(
    initial=finite,
    updates=st.lists(st.tuples(finite, st.integers(0, 10**6)), min_size=1, max_size=6),
    decay=decays,
    warmup=st.booleans(),
    counted=st.booleans(),
)
def test_shadows_equal_tensorflows_for_any_values_and_steps(
    mode, initial, updates, decay, warmup, counted
):
    values = [v for v, _ in updates]
    steps = None if counted else [s for _, s in updates]
    variable = tf.Variable(initial, name="x")
    ema = ExponentialMovingAverage(decay, warmup=warmup)
    ema.build([variable])
    ours = run_updates(ema, variable, values, steps, mode)
    theirs = tensorflow_shadows(initial, values, steps, decay, warmup=warmup)
    # Float32 rounding of values this large (cancellation makes relative error meaningless).
    magnitude = max(1.0, abs(initial), *(abs(v) for v in values))
    assert_close(np.array(ours), np.array(theirs), scale=4 * magnitude)


def test_float64_variables_keep_float64_shadows_and_match_tensorflow():
    x = tf.Variable([1.0, -2.0], dtype=tf.float64, name="x")
    ema = ExponentialMovingAverage(0.9)
    ema.build([x])
    values = [np.array([3.0, 4.0]), np.array([-1.0, 0.5])]
    ours = run_updates(ema, x, values, [0, 5], "eager")
    theirs = tensorflow_shadows(np.array([1.0, -2.0]), values, [0, 5], 0.9, dtype=tf.float64)
    assert ema.average(x).dtype == tf.float64
    assert_close(np.array(ours), np.array(theirs), dtype=tf.float64)


def test_non_finite_values_propagate_as_in_tensorflow():
    x = tf.Variable([0.0, 0.0, 0.0], name="x")
    ema = ExponentialMovingAverage(0.5, warmup=False)
    ema.build([x])
    values = [np.array([np.inf, -np.inf, np.nan], np.float32), np.array([1.0, 1.0, 1.0])]
    ours = run_updates(ema, x, values, None, "eager")
    theirs = tensorflow_shadows(np.zeros(3), values, None, 0.5, warmup=False)
    np.testing.assert_array_equal(ours[0], [np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(np.array(ours), np.array(theirs))


def test_first_apply_initialises_from_the_variable_then_updates():
    x = tf.Variable(2.0, name="x")
    ema = ExponentialMovingAverage(0.9, warmup=False)
    ema.apply([x])  # shadow created at 2, updated towards 2: stays 2
    x.assign(12.0)
    ema.apply([x])
    assert float(ema.average(x)) == pytest.approx(2.0 + 0.1 * 10.0, rel=1e-6)


# ------------------------------------------------------------------------ laws
@given(
    initial=finite,
    updates=st.lists(st.tuples(finite, st.integers(0, 50)), min_size=1, max_size=8),
    decay=decays,
)
def test_shadow_lies_within_the_range_of_past_values(initial, updates, decay):
    x = tf.Variable(initial, name="x")
    ema = ExponentialMovingAverage(decay)
    ema.build([x])
    seen = [initial]
    for value, step in updates:
        x.assign(value)
        seen.append(value)
        ema.apply([x], step=step)
        shadow = float(ema.average(x))
        slack = 1e-6 * max(abs(min(seen)), abs(max(seen)), 1.0)  # float32 rounding
        assert min(seen) - slack <= shadow <= max(seen) + slack


@given(start=finite, target=finite, decay=st.floats(0.0, 0.95))
def test_a_constant_variables_shadow_converges_to_it_geometrically(start, target, decay):
    x = tf.Variable(start, name="x")
    ema = ExponentialMovingAverage(decay, warmup=False)
    ema.build([x])
    x.assign(target)
    for k in range(1, 31):
        ema.apply([x])
        gap = abs(float(ema.average(x)) - target)
        bound = float(decay) ** k * abs(start - target) + 1e-6 * max(abs(start), abs(target), 1)
        assert gap <= bound * (1 + 1e-5)


def float32_rule(decay: float, n: int) -> float:
    """The warm-up rule computed as TensorFlow does it, in float32."""
    n32 = np.float32(n)
    return float(min(np.float32(decay), (np.float32(1) + n32) / (np.float32(10) + n32)))


@given(decay=decays, step=st.integers(0, 2**40), warmup=st.booleans())
def test_effective_decay_equals_the_rule_and_never_exceeds_decay(decay, step, warmup):
    # A float64 shadow at 0 updated once towards 1 holds exactly 1 - decay_n (float32).
    x = tf.Variable(0.0, dtype=tf.float64, name="x")
    ema = ExponentialMovingAverage(decay, warmup=warmup)
    ema.build([x])
    x.assign(1.0)
    ema.apply([x], step=step)
    effective = 1.0 - float(ema.average(x))
    rule = float32_rule(decay, step) if warmup else float(np.float32(decay))
    expected_shadow = float(np.float32(1.0) - np.float32(rule))
    assert float(ema.average(x)) == expected_shadow
    assert effective <= float(np.float32(decay)) + 1e-7


def test_without_a_step_the_count_of_earlier_applies_is_the_step():
    x = tf.Variable(0.0, dtype=tf.float64, name="x")
    ema = ExponentialMovingAverage(0.99)
    ema.build([x])
    effective = []
    for _ in range(4):
        before = float(ema.average(x))
        x.assign(before + 1.0)
        ema.apply([x])
        effective.append(1.0 - (float(ema.average(x)) - before))
    expected = [
        float(np.float32(1) - (np.float32(1) - np.float32(float32_rule(0.99, n)))) for n in range(4)
    ]
    assert_close(np.array(effective), np.array(expected), dtype=tf.float32)
    assert effective[0] == pytest.approx(0.1, rel=1e-6)  # n = 0: (1 + 0) / (10 + 0)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("raise_inside", [False, True])
@given(
    pairs=st.lists(
        st.tuples(st.floats(-1e4, 1e4, width=16), st.floats(width=16)), min_size=1, max_size=4
    )
)
@example(pairs=[(1.0, -0.0), (2.0, float("nan")), (3.0, float("-inf")), (4.0, 5.0)])
def test_swapped_restores_training_values_bit_for_bit(dtype, raise_inside, pairs):
    # Training values may be -0.0, infinite or NaN: restoring must not go through arithmetic.
    x = tf.Variable([p[0] for p in pairs], dtype=dtype, name="x")
    ema = ExponentialMovingAverage(0.9)
    ema.build([x])
    x.assign(tf.cast([p[1] for p in pairs], dtype))
    ema.apply([x])
    before = bits(x)
    inside = None
    expect = (
        pytest.raises(RuntimeError, match=r"boom") if raise_inside else contextlib.nullcontext()
    )
    with expect, ema.swapped([x]):
        inside = x.numpy().copy()
        x.assign_add(tf.ones_like(x))  # the body may even change the variable
        if raise_inside:
            raise RuntimeError("boom")
    assert bits(x) == before
    shadow_as_variable = tf.cast(ema.average(x), dtype).numpy()
    np.testing.assert_array_equal(inside.astype(np.float64), shadow_as_variable.astype(np.float64))


def test_copy_to_writes_the_shadows_for_good():
    x = tf.Variable([1.0, 2.0], name="x")
    ema = ExponentialMovingAverage(0.5, warmup=False)
    ema.build([x])
    x.assign([3.0, 6.0])
    ema.apply([x])
    ema.copy_to([x])
    np.testing.assert_array_equal(x.numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(ema.average(x).numpy(), [2.0, 4.0])


# ---------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("dtype", [tf.float16, tf.bfloat16])
def test_low_precision_variables_keep_float32_shadows(dtype):
    x = tf.Variable(1.0, dtype=dtype, name="x")
    ema = ExponentialMovingAverage(0.99, warmup=False)
    ema.build([x])
    nudged = tf.cast(1.0 + 2.0**-7, dtype)  # representable in both half formats
    x.assign(nudged)
    for _ in range(3):
        ema.apply([x])
    shadow = ema.average(x)
    assert shadow.dtype == tf.float32
    expected = 1.0 + (1 - 0.99**3) * 2.0**-7  # a step a half-precision shadow could not take
    assert_close(shadow, expected)
    assert tf.cast(tf.cast(expected, dtype), tf.float32).numpy() != pytest.approx(
        expected, abs=1e-7
    )
    with ema.swapped([x]):
        assert x.dtype == dtype
    ema.copy_to([x])
    assert x.numpy() == tf.cast(shadow, dtype).numpy()


# ------------------------------------------------------------ keras and naming
def test_keras_variables_get_shadows_keyed_by_path():
    model = small_model()
    ema = ExponentialMovingAverage(0.9)
    ema.apply(model.trainable_variables)
    assert list(ema.averages()) == [v.path for v in model.trainable_variables]
    for v in model.trainable_variables:
        shadow = ema.average(v)
        assert not shadow.trainable
        assert shadow is ema.average(v.value)  # the Keras variable and its storage: one shadow
        np.testing.assert_array_equal(shadow.numpy(), v.numpy())
    assert ema.trainable_variables == ()


def test_evaluating_with_swapped_weights_uses_the_averages():
    model = small_model()
    x = tf.random.normal((5, 3))
    ema = ExponentialMovingAverage(0.5, warmup=False)
    ema.build(model.trainable_variables)
    raw = model(x).numpy()
    for v in model.trainable_variables:
        v.assign(v * 3.0)
    ema.apply(model.trainable_variables)  # shadows = 2 * original
    with ema.swapped(model.trainable_variables):
        averaged = model(x).numpy()
    for v in model.trainable_variables:
        v.assign(v / 3.0 * 2.0)
    assert_close(averaged, model(x).numpy(), scale=4)
    assert not np.allclose(averaged, raw)


def test_empty_variable_list_only_counts():
    x = tf.Variable(0.0, dtype=tf.float64, name="x")
    ema = ExponentialMovingAverage(0.99)
    ema.apply([])
    ema.apply([])
    ema.build([x])
    x.assign(1.0)
    ema.apply([x])  # third call: n = 2, decay 3/12
    assert float(ema.average(x)) == pytest.approx(1 - 0.25, rel=1e-6)
    assert ema.averages().keys() == {"x"}


# -------------------------------------------------------------------- contexts
@pytest.mark.parametrize("jit_compile", [False, True])
@pytest.mark.parametrize("counted", [False, True])
def test_one_trace_across_steps_and_same_numbers_as_eager(jit_compile, counted):
    traced = []
    model = small_model()
    optimizer = keras.optimizers.SGD(0.1)
    optimizer.build(model.trainable_variables)
    ema = ExponentialMovingAverage(0.9)
    ema.build(model.trainable_variables)
    twin = small_model()
    for a, b in zip(twin.trainable_variables, model.trainable_variables, strict=True):
        a.assign(b)
    twin_optimizer = keras.optimizers.SGD(0.1)
    twin_ema = ExponentialMovingAverage(0.9)
    twin_ema.build(twin.trainable_variables)

    def train_step(net, opt, tracker, x):
        traced.append(1)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(net(x) ** 2)
        opt.apply(tape.gradient(loss, net.trainable_variables), net.trainable_variables)
        tracker.apply(net.trainable_variables, step=None if counted else opt.iterations)

    compiled = tf.function(train_step, jit_compile=jit_compile)
    x = tf.random.normal((8, 3))
    for _ in range(4):
        compiled(model, optimizer, ema, x)
        train_step(twin, twin_optimizer, twin_ema, x)
    assert len(traced) == 1 + 4  # one trace, then the four eager twin steps
    for a, b in zip(ema.averages().values(), twin_ema.averages().values(), strict=True):
        assert_close(a, b, scale=10)
    assert any(
        not np.allclose(s.numpy(), v.numpy())
        for s, v in zip(ema.averages().values(), model.trainable_variables, strict=True)
    )


def test_shadows_created_inside_a_function_on_first_call():
    x = tf.Variable([1.0, 2.0], name="x")
    ema = ExponentialMovingAverage(0.5, warmup=False)

    @tf.function
    def step(value):
        x.assign(value)
        ema.apply([x])

    step(tf.constant([1.0, 2.0]))
    step(tf.constant([3.0, 4.0]))
    np.testing.assert_array_equal(ema.average(x).numpy(), [2.0, 3.0])


def test_mirrored_shadows_agree_across_replicas_and_match_one_device(two_replicas):
    with two_replicas.scope():
        model = small_model()
        optimizer = keras.optimizers.SGD(0.1)
        ema = ExponentialMovingAverage(0.9)
    single = small_model()
    for a, b in zip(single.trainable_variables, model.trainable_variables, strict=True):
        a.assign(b)
    single_optimizer = keras.optimizers.SGD(0.1)
    single_ema = ExponentialMovingAverage(0.9)
    with two_replicas.scope():
        ema.build(model.trainable_variables)  # shadows start at the initial weights
    single_ema.build(single.trainable_variables)
    x = tf.random.normal((8, 3))
    dataset = two_replicas.experimental_distribute_dataset(tf.data.Dataset.from_tensors(x).repeat())

    def replica_step(batch):
        with tf.GradientTape() as tape:
            per_example = tf.reduce_mean(model(batch) ** 2, axis=-1)
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=8)
        optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
        ema.apply(model.trainable_variables)

    @tf.function
    def step(batch):
        two_replicas.run(replica_step, args=(batch,))

    for batch, _ in zip(dataset, range(3), strict=False):
        step(batch)
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(single(x) ** 2)
        single_optimizer.apply(
            tape.gradient(loss, single.trainable_variables), single.trainable_variables
        )
        single_ema.apply(single.trainable_variables)
    for v, reference in zip(model.trainable_variables, single.trainable_variables, strict=True):
        shadow = ema.average(v)
        assert isinstance(shadow, tf.distribute.DistributedValues)
        first, second = two_replicas.experimental_local_results(shadow)
        assert bits(first) == bits(second)
        assert_close(first, single_ema.average(reference), scale=10)
    # Cross-replica context: apply, swapped and copy_to act on every replica.
    with two_replicas.scope():
        ema.apply(model.trainable_variables)
        kernel = model.trainable_variables[0]
        before = bits(kernel.value)
        with ema.swapped(model.trainable_variables):
            for local in two_replicas.experimental_local_results(kernel.value):
                assert bits(local) == bits(ema.average(kernel))
        assert all(
            bits(local) == before for local in two_replicas.experimental_local_results(kernel.value)
        )


# ----------------------------------------------------------------- checkpoints
def _train(model, optimizer, ema, steps):
    x = tf.reshape(tf.range(12, dtype=tf.float32), (4, 3)) / 10.0

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x) - 1.0) ** 2)
        optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
        ema.apply(model.trainable_variables)

    for _ in range(steps):
        step()


def test_resuming_from_a_checkpoint_continues_the_same_averages(tmp_path):
    model, optimizer, ema = small_model(), keras.optimizers.SGD(0.05), ExponentialMovingAverage()
    _train(model, optimizer, ema, 3)
    path = tf.train.Checkpoint(model=model, optimizer=optimizer, ema=ema).save(tmp_path / "ck")
    _train(model, optimizer, ema, 4)

    fresh_model, fresh_optimizer = small_model(), keras.optimizers.SGD(0.05)
    fresh_ema = ExponentialMovingAverage()
    status = tf.train.Checkpoint(model=fresh_model, optimizer=fresh_optimizer, ema=fresh_ema)
    status.restore(path)
    assert fresh_ema.averages() == {}  # shadows come back when created
    _train(fresh_model, fresh_optimizer, fresh_ema, 4)

    for a, b in zip(ema.averages().values(), fresh_ema.averages().values(), strict=True):
        assert_close(a, b)
    assert len(fresh_ema.averages()) == len(fresh_model.trainable_variables)
    # The update count came back too: both trackers took 7 updates.
    probe, fresh_probe = tf.Variable(0.0, name="probe"), tf.Variable(0.0, name="probe")
    for tracker, p in ((ema, probe), (fresh_ema, fresh_probe)):
        tracker.build([p])
        p.assign(1.0)
        tracker.apply([p])  # n = 7 -> decay 8/17
    assert float(fresh_ema.average(fresh_probe)) == float(ema.average(probe))
    assert float(ema.average(probe)) == pytest.approx(9 / 17, rel=1e-6)


def test_restored_shadows_can_be_swapped_in_before_training_resumes(tmp_path):
    model, ema = small_model(), ExponentialMovingAverage(0.5, warmup=False)
    ema.build(model.trainable_variables)
    for v in model.trainable_variables:
        v.assign(v + 1.0)
    ema.apply(model.trainable_variables)
    path = tf.train.Checkpoint(model=model, ema=ema).save(tmp_path / "ck")
    fresh_model, fresh_ema = small_model(), ExponentialMovingAverage(0.5, warmup=False)
    status = tf.train.Checkpoint(model=fresh_model, ema=fresh_ema).restore(path)
    fresh_ema.build(fresh_model.trainable_variables)
    status.assert_consumed()  # every saved shadow and the count found a home
    for a, b in zip(ema.averages().values(), fresh_ema.averages().values(), strict=True):
        assert bits(a) == bits(b)


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("decay", [-0.1, 1.0, 1.5, float("nan")])
def test_decay_outside_the_unit_interval_is_rejected(decay):
    message = "must be finite" if decay != decay else re.escape("must be in [0.0, 1.0)")
    with pytest.raises(ValueError, match=f"`decay` {message}.*Received: decay={decay}"):
        ExponentialMovingAverage(decay)


def test_wrong_argument_types_are_rejected():
    with pytest.raises(TypeError, match=r"`decay` must be a real number. Received: decay='0.9'"):
        ExponentialMovingAverage("0.9")
    with pytest.raises(TypeError, match=r"`warmup` must be a bool. Received: warmup='yes'"):
        ExponentialMovingAverage(warmup="yes")


def test_non_float_variables_and_non_variables_are_rejected():
    ema = ExponentialMovingAverage()
    counter = tf.Variable(3, name="counter")
    with pytest.raises(TypeError, match=r"floating-point.*variables\[1\]='counter' of dtype int32"):
        ema.apply([tf.Variable(1.0, name="ok"), counter])
    with pytest.raises(TypeError, match=r"tf.Variable or keras.Variable.*variables\[0\]=.*Tensor"):
        ema.apply([tf.constant(1.0)])
    with pytest.raises(TypeError, match=r"a variable or an iterable of variables"):
        ema.apply(3.0)
    with pytest.raises(TypeError, match=r"`variable` must hold floating-point.*'counter'"):
        ema.average(counter)
    assert ema.averages() == {}  # nothing was created by the failed calls


def test_two_different_variables_with_one_name_get_two_shadows():
    ema = ExponentialMovingAverage(0.5, warmup=False)
    a, b = tf.Variable(1.0), tf.Variable(2.0)  # both named "Variable"
    ema.apply([a, b])
    assert float(ema.average(a)) == 1.0 and float(ema.average(b)) == 2.0
    assert ema.average(a) is not ema.average(b)
    b.assign(4.0)
    ema.apply([b])
    assert float(ema.average(a)) == 1.0 and float(ema.average(b)) == 3.0
    assert list(ema.averages()) == ["Variable", "Variable_1"]
    with pytest.raises(ValueError, match=r"holds the variable 'Variable' twice"):
        ema.apply([a, a])


def test_negative_or_non_integer_steps_are_rejected():
    x = tf.Variable(1.0, name="x")
    ema = ExponentialMovingAverage()
    with pytest.raises(ValueError, match=r"`step` must be >= 0. Received: step=-1"):
        ema.apply([x], step=-1)
    with pytest.raises(ValueError, match=r"`step` must be >= 0. Received: step=-2"):
        ema.apply([x], step=tf.constant(-2))
    with pytest.raises(TypeError, match=r"`step` must be an integer. Received: step=1.5"):
        ema.apply([x], step=1.5)
    with pytest.raises(TypeError, match=r"`step` must be an integer tensor.*float32"):
        ema.apply([x], step=tf.constant(1.0))
    with pytest.raises(
        ValueError, match=r"`step` must be a scalar. Received: step of shape \(2,\)"
    ):
        ema.apply([x], step=tf.constant([1, 2]))
    negative = tf.Variable(-3, dtype=tf.int64)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"`step` must be >= 0"):
        ema.apply([x], step=negative)

    @tf.function
    def step(n):
        ema.apply([x], step=n)

    with pytest.raises(tf.errors.InvalidArgumentError, match=r"`step` must be >= 0"):
        step(tf.constant(-4, tf.int64))


def test_reading_a_variable_without_a_shadow_is_an_error():
    ema = ExponentialMovingAverage()
    x, y = tf.Variable(1.0, name="x"), tf.Variable(2.0, name="y")
    ema.build([x])
    with pytest.raises(ValueError, match=r"'y' has no shadow.*Variables with shadows: x"):
        ema.average(y)
    with pytest.raises(ValueError, match=r"'y' has no shadow"), ema.swapped([x, y]):
        pass  # pragma: no cover - never entered
    with pytest.raises(ValueError, match=r"'y' has no shadow"):
        ema.copy_to([x, y])
    assert float(x) == 1.0 and float(y) == 2.0


# ---------------------------------------------------------------- fused update
@pytest.mark.parametrize("mode", ["eager", "function", "jit"])
def test_fused_update_matches_tensorflow_on_mixed_dtypes(mode, monkeypatch):
    monkeypatch.setattr(updater_module, "FUSED_UPDATE_MIN_ELEMENTS", 0)
    traces = _fused_update.experimental_get_tracing_count()
    initial = {"a": [1.0, -2.0], "b": [[0.5], [4.0]], "c": [3.0]}
    dtypes = {"a": tf.float32, "b": tf.float64, "c": tf.float16}
    variables = [tf.Variable(initial[k], dtype=dtypes[k], name=k) for k in initial]
    ema = ExponentialMovingAverage(0.9)
    ema.build(variables)

    def step(scale, n):
        for v in variables:
            v.assign(tf.cast(scale, v.dtype) * tf.ones_like(v) + v)
        ema.apply(variables, step=n)

    if mode != "eager":
        step = tf.function(step, jit_compile=mode == "jit")
    scales, steps = [1.0, -3.0, 0.25], [0, 7, 500]
    for scale, n in zip(scales, steps, strict=True):
        step(tf.constant(scale), tf.constant(n, tf.int64))
    if mode == "eager":  # inside a function the fused update is traced into the caller
        assert _fused_update.experimental_get_tracing_count() > traces
    for k, v in zip(initial, variables, strict=True):
        values, current = [], np.array(initial[k], np.float64)
        for scale in scales:
            current = current + scale
            values.append(current.copy())
        dtype = tf.float32 if k == "c" else dtypes[k]  # our float16 shadow is float32
        theirs = tensorflow_shadows(np.array(initial[k]), values, steps, 0.9, dtype=dtype)
        assert ema.average(v).dtype == dtype
        assert_close(ema.average(v), theirs[-1], dtype=tf.float32, scale=8)


@pytest.mark.parametrize(
    ("sizes", "groups", "expected"),
    [
        ([5, 1, 1, 3], 2, [[0], [1, 2, 3]]),
        ([4, 4, 4, 4], 2, [[0, 2], [1, 3]]),
        ([7], 4, [[0]]),
        ([2, 9, 2], 1, [[0, 1, 2]]),
        ([], 2, []),
    ],
)
def test_fused_update_groups_split_the_shadows_evenly(sizes, groups, expected):
    assert updater_module.balanced_groups(sizes, groups) == expected


@pytest.mark.parametrize("cpus", [1, 2, 3])
def test_fused_update_in_parallel_programs_matches_one_by_one(cpus, monkeypatch):
    monkeypatch.setattr(updater_module, "cpu_count", lambda: cpus)
    shapes = [[300, 100], [7], [50, 50, 3], [1000], [2, 2]]
    variables = [tf.Variable(tf.random.normal(s, seed=i)) for i, s in enumerate(shapes)]
    fused, one_by_one = ExponentialMovingAverage(0.9), ExponentialMovingAverage(0.9)
    fused.build(variables)
    one_by_one.build(variables)
    for n in range(3):
        for v in variables:
            v.assign(v * 1.5 + 1.0)
        monkeypatch.setattr(updater_module, "FUSED_UPDATE_MIN_ELEMENTS", 0)
        fused.apply(variables, step=n)
        monkeypatch.setattr(updater_module, "FUSED_UPDATE_MIN_ELEMENTS", 1 << 62)
        one_by_one.apply(variables, step=n)
    for v in variables:
        np.testing.assert_allclose(fused.average(v), one_by_one.average(v), rtol=1e-6, atol=1e-6)


def test_large_applies_run_as_xla_programs():
    big = tf.Variable(tf.ones([updater_module.FUSED_UPDATE_MIN_ELEMENTS]), name="big")
    ema = ExponentialMovingAverage(0.5, warmup=False)
    ema.build([big])
    traces = _fused_update.experimental_get_tracing_count()
    big.assign(tf.fill(big.shape, 3.0))
    ema.apply([big])
    ema.apply([big])  # same variables: no new trace
    assert _fused_update.experimental_get_tracing_count() == traces + 1
    np.testing.assert_array_equal(ema.average(big).numpy()[[0, -1]], [2.5, 2.5])


def test_mirrored_shadows_survive_a_checkpoint_into_a_fresh_tracker(two_replicas, tmp_path):
    with two_replicas.scope():
        model = small_model()
        ema = ExponentialMovingAverage(0.5, warmup=False)
        ema.build(model.trainable_variables)
        for v in model.trainable_variables:
            v.assign(v + 2.0)
        ema.apply(model.trainable_variables)
    path = tf.train.Checkpoint(ema=ema).save(tmp_path / "ck")
    with two_replicas.scope():
        fresh = ExponentialMovingAverage(0.5, warmup=False)
        status = tf.train.Checkpoint(ema=fresh).restore(path)
        fresh.build(model.trainable_variables)
    status.assert_consumed()
    for v in model.trainable_variables:
        saved = ema.average(v)
        for local in two_replicas.experimental_local_results(fresh.average(v)):
            assert bits(local) == bits(saved)


def test_a_step_applying_under_a_strategy_can_be_exported_as_a_signature(two_replicas, tmp_path):
    """Cross-replica updates go through ``strategy.extended.update``: a mirrored
    variable's own ``assign_add`` there would mark the traced step unsaveable."""
    with two_replicas.scope():
        module = tf.Module()
        module.w = tf.Variable([1.0, 2.0], name="w")
        module.ema = ExponentialMovingAverage(0.5, warmup=False)
        module.ema.build([module.w])

        def step():
            module.ema.apply([module.w])
            return module.ema._count.read_value()

        module.step = tf.function(step, input_signature=[], autograph=False)
        module.step()
    tf.saved_model.save(module, str(tmp_path), signatures=module.step.get_concrete_function())
    assert "serving_default" in tf.saved_model.load(str(tmp_path)).signatures


@pytest.mark.parametrize("path", ["op_by_op", "xla"])
@pytest.mark.parametrize("mode", ["eager", "function"])
def test_a_tracker_made_under_a_strategy_updates_every_replica_outside_its_scope(
    two_replicas, mode, path, monkeypatch
):
    if path == "xla":
        monkeypatch.setattr(updater_module, "FUSED_UPDATE_MIN_ELEMENTS", 0)
    with two_replicas.scope():
        w = tf.Variable([1.0, 2.0], name="w")
        ema = ExponentialMovingAverage(0.5, warmup=False)
        ema.build([w])
    w.assign([3.0, 6.0])
    outside = tf.Variable([4.0], name="outside")  # a plain variable, new to the tracker
    apply = lambda: ema.apply([w, outside])  # noqa: E731
    (tf.function(apply, autograph=False) if mode == "function" else apply)()
    for variable, expected in ((w, [2.0, 4.0]), (outside, [4.0])):
        shadow = ema.average(variable)
        assert isinstance(shadow, tf.distribute.DistributedValues)
        for local in two_replicas.experimental_local_results(shadow):
            np.testing.assert_array_equal(local, np.array(expected, np.float32))
    assert [int(c) for c in two_replicas.experimental_local_results(ema._count)] == [1, 1]


def test_eager_applies_on_different_sets_of_variables_each_update_their_own(monkeypatch):
    """Eager fused applies reuse one captured graph per set and order of variables."""
    monkeypatch.setattr(updater_module, "FUSED_UPDATE_MIN_ELEMENTS", 0)
    a, b = tf.Variable([1.0, 2.0], name="a"), tf.Variable([[3.0]], name="b")
    ema = ExponentialMovingAverage(0.5, warmup=False)
    ema.build([a, b])
    expected = {a.ref(): a.numpy(), b.ref(): b.numpy()}
    for calls in ([a, b], [a], [b, a], [a, b], [a]):
        for v in (a, b):
            v.assign(v * 2.0 + 1.0)
        ema.apply(calls)
        for v in calls:
            expected[v.ref()] = 0.5 * expected[v.ref()] + 0.5 * v.numpy()
        for v in (a, b):
            np.testing.assert_allclose(ema.average(v), expected[v.ref()], rtol=1e-6)
    assert len(ema._updater.eager_updates) == 3  # [a, b], [a] and [b, a], each built once


def test_a_shadow_lives_on_its_variables_device():
    with tf.device("/cpu:1"):  # the suite's second logical CPU
        variable = tf.Variable([1.0, 2.0])
    ema = ExponentialMovingAverage(0.5)
    ema.apply([variable])
    assert variable.device.endswith("CPU:1")
    assert ema.average(variable).device == variable.device
