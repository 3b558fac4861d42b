"""Activations with a separate XLA or eager formulation give the graph formulation's values."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from tftrain import activations
from tftrain.activations import _xla

SPECIAL = [-np.inf, -1e4, -30.0, -1.0, -0.0, 0.0, 0.5, 30.0, 1e4, np.inf, np.nan]


def _value_and_gradient(fn, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return y, tape.gradient(y, x)


@pytest.mark.parametrize(
    "fn",
    [
        activations.swish,
        lambda x: activations.swish(x, beta=2.0),
        activations.leaky_relu,
        lambda x: activations.leaky_relu(x, alpha=1.5),
        lambda x: activations.leaky_relu(x, negative_slope=1.5),
        activations.hard_silu,
        activations.softsign,
        lambda x: activations.celu(x, alpha=0.3),
    ],
    ids=[
        "swish",
        "swish_beta2",
        "leaky_relu",
        "leaky_relu_alpha1.5",
        "leaky_relu_negative_slope1.5",
        "hard_silu",
        "softsign",
        "celu_alpha0.3",
    ],
)
@pytest.mark.parametrize("dtype", [tf.float16, tf.bfloat16, tf.float32, tf.float64])
def test_xla_and_eager_forms_match_the_graph_form_at_special_values(fn, dtype):
    x = tf.constant(SPECIAL, dtype)
    graph = tf.function(lambda x: _value_and_gradient(fn, x))(x)
    xla = tf.function(lambda x: _value_and_gradient(fn, x), jit_compile=True)(x)
    eager = _value_and_gradient(fn, x)
    for g, c in [*zip(graph, xla, strict=True), *zip(graph, eager, strict=True)]:
        g, c = tf.cast(g, tf.float64).numpy(), tf.cast(c, tf.float64).numpy()
        np.testing.assert_array_equal(np.isnan(g), np.isnan(c))
        np.testing.assert_allclose(c, g, rtol=1e-2 if dtype in (tf.float16, tf.bfloat16) else 1e-6)


def test_building_for_xla_only_inside_jit_compiled_functions():
    seen = []

    def probe():
        seen.append(_xla.building_for_xla())
        return tf.constant(0.0)

    probe()
    tf.function(probe)()
    tf.function(probe, jit_compile=True)()
    tf.function(lambda: tf.function(probe, jit_compile=True)())()
    assert seen == [False, False, True, True]


def test_the_xla_form_of_swish_run_eagerly_gives_the_same_values(monkeypatch):
    calls = []
    monkeypatch.setattr(
        "tftrain.activations._swish.building_for_xla", lambda: calls.append(1) or True
    )
    x = tf.constant([-np.inf, -1.0, 2.0])
    y = activations.swish(x)  # eager, forced onto the XLA form: same values
    assert calls
    np.testing.assert_allclose(y.numpy(), [0.0, -0.26894142, 1.76159416], rtol=1e-6)


@pytest.mark.parametrize("size", [1, 7, 1000, 100_003])
@pytest.mark.parametrize("specials", [(), ("-inf",), ("nan",), ("-inf", "nan"), ("inf",)])
def test_swish_in_graphs_guards_only_when_it_must(size, specials):
    """The unguarded (fused) product for ordinary input; the guarded one for -inf or NaN."""
    rng = np.random.default_rng(size)
    values = rng.normal(scale=5.0, size=size).astype("float32")
    where = rng.choice(size, size=min(len(specials), size), replace=False)
    for i, special in zip(where, specials, strict=False):
        values[i] = float(special)
    y = tf.function(activations.swish)(tf.constant(values)).numpy()
    with np.errstate(over="ignore", invalid="ignore"):
        expected = values / (1.0 + np.exp(-values.astype("float64")))
    expected[values == -np.inf] = 0.0
    np.testing.assert_array_equal(np.isnan(y), np.isnan(values))
    np.testing.assert_allclose(y, expected, rtol=2e-6, atol=1e-30)


def _op_types(fn, x, *, jit_compile):
    """Every op type in ``fn``'s traced graph, its nested functions (cond branches) included."""
    traced = tf.function(fn, jit_compile=jit_compile).get_concrete_function(x)
    graph_def = traced.graph.as_graph_def()
    types = {node.op for node in graph_def.node}
    for function in graph_def.library.function:
        types |= {node.op for node in function.node_def}
    return types


def test_each_context_builds_its_measured_fast_form():
    """The forms the benchmark chose: fused kernels in graphs, written-out selects under XLA.

    The values are pinned above; this pins the choice, which only
    ``benchmarks/activations.py`` would otherwise notice.
    """
    x = tf.TensorSpec([None], tf.float32)
    graph, xla = (_op_types(activations.leaky_relu, x, jit_compile=j) for j in (False, True))
    assert "LeakyRelu" in graph and not graph & {"Select", "SelectV2"}
    assert "LeakyRelu" not in xla and xla & {"Select", "SelectV2"}

    graph, xla = (_op_types(activations.swish, x, jit_compile=j) for j in (False, True))
    assert graph & {"If", "StatelessIf"}  # reduce_min picks the fused product ...
    assert {"Min", "Mul", "MulNoNan"} <= graph  # ... or the guarded one
    assert not xla & {"If", "StatelessIf", "MulNoNan"} and "Maximum" in xla  # clipped input
