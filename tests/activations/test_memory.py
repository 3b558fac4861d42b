"""What a tape keeps for an activation's backward pass: at most what plain autodiff keeps.

Eager mode is measured with TensorFlow's device memory counter, in input-sized
tensors; graphs by the forward tensors that the gradient graph reads. Both run over every registered
activation against a plain-autodiff formula declared below (a guard test fails
for a new name without one), and for activations made with ``custom_activation``
against autodiff of their own forward.
"""

from __future__ import annotations

import keras
import pytest
import tensorflow as tf

import tftrain.activations as A
from tests.activations.conftest import gradient
from tftrain.activations._family import ACTIVATIONS
from tftrain.testing import assert_close

#: The input: 1 MiB of float32.
N = 2**18
INPUT_BYTES = 4 * N


def _swish_with_a_variable_beta():
    beta = tf.Variable(1.0)
    return lambda x: x * tf.math.sigmoid(beta * x)


#: name -> a function building (activation, the same formula by plain autodiff). Layers
#: are built with the same weights; ``custom_activation``s are compared with their forward.
FORMULAS = {
    "linear": lambda: (A.linear, tf.identity),
    "relu": lambda: (A.relu, tf.nn.relu),
    "relu6": lambda: (A.relu6, tf.nn.relu6),
    "hard_sigmoid": lambda: (A.hard_sigmoid, lambda x: tf.nn.relu6(x + 3.0) / 6.0),
    "hard_silu": lambda: (A.hard_silu, lambda x: x * (tf.nn.relu6(x + 3.0) / 6.0)),
    "softsign": lambda: (A.softsign, tf.nn.softsign),
    "celu": lambda: (
        A.celu,
        lambda x: tf.maximum(x, 0.0) + tf.math.expm1(tf.minimum(x, 0.0)),  # Keras's
    ),
    "leaky_relu": lambda: (A.leaky_relu, lambda x: tf.nn.leaky_relu(x, 0.2)),
    "sigmoid": lambda: (A.sigmoid, tf.math.sigmoid),
    "tanh": lambda: (A.tanh, tf.math.tanh),
    "softplus": lambda: (A.softplus, tf.math.softplus),
    "elu": lambda: (A.elu, tf.nn.elu),
    "selu": lambda: (A.selu, tf.nn.selu),
    "swish": lambda: (A.swish, lambda x: x * tf.math.sigmoid(x)),
    "mish": lambda: (A.mish, lambda x: x * tf.math.tanh(tf.math.softplus(x))),
    "gelu": lambda: (A.gelu, tf.nn.gelu),
    "prelu": lambda: (
        A.PReLU(),
        keras.layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25)),
    ),
    "rrelu": lambda: (A.RReLU(), lambda x: tf.where(x >= 0, x, (1 / 8 + 1 / 3) / 2 * x)),
    "swish_beta": lambda: (A.SwishBeta(), _swish_with_a_variable_beta()),
}


def _pair(name):
    if name in FORMULAS:
        return FORMULAS[name]()
    fn = A.get(name)
    return fn, fn.forward  # made with custom_activation


def _custom_made(name):
    return hasattr(ACTIVATIONS.entry(name).obj, "forward")


def test_every_registered_activation_has_a_plain_formula():
    assert {n for n in A.names() if not _custom_made(n)} == set(FORMULAS)


def _current_bytes() -> int:
    return tf.config.experimental.get_memory_info("CPU:0")["current"]


def _input_sized(nbytes: int) -> int:
    """How many input-sized tensors ``nbytes`` of the CPU allocator's count hold.

    The BFC allocator (tests/conftest.py) counts an allocation as the chunk it
    hands out: rounded up to 256 bytes, and a free chunk under twice the request
    is handed out whole. So ``k`` live input-sized tensors, with small ones
    beside, count from ``k`` to under ``2k`` input sizes: floor division never
    reads fewer than ``k``, and reads 0 and 1 exactly, the bounds that the
    claims below state.
    """
    return nbytes // INPUT_BYTES


def kept_for_backward(fn, x: tf.Tensor) -> tuple[int, int]:
    """Input-sized tensors a tape holds in eager mode for ``fn(x)``, besides ``x``.

    Returns ``(beside the output, after the output is dropped)``: the first is
    what training pays (the next layer keeps the output alive anyway), the
    second what the tape alone keeps.
    """
    fn(x)  # a layer builds its weights, kernels load
    base = _current_bytes()
    y = fn(x)
    output = _current_bytes() - base  # 0 when the output is x's buffer (the identity)
    del y
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
        beside_output = _current_bytes() - base - output
        del y
    after_drop = _current_bytes() - base
    del tape
    return _input_sized(beside_output), _input_sized(after_drop)


