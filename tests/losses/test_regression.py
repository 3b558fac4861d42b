"""MSE and the asymmetric cost/profit loss: oracles, laws, shapes, dtypes, errors."""

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

# Magnitudes are 0 or >= 1e-3, so a square of a difference never underflows to 0.
finite = st.floats(-100, 100, allow_nan=False, width=32).filter(lambda x: x == 0 or abs(x) >= 1e-3)
batches = hnp.arrays(
    np.float32, hnp.array_shapes(min_dims=2, max_dims=2, max_side=6), elements=finite
)
positive = st.floats(0.01, 100.0, allow_nan=False)


def pairs(shape_source=batches):
    return shape_source.flatmap(
        lambda a: st.tuples(st.just(a), hnp.arrays(np.float32, a.shape, elements=finite))
    )


# ------------------------------------------------------------------- oracles
def test_mse_equals_keras(run):
    y_true = tf.random.normal((5, 4))
    y_pred = tf.random.normal((5, 4))
    assert_close(
        run(losses.mean_squared_error, y_true, y_pred),
        keras.losses.mean_squared_error(y_true, y_pred),
    )
    for reduction in ("sum_over_batch_size", "sum", "none"):
        ours = losses.MeanSquaredError(reduction=reduction)
        theirs = keras.losses.MeanSquaredError(reduction=reduction)
        weights = tf.random.uniform((5,))
        assert_close(run(ours, y_true, y_pred, weights), theirs(y_true, y_pred, weights))


def test_asymmetric_matches_its_formula_by_hand(run):
    # Over by 2 costs 1 per unit; under by 3 loses 9 per unit: 2 and 27.
    y_true = tf.constant([[10.0], [10.0], [4.0]])
    y_pred = tf.constant([[12.0], [7.0], [4.0]])
    per_example = run(losses.asymmetric_loss, y_true, y_pred, cost=1.0, profit=9.0)
    assert per_example.numpy().tolist() == [2.0, 27.0, 0.0]
    loss = losses.AsymmetricLoss(cost=1.0, profit=9.0)
    assert_close(run(loss, y_true, y_pred), 29.0 / 3.0)


def test_asymmetric_against_numpy_reference():
    rng = np.random.default_rng(1)
    y_true = rng.normal(size=(6, 3)).astype(np.float32)
    y_pred = rng.normal(size=(6, 3)).astype(np.float32)
    d = y_pred.astype(np.float64) - y_true
    expected = np.where(d > 0, 2.5 * d, -0.5 * d).mean(-1)
    assert_close(losses.asymmetric_loss(y_true, y_pred, cost=2.5, profit=0.5), expected)


# ---------------------------------------------------------------------- laws
@given(pairs(), positive, positive)
def test_losses_are_non_negative(pair, cost, profit):
    y_true, y_pred = pair
    assert np.all(losses.mean_squared_error(y_true, y_pred).numpy() >= 0)
    assert np.all(losses.asymmetric_loss(y_true, y_pred, cost=cost, profit=profit).numpy() >= 0)


@given(pairs())
def test_mse_is_zero_exactly_on_equal_inputs_and_symmetric(pair):
    y_true, y_pred = pair
    assert np.all(losses.mean_squared_error(y_true, y_true).numpy() == 0.0)
    forward = losses.mean_squared_error(y_true, y_pred).numpy()
    backward = losses.mean_squared_error(y_pred, y_true).numpy()
    np.testing.assert_array_equal(forward, backward)
    assert np.all((forward == 0) == np.all(y_true == y_pred, axis=-1))


@given(pairs(), positive)
def test_asymmetric_with_equal_cost_and_profit_is_scaled_mae(pair, c):
    y_true, y_pred = pair
    ours = losses.asymmetric_loss(y_true, y_pred, cost=c, profit=c)
    mae = keras.losses.mean_absolute_error(y_true, y_pred)
    assert_close(ours, c * mae, scale=10)  # c * mean vs mean of c *: a few ulps


