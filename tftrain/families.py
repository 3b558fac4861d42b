"""The public view of the component families, for the CLI, the recipes and ``tftrain.testing``.

Each family is one :class:`Registry` kept by one package; this module is the
one map from a family's noun to that package, so whatever needs a family by
its noun (``"loss"``) asks here instead of importing a private table.
A component's own argument checks may raise :class:`ArgumentError` (a
``ValueError`` that names the argument), so recipe validation reports the
problem at that key.

Example:
    >>> print(list(PACKAGES))
    ['schedule', 'loss', 'activation', 'optimizer', 'model', 'dataset', 'ema']
    >>> family("loss").fact("sparse_categorical_crossentropy", "kind")
    'sparse_categorical'
    >>> print(package("dataset").__name__, plural("dataset"))
    tftrain.data datasets
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

from tftrain._validation import ArgumentError, check_one_of

if TYPE_CHECKING:
    from tftrain._registry import COMMON_FACTS, BoundFunction, Fact, Problem, Registry

# The registry module imports Keras; it loads on first use, so that the CLI can
# answer --version and --help without TensorFlow (tests/test_cli.py checks it).
_FROM_REGISTRY = ("COMMON_FACTS", "BoundFunction", "Fact", "Problem", "Registry")


def __getattr__(name: str) -> Any:
    if name in _FROM_REGISTRY:
        from tftrain import _registry

        return getattr(_registry, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "COMMON_FACTS",
    "PACKAGES",
    "ArgumentError",
    "BoundFunction",
    "Fact",
    "Problem",
    "Registry",
    "families",
    "family",
    "package",
    "plural",
]

#: Each family's noun -> the package that keeps its registry and its public
#: ``get`` / ``serialize`` / ``names`` / ``register``.
PACKAGES: dict[str, str] = {
    "schedule": "tftrain.schedules",
    "loss": "tftrain.losses",
    "activation": "tftrain.activations",
    "optimizer": "tftrain.optimizers",
    "model": "tftrain.models",
    "dataset": "tftrain.data",
    "ema": "tftrain.ema",
}

_PLURALS = {"loss": "losses", "ema": "emas"}


def package(noun: str) -> ModuleType:
    """The package of the family ``noun`` (imported): its public ``get``, ``serialize``, ...

    Raises:
        ValueError: an unknown family noun (naming the known ones).
    """
    check_one_of("family", noun, PACKAGES)
    return importlib.import_module(PACKAGES[noun])


def family(noun: str) -> Registry[Any]:
    """The registry of the family ``noun`` (``"schedule"``, ``"loss"``, ...).

    Raises:
        ValueError: an unknown family noun (naming the known ones).
    """
    from tftrain._registry import Registry

    package(noun)
    return Registry.of(noun)


def families() -> dict[str, Registry[Any]]:
    """Every family's registry, by noun, in the order of :data:`PACKAGES`."""
    return {noun: family(noun) for noun in PACKAGES}


def plural(noun: str) -> str:
    """The word for many of a family's components (``"losses"``), as the CLI lists them."""
    check_one_of("family", noun, PACKAGES)
    return _PLURALS.get(noun, noun + "s")
