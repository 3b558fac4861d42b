"""Register your own activation and property-test it the way tftrain tests its own.

Hard swish, ``x * relu6(x + 3) / 6``, registered under a name so recipes, the
CLI and Keras saving find it; then one pytest test runs every property check
(dtype and shape kept in float16/bfloat16/float32/float64, finite values and
gradients, the gradient against central differences, one trace, XLA, the
serialization round trip), and a hypothesis test feeds it tensors with edge
values. A broken hard swish fails with a report naming the property and input.

Run: ``python examples/property_test_my_activation.py`` (or ``pytest`` on this file).
"""

from __future__ import annotations

import subprocess
import sys

import tensorflow as tf
from hypothesis import given, settings

import tftrain
from tftrain.testing import check_activation
from tftrain.testing.strategies import tensors


@tftrain.activations.register("my_hard_swish")
def hard_swish(x):
    """Hard swish: ``x * relu6(x + 3) / 6`` (Howard et al., 2019)."""
    return x * tf.nn.relu6(x + 3.0) / 6.0


def test_hard_swish_has_every_property_of_a_built_in():
    report = check_activation(hard_swish, kinks=(-3.0, 3.0))  # relu6 bends at x = -3 and 3
    print(report)


# Each drawn tensor runs the whole check (gradients, traces, serialization too), so
# a few dozen examples cover the inputs without minutes of repeated gradient checks.
@settings(max_examples=25)
@given(tensors(dtype="bfloat16", edges=["zeros", "subnormal", "huge"]))
def test_hard_swish_on_any_bfloat16_tensor(x):
    check_activation(
        hard_swish, inputs=x, kinks=(-3.0, 3.0), dtypes=["bfloat16"], jit_compile=False
    )


if __name__ == "__main__":  # pytest in a fresh interpreter, so it can rewrite asserts
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", "-q", "-s", __file__]))
