"""tftrain's own losses and activations pass the checks users run: every registered name."""

from __future__ import annotations

import pytest
from hypothesis import find, given, settings

import tftrain
from tftrain.testing import check_activation, check_loss
from tftrain.testing.strategies import activation_specs, arguments, loss_specs

MISSING = "<no registry yet>"


def registered(package) -> list[str]:
    """The family's names; a failing placeholder (not a skip) while it has no registry."""
    names = getattr(package, "names", None)
    return names() if names is not None else [MISSING]


def keywords(family: str, name: str) -> dict:
    """The simplest valid keyword arguments of a registered component."""
    if name == MISSING:
        pytest.fail(f"tftrain's {family} family has no registry yet")
    return find(arguments(family, name), lambda kwargs: True)


ACTIVATIONS = registered(tftrain.activations)
LOSSES = registered(tftrain.losses)
LOSS_CASES = [
    (name, logits)
    for name in LOSSES
    for logits in (
        (False, True) if name != MISSING and "from_logits" in keywords("loss", name) else (None,)
    )
]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_registered_activation_passes_every_property(name):
    spec = {"name": name, **keywords("activation", name)}
    report = check_activation(tftrain.activations.get(spec))
    assert "serializes by name" in report.passed
    assert not report.not_applicable


@pytest.mark.parametrize(
    "name", [n for n in ACTIVATIONS if n == MISSING or keywords("activation", n)]
)
def test_every_activation_with_arguments_passes_for_any_valid_arguments(name):
    keywords("activation", name)

    # The full check per example: five examples, float32 and float64, no XLA (covered above).
    @settings(max_examples=5)
    @given(spec=activation_specs([name]))
    def check(spec):
        check_activation(
            tftrain.activations.get(spec), dtypes=("float32", "float64"), jit_compile=False
        )

    check()


@pytest.mark.parametrize(("name", "from_logits"), LOSS_CASES)
def test_every_registered_loss_passes_every_property(name, from_logits):
    spec = {"name": name, **keywords("loss", name)}
    if from_logits is not None:
        spec["from_logits"] = from_logits
    report = check_loss(spec)
    assert report.passed[:5] == [
        "one loss per example",
        "finite and non-negative",
        "float32 for low-precision inputs",
        "minimal at the target",
        "reductions consistent",
    ]


@pytest.mark.parametrize("name", LOSSES)
def test_every_registered_loss_passes_for_any_valid_arguments(name):
    keywords("loss", name)

    @settings(max_examples=10)
    @given(spec=loss_specs([name]))
    def check(spec):
        check_loss(spec)

    check()


def test_every_plain_loss_function_passes_too():
    functions = [
        "mean_squared_error",
        "mean_absolute_error",
        "huber",
        "quantile_loss",
        "binary_focal_crossentropy",
        "categorical_focal_crossentropy",
        "asymmetric_loss",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "binary_crossentropy",
    ]
    for name in functions:
        fn = getattr(tftrain.losses, name, None)
        assert fn is not None, f"tftrain.losses.{name} is missing"
        check_loss(fn)
