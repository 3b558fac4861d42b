"""check_schedule: passes every registered schedule, catches each kind of broken one."""

from __future__ import annotations

import itertools

import keras
import pytest
import tensorflow as tf
from hypothesis import find, given, settings
from hypothesis import strategies as st

import tftrain
from tftrain.testing import PropertyCheckError, check_schedule
from tftrain.testing.strategies import schedule_specs, steps

FEW_STEPS = (0, 1, 9, 10, 11, 1_000, 1_000_000)


def declared_monotonic(spec: dict) -> str | None:
    """What a built-in schedule's arguments promise about its direction."""
    name = spec["name"]
    if name == "cosine_decay":
        return "decreasing"
    if name == "constant":
        return "decreasing"  # and increasing: checked separately below
    if name == "exponential_decay":
        return "decreasing" if spec["decay_rate"] < 1 else "increasing"
    if name == "inverse_time_decay":
        return "decreasing"
    if name == "polynomial_decay" and not spec["cycle"]:
        return (
            "decreasing"
            if spec["end_learning_rate"] <= spec["initial_learning_rate"]
            else "increasing"
        )
    if name == "warmup_stable_decay" and spec["warmup_steps"] == 0:
        return "decreasing"
    if name == "piecewise_constant":
        values = spec["values"]
        if all(b <= a for a, b in itertools.pairwise(values)):
            return "decreasing"
        if all(b >= a for a, b in itertools.pairwise(values)):
            return "increasing"
    return None


@pytest.mark.parametrize("name", tftrain.schedules.names())
def test_every_registered_schedule_passes_every_property_with_xla(name):
    spec = find(schedule_specs([name]), lambda s: True)
    report = check_schedule(spec, monotonic=declared_monotonic(spec))
    assert "compiles with XLA" in report.passed
    assert "serialization round trip" in report.passed
    assert not [p for p in report.not_applicable if p != "monotonic"]


@pytest.mark.parametrize("name", tftrain.schedules.names())
def test_every_registered_schedule_passes_for_any_valid_arguments(name):
    # Each example runs the whole check (traces, a Keras optimizer): 10 examples per name
    # and fewer steps keep this under a few seconds; the XLA test above covers compilation.
    @settings(max_examples=10)
    @given(spec=schedule_specs([name]))
    def check(spec):
        check_schedule(spec, monotonic=declared_monotonic(spec), steps=FEW_STEPS, jit_compile=False)

    check()


def test_a_constant_is_both_increasing_and_decreasing():
    for direction in ("increasing", "decreasing"):
        assert "monotonic" in check_schedule(0.1, monotonic=direction).passed


def test_a_keras_schedule_passes_through_from_config():
    schedule = keras.optimizers.schedules.CosineDecay(0.1, decay_steps=100)
    report = check_schedule(schedule, monotonic="decreasing")
    assert "serialization round trip" in report.passed


# ----------------------------------------------------------- broken schedules
class Decay(tftrain.schedules.Schedule):
    """A correct base the mutants below each break in one way."""

    def __call__(self, step):
        return 0.1 * tf.pow(0.5, tf.cast(step, tf.float32) / 10.0)

    def get_config(self):
        return {}


class Float64Rate(Decay):
    def __call__(self, step):
        return tf.cast(super().__call__(step), tf.float64)


class VectorRate(Decay):
    def __call__(self, step):
        return tf.fill([2], super().__call__(step))


class Overflowing(Decay):
    def __call__(self, step):
        return 0.1 * tf.pow(1.01, tf.cast(step, tf.float32))


class Retracing(Decay):
    @tf.function
    def _rate(self, step):
        return 0.1 * tf.pow(0.5, tf.cast(step, tf.float32) / 10.0)

    def __call__(self, step):
        return self._rate(int(step))  # a Python int: one trace per step value


class NotTraceable(Decay):
    def __call__(self, step):
        return tf.constant(0.1 * 0.5 ** (step.numpy() / 10.0), tf.float32)


class NotXla(Decay):
    def __call__(self, step):
        rate = super().__call__(step)
        return tf.strings.to_number(tf.strings.as_string(rate))  # no XLA kernel for strings


class LosesItsConfig(Decay):
    def __init__(self, rate=0.5):
        self.rate = rate

    def __call__(self, step):
        return 0.1 * tf.pow(self.rate, tf.cast(step, tf.float32) / 10.0)

    def get_config(self):
        return {}  # forgets `rate`: rebuilt with the default


class Bouncing(Decay):
    def __call__(self, step):
        return super().__call__(step) * (1.5 + tf.sin(tf.cast(step, tf.float32)))


