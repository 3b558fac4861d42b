"""Loading the scripts under examples/ as modules, for tests that call their functions."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_example(filename: str) -> ModuleType:
    """``examples/<filename>`` imported as a fresh module (its ``main`` is not run)."""
    spec = importlib.util.spec_from_file_location(
        f"example_{Path(filename).stem}", EXAMPLES / filename
    )
    assert spec is not None and spec.loader is not None, filename
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
