"""examples/property_test_my_activation.py: the user's tests pass, and would catch a bug."""

from __future__ import annotations

import pytest
import tensorflow as tf

import tftrain
from tests._scripts import load_example
from tftrain.families import family
from tftrain.testing import PropertyCheckError


@pytest.fixture(scope="module")
def example():
    yield load_example("property_test_my_activation.py")
    family("activation").unregister("my_hard_swish")


def test_the_registered_activation_resolves_by_name(example):
    assert tftrain.activations.get("my_hard_swish") is example.hard_swish
    assert tftrain.activations.serialize(example.hard_swish) == {"name": "my_hard_swish"}


def test_the_examples_tests_pass_and_print_all_seven_properties(example, capsys):
    example.test_hard_swish_has_every_property_of_a_built_in()
    out = capsys.readouterr().out
    assert "7 properties hold" in out and "serializes by name" in out
    example.test_hard_swish_on_any_bfloat16_tensor()


def test_the_examples_tests_fail_for_a_hard_swish_computed_in_float32(example, monkeypatch):
    def in_float32(x):
        return tf.nn.relu6(tf.cast(x, tf.float32) + 3.0) * tf.cast(x, tf.float32) / 6.0

    monkeypatch.setattr(example, "hard_swish", in_float32)
    with pytest.raises(PropertyCheckError, match="expected float16 of shape"):
        example.test_hard_swish_has_every_property_of_a_built_in()
    inner = example.test_hard_swish_on_any_bfloat16_tensor.hypothesis.inner_test  # no shrinking
    with pytest.raises(PropertyCheckError, match="expected bfloat16 of shape"):
        inner(tf.constant([1.0, -2.0], tf.bfloat16))
