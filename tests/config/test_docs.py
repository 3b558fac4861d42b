"""Every public name of the recipe packages has a docstring with a runnable example."""

from __future__ import annotations

import inspect

import pytest

from tftrain import config, data, models, optimizers, plotting

PUBLIC = [
    (module, name)
    for module in (config, data, models, optimizers)
    for name in module.__all__
    if callable(getattr(module, name)) and name not in ("names", "register")
] + [
    (plotting, name)
    for name in ("plot_schedule", "plot_activations", "plot_history", "activation_curves")
]


@pytest.mark.parametrize(("module", "name"), PUBLIC, ids=[f"{m.__name__}.{n}" for m, n in PUBLIC])
def test_public_name_has_a_docstring_with_an_example(module, name):
    doc = inspect.getdoc(getattr(module, name)) or ""
    assert doc.splitlines()[0].strip(), "a summary line"
    assert "Example:" in doc and ">>> " in doc