@given(
    hnp.arrays(np.float64, st.integers(1, 40), elements=st.floats(-50, 50, allow_nan=False)),
    st.integers(1, 20),
    st.integers(1, 20),
)
def test_asymmetric_minimiser_is_the_profit_quantile(targets, cost, profit):
    # f(c) = mean loss of the constant prediction c: convex, piecewise linear, so
    # its minimum over all reals is at a target; the profit/(cost+profit)
    # quantile (inverted CDF) is one minimiser.
    q = profit / (cost + profit)
    quantile = np.quantile(targets, q, method="inverted_cdf")
    candidates = np.concatenate([targets, np.linspace(-60, 60, 241)])
    y_true = np.tile(targets[None, :], (candidates.size + 1, 1)).astype(np.float32)
    y_pred = np.broadcast_to(np.append(candidates, quantile)[:, None], y_true.shape)
    values = losses.asymmetric_loss(
        y_true, y_pred.astype(np.float32), cost=float(cost), profit=float(profit)
    ).numpy()
    at_quantile, elsewhere = values[-1], values[:-1]
    assert at_quantile <= elsewhere.min() + 1e-4 * max(1.0, abs(elsewhere.min()))


def test_asymmetric_minimiser_moves_with_the_ratio():
    targets = np.arange(1.0, 11.0, dtype=np.float32)[None, :]  # 1..10

    def best(cost, profit):
        grid = np.arange(0.0, 11.0, 0.5, dtype=np.float32)
        values = [
            losses.asymmetric_loss(targets, np.full_like(targets, c), cost=cost, profit=profit)[0]
            for c in grid
        ]
        return grid[int(np.argmin(values))]

    assert best(1.0, 9.0) == 9.0  # the 0.9 quantile: over-predict
    assert best(9.0, 1.0) == 1.0  # the 0.1 quantile: under-predict


# -------------------------------------------------------------------- shapes
@pytest.mark.parametrize("fn", [losses.mean_squared_error, losses.asymmetric_loss])
def test_rank_one_truth_against_column_prediction_is_per_example_not_a_matrix(fn, run):
    y_true = tf.constant([1.0, 2.0, 3.0])
    y_pred = tf.constant([[1.0], [2.0], [5.0]])
    out = run(fn, y_true, y_pred)
    assert out.shape == (3,)
    assert out.numpy().tolist() == [0.0, 0.0, 4.0 if fn is losses.mean_squared_error else 2.0]
    assert run(fn, y_pred, y_true).shape == (3,)


@pytest.mark.parametrize("fn", [losses.mean_squared_error, losses.asymmetric_loss])
def test_shapes_that_would_broadcast_raise(fn):
    with pytest.raises(ValueError, match=r"must have the same shape.*y_true.shape=\(4, 3\)"):
        fn(tf.zeros((4, 3)), tf.zeros((4, 1)))
    with pytest.raises(ValueError, match="must have the same shape"):
        fn(tf.zeros((4,)), tf.zeros((1, 4)))
    with pytest.raises(ValueError, match="must have rank >= 1"):
        fn(tf.zeros(()), tf.zeros(()))


def test_class_with_column_prediction_matches_keras_and_is_not_b_by_b():
    y_true = tf.constant([1.0, 2.0, 3.0, 4.0])
    y_pred = tf.constant([[1.5], [2.0], [2.0], [4.0]])
    ours = losses.MeanSquaredError(reduction="none")(y_true, y_pred)
    assert ours.shape == (4,)
    assert_close(ours, keras.losses.MeanSquaredError(reduction="none")(y_true, y_pred))


def test_unknown_batch_sizes_are_checked_when_the_step_runs():
    fn = tf.function(
        losses.mean_squared_error,
        input_signature=[tf.TensorSpec([None, 2]), tf.TensorSpec([None, 2])],
    )
    assert fn(tf.zeros((3, 2)), tf.ones((3, 2))).shape == (3,)
    with pytest.raises(tf.errors.InvalidArgumentError, match="must have the same shape"):
        fn(tf.zeros((3, 2)), tf.ones((1, 2)))


@pytest.mark.parametrize("known", ["y_true", "y_pred"])
def test_one_side_of_known_shape_still_checks_the_other_when_the_step_runs(known):
    specs = {"y_true": tf.TensorSpec([None, 2]), "y_pred": tf.TensorSpec([None, 2])}
    specs[known] = tf.TensorSpec([3, 2])
    fn = tf.function(losses.mean_squared_error, input_signature=[specs["y_true"], specs["y_pred"]])
    assert fn(tf.zeros((3, 2)), tf.ones((3, 2))).shape == (3,)
    with pytest.raises(tf.errors.InvalidArgumentError, match="must have the same shape"):
        fn(
            *(
                (tf.zeros((3, 2)), tf.ones((1, 2)))
                if known == "y_true"
                else (tf.zeros((1, 2)), tf.ones((3, 2)))
            )
        )


