"""Hypothesis strategies for valid specs of every registered schedule, loss and activation."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

from hypothesis import strategies as st

from tftrain._validation import check_one_of

#: Family noun -> the package that registers it.
FAMILIES: dict[str, str] = {
    "schedule": "tftrain.schedules",
    "loss": "tftrain.losses",
    "activation": "tftrain.activations",
}

_ARGUMENTS: dict[tuple[str, str], st.SearchStrategy[dict[str, Any]]] = {}


def _registry(family: str) -> Any:
    check_one_of("family", family, FAMILIES)
    importlib.import_module(FAMILIES[family])
    from tftrain._registry import _FAMILIES

    return _FAMILIES[family]


def register_arguments(family: str, name: str, strategy: st.SearchStrategy[dict[str, Any]]) -> None:
    """Tells the spec strategies how to draw valid keyword arguments for ``name``.

    Components whose arguments all have defaults need no entry (they are drawn
    as ``{"name": name}``); any other registered component does.

    Args:
        family: ``"schedule"``, ``"loss"`` or ``"activation"``.
        name: the registered name (or an alias).
        strategy: a strategy of keyword-argument dicts the component accepts.

    Raises:
        ValueError: unknown family or name.

    Example:
        >>> import tftrain
        >>> register_arguments("schedule", "constant",
        ...                    st.fixed_dictionaries({"value": st.floats(0.0, 1.0)}))
    """
    canonical = _registry(family).entry(name).name
    _ARGUMENTS[(family, canonical)] = strategy


def arguments(family: str, name: str) -> st.SearchStrategy[dict[str, Any]]:
    """Valid keyword arguments for the registered component ``name``.

    Raises:
        ValueError: unknown family or name, or a component with required
            arguments and no strategy from :func:`register_arguments`.
    """
    registry = _registry(family)
    canonical = registry.entry(name).name
    if (family, canonical) in _ARGUMENTS:
        return _ARGUMENTS[(family, canonical)]
    try:
        registry.check_arguments(canonical, {})
    except TypeError as missing:
        raise ValueError(
            f"No argument strategy for the {family} {canonical!r}, which has required "
            f"arguments ({missing}). Add one with tftrain.testing.strategies.register_arguments("
            f"{family!r}, {canonical!r}, st.fixed_dictionaries({{...}}))."
        ) from missing
    return st.just({})


def specs(family: str, names: Iterable[str] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Valid dict specs ``{"name": ..., **kwargs}`` for registered components of ``family``.

    Args:
        family: ``"schedule"``, ``"loss"`` or ``"activation"``.
        names: the names to draw from; by default every registered name.

    Returns:
        A strategy of dicts that the family's ``get`` accepts.

    Raises:
        ValueError: an unknown family or name, or a name with required
            arguments and no argument strategy.
    """
    registry = _registry(family)
    chosen = sorted(registry.names() if names is None else (registry.entry(n).name for n in names))
    if not chosen:
        raise ValueError(f"No registered {family} to draw from.")
    return st.one_of([arguments(family, n).map(_named(n)) for n in chosen])


def _named(name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A map from keyword arguments to the spec ``{"name": name, **kwargs}``."""
    return lambda kwargs: {"name": name, **kwargs}


def schedule_specs(names: Iterable[str] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Valid specs of registered schedules (every one by default).

    Example:
        >>> import tftrain
        >>> from hypothesis import find
        >>> spec = find(schedule_specs(["cosine_decay"]), lambda s: True)
        >>> print(sorted(spec))
        ['alpha', 'decay_steps', 'initial_learning_rate', 'name']
    """
    return specs("schedule", names)


def loss_specs(names: Iterable[str] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Valid specs of registered losses (every one by default)."""
    return specs("loss", names)


def activation_specs(names: Iterable[str] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Valid specs of registered activations (every one by default)."""
    return specs("activation", names)


# ------------------------------------------------------------- the built-ins
_rate = st.floats(1e-4, 1.0)
_steps = st.integers(1, 10_000)
_smoothing = st.one_of(st.just(0.0), st.floats(0.0, 0.3))


@st.composite
def _exponential_decay(draw: Any) -> dict[str, Any]:
    initial = draw(_rate)
    growing = draw(st.booleans())
    rate = draw(st.floats(1.001, 2.0) if growing else st.floats(0.05, 0.999))
    spec = {
        "initial_learning_rate": initial,
        "decay_steps": draw(_steps),
        "decay_rate": rate,
        "staircase": draw(st.booleans()),
        "transition_begin": draw(st.integers(0, 100)),
    }
    if growing:  # a ceiling keeps a long run finite
        spec["end_value"] = initial * draw(st.floats(1.0, 100.0))
    elif draw(st.booleans()):
        spec["end_value"] = initial * draw(st.floats(0.0, 1.0))
    return spec


@st.composite
def _piecewise_constant(draw: Any) -> dict[str, Any]:
    boundaries = sorted(draw(st.sets(st.integers(0, 100_000), max_size=5)))
    values = draw(st.lists(_rate, min_size=len(boundaries) + 1, max_size=len(boundaries) + 1))
    return {"boundaries": boundaries, "values": values}


_BUILT_INS: dict[tuple[str, str], st.SearchStrategy[dict[str, Any]]] = {
    ("schedule", "constant"): st.fixed_dictionaries({"value": _rate}),
    ("schedule", "exponential_decay"): _exponential_decay(),
    ("schedule", "cosine_decay"): st.fixed_dictionaries(
        {"initial_learning_rate": _rate, "decay_steps": _steps, "alpha": st.floats(0.0, 1.0)}
    ),
    ("schedule", "piecewise_constant"): _piecewise_constant(),
    ("schedule", "linear_warmup"): st.fixed_dictionaries(
        {
            "schedule": st.one_of(
                st.fixed_dictionaries({"name": st.just("constant"), "value": _rate}),
                st.fixed_dictionaries(
                    {
                        "name": st.just("cosine_decay"),
                        "initial_learning_rate": _rate,
                        "decay_steps": _steps,
                    }
                ),
            ),
            "warmup_steps": st.integers(0, 1000),
            "initial_learning_rate": st.floats(0.0, 1e-3),
        }
    ),
    ("loss", "asymmetric"): st.fixed_dictionaries(
        {"cost": st.floats(0.01, 10.0), "profit": st.floats(0.01, 10.0)}
    ),
    ("loss", "categorical_crossentropy"): st.fixed_dictionaries(
        {"from_logits": st.booleans(), "label_smoothing": _smoothing}
    ),
    ("loss", "sparse_categorical_crossentropy"): st.fixed_dictionaries(
        {"from_logits": st.booleans()}
    ),
    ("loss", "binary_crossentropy"): st.fixed_dictionaries(
        {"from_logits": st.booleans(), "label_smoothing": _smoothing}
    ),
    ("activation", "leaky_relu"): st.fixed_dictionaries({"alpha": st.floats(0.0, 1.0)}),
    ("activation", "elu"): st.fixed_dictionaries({"alpha": st.floats(0.1, 2.0)}),
    ("activation", "gelu"): st.fixed_dictionaries({"approximate": st.booleans()}),
    ("activation", "swish"): st.fixed_dictionaries({"beta": st.floats(0.1, 4.0)}),
}


_ARGUMENTS.update(_BUILT_INS)
