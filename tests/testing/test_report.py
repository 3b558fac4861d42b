"""The report: every failure listed with property, input, expected and got."""

from __future__ import annotations

import pytest
import tensorflow as tf

from tftrain.testing._report import (
    NotApplicable,
    PropertyCheckError,
    PropertyRun,
    Violation,
    call,
    describe,
)


def test_a_run_collects_passes_failures_and_inapplicable_properties():
    run = PropertyRun("thing")

    def fails():
        raise Violation(input="x=1", expected="2", got="3")

    def does_not_apply():
        raise NotApplicable("not registered")

    with run:
        run.check("holds", lambda: None)
        run.check("breaks", fails)
        run.check("skipped", does_not_apply)
        with pytest.raises(PropertyCheckError) as caught:
            run.finish()
    assert (
        str(caught.value)
        == "thing fails 1 of 2 properties:\n  - breaks: input x=1: expected 2, got 3"
    )
    assert run.report.passed == ["holds"]
    assert run.report.not_applicable == {"skipped": "not registered"}


def test_an_unexpected_error_inside_a_property_is_a_failure_not_a_crash():
    run = PropertyRun("thing")
    run.check("explodes", lambda: 1 / 0)
    with pytest.raises(PropertyCheckError, match=r"explodes: input .*raised ZeroDivisionError"):
        run.finish()


def test_a_component_error_names_the_input_and_the_cause_of_a_tf_function_error():
    @tf.function
    def needs_eager(x):
        return x.numpy()

    with pytest.raises(Violation) as caught:
        call("x=float32[3]", needs_eager, tf.zeros(3))
    assert caught.value.input == "x=float32[3]"
    assert caught.value.got.startswith("raised AttributeError: ")
    assert "numpy" in caught.value.got and "in user code" not in caught.value.got


def test_a_passing_run_returns_its_report():
    run = PropertyRun("thing")
    run.check("holds", lambda: None)
    assert str(run.finish()) == "thing: 1 properties hold: holds"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (tf.constant(1.5, tf.float16), "float16[] [1.5]"),
        (tf.zeros((2, 0)), "float32[2,0] []"),
        (tf.range(8), "int32[8] [0, 1, 2, 3, 4, 5, ...]"),
        (3, "3"),
    ],
)
def test_inputs_are_described_by_dtype_shape_and_first_values(value, text):
    assert describe(value) == text
