"""The README's Python examples run as written, and its commands are the real ones."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from tftrain.families import families

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def python_blocks() -> list[str]:
    """Every fenced ```python block, including indented ones inside lists."""
    blocks = re.findall(r"^( *)```python\n(.*?)^\1```", README, flags=re.S | re.M)
    return [textwrap.dedent(body) for _, body in blocks]


@pytest.fixture
def registries_restored():
    """Unregisters what the README's examples register, so later tests see the built-ins."""
    before = {family: set(registry.names()) for family, registry in families().items()}
    yield
    for family, registry in families().items():
        for name in set(registry.names()) - before.get(family, set()):
            registry.unregister(name)


def test_the_python_examples_run_in_order(capsys, registries_restored):
    blocks = python_blocks()
    assert len(blocks) >= 4
    namespace: dict = {"__name__": "readme"}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert re.search(r"EMA loss \d\.\d{3}", out)
    assert "'ema_val_accuracy'" in out and "'val_loss'" in out
    assert "{'name': 'halving', 'initial_learning_rate': 1.0, 'period': 10}" in out
    assert "True" in out  # check_gradient of the custom square
    assert "exported gradient (1, 3)" in out


def test_the_two_commands_are_the_ones_ci_and_the_console_script_use():
    assert "pip install -e . && tftrain train" in README
    assert "TEST_COMMAND='pip install -e \".[test]\" && pytest'" in (ROOT / ".ci/run").read_text()
    assert 'tftrain = "tftrain.cli:main"' in (ROOT / "pyproject.toml").read_text()


def test_every_example_recipe_named_in_the_readme_exists():
    for path in set(re.findall(r"examples/[\w.]+", README)):
        assert (ROOT / path).exists(), path
