"""Every public name of ``tftrain.compare`` (and its plot) has a docstring; functions an example."""

from __future__ import annotations

import inspect

import pytest

from tftrain import compare, plotting

PUBLIC = [getattr(compare, name) for name in compare.__all__ if not name.isupper()]


@pytest.mark.parametrize("obj", [*PUBLIC, plotting.plot_comparison], ids=lambda o: o.__name__)
def test_public_name_has_a_docstring_and_functions_an_example(obj):
    doc = inspect.getdoc(obj) or ""
    assert doc.splitlines()[0].strip(), "a summary line"
    if inspect.isfunction(obj) or obj in (compare.Comparison, compare.ComparisonReport):
        assert "Example:" in doc and ">>> " in doc
