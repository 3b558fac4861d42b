"""tftrain.testing imports without hypothesis, and documents every public name."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

import pytest

import tftrain.testing
import tftrain.testing.strategies

BLOCK_HYPOTHESIS = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "hypothesis" or name.startswith("hypothesis."):
            raise ImportError("hypothesis is blocked for this test")
sys.meta_path.insert(0, Block())
import tftrain.testing
print("imported", tftrain.testing.check_activation.__name__)
try:
    import tftrain.testing.strategies
except ImportError as error:
    print("strategies:", error)
"""


def test_the_checks_import_without_hypothesis_and_only_strategies_need_it():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run(
        [sys.executable, "-c", BLOCK_HYPOTHESIS],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    ).stdout
    assert "imported check_activation" in out
    assert "strategies: hypothesis is blocked for this test" in out


@pytest.mark.parametrize("module", [tftrain.testing, tftrain.testing.strategies])
def test_every_public_name_has_a_docstring_with_an_example(module):
    for name in module.__all__:
        obj = getattr(module, name)
        if not callable(obj) or name.isupper():
            continue
        doc = inspect.getdoc(obj) or ""
        assert doc.strip(), f"{module.__name__}.{name} has no docstring"
        if inspect.isfunction(obj) and not name.startswith("_"):
            assert "Example:" in doc or name in {
                "arguments",
                "specs",
                "loss_specs",
                "activation_specs",
            }, name
