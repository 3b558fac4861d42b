"""The activation functions: values, gradients, dtypes, limits, XLA, against references."""

from __future__ import annotations

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf

import tftrain.activations as A
from tests.activations.conftest import FLOAT_DTYPES, LIMITS, POINTS, REFERENCES, _gelu_tanh
from tftrain.activations._family import ACTIVATIONS
from tftrain.testing import assert_close

FUNCTIONS = sorted(n for n in A.names() if not inspect.isclass(ACTIVATIONS.entry(n).obj))


def value_and_gradient(fn, x):
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return y, tape.gradient(y, x)


def test_every_builtin_function_has_a_reference_and_limits():
    assert set(FUNCTIONS) == set(REFERENCES) == set(LIMITS)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_values_and_gradients_match_the_float64_reference(name, run):
    x = tf.constant(POINTS, tf.float64)
    y, dx = run(value_and_gradient, A.get(name), x)
    reference, derivative = REFERENCES[name]
    assert_close(y, reference(POINTS))
    assert_close(dx, derivative(POINTS))


PEERS = {
    "relu": tf.nn.relu,
    "relu6": keras.activations.relu6,
    "hard_sigmoid": keras.activations.hard_sigmoid,
    "hard_silu": keras.activations.hard_silu,
    "softsign": keras.activations.softsign,
    "celu": keras.activations.celu,
    "leaky_relu": lambda x: keras.activations.leaky_relu(x, negative_slope=0.2),
    "sigmoid": keras.activations.sigmoid,
    "tanh": keras.activations.tanh,
    "softplus": keras.activations.softplus,
    "elu": keras.activations.elu,
    "selu": keras.activations.selu,
    "swish": keras.activations.silu,
    "mish": keras.activations.mish,
    "gelu": keras.activations.gelu,
    "square": tf.math.square,
    "linear": keras.activations.linear,
}


@pytest.mark.parametrize("name", sorted(PEERS))
def test_float32_values_and_gradients_match_keras_and_tf_nn(name):
    x = tf.random.stateless_normal([257], seed=(1, 2)) * 4
    y, dx = value_and_gradient(A.get(name), x)
    y_ref, dx_ref = value_and_gradient(PEERS[name], x)
    assert_close(y, y_ref, scale=4)  # float32: a few ulps between formulations
    assert_close(dx, dx_ref, scale=4)


