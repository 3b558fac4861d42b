"""An activation with a hand-written gradient, the TF2 way, end to end.

Defines ``my_square(x) = x^2`` with its gradient ``2x`` through
``tftrain.activations.custom_activation`` (the replacement for TF1's ``py_func``
+ ``gradient_override_map``), checks the gradient numerically, trains a one-unit
model ``y = (w x + b)^2`` on data from ``(2x + 1)^2``, saves it as ``.keras`` and
reloads it in a fresh Python process that only imports this file, without
``custom_objects``.

Run: ``python examples/custom_activation.py``
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import tensorflow as tf

from tftrain.activations import check_gradient, custom_activation, get


@custom_activation("my_square", grad=lambda x, y, dy: 2 * x * dy)
def my_square(x: tf.Tensor) -> tf.Tensor:
    """``x ** 2``, with the gradient ``2 x`` given by hand."""
    return x * x


def train(path: str) -> np.ndarray:
    """Fits ``(w x + b)^2`` to ``(2x + 1)^2``, saves the model to ``path``, returns probes."""
    keras.utils.set_random_seed(0)
    x = np.linspace(-1, 1, 256, dtype=np.float32).reshape(-1, 1)
    y = (2 * x + 1) ** 2
    model = keras.Sequential(
        [keras.Input((1,)), keras.layers.Dense(1, activation=get("my_square"))]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    history = model.fit(x, y, epochs=60, batch_size=32, verbose=0)
    w, b = (float(v.numpy().ravel()[0]) for v in model.layers[0].weights)
    print(f"trained: loss {history.history['loss'][0]:.4f} -> {history.history['loss'][-1]:.6f}")
    print(f"         w = {w:+.3f}, b = {b:+.3f}  (the data says +-(2, 1))")
    model.save(path)
    return model.predict(np.array([[-0.5], [0.0], [0.5]], np.float32), verbose=0)


def reload(path: str) -> None:
    """Loads the model in this (fresh) process and prints its predictions."""
    model = keras.models.load_model(path)  # safe mode on, no custom_objects
    probes = model.predict(np.array([[-0.5], [0.0], [0.5]], np.float32), verbose=0)
    assert model.layers[0].activation is my_square
    print(" ".join(f"{v:.5f}" for v in probes.ravel()))


def main() -> None:
    print(f"check_gradient(my_square): max error {check_gradient(my_square):.2e}")
    x = tf.constant([-1.5, 0.5, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = my_square(x)
    print("my_square(x) =", y.numpy(), " d/dx =", tape.gradient(y, x).numpy())

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "square.keras")
        before = train(path)
        print("predictions before saving:  ", " ".join(f"{v:.5f}" for v in before.ravel()))
        fresh = subprocess.run(
            [sys.executable, __file__, "--reload", path],
            check=True,
            capture_output=True,
            text=True,
        )
        print("reloaded in a fresh process:", fresh.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--reload":
        reload(sys.argv[2])
    else:
        main()