@pytest.fixture(scope="module")
def x():
    return tf.random.stateless_normal([N], seed=(5, 6)) * 3


@pytest.mark.parametrize("name", A.names())
def test_eager_tape_keeps_at_most_what_plain_autodiff_keeps(name, x):
    fn, plain = _pair(name)
    ours, autodiff = kept_for_backward(fn, x), kept_for_backward(plain, x)
    assert ours[0] <= autodiff[0] and ours[1] <= autodiff[1], (ours, autodiff)


@pytest.mark.parametrize("name", ["swish", "mish"])
def test_swish_and_mish_keep_at_most_one_input_sized_tensor_in_eager_mode(name, x):
    fn, plain = _pair(name)
    beside_output, after_drop = kept_for_backward(fn, x)
    assert beside_output == 0 and after_drop <= 1
    assert kept_for_backward(plain, x)[0] == 1  # sigmoid(x) / tanh(softplus(x))


def test_gelu_keeps_less_than_autodiff_in_eager_mode(x):
    ours, autodiff = kept_for_backward(A.gelu, x), kept_for_backward(tf.nn.gelu, x)
    assert ours[0] < autodiff[0] and ours[0] <= 1, (ours, autodiff)


def test_a_custom_activation_keeps_only_what_its_gradient_reads(x, softsign_from_output):
    fn = softsign_from_output
    ours, autodiff = kept_for_backward(fn, x), kept_for_backward(fn.forward, x)
    assert ours[0] == 0 and ours[1] <= 1  # at most the output, which grad reads
    assert autodiff[0] >= 2, autodiff  # |x| and 1 + |x|


def _saved_for_backward(fn) -> set[str]:
    """Forward tensors (not constants) that the backward pass reads, in a ``tf.function``.

    Traced as in training (AutoGraph on, a ``GradientTape``); ops created
    before ``tape.gradient`` are the forward pass. Identity ops are seen
    through: ``tf.custom_gradient`` passes the input on through an
    ``IdentityN``, which is the same buffer, not a saved copy.
    """
    marks = {}

    @tf.function
    def step(x, dy):
        graph = tf.compat.v1.get_default_graph()
        with tf.GradientTape() as tape:
            tape.watch(x)
            marks["start"] = len(graph.get_operations())
            y = fn(x)
        marks["end"] = len(graph.get_operations())
        return tape.gradient(y, x, output_gradients=dy)

    spec = tf.TensorSpec([8], tf.float32)
    graph = step.get_concrete_function(spec, spec).graph
    ops = graph.get_operations()
    forward = set(ops[marks["start"] : marks["end"]])
    saved = set()
    for op in ops[marks["end"] :]:
        for t in op.inputs:
            while t.op.type in ("Identity", "IdentityN"):
                t = t.op.inputs[t.value_index]
            if t.op.type == "Placeholder" or (t.op in forward and t.op.type != "Const"):
                saved.add(t.name)
    saved.discard("dy:0")
    return saved


@pytest.mark.parametrize("name", ["swish", "mish"])
def test_memory_efficient_forms_keep_only_the_input_in_graphs(name):
    fn, plain = _pair(name)
    assert _saved_for_backward(fn) == {"x:0"}
    assert len(_saved_for_backward(plain)) == 2  # x and sigmoid(x) / tanh(softplus(x))
    x = tf.random.stateless_normal([64], seed=(4, 2), dtype=tf.float64) * 4
    assert_close(fn(x), plain(x), dtype="float32")  # to 1e-6
    assert_close(gradient(fn, x), gradient(plain, x), dtype="float32")


@pytest.mark.parametrize("name", ["hard_silu", "softsign", "celu"])
def test_written_out_gradients_keep_only_the_input(name, x):
    fn, plain = _pair(name)
    assert _saved_for_backward(fn) == {"x:0"}
    assert kept_for_backward(fn, x) == (0, 0)
    if name != "softsign":  # autodiff of tf.nn.softsign keeps only x too
        assert kept_for_backward(plain, x)[0] >= 1  # the hard sigmoid / expm1's input
        assert len(_saved_for_backward(plain)) >= 2


@pytest.mark.parametrize("name", A.names())
def test_graph_keeps_at_most_what_plain_autodiff_keeps(name):
    fn, plain = _pair(name)
    fn(tf.zeros([8])), plain(tf.zeros([8]))  # layers build outside the traced step
    assert len(_saved_for_backward(fn)) <= len(_saved_for_backward(plain))