def test_gelu_tanh_approximation_matches_the_reference():
    x = tf.constant(POINTS, tf.float64)
    y, dx = value_and_gradient(lambda t: A.gelu(t, approximate=True), x)
    assert_close(y, _gelu_tanh(POINTS))
    c, a = np.sqrt(2 / np.pi), 0.044715
    t = np.tanh(c * (POINTS + a * POINTS**3))
    assert_close(dx, 0.5 * (1 + t) + 0.5 * POINTS * (1 - t * t) * c * (1 + 3 * a * POINTS**2))
    assert_close(A.check_gradient(lambda v: A.gelu(v, approximate=True)), 0.0, scale=1e5)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_output_and_gradient_keep_the_input_dtype_and_values(name, dtype):
    x = tf.constant(POINTS[2:-2], dtype)  # |x| <= 6.5: square stays in bfloat16 range
    y, dx = value_and_gradient(A.get(name), x)
    assert y.dtype == x.dtype and dx.dtype == x.dtype
    x64 = tf.cast(x, tf.float64).numpy()  # the rounded inputs
    reference, derivative = REFERENCES[name]
    # Composite functions round several times in low precision: allow 4x the tolerance.
    assert_close(y, reference(x64), scale=4)
    assert_close(dx, derivative(x64), scale=4)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_finite_in_finite_out_over_plus_minus_1e4(name, dtype):
    x = tf.constant([-1e4, -3e3, -100.0, -30.0, -1e-3, 0.0, 1e-3, 30.0, 100.0, 3e3, 1e4], dtype)
    if name == "square":  # x**2 overflows float16 past 256: only the range it can hold
        x = tf.clip_by_value(x, -200.0, 200.0)
    y, dx = value_and_gradient(A.get(name), x)
    assert np.isfinite(tf.cast(y, tf.float64).numpy()).all(), y
    assert np.isfinite(tf.cast(dx, tf.float64).numpy()).all(), dx


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", FUNCTIONS)
def test_limits_at_infinity(name, dtype, run):
    x = tf.constant([-np.inf, np.inf], dtype)
    y, dx = run(value_and_gradient, A.get(name), x)
    (values, slopes) = LIMITS[name]
    assert_close(y, np.array(values, dtype))
    assert_close(dx, np.array(slopes, dtype))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_nan_in_nan_out(name):
    y, _ = value_and_gradient(A.get(name), tf.constant([np.nan, 1.0]))
    assert np.isnan(y.numpy()[0]) and np.isfinite(y.numpy()[1])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_empty_batch_gives_empty_output(name):
    y, dx = value_and_gradient(A.get(name), tf.zeros([0, 3]))
    assert y.shape == (0, 3) and dx.shape == (0, 3)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_compiles_with_xla_and_traces_once(name):
    fn = A.get(name)
    traces = []

    @tf.function(jit_compile=True)
    def step(x):
        traces.append(1)
        return value_and_gradient(fn, x)

    x = tf.constant(POINTS, tf.float32)
    y, dx = step(x)
    step(x + 1.0)
    assert len(traces) == 1
    eager_y, eager_dx = value_and_gradient(fn, x)
    assert_close(y, eager_y, scale=4)
    assert_close(dx, eager_dx, scale=4)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_builtin_passes_check_gradient(name):
    assert A.check_gradient(A.get(name)) < 1e-7


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"name": "leaky_relu", "alpha": 0.1}, [-0.1, 2.0]),
        ({"name": "leaky_relu", "alpha": 3.0}, [-3.0, 2.0]),  # alpha > 1: maximum() is wrong
        ({"name": "elu", "alpha": 0.3}, [0.3 * np.expm1(-1.0), 2.0]),  # not rounded to f32
        ({"name": "celu", "alpha": 0.3}, [0.3 * np.expm1(-1.0 / 0.3), 2.0]),
        ({"name": "celu", "alpha": 2.5}, [2.5 * np.expm1(-1.0 / 2.5), 2.0]),
        ({"name": "leaky_relu", "negative_slope": 0.1}, [-0.1, 2.0]),
        ({"name": "swish", "beta": 2.0}, [-1.0 / (1 + np.exp(2.0)), 2.0 / (1 + np.exp(-4.0))]),
    ],
)
def test_bound_hyperparameters(spec, expected):
    fn = A.get(spec)
    assert_close(fn(tf.constant([-1.0, 2.0], tf.float64)), expected)


@pytest.mark.parametrize(
    ("beta", "dtype", "limits"),
    [
        (1.0, "float16", [0.0, np.inf]),
        (2.0, "float32", [0.0, np.inf]),
        (1e-4, "float16", [0.0, np.inf]),  # -65504 * 1e-4 does not saturate the sigmoid
        (-1.0, "float32", [-np.inf, 0.0]),
    ],
)
def test_swish_limits_at_infinity_for_any_beta(beta, dtype, limits, run):
    # A guard that clips the input to the finite floats would fail for tiny and
    # negative betas: these pin the limits whatever guard is used.
    y = run(lambda t: A.swish(t, beta=beta), tf.constant([-np.inf, np.inf], dtype))
    np.testing.assert_array_equal(y.numpy(), limits)


def test_swish_guard_changes_no_finite_value():
    x = tf.constant(np.linspace(-120.0, 120.0, 4001), tf.float32)
    np.testing.assert_array_equal(A.swish(x).numpy(), (x * tf.sigmoid(x)).numpy())


def test_mish_closed_form_gradient_matches_the_reference_across_its_clip_points():
    # The backward clips x to [-1000, 20]: exact below (e^x is 0) and above (f' is 1).
    x = np.array([-1100.0, -1000.0, -745.0, -100.0, -30.0, 19.5, 20.0, 20.5, 30.0, 700.0])
    y, dx = value_and_gradient(A.mish, tf.constant(x, tf.float64))
    reference, derivative = REFERENCES["mish"]
    assert_close(y, reference(x))
    assert_close(dx, derivative(x))


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "leaky_relu", "alpha": 1.7},
        {"name": "leaky_relu", "negative_slope": 1.7},
        {"name": "elu", "alpha": 0.3},
        {"name": "celu", "alpha": 0.3},
        {"name": "celu", "alpha": 2.5},
    ],
)
def test_bound_hyperparameters_have_correct_gradients(spec):
    assert A.check_gradient(A.get(spec)) < 1e-7


