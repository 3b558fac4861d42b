"""check_activation: passes correct activations, catches each kind of broken one."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from tftrain.testing import PropertyCheckError, check_activation


@pytest.mark.parametrize(
    "fn",
    [tf.nn.relu, tf.nn.elu, tf.nn.selu, tf.nn.gelu, tf.nn.silu, tf.math.softplus, tf.math.tanh],
    ids=lambda fn: fn.__name__,
)
def test_tensorflow_activations_pass(fn):
    report = check_activation(fn)
    assert report.passed == [
        "keeps dtype and shape",
        "finite in range",
        "propagates NaN",
        "gradient matches numerical",
        "traces once",
        "compiles with XLA",
    ]
    assert report.not_applicable == {
        "serializes by name": "not registered with tftrain.activations"
    }


# -------------------------------------------------------- broken activations
def swish(x):
    """The correct base the mutants below each break in one way."""
    return x * tf.sigmoid(x)


@tf.custom_gradient
def swish_wrong_gradient(x):
    s = tf.sigmoid(x)
    return x * s, lambda dy: dy * s  # forgets the x * s * (1 - s) term


def swish_in_float32(x):
    return swish(tf.cast(x, tf.float32))


def swish_nan_at_large_inputs(x):
    return tf.where(x > 50.0, tf.constant(np.nan, x.dtype), swish(x))


def swish_overflowing(x):
    return x / (1.0 + tf.exp(-x))  # exp(100) is inf in float16 and float32: -inf / inf


def swish_hiding_nan(x):
    return tf.where(tf.math.is_nan(x), tf.zeros_like(x), swish(x))


def swish_flattened(x):
    return tf.reshape(swish(x), [-1])


def swish_with_numpy(x):
    return tf.constant(np.asarray(x) / (1.0 + np.exp(-np.asarray(x))), dtype=x.dtype)


def _swish_gradient_right_only(*, eagerly):
    @tf.custom_gradient
    def swish_mode_dependent(x):
        def grad(dy):
            s = tf.sigmoid(x)
            full = s * (1 + x * (1 - s))
            return dy * (full if tf.executing_eagerly() == eagerly else s)

        return x * tf.sigmoid(x), grad

    return swish_mode_dependent


swish_gradient_right_only_in_graphs = _swish_gradient_right_only(eagerly=False)
swish_gradient_right_only_eagerly = _swish_gradient_right_only(eagerly=True)


def swish_no_xla(x):
    return tf.strings.to_number(tf.strings.as_string(swish(tf.cast(x, tf.float32))), x.dtype)


@pytest.mark.parametrize(
    ("fn", "prop", "message"),
    [
        (
            swish_wrong_gradient,
            "gradient matches numerical",
            "expected the gradient within 1e-06 of central differences, got Gradient of "
            "'swish_wrong_gradient' eagerly differs from central differences by",
        ),
        (
            swish_gradient_right_only_in_graphs,
            "gradient matches numerical",
            "'swish_mode_dependent' eagerly differs from central differences by",
        ),
        (
            swish_gradient_right_only_eagerly,
            "gradient matches numerical",
            "'swish_mode_dependent' in a tf.function differs from central differences by",
        ),
        (swish_in_float32, "keeps dtype and shape", "expected float16 of shape (), got float32"),
        (
            swish_nan_at_large_inputs,
            "finite in range",
            "float16 x=50.0625 (in finite_range (-100.0, 100.0)): "
            "expected a finite output, got nan",
        ),
        (swish_overflowing, "finite in range", "x=-100.0"),
        (swish_hiding_nan, "propagates NaN", "float16[3] [nan, 1, nan]: expected NaN wherever"),
        (swish_flattened, "keeps dtype and shape", "of shape (), got float16 of shape (1,)"),
        (swish_with_numpy, "traces once", "raised"),
        (swish_no_xla, "compiles with XLA", "(XLA): expected a result, got raised"),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_a_broken_activation_is_caught_with_the_property_and_the_input(fn, prop, message):
    with pytest.raises(PropertyCheckError) as caught:
        check_activation(fn)
    failed = {f.property: str(f) for f in caught.value.findings}
    assert prop in failed, str(caught.value)
    assert message in failed[prop]


def test_the_correct_base_of_the_mutants_passes():
    assert len(check_activation(swish).passed) == 6


def test_a_narrower_stated_range_accepts_an_activation_that_overflows_outside_it():
    report = check_activation(swish_overflowing, finite_range=(-10.0, 10.0))
    assert "finite in range" in report.passed


def test_user_inputs_join_the_dtype_and_finiteness_checks():
    def nan_at_7_375(x):
        return tf.where(tf.equal(x, 7.375), tf.constant(np.nan, x.dtype), swish(x))

    assert "finite in range" in check_activation(nan_at_7_375).passed  # not on the grid
    x = tf.constant([[7.375, -1.0]], tf.bfloat16)
    with pytest.raises(PropertyCheckError, match=r"bfloat16 x=7.375 .*got nan"):
        check_activation(nan_at_7_375, inputs=[x], dtypes=["bfloat16"])


def test_inputs_outside_the_range_are_only_checked_for_dtype_and_shape():
    x = tf.constant([1e4, np.inf, np.nan], tf.float32)
    report = check_activation(swish_nan_at_large_inputs, inputs=x, finite_range=(-10.0, 10.0))
    assert "finite in range" in report.passed


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"finite_range": (1.0, -1.0)},
            ValueError,
            r"finite low < high. Received: .*\(1.0, -1.0\)",
        ),
        ({"finite_range": (0.0, np.inf)}, ValueError, r"finite_range=\(0.0, inf\)"),
        ({"gradient_tolerance": 0.0}, ValueError, r"`gradient_tolerance` must be > 0"),
        (
            {"dtypes": ["int32"]},
            ValueError,
            r"`dtypes\[0\]`. Expected one of .*dtypes\[0\]='int32'",
        ),
    ],
)
def test_bad_arguments_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        check_activation(swish, **kwargs)


def test_something_that_is_no_activation_is_refused():
    with pytest.raises(TypeError, match=r"`fn` must be callable. Received: fn=3"):
        check_activation(3)
