"""tftrain: training-optimization utilities for TensorFlow 2 and Keras 3.

Learning-rate schedules, exponential-moving-average shadow weights, losses and
activations, each usable alone in a hand-written ``tf.GradientTape`` loop, plus
a small fast training loop and recipes that build every piece by name.

``import tftrain`` itself is light (so ``tftrain --version`` answers without
TensorFlow); the first use of a family, ``tftrain.schedules`` or any other,
imports all of them, so every registered name is known wherever one is used.

Example:
    >>> import tftrain
    >>> schedule = tftrain.schedules.get({"name": "exponential_decay",
    ...     "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5})
    >>> print(f"{float(schedule(10)):.3f}")
    0.050
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from tftrain import (
        activations,
        compare,
        config,
        data,
        ema,
        families,
        losses,
        models,
        optimizers,
        schedules,
        training,
    )

__all__ = [
    "__version__",
    "activations",
    "compare",
    "config",
    "data",
    "ema",
    "families",
    "losses",
    "models",
    "optimizers",
    "schedules",
    "training",
]

_SUBPACKAGES = tuple(name for name in __all__ if name != "__version__")


def _import_subpackages() -> None:
    """Imports every subpackage, so every family has registered its components."""
    for name in _SUBPACKAGES:
        importlib.import_module(f"{__name__}.{name}")


def _importing_a_subpackage() -> bool:
    """Whether one of tftrain's own modules is being imported right now."""
    return any(
        getattr(getattr(module, "__spec__", None), "_initializing", False)
        for key, module in list(sys.modules.items())
        if key.startswith(f"{__name__}.")
    )


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        module = importlib.import_module(f"{__name__}.{name}")
        # A user's first `tftrain.<family>` loads every family, so every registered
        # name is known; one subpackage importing another (`from tftrain import
        # losses`) gets just that one, or the two would import each other half-built.
        if not _importing_a_subpackage():
            _import_subpackages()
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_SUBPACKAGES})