@pytest.mark.parametrize("unknown", ["y_true", "y_pred"])
def test_a_side_of_unknown_rank_is_refused_when_tracing(unknown):
    specs = {"y_true": tf.TensorSpec([3, 2]), "y_pred": tf.TensorSpec([3, 2])}
    specs[unknown] = tf.TensorSpec(None)
    fn = tf.function(losses.mean_squared_error, input_signature=[specs["y_true"], specs["y_pred"]])
    with pytest.raises(ValueError, match="ranks of `y_true` and `y_pred` must be known"):
        fn.get_concrete_function()


# -------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("dtype", [tf.float16, tf.bfloat16, tf.float32, tf.float64])
def test_loss_is_float32_whatever_the_prediction_dtype(dtype, run_any):
    y_true = tf.constant([[1.0, 2.0], [3.0, 4.0]], dtype)
    y_pred = tf.constant([[1.5, 2.0], [2.0, 4.0]], dtype)
    mse = run_any(losses.mean_squared_error, y_true, y_pred)
    asym = run_any(losses.AsymmetricLoss(2.0, 3.0), y_true, y_pred)
    assert mse.dtype == tf.float32 and asym.dtype == tf.float32
    assert_close(mse, [0.125, 0.5])
    assert_close(asym, (0.5 + 1.5) / 2)


def test_huge_values_stay_finite_in_float16_inputs():
    # (6e4)^2 overflows float16 but not the float32 the loss computes in.
    y = tf.constant([[6e4]], tf.float16)
    assert_close(losses.mean_squared_error(-y, y), [4 * float(y[0, 0]) ** 2])


def test_non_finite_inputs_propagate():
    y_true = tf.constant([[0.0], [0.0], [0.0]])
    y_pred = tf.constant([[np.inf], [-np.inf], [np.nan]])
    mse = losses.mean_squared_error(y_true, y_pred).numpy()
    asym = losses.asymmetric_loss(y_true, y_pred, cost=1.0, profit=2.0).numpy()
    assert mse[0] == np.inf and mse[1] == np.inf and np.isnan(mse[2])
    assert asym[0] == np.inf and asym[1] == np.inf and np.isnan(asym[2])


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum"])
def test_empty_batch_reduces_to_zero(reduction, run):
    for loss in (losses.MeanSquaredError(reduction), losses.AsymmetricLoss(reduction=reduction)):
        assert float(run(loss, tf.zeros((0, 3)), tf.zeros((0, 3)))) == 0.0
    assert run(losses.MeanSquaredError("none"), tf.zeros((0, 3)), tf.zeros((0, 3))).shape == (0,)


def test_gradient_of_asymmetric_loss_is_cost_above_and_minus_profit_below():
    y_pred = tf.Variable([[3.0], [1.0]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(losses.asymmetric_loss([[2.0], [2.0]], y_pred, cost=1.5, profit=4.0))
    assert tape.gradient(loss, y_pred).numpy().ravel().tolist() == [1.5, -4.0]


def test_mse_gradient_matches_finite_differences():
    y_true = tf.constant([[0.5, -1.0, 2.0]], tf.float64)
    y_pred = tf.constant([[1.0, 0.0, -1.0]], tf.float64)
    theoretical, numerical = tf.test.compute_gradient(
        lambda p: losses.mean_squared_error(y_true, p), [y_pred], delta=1e-2
    )
    np.testing.assert_allclose(theoretical[0], numerical[0], rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(theoretical[0], [[2 * (1.0 - 0.5) / 3, 2 / 3, -2.0]], rtol=1e-6)


# -------------------------------------------------------------------- errors
@pytest.mark.parametrize("argument", ["cost", "profit"])
@pytest.mark.parametrize("value", [0.0, -1.0, float("inf"), float("nan")])
def test_cost_and_profit_must_be_positive_and_finite(argument, value):
    pattern = rf"Argument `{argument}` must be (> 0|finite)\. Received: {argument}="
    with pytest.raises(ValueError, match=pattern):
        losses.AsymmetricLoss(**{argument: value})
    with pytest.raises(ValueError, match=pattern):
        losses.asymmetric_loss([[1.0]], [[1.0]], **{argument: value})


def test_cost_must_be_a_number():
    with pytest.raises(TypeError, match="Argument `cost` must be a real number"):
        losses.AsymmetricLoss(cost="1")


def test_unknown_reduction_is_refused():
    with pytest.raises(
        ValueError, match=r"Invalid value for argument `reduction`.*reduction='avg'"
    ):
        losses.MeanSquaredError(reduction="avg")
