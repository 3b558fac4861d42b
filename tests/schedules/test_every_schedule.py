"""Laws that every registered schedule obeys, parameterized over the registry."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from tftrain import schedules
from tftrain.families import family
from tftrain.testing import assert_close
from tftrain.testing.strategies import example, schedule_specs

NAMES = schedules.names()


@pytest.mark.parametrize("name", NAMES)
def test_every_registered_schedule_declares_its_examples(name):
    registry = family("schedule")
    assert registry.fact(name, "example") is not None
    assert registry.fact(name, "arguments") is not None
    assert schedules.get(example("schedule", name)).get_config()


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
@settings(max_examples=10)
def test_registry_round_trip_rebuilds_an_equal_schedule(name, data):
    spec = data.draw(schedule_specs([name]))
    schedule = schedules.get(spec)
    again = schedules.get(schedules.serialize(schedule))
    assert type(again) is type(schedule)
    assert again.get_config() == schedule.get_config()
    steps = tf.constant([0, 1, 7, 100, 12_345], tf.int64)
    np.testing.assert_array_equal(again(steps).numpy(), schedule(steps).numpy())


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
@settings(max_examples=5)
def test_keras_serialization_round_trip(name, data):
    schedule = schedules.get(data.draw(schedule_specs([name])))
    config = keras.saving.serialize_keras_object(schedule)
    assert config["registered_name"] == f"tftrain>{type(schedule).__name__}"
    with keras.saving.custom_object_scope({}):
        again = keras.saving.deserialize_keras_object(config, safe_mode=True)
    assert again.get_config() == schedule.get_config()


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
@settings(max_examples=10)
def test_returns_a_finite_float32_of_the_step_shape(name, data):
    schedule = schedules.get(data.draw(schedule_specs([name])))
    for step in (0, 3, tf.constant(5, tf.int32), tf.constant(7, tf.int64), tf.constant(9.0)):
        lr = schedule(step)
        assert lr.dtype == tf.float32 and lr.shape == ()
        assert np.isfinite(lr.numpy())
    grid = schedule(tf.range(0, 50_000, 997, dtype=tf.int64))
    assert grid.dtype == tf.float32 and grid.shape == (51,)
    assert np.all(np.isfinite(grid.numpy())) and np.all(grid.numpy() >= 0)


@pytest.mark.parametrize("name", NAMES)
def test_negative_steps_give_the_step_zero_rate(name):
    schedule = schedules.get(example("schedule", name))
    np.testing.assert_array_equal(
        schedule(tf.constant([-1, -1000], tf.int64)).numpy(), schedule(tf.constant([0, 0])).numpy()
    )


@pytest.mark.parametrize("name", NAMES)
def test_traces_once_over_a_thousand_tensor_steps(name):
    schedule = schedules.get(example("schedule", name))
    evaluate = tf.function(schedule)
    eager = schedule(tf.range(1000, dtype=tf.int64)).numpy()
    traced = np.array([evaluate(tf.constant(s, tf.int64)).numpy() for s in range(1000)])
    assert evaluate.experimental_get_tracing_count() == 1
    # Graph rewrites move the exponent by ulps, which pow amplifies by |p ln r| (~10 here).
    np.testing.assert_allclose(traced, eager, rtol=1e-5, atol=0)


@pytest.mark.parametrize("name", NAMES)
def test_compiles_with_xla(name):
    schedule = schedules.get(example("schedule", name))
    steps = tf.constant([0, 10, 1000, 10**6], tf.int64)
    compiled = tf.function(schedule, jit_compile=True)
    assert_close(compiled(steps), schedule(steps), scale=4)


@pytest.mark.parametrize("name", NAMES)
def test_keras_optimizer_follows_the_schedule(name):
    schedule = schedules.get(example("schedule", name))
    variable = tf.Variable([1.0, 2.0])
    optimizer = keras.optimizers.SGD(learning_rate=schedule)
    optimizer.build([variable])

    @tf.function
    def step():
        optimizer.apply_gradients([(tf.ones_like(variable), variable)])

    for _ in range(5):
        expected = float(schedule(optimizer.iterations))
        before = variable.numpy()
        step()
        assert_close(before - variable.numpy(), [expected, expected], scale=10)
        assert_close(optimizer.learning_rate, schedule(optimizer.iterations))
    assert int(optimizer.iterations) == 5


@pytest.mark.parametrize("name", NAMES)
def test_a_matrix_of_steps_gives_a_matrix_of_the_same_rates(name):
    schedule = schedules.get(example("schedule", name))
    steps = tf.reshape(tf.range(0, 3000, 125, dtype=tf.int32), (4, 6))
    rates = schedule(steps)
    assert rates.dtype == tf.float32 and rates.shape == (4, 6)
    flat = schedule(tf.reshape(tf.cast(steps, tf.float32), (-1,)))
    np.testing.assert_array_equal(tf.reshape(rates, (-1,)).numpy(), flat.numpy())