def test_swish_beta_value_and_gradient_match_autodiff_in_float64():
    x = tf.constant(POINTS, tf.float64)
    y, dx = value_and_gradient(lambda t: A.swish(t, beta=1.7), x)
    y_ref, dx_ref = value_and_gradient(lambda t: t * tf.sigmoid(1.7 * t), x)
    assert_close(y, y_ref)  # beta is not rounded to float32 on the way
    assert_close(dx, dx_ref)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: A.leaky_relu(x, alpha=float("nan")), ValueError, r"`alpha` must be finite"),
        (lambda x: A.leaky_relu(x, alpha="0.1"), TypeError, r"`alpha` must be a real number"),
        (lambda x: A.elu(x, alpha=float("inf")), ValueError, r"`alpha` must be finite"),
        (lambda x: A.swish(x, beta=None), TypeError, r"Received: beta=None"),
        (lambda x: A.gelu(x, approximate="yes"), TypeError, r"`approximate` must be a bool"),
        (
            lambda x: A.celu(x, alpha=0),
            ValueError,
            r"^Argument `alpha` must be > 0\. Received: alpha=0$",
        ),
        (lambda x: A.celu(x, alpha=-1.5), ValueError, r"Received: alpha=-1\.5$"),
        (lambda x: A.celu(x, alpha=float("inf")), ValueError, r"`alpha` must be finite"),
        (
            lambda x: A.leaky_relu(x, alpha=0.1, negative_slope=0.1),
            ValueError,
            r"Only one of `alpha` and `negative_slope`.*Received: alpha=0\.1, negative_slope=0\.1",
        ),
        (
            lambda x: A.leaky_relu(x, negative_slope=float("nan")),
            ValueError,
            r"`negative_slope` must be finite",
        ),
    ],
)
def test_bad_hyperparameters_raise_naming_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call(tf.constant([1.0]))


@pytest.mark.parametrize("alpha", [0.3, 1.0, 2.5])
def test_celu_matches_keras_for_any_alpha(alpha):
    x = tf.random.stateless_normal([257], seed=(3, 4)) * 4
    y, dx = value_and_gradient(lambda t: A.celu(t, alpha=alpha), x)
    y_ref, dx_ref = value_and_gradient(lambda t: keras.activations.celu(t, alpha=alpha), x)
    assert_close(y, y_ref, scale=4)
    assert_close(dx, dx_ref, scale=4)


def test_leaky_relu_negative_slope_is_alpha_by_its_keras_name():
    x = tf.constant(POINTS, tf.float32)
    for slope in (0.0, 0.01, 0.2, 1.7):
        ours = A.leaky_relu(x, negative_slope=slope).numpy()
        np.testing.assert_array_equal(ours, A.leaky_relu(x, alpha=slope).numpy())
        keras_y = keras.activations.leaky_relu(x, negative_slope=slope).numpy()
        np.testing.assert_array_equal(ours, keras_y)
    np.testing.assert_array_equal(A.leaky_relu(x).numpy(), A.leaky_relu(x, alpha=0.2).numpy())


@pytest.mark.parametrize("name", ["relu6", "hard_sigmoid", "hard_silu"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_values_and_one_sided_slopes_at_the_kinks_are_keras_s(name, dtype):
    # Exactly on the kinks (-3, 0, 3, 6) a gradient is a convention: Keras's
    # autodiff gives hard_silu 0 at -3 and 1 at 3, and the hard sigmoid and
    # relu6 0 at both ends; a written-out gradient must keep those.
    x = tf.constant([-3.0, -0.0, 0.0, 3.0, 6.0], dtype)
    y, dx = value_and_gradient(A.get(name), x)
    y_ref, dx_ref = value_and_gradient(getattr(keras.activations, name), x)
    np.testing.assert_array_equal(tf.cast(y, tf.float64), tf.cast(y_ref, tf.float64))
    np.testing.assert_array_equal(tf.cast(dx, tf.float64), tf.cast(dx_ref, tf.float64))
