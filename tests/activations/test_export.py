"""A Keras model with tftrain activations exports as a SavedModel that keeps their gradients.

Loaded in a fresh process that never imports tftrain, the exported function
gives the same outputs and the hand-written gradients (``halved_square``'s is
deliberately not its autodiff), whether written by ``model.export`` or by
``tf.saved_model.save``; without ``experimental_custom_gradients`` the
gradient is lost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import tftrain.activations as A

LOAD_SCRIPT = """
import json, sys
import numpy as np
import tensorflow as tf

folder = sys.argv[1]
x = tf.constant(np.load(f"{folder}/x.npy"))
results = {}
for name in ("exported", "saved", "saved_without_custom_gradients"):
    loaded = tf.saved_model.load(f"{folder}/{name}")
    serve = loaded.serve if hasattr(loaded, "serve") else loaded.signatures["serving_default"]
    y = serve(x)
    try:  # a tape makes the loaded function build its gradient, or fail to
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = serve(x)
        g = tape.gradient(y, x)
    except LookupError as error:
        g = type(error).__name__
    y, g = (t["output_0"] if isinstance(t, dict) else t for t in (y, g))
    results[name] = {"y": y.numpy().tolist(), "g": g if isinstance(g, str) else g.numpy().tolist()}
results["tftrain imported"] = "tftrain" in sys.modules
print(json.dumps(results))
"""


def _model(halved_square):
    inputs = keras.Input((4,))
    h = keras.layers.Dense(6, activation=A.swish)(inputs)
    h = keras.layers.Dense(6, activation=A.mish)(h)
    h = keras.layers.Dense(6, activation=A.gelu)(h)
    h = keras.layers.Dense(6, activation=A.hard_silu)(h)
    h = keras.layers.Dense(6, activation=A.get({"name": "celu", "alpha": 0.5}))(h)
    h = keras.layers.Dense(6, activation=A.softsign)(h)
    h = keras.layers.Dense(6, activation=halved_square)(h)
    h = A.PReLU()(h)
    h = A.RReLU(seed=1)(h)
    return keras.Model(inputs, A.SwishBeta(beta=0.5)(h))


def _value_and_gradient(fn, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return y.numpy(), tape.gradient(y, x).numpy()


@pytest.mark.slow
def test_exported_model_keeps_outputs_and_hand_written_gradients_in_a_fresh_process(
    tmp_path, registered
):
    registered.append("halved_square_export_test")

    @A.custom_activation("halved_square_export_test", grad=lambda x, y, dy: x * dy)
    def halved_square(x):
        return x * x  # autodiff: 2x; declared: x

    model = _model(halved_square)
    x = tf.constant(np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4))
    y, g = _value_and_gradient(model, x)
    square_layer = model.layers[7]
    square_layer.activation = halved_square.forward  # the same model by plain autodiff
    _, g_autodiff = _value_and_gradient(model, x)
    square_layer.activation = halved_square
    np.testing.assert_allclose(g_autodiff, 2 * g, rtol=1e-5)  # g is the declared gradient

    np.save(tmp_path / "x.npy", x.numpy())
    model.export(tmp_path / "exported", verbose=False)
    tf.saved_model.save(model, str(tmp_path / "saved"))
    tf.saved_model.save(
        model,
        str(tmp_path / "saved_without_custom_gradients"),
        options=tf.saved_model.SaveOptions(experimental_custom_gradients=False),
    )
    (tmp_path / "load.py").write_text(LOAD_SCRIPT)
    env = {**os.environ, "PYTHONPATH": ""}  # the artifacts must load without tftrain
    done = subprocess.run(
        [sys.executable, str(tmp_path / "load.py"), str(tmp_path)],
        check=True, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert results["tftrain imported"] is False
    for name in ("exported", "saved"):
        np.testing.assert_allclose(results[name]["y"], y, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(results[name]["g"], g, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(results["saved_without_custom_gradients"]["y"], y, rtol=1e-5)
    assert results["saved_without_custom_gradients"]["g"] == "LookupError"
