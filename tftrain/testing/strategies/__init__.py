"""Hypothesis strategies: tensors with edges, labels, logits, valid component specs and recipes.

Needs ``hypothesis`` (the ``test`` extra); ``import tftrain.testing`` does not.

Example:
    >>> import tensorflow as tf
    >>> from hypothesis import given, settings
    >>> from tftrain.testing import check_activation
    >>> @settings(max_examples=3, derandomize=True, deadline=None)
    ... @given(tensors(dtype="float16", edges=["zeros", "subnormal"]))
    ... def test_softplus(x):
    ...     check_activation(tf.nn.softplus, inputs=x, jit_compile=False)
    >>> test_softplus()
"""

from tftrain.testing.strategies._components import (
    activation_specs,
    arguments,
    example,
    loss_specs,
    register_arguments,
    schedule_specs,
    specs,
)
from tftrain.testing.strategies._recipes import recipes
from tftrain.testing.strategies._steps import steps
from tftrain.testing.strategies._tensors import EDGES, edge_values, labels, logits, tensors

__all__ = [
    "EDGES",
    "activation_specs",
    "arguments",
    "edge_values",
    "example",
    "labels",
    "logits",
    "loss_specs",
    "recipes",
    "register_arguments",
    "schedule_specs",
    "specs",
    "steps",
    "tensors",
]
