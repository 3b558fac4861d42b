"""What a learning-rate schedule adds to a compiled optimizer step.

Runs SGD on 1 M float32 parameters, 50 steps per ``tf.function`` call compiled
with XLA, once with a constant learning rate and once with each registered
schedule at the example it declares; prints the median time per step and the
ratio to the constant rate. Target: every ratio under 1.02.

Run: ``python benchmarks/schedules.py``
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import tensorflow as tf
from _timing import interleaved_medians, print_ratios

from tftrain import schedules
from tftrain.families import family

# Each candidate is its own tf.function by design; their first traces are not retracing.
tf.get_logger().setLevel("ERROR")

STEPS_PER_CALL = 50
#: Each registered schedule at the example it declares at its registration.
SPECS = {
    name: {"name": name, **family("schedule").fact(name, "example")}
    for name in schedules.names()
    if name != "constant"
}


def training_steps(learning_rate) -> callable:
    """A compiled function that runs STEPS_PER_CALL SGD steps on fresh variables."""
    variables = [tf.Variable(tf.random.normal([500, 500])) for _ in range(4)]
    optimizer = keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9)
    optimizer.build(variables)
    gradients = [tf.random.normal(v.shape) * 1e-3 for v in variables]

    @tf.function(jit_compile=True)
    def run():
        for _ in tf.range(STEPS_PER_CALL):
            optimizer.apply_gradients(zip(gradients, variables, strict=True))
        return optimizer.iterations

    return lambda: run().numpy()


def main() -> None:
    candidates = {"constant (float)": training_steps(0.1)}
    for name, spec in SPECS.items():
        candidates[name] = training_steps(schedules.get(spec))
    medians = interleaved_medians(candidates, repeats=21)
    per_step = {name: seconds / STEPS_PER_CALL for name, seconds in medians.items()}
    print(f"SGD+momentum on 1 M parameters, {STEPS_PER_CALL} XLA-compiled steps per call")
    print_ratios(per_step, "constant (float)", unit="us")


if __name__ == "__main__":
    main()
