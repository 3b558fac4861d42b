"""custom_activation, check_gradient, Keras save/reload."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

import tftrain.activations as A
from tests.activations.conftest import gradient
from tftrain.activations._family import ACTIVATIONS
from tftrain.testing import assert_close


def test_custom_activation_uses_the_given_gradient_not_autodiff(registered, run):
    registered.append("halved_gradient_test")

    @A.custom_activation("halved_gradient_test", grad=lambda x, y, dy: x * dy)
    def halved(x):
        return x * x  # autodiff would give 2x; the declared gradient is x

    x = tf.constant([1.5, -2.0])
    assert_close(run(gradient, halved, x), [1.5, -2.0])
    assert A.get("halved_gradient_test") is halved and halved.__name__ == "halved_gradient_test"


def test_grad_receives_input_output_and_upstream(registered):
    seen = {}

    def grad(x, y, dy):
        seen.update(x=x.numpy(), y=y.numpy(), dy=dy.numpy())
        return dy

    registered.append("cube_probe_test")
    cube = A.custom_activation("cube_probe_test", grad=grad)(lambda x: x**3)
    x = tf.constant([2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = cube(x)
    tape.gradient(y, x, output_gradients=tf.constant([5.0]))
    assert (seen["x"], seen["y"], seen["dy"]) == (2.0, 8.0, 5.0)


def test_builtin_square_is_declared_with_its_gradient(run):
    x = tf.constant([-1.5, 0.0, 2.0], tf.float64)
    assert_close(run(gradient, A.square, x), [-3.0, 0.0, 4.0])
    assert A.square.grad(x, x * x, tf.ones_like(x)).numpy().tolist() == [-3.0, 0.0, 4.0]
    assert A.check_gradient(A.square) < 1e-7


def test_custom_activation_rejects_a_non_callable_grad():
    with pytest.raises(TypeError, match=r"`grad` must be a callable.*Received: grad=2"):
        A.custom_activation("never_test", grad=2)


def test_custom_activation_decorates_only_a_function():
    decorator = A.custom_activation("never_registered_test", grad=lambda x, y, dy: dy)
    with pytest.raises(TypeError, match=r"decorates a function. Received: 2"):
        decorator(2)
    with pytest.raises(ValueError, match="never_registered_test"):
        A.get("never_registered_test")


def test_custom_activation_name_collision_needs_override(registered):
    with pytest.raises(ValueError, match=r"'square' is already registered"):
        A.custom_activation("square", grad=lambda x, y, dy: dy)(lambda x: x)


def test_check_gradient_reports_a_wrong_gradient(registered):
    registered.append("wrong_gradient_test")
    wrong = A.custom_activation("wrong_gradient_test", grad=lambda x, y, dy: 3 * x * dy)(
        lambda x: x * x
    )
    points = np.array([1.0, 2.0])
    assert_close(A.check_gradient(wrong, points), 2.0, dtype="float32")  # |3x - 2x| at x=2
    with pytest.raises(AssertionError, match=r"differs .* by 2 > tolerance=1e-06, worst at x=2"):
        A.check_gradient(wrong, points, tolerance=1e-6)


@pytest.mark.parametrize(
    ("right_eagerly", "mode"), [(False, "eagerly"), (True, "in a tf.function")]
)
def test_check_gradient_catches_a_gradient_right_in_only_one_mode(registered, right_eagerly, mode):
    def grad(x, y, dy):
        return (2.0 if tf.executing_eagerly() == right_eagerly else 3.0) * x * dy

    registered.append("mode_dependent_test")
    square = A.custom_activation("mode_dependent_test", grad=grad)(lambda x: x * x)
    with pytest.raises(AssertionError, match=rf"'mode_dependent_test' {mode} differs .* by 2 >"):
        A.check_gradient(square, np.array([1.0, 2.0]), tolerance=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"delta": 0.0}, r"`delta` must be > 0"), ({"tolerance": -1.0}, r"`tolerance` must be > 0")],
)
def test_check_gradient_validates_its_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        A.check_gradient(A.relu, **kwargs)


def test_keras_model_with_tftrain_activations_saves_and_reloads(tmp_path):
    inputs = keras.Input((3,))
    h = keras.layers.Dense(4, activation=A.get({"name": "leaky_relu", "alpha": 0.1}))(inputs)
    h = keras.layers.Dense(4, activation=A.swish)(h)
    h = keras.layers.Dense(4, activation=A.square)(h)
    h = A.PReLU()(h)
    h = A.SwishBeta(beta=0.5)(h)
    outputs = A.RReLU(seed=1)(h)
    model = keras.Model(inputs, outputs)
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)  # safe mode, no custom_objects
    x = np.linspace(-2, 2, 12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_allclose(reloaded(x), model(x), rtol=1e-6)
    assert reloaded.layers[1].activation == A.get({"name": "leaky_relu", "alpha": 0.1})
    assert reloaded.layers[3].activation is A.square


CUBE_MODULE = """
import tensorflow as tf
from tftrain.activations import custom_activation

@custom_activation("cube_fresh_process", grad=lambda x, y, dy: 3 * x * x * dy)
def cube(x):
    return x * x * x
"""

RELOAD_SCRIPT = """
import sys
import numpy as np
import tensorflow as tf
import keras
import cube_module  # defines and registers the activation; nothing else
model = keras.models.load_model(sys.argv[1])
x = tf.constant(np.load(sys.argv[2]))
with tf.GradientTape() as tape:
    tape.watch(x)
    y = model(x)
g = tape.gradient(y, x)
np.save(sys.argv[3], np.stack([y.numpy(), g.numpy()]))
"""


@pytest.mark.slow
def test_custom_activation_model_reloads_in_a_fresh_process(tmp_path, monkeypatch):
    (tmp_path / "cube_module.py").write_text(textwrap.dedent(CUBE_MODULE))
    (tmp_path / "reload.py").write_text(RELOAD_SCRIPT)
    monkeypatch.syspath_prepend(str(tmp_path))
    import cube_module

    try:
        inputs = keras.Input((2,))
        layer = keras.layers.Dense(2, activation=cube_module.cube)
        model = keras.Model(inputs, layer(inputs))
        model.save(tmp_path / "cube.keras")
        x = np.array([[0.5, -1.0], [2.0, 0.25]], np.float32)
        np.save(tmp_path / "x.npy", x)
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = model(xt)
        g = tape.gradient(y, xt)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
        subprocess.run(
            [sys.executable, str(tmp_path / "reload.py"), str(tmp_path / "cube.keras"),
             str(tmp_path / "x.npy"), str(tmp_path / "out.npy")],
            check=True, env=env, capture_output=True, timeout=300,
        )  # fmt: skip
        y2, g2 = np.load(tmp_path / "out.npy")
        np.testing.assert_allclose(y2, y.numpy(), rtol=1e-6)
        np.testing.assert_allclose(g2, g.numpy(), rtol=1e-6)
    finally:
        ACTIVATIONS.unregister("cube_fresh_process")
        sys.modules.pop("cube_module", None)


def test_a_gradient_reading_the_output_has_the_same_second_derivative_eagerly(
    softsign_from_output, run
):
    def second_derivative(x):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = softsign_from_output(x)
            dx = inner.gradient(y, x)
        return outer.gradient(dx, x)

    x = tf.constant([-2.0, -0.5, 0.5, 3.0], tf.float64)
    assert_close(run(second_derivative, x), -2 * np.sign(x) / (1 + np.abs(x)) ** 3)
