"""``reduce_over_global_batch``: compute_average_loss semantics, safe shapes, two replicas."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from tftrain import losses
from tftrain.testing import assert_close

GLOBAL_BATCH = 8


def test_mean_over_global_batch_with_weights(run):
    per_example = tf.constant([1.0, 2.0, 3.0, 6.0])
    assert_close(run(losses.reduce_over_global_batch, per_example), 3.0)
    assert_close(run(losses.reduce_over_global_batch, per_example, None, 8), 1.5)
    weights = tf.constant([2.0, 1.0, 1.0, 0.0])
    assert_close(run(losses.reduce_over_global_batch, per_example, weights, 8), 7.0 / 8)
    assert_close(
        run(losses.reduce_over_global_batch, per_example, weights, 8),
        tf.nn.compute_average_loss(per_example, weights, 8),
    )


def test_column_weights_are_squeezed_not_broadcast_to_a_matrix():
    per_example = tf.constant([1.0, 2.0, 3.0])
    column = tf.constant([[1.0], [0.0], [1.0]])
    assert_close(losses.reduce_over_global_batch(per_example, column), 4.0 / 3)


def test_per_example_weights_spread_over_further_loss_axes():
    per_step = tf.constant([[1.0, 1.0], [2.0, 4.0]])  # (batch, time)
    assert_close(losses.reduce_over_global_batch(per_step, [1.0, 0.5]), (2.0 + 3.0) / 2)
    assert_close(losses.reduce_over_global_batch(per_step, 2.0), 16.0 / 2)


def test_float16_losses_give_float32_and_empty_batches_zero():
    out = losses.reduce_over_global_batch(tf.constant([1.0, 2.0], tf.float16))
    assert out.dtype == tf.float32
    assert float(losses.reduce_over_global_batch(tf.zeros((0,)))) == 0.0


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match=r"Argument `global_batch_size` must be >= 1\. Received"):
        losses.reduce_over_global_batch(tf.ones((2,)), global_batch_size=0)
    with pytest.raises(TypeError, match="Argument `global_batch_size` must be an integer"):
        losses.reduce_over_global_batch(tf.ones((2,)), global_batch_size=2.5)
    with pytest.raises(ValueError, match="Argument `per_example_losses` must have rank >= 1"):
        losses.reduce_over_global_batch(tf.constant(1.0))
    with pytest.raises(ValueError, match=r"`sample_weight` must be .*sample_weight.shape=\(1, 3\)"):
        losses.reduce_over_global_batch(tf.ones((3,)), tf.ones((1, 3)))
    with pytest.raises(ValueError, match="does not broadcast the losses"):
        losses.reduce_over_global_batch(tf.ones((3,)), tf.ones((2,)))


def _problem():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(GLOBAL_BATCH, 3)).astype(np.float32)
    y = rng.normal(size=(GLOBAL_BATCH,)).astype(np.float32)
    weights = rng.uniform(size=(GLOBAL_BATCH,)).astype(np.float32)
    return x, y, weights, rng.normal(size=(3, 1)).astype(np.float32)


@pytest.mark.parametrize("global_batch_size", [GLOBAL_BATCH, None])
def test_two_replica_gradient_equals_single_device_gradient(two_replicas, global_batch_size):
    x, y, weights, init = _problem()
    single = tf.Variable(init)
    with tf.GradientTape() as tape:
        per_example = losses.asymmetric_loss(y, tf.matmul(x, single), cost=1.0, profit=3.0)
        loss = tf.reduce_sum(per_example * weights) / GLOBAL_BATCH
    expected = tape.gradient(loss, single)

    with two_replicas.scope():
        w = tf.Variable(init)
    data = tf.data.Dataset.from_tensor_slices((x, y, weights)).batch(GLOBAL_BATCH)
    batch = next(iter(two_replicas.experimental_distribute_dataset(data)))

    @tf.function
    def step(xb, yb, wb):
        def replica(xr, yr, wr):
            with tf.GradientTape() as tape:
                per = losses.asymmetric_loss(yr, tf.matmul(xr, w), cost=1.0, profit=3.0)
                replica_loss = losses.reduce_over_global_batch(per, wr, global_batch_size)
            return replica_loss, tape.gradient(replica_loss, w)

        replica_loss, grads = two_replicas.run(replica, args=(xb, yb, wb))
        return (
            two_replicas.reduce("SUM", replica_loss, axis=None),
            two_replicas.reduce("SUM", grads, axis=None),
        )

    total, gradient = step(*batch)
    assert_close(total, loss)
    assert_close(gradient, expected)
    assert not np.allclose(expected.numpy(), 0.0)


def test_keras_reduction_of_a_tftrain_loss_sums_to_the_global_mean(two_replicas):
    x, y, _, init = _problem()
    loss_fn = losses.MeanSquaredError()
    expected = loss_fn(y[:, None], x @ init)
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH)
    batch = next(iter(two_replicas.experimental_distribute_dataset(data)))

    @tf.function
    def step(xb, yb):
        per_replica = two_replicas.run(lambda xr, yr: loss_fn(yr, tf.matmul(xr, init)), (xb, yb))
        return two_replicas.reduce("SUM", per_replica, axis=None)

    assert_close(step(*batch), expected)
