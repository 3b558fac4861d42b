"""tools/mutation.py makes the mutants it promises, and its equivalence list is not stale."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("mutation_tool", ROOT / "tools" / "mutation.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


@pytest.fixture
def source(tool, tmp_path, monkeypatch):
    """Writes a module under a temporary ROOT and returns its mutants."""
    monkeypatch.setattr(tool, "ROOT", tmp_path)

    def mutants_of(text: str) -> list:
        (tmp_path / "m.py").write_text(textwrap.dedent(text))
        return list(tool.mutants("m.py"))

    return mutants_of


def test_every_listed_equivalent_mutant_still_exists(tool):
    made = {m.key() for files, _ in tool.MODULES.values() for f in files for m in tool.mutants(f)}
    stale = [key for key in tool.EQUIVALENT if key not in made]
    assert not stale, f"EQUIVALENT names mutants the code no longer has: {stale}"


def test_every_family_module_is_mutated(tool):
    files = {f for group, _ in tool.MODULES.values() for f in group}
    for family in ("schedules", "losses", "activations", "ema"):
        assert any(f.startswith(f"tftrain/{family}/_") for f in files), family
    assert "tftrain/_registry.py" in files
    for tests in (tests for _, tests in tool.MODULES.values()):
        assert all((ROOT / t).exists() for t in tests)


def test_decorated_functions_are_mutated(source):
    found = source(
        """
        @register("double", initializer="he")
        def double(x):
            return x * 2
        """
    )
    assert {(m.line, m.description) for m in found} == {(4, "Mult -> Div"), (4, "2 -> 3")}


def test_a_dropped_multi_line_raise_is_a_valid_program(source, tool):
    text = """
        def f(x):
            if x < 0:
                raise ValueError(
                    "negative"
                )
            return x
        """
    (dropped,) = [m for m in source(text) if m.description == "raise dropped"]
    mutated = dropped.apply(textwrap.dedent(text))
    compile(mutated, "m.py", "exec")
    assert "raise" not in mutated and "pass" in mutated


def test_docstrings_annotations_and_test_inputs_are_left_alone(source):
    found = source(
        '''
        def _arguments(st):
            return st.floats(0.1, 2.0)


        @register("scaled", example={"alpha": 0.5}, arguments=_arguments)
        def scaled(x: float = 1.0, alpha: float = 3.0) -> float:
            """Multiplies by 2 or 3."""
            return alpha * x
        '''
    )
    assert sorted(m.description for m in found) == ["1.0 -> 2.0", "3.0 -> 6.0", "Mult -> Div"]


def test_a_negated_not_is_made_once(source):
    found = source(
        """
        def f(x):
            if not x:
                return 1
        """
    )
    assert sorted(m.description for m in found) == ["1 -> 2", "not dropped"]


def test_equivalent_mutants_are_keyed_by_their_code_not_their_line(source, tool):
    (one,) = [m for m in source("y = 1\n") if m.description == "1 -> 2"]
    assert one.key() == ("m.py", "y = 1", "1 -> 2")


def test_the_same_change_twice_on_a_line_is_numbered_from_the_left(source):
    found = source("y = min(x, 0) + max(x, 0)\n")
    assert [(m.start[1], m.description) for m in found if m.description.startswith("0 ->")] == [
        (11, "0 -> 1"),
        (23, "0 -> 1 (#2)"),
    ]


def test_every_mutant_of_the_project_has_its_own_key(tool):
    keys = [m.key() for files, _ in tool.MODULES.values() for f in files for m in tool.mutants(f)]
    assert len(keys) == len(set(keys))
