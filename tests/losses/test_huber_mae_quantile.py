"""Huber, mean absolute error and the quantile loss: Keras oracles, the quantile law, edges."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tftrain import losses
from tftrain.testing import assert_close

finite = st.floats(-100, 100, allow_nan=False, width=32)
batches = hnp.arrays(
    np.float32, hnp.array_shapes(min_dims=2, max_dims=2, max_side=6), elements=finite
)
pairs = batches.flatmap(
    lambda a: st.tuples(st.just(a), hnp.arrays(np.float32, a.shape, elements=finite))
)
taus = st.floats(0.001, 0.999)


# ------------------------------------------------------------------- oracles
@given(pairs, st.floats(0.01, 50.0), hnp.arrays(np.float32, 6, elements=st.floats(0, 2)))
def test_huber_and_mae_equal_keras_for_every_reduction(pair, delta, weights):
    y_true, y_pred = pair
    w = weights[: len(y_true)]
    assert_close(losses.huber(y_true, y_pred, delta), keras.losses.huber(y_true, y_pred, delta))
    assert_close(
        losses.mean_absolute_error(y_true, y_pred),
        keras.losses.mean_absolute_error(y_true, y_pred),
    )
    for reduction in ("sum_over_batch_size", "sum", "none", "mean_with_sample_weight"):
        for ours, theirs in (
            (losses.Huber(delta, reduction), keras.losses.Huber(delta, reduction)),
            (losses.MeanAbsoluteError(reduction), keras.losses.MeanAbsoluteError(reduction)),
        ):
            assert_close(ours(y_true, y_pred, w), theirs(y_true, y_pred, w), scale=10)


def test_huber_by_hand_at_and_beyond_delta(run_any):
    y_true = tf.zeros((4, 1))
    y_pred = tf.constant([[0.5], [2.0], [-2.0], [3.0]])
    # 0.5 * e^2 inside, delta * |e| - delta^2 / 2 outside; at |e| = delta both give 2.
    assert run_any(losses.huber, y_true, y_pred, 2.0).numpy().tolist() == [0.125, 2.0, 2.0, 4.0]


def test_quantile_by_hand(run_any):
    # tau = 0.9: under-predicting by 3 costs 0.9 * 3, over-predicting by 2 costs 0.1 * 2.
    y_true = tf.constant([[10.0], [10.0], [4.0]])
    y_pred = tf.constant([[12.0], [7.0], [4.0]])
    assert_close(run_any(losses.quantile_loss, y_true, y_pred, tau=0.9), [0.2, 2.7, 0.0])


@given(pairs, st.floats(0.01, 100.0), st.floats(0.01, 100.0))
def test_asymmetric_is_cost_plus_profit_times_the_quantile_loss(pair, cost, profit):
    y_true, y_pred = pair
    asymmetric = losses.asymmetric_loss(y_true, y_pred, cost=cost, profit=profit)
    quantile = losses.quantile_loss(y_true, y_pred, tau=profit / (cost + profit))
    assert_close(asymmetric, (cost + profit) * quantile, scale=10)  # rounding of tau


@given(pairs)
def test_quantile_at_one_half_is_half_the_mae(pair):
    y_true, y_pred = pair
    assert_close(
        losses.quantile_loss(y_true, y_pred, tau=0.5),
        0.5 * losses.mean_absolute_error(y_true, y_pred),
    )


# ---------------------------------------------------------------------- laws
@given(
    hnp.arrays(np.float64, st.integers(1, 40), elements=st.floats(-50, 50, allow_nan=False)),
    taus,
)
def test_quantile_minimiser_is_the_tau_quantile(targets, tau):
    # The mean loss of a constant prediction is convex and piecewise linear with kinks at
    # the targets, so comparing the tau quantile with every target and a grid suffices.
    quantile = np.quantile(targets, tau, method="inverted_cdf")
    candidates = np.concatenate([targets, np.linspace(-60, 60, 241), [quantile]])
    y_true = np.tile(targets[None, :], (candidates.size, 1)).astype(np.float32)
    y_pred = np.broadcast_to(candidates[:, None], y_true.shape).astype(np.float32)
    values = losses.quantile_loss(y_true, y_pred, tau=tau).numpy()
    assert values[-1] <= values.min() + 1e-4 * max(1.0, abs(values.min()))


@pytest.mark.parametrize("tau", [0.1, 0.5, 0.9])
def test_a_model_trained_on_a_constant_input_predicts_the_tau_quantile(tau):
    rng = np.random.default_rng(3)
    targets = tf.constant(rng.normal(size=(200, 1)), tf.float32)
    x = tf.ones((200, 1))
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    schedule = keras.optimizers.schedules.ExponentialDecay(0.2, 100, 0.5)
    optimizer = keras.optimizers.SGD(schedule)
    loss = losses.QuantileLoss(tau=tau)

    @tf.function  # one graph for all steps: full-batch subgradient descent
    def train(steps):
        for _ in tf.range(steps):
            with tf.GradientTape() as tape:
                value = loss(targets, model(x, training=True))
            grads = tape.gradient(value, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))

    train(tf.constant(800))
    prediction = float(model(x[:1])[0, 0])
    # The decaying steps settle within a step of the quantile; the targets'
    # neighbouring order statistics are ~0.01-0.03 apart here.
    low, high = np.quantile(targets.numpy(), [tau - 0.02, tau + 0.02])
    assert low <= prediction <= high, (prediction, np.quantile(targets.numpy(), tau))


# --------------------------------------------------------- dtypes and edges
@pytest.mark.parametrize("dtype", [tf.float16, tf.bfloat16, tf.float32, tf.float64])
@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        (losses.Huber(delta=1.0), (0.125 / 2 + 0.5 / 2) / 2),
        (losses.MeanAbsoluteError(), (0.5 / 2 + 1.0 / 2) / 2),
        (losses.QuantileLoss(tau=0.75), (0.25 * 0.5 / 2 + 0.75 * 1.0 / 2) / 2),
    ],
)
def test_float32_whatever_the_input_dtype(dtype, loss, expected, run_any):
    y_true = tf.constant([[1.0, 2.0], [3.0, 4.0]], dtype)
    y_pred = tf.constant([[1.5, 2.0], [2.0, 4.0]], dtype)
    out = run_any(loss, y_true, y_pred)
    assert out.dtype == tf.float32
    assert_close(out, expected)


def test_non_finite_predictions_propagate_and_huge_ones_stay_finite():
    y_true = tf.constant([[0.0], [0.0], [0.0], [0.0]])
    y_pred = tf.constant([[np.inf], [-np.inf], [np.nan], [3e38]])
    for fn in (losses.mean_absolute_error, losses.huber, losses.quantile_loss):
        values = fn(y_true, y_pred).numpy()
        assert values[0] == np.inf and values[1] == np.inf and np.isnan(values[2])
        assert np.isfinite(values[3])  # linear, not squared: no overflow at 3e38


@pytest.mark.parametrize("fn", [losses.huber, losses.mean_absolute_error, losses.quantile_loss])
def test_shapes_that_would_broadcast_raise(fn):
    with pytest.raises(ValueError, match=r"must have the same shape.*y_true.shape=\(4, 3\)"):
        fn(tf.zeros((4, 3)), tf.zeros((4, 1)))


def test_gradients_are_the_clipped_error_and_the_quantile_slopes():
    y_pred = tf.Variable([[0.5], [3.0], [-3.0]])
    with tf.GradientTape(persistent=True) as tape:
        huber = tf.reduce_sum(losses.huber(tf.zeros((3, 1)), y_pred, delta=1.0))
        quantile = tf.reduce_sum(losses.quantile_loss(tf.zeros((3, 1)), y_pred, tau=0.8))
    assert tape.gradient(huber, y_pred).numpy().ravel().tolist() == [0.5, 1.0, -1.0]
    assert_close(tape.gradient(quantile, y_pred), [[0.2], [0.2], [-0.8]])


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum"])
def test_empty_batch_reduces_to_zero(reduction):
    for loss in (losses.Huber(), losses.MeanAbsoluteError(), losses.QuantileLoss()):
        loss = type(loss).from_config({**loss.get_config(), "reduction": reduction})
        assert float(loss(tf.zeros((0, 3)), tf.zeros((0, 3)))) == 0.0


# -------------------------------------------------------------------- errors
@pytest.mark.parametrize("value", [0.0, 1.0, -0.5, 1.5, float("nan"), float("inf")])
def test_tau_must_be_strictly_inside_the_unit_interval(value):
    pattern = r"Argument `tau` must be (in \(0.0, 1.0\)|finite)\. Received: tau="
    with pytest.raises(ValueError, match=pattern):
        losses.QuantileLoss(tau=value)
    with pytest.raises(ValueError, match=pattern):
        losses.get({"name": "quantile", "tau": value})
    with pytest.raises(ValueError, match=pattern):
        losses.quantile_loss([[1.0]], [[1.0]], tau=value)


@pytest.mark.parametrize("value", [0.0, -1.0, float("inf")])
def test_delta_must_be_positive_and_finite(value):
    with pytest.raises(ValueError, match=r"Argument `delta` must be (> 0|finite)\. Received"):
        losses.Huber(delta=value)
    with pytest.raises(TypeError, match=r"Argument `delta` must be a real number"):
        losses.Huber(delta="1")


@pytest.mark.parametrize(
    ("ours", "reference"),
    [
        (losses.mean_squared_error, lambda e: (e**2).mean(-1)),
        (losses.mean_absolute_error, lambda e: np.abs(e).mean(-1)),
        (losses.huber, lambda e: np.where(np.abs(e) <= 1, 0.5 * e**2, np.abs(e) - 0.5).mean(-1)),
        (
            lambda t, p: losses.quantile_loss(t, p, tau=0.3),
            lambda e: np.maximum(-0.3 * e, 0.7 * e).mean(-1),  # e = prediction - target
        ),
    ],
)
def test_rank_3_losses_reduce_only_the_last_axis(ours, reference):
    rng = np.random.default_rng(3)
    y_true = rng.normal(size=(2, 3, 4)).astype(np.float32) * 2
    y_pred = rng.normal(size=(2, 3, 4)).astype(np.float32) * 2
    loss = ours(y_true, y_pred)
    assert loss.shape == (2, 3)
    np.testing.assert_allclose(loss.numpy(), reference(y_pred - y_true), rtol=1e-5)


def test_default_huber_delta_and_asymmetric_weights_are_one():
    y_true = tf.constant([[0.0, 0.0, 0.0]])
    y_pred = tf.constant([[-3.0, 0.5, 2.0]])
    assert_close(losses.Huber()(y_true, y_pred), keras.losses.Huber()(y_true, y_pred))
    assert_close(losses.huber(y_true, y_pred), [(2.5 + 0.125 + 1.5) / 3])
    mae = losses.mean_absolute_error(y_true, y_pred)
    assert_close(losses.asymmetric_loss(y_true, y_pred), mae)
    assert_close(losses.AsymmetricLoss()(y_true, y_pred), tf.reduce_mean(mae))