@pytest.mark.parametrize(
    ("schedule", "prop", "message"),
    [
        (Float64Rate(), "float32 scalar", "expected a float32 tensor of shape (), got float64"),
        (VectorRate(), "float32 scalar", "got float32 of shape (2,)"),
        (Overflowing(), "finite", "input step=10000: expected a finite rate, got inf"),
        (Retracing(), "no retracing when eager", "tf.function `_rate` to trace at most once"),
        (NotTraceable(), "traces once", "raised AttributeError"),
        (NotXla(), "compiles with XLA", "(XLA): expected a result, got raised"),
        (LosesItsConfig(0.9), "serialization round trip", "from_config({})"),
        (Bouncing(), "monotonic", "expected decreasing (non-strict) rates"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Decay) else None,
)
def test_a_broken_schedule_is_caught_with_the_property_and_the_input(schedule, prop, message):
    with pytest.raises(PropertyCheckError) as caught:
        check_schedule(schedule, monotonic="decreasing")
    failed = {f.property: str(f) for f in caught.value.findings}
    assert prop in failed, str(caught.value)
    assert message in failed[prop]


def test_the_correct_base_of_the_mutants_passes():
    assert check_schedule(Decay(), monotonic="decreasing").passed[-1] == "monotonic"


def test_a_registered_schedule_that_does_not_rebuild_is_caught():
    @tftrain.schedules.register("forgetful_decay_for_test")
    class Forgetful(LosesItsConfig):
        pass

    try:
        where = r"step=2 after tftrain.schedules.get\(\{'name': 'forgetful_decay_for_test'\}\)"
        with pytest.raises(PropertyCheckError, match=where + ": expected 0.0979"):
            check_schedule(Forgetful(0.9))
    finally:
        tftrain.schedules.register.__self__.unregister("forgetful_decay_for_test")


def test_the_report_lists_every_failure_at_once():
    with pytest.raises(PropertyCheckError, match=r"fails 2 of 8 properties") as caught:
        check_schedule(Float64Rate(), monotonic="increasing")
    assert [f.property for f in caught.value.findings] == ["float32 scalar", "monotonic"]
    assert isinstance(caught.value, AssertionError)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"steps": []}, ValueError, r"Argument `steps` must be a non-empty sequence"),
        ({"steps": [-1]}, ValueError, r"integers >= 0. Received: \[-1\]"),
        ({"monotonic": "down"}, ValueError, r"Expected one of \[None, 'increasing', 'decr"),
    ],
)
def test_bad_arguments_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        check_schedule(0.1, **kwargs)


def test_a_spec_that_is_no_schedule_is_refused_by_the_family():
    with pytest.raises(ValueError, match="Unknown schedule 'expo_decay'"):
        check_schedule("expo_decay")


class OffByOneHandOver(Decay):
    """Decreasing, except one step that jumps up: an off-by-one at a hand-over."""

    def __init__(self, bump_at=50):
        self.bump_at = bump_at

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        rate = 0.1 * tf.pow(0.5, step / 1000.0)
        return tf.where(tf.equal(step, float(self.bump_at)), rate * 1.01, rate)

    def get_config(self):
        return {"bump_at": self.bump_at}


@given(st.integers(1, 10_000))
@settings(max_examples=10)
def test_a_one_step_bump_anywhere_in_the_first_ten_thousand_steps_is_caught(bump_at):
    with pytest.raises(PropertyCheckError, match=f"steps {bump_at - 1} -> {bump_at}"):
        check_schedule(OffByOneHandOver(bump_at), monotonic="decreasing", jit_compile=False)


def test_the_classic_hand_over_bump_at_step_50_is_caught_with_its_steps():
    with pytest.raises(PropertyCheckError, match="steps 49 -> 50"):
        check_schedule(OffByOneHandOver(50), monotonic="decreasing", jit_compile=False)


class ScalarOnly(Decay):
    """Accepts only scalar steps (a Python branch on the step's shape)."""

    def __call__(self, step):
        if tf.convert_to_tensor(step).shape.rank:
            raise ValueError("scalar steps only")
        return 0.1 * tf.pow(0.5, tf.cast(step, tf.float32) / 1000.0)


def test_a_scalar_only_schedule_is_scanned_step_by_step_in_a_graph():
    report = check_schedule(ScalarOnly(), monotonic="decreasing", jit_compile=False)
    assert "monotonic" in report.passed and "finite" in report.passed


class ScalarOnlyWithABump(ScalarOnly):
    def __call__(self, step):
        rate = super().__call__(step)
        return tf.where(tf.equal(tf.cast(step, tf.int64), 4321), rate * 2.0, rate)


def test_a_bump_in_a_scalar_only_schedule_is_caught_too():
    with pytest.raises(PropertyCheckError, match="steps 4320 -> 4321"):
        check_schedule(ScalarOnlyWithABump(), monotonic="decreasing", jit_compile=False)


@given(steps())
@settings(max_examples=10)
def test_drawn_steps_are_checked_alongside_the_scan(drawn):
    report = check_schedule(
        tftrain.schedules.CosineDecay(0.1, 500),
        steps=drawn,
        monotonic="decreasing",
        jit_compile=False,
    )
    assert "finite" in report.passed
