"""Hypothesis strategies for valid specs of registered components, read from their declarations.

A component declares how to draw its valid arguments where it is registered:
``arguments=lambda st: st.fixed_dictionaries({...})``, a function of the
``hypothesis.strategies`` module that is called here, lazily, so the library
itself never imports hypothesis. A component whose arguments all have
defaults needs no declaration (it is drawn as ``{"name": name}``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from hypothesis import strategies as st

from tftrain import families

#: Strategies set by :func:`register_arguments`; they take precedence over a declaration.
_REGISTERED: dict[tuple[str, str], st.SearchStrategy[dict[str, Any]]] = {}


def register_arguments(family: str, name: str, strategy: st.SearchStrategy[dict[str, Any]]) -> None:
    """Sets how the spec strategies draw valid keyword arguments for ``name``.

    Prefer declaring ``arguments=`` at the component's ``register``; this
    replaces that declaration (in this process), e.g. to narrow the ranges a
    test suite draws from a component registered elsewhere.

    Args:
        family: a family noun (``"schedule"``, ``"loss"``, ``"activation"``, ...).
        name: the registered name (or an alias).
        strategy: a strategy of keyword-argument dicts the component accepts.

    Raises:
        ValueError: unknown family or name.

    Example:
        >>> register_arguments("schedule", "constant",
        ...                    st.fixed_dictionaries({"value": st.floats(0.0, 1.0)}))
        >>> _REGISTERED.clear()
    """
    canonical = families.family(family).entry(name).name
    _REGISTERED[(family, canonical)] = strategy


def arguments(family: str, name: str) -> st.SearchStrategy[dict[str, Any]]:
    """Valid keyword arguments for the registered component ``name``, as it declared them.

    Raises:
        ValueError: unknown family or name, or a component with required
            arguments that declared no ``arguments``.

    Example:
        >>> from hypothesis import find
        >>> print(sorted(find(arguments("loss", "asymmetric"), lambda kwargs: True)))
        ['cost', 'profit']
    """
    registry = families.family(family)
    canonical = registry.entry(name).name
    if (family, canonical) in _REGISTERED:
        return _REGISTERED[(family, canonical)]
    declared = registry.fact(canonical, "arguments")
    if declared is not None:
        return declared(st)
    _refuse_if_required(registry, canonical, "argument strategy", "arguments=lambda st: ...")
    return st.just({})


def example(family: str, name: str) -> dict[str, Any]:
    """One concrete valid spec ``{"name": name, **kwargs}`` of a registered component.

    The component's declared ``example``, or ``{"name": name}`` when it
    declared none and all its arguments have defaults.

    Raises:
        ValueError: unknown family or name, or a component with required
            arguments that declared no ``example``.

    Example:
        >>> example("schedule", "cosine")
        {'name': 'cosine_decay', 'initial_learning_rate': 0.1, 'decay_steps': 500, 'alpha': 0.1}
    """
    registry = families.family(family)
    canonical = registry.entry(name).name
    declared = registry.fact(canonical, "example")
    if declared is None:
        _refuse_if_required(registry, canonical, "example", "example={...}")
        declared = {}
    return {"name": canonical, **declared}


def _refuse_if_required(registry: Any, name: str, what: str, declaration: str) -> None:
    """Raises ``ValueError`` when ``name`` has required arguments, so {} will not do."""
    missing = [p.key for p in registry.problems(name, {}) if p.reason == "missing"]
    if missing:
        raise ValueError(
            f"No {what} for the {registry.family} {name!r}, which needs "
            f"{', '.join(repr(m) for m in missing)}. Declare one where it is registered: "
            f"register({name!r}, {declaration})."
        )


def specs(family: str, names: Iterable[str] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Valid dict specs ``{"name": ..., **kwargs}`` for registered components of ``family``.

    Args:
        family: a family noun (``"schedule"``, ``"loss"``, ``"activation"``, ...).
        names: the names to draw from; by default every registered name.

    Returns:
        A strategy of dicts that the family's ``get`` accepts.

    Raises:
        ValueError: an unknown family or name, or a name with required
            arguments and no argument strategy.
    """
    registry = families.family(family)
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
