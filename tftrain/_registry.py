"""The one registry that every family (schedules, losses, activations, ...) uses.

A family keeps one :class:`Registry`. Components are registered by name with
:meth:`Registry.register` and built from a *spec* with :meth:`Registry.get`:

* a registered name, case-insensitive, ``-`` and ``_`` ignored: ``"swish"``,
  ``"Exponential-Decay"``; aliases resolve to the same component (``"silu"``);
* a dict ``{"name": "exponential_decay", **kwargs}``: the component built (a
  class) or bound (a function) with ``kwargs``;
* an already-built instance or any callable: returned unchanged.

:meth:`Registry.serialize` gives the dict form back, so
``get(serialize(obj))`` rebuilds an equal component. A spec's ``name`` key is
always the registered name; a component's own display ``name`` argument is
therefore not part of its spec.

Example:
    >>> shapes = Registry("shape")
    >>> @shapes.register("square", aliases=("quad",))
    ... class Square:
    ...     '''A square with a side.'''
    ...     def __init__(self, side=1.0):
    ...         self.side = side
    ...     def get_config(self):
    ...         return {"side": self.side}
    >>> shapes.get({"name": "QUAD", "side": 2.0}).side
    2.0
    >>> shapes.serialize(Square(3.0))
    {'name': 'square', 'side': 3.0}
    >>> shapes.get("sqare")
    Traceback (most recent call last):
    ...
    ValueError: Unknown shape 'sqare'. Did you mean 'square'? Known: square (alias: quad).

Facts about a component are declared with it, as keywords of ``register``,
and read back with :meth:`Registry.fact`; whatever needs a fact (the training
loop, the recipes, ``tftrain.testing``, the test suites) asks the registry, so
a user's component gets exactly what a built-in gets. Every family accepts
the facts in :data:`COMMON_FACTS`; a family adds its own (a loss's ``kind``,
an activation's ``initializer``), and a fact it does not accept is refused:

    >>> colors = Registry("color", facts=(Fact("warmth", ("warm", "cool")),))
    >>> @colors.register("red", warmth="warm", example={})
    ... def red():
    ...     return "red"
    >>> colors.fact("red", "warmth")
    'warm'
    >>> colors.register("blue", warmt="cool")
    Traceback (most recent call last):
    ...
    TypeError: Unknown fact 'warmt' for a color. Did you mean 'warmth'? Accepted: arguments, \
check, example, warmth.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from tftrain._validation import argument_of

T = TypeVar("T")

_FAMILIES: dict[str, Registry[Any]] = {}


@dataclass(frozen=True)
class Fact:
    """A fact that a family lets its components declare at registration.

    Args:
        name: the keyword of ``register`` that declares it.
        choices: the values it may take, or ``None`` for any value that
            ``validate`` accepts.
        validate: optional ``validate(value)`` that raises ``TypeError`` or
            ``ValueError`` for a value the fact cannot take.
        description: one line for documentation.
    """

    name: str
    choices: tuple[Any, ...] | None = None
    validate: Callable[[Any], None] | None = None
    description: str = ""

    def check(self, value: Any) -> None:
        """Raises ``ValueError`` or ``TypeError`` for a value this fact cannot take."""
        if self.choices is not None and value not in self.choices:
            raise ValueError(
                f"Invalid value for the fact `{self.name}`. Expected one of "
                f"{list(self.choices)}. Received: {self.name}={value!r}"
            )
        if self.validate is not None:
            self.validate(value)


def _keyword_dict(value: Any) -> None:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise TypeError(
            f"The fact `example` must be a dict of keyword arguments. Received: example={value!r}"
        )


def _callable(name: str) -> Callable[[Any], None]:
    def validate(value: Any) -> None:
        if not callable(value):
            raise TypeError(f"The fact `{name}` must be callable. Received: {name}={value!r}")

    return validate


#: The facts every family accepts.
COMMON_FACTS: tuple[Fact, ...] = (
    Fact(
        "example",
        validate=_keyword_dict,
        description="one concrete dict of valid keyword arguments ({} when all have defaults)",
    ),
    Fact(
        "arguments",
        validate=_callable("arguments"),
        description="arguments(st): given hypothesis.strategies, a strategy of valid "
        "keyword-argument dicts; called only by tftrain.testing",
    ),
    Fact(
        "check",
        validate=_callable("check"),
        description="check(**kwargs): raises for bad values; run once before a function "
        "component is bound (a class checks in its constructor)",
    ),
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the arguments of a spec.

    Attributes:
        key: the argument it concerns, or ``None`` for the spec as a whole.
        message: what is wrong, in the Keras pattern.
        error: the exception type that :meth:`Registry.check_arguments` raises.
        reason: ``"unknown"`` (a keyword the component does not take),
            ``"missing"`` (a required keyword not given) or ``"invalid"`` (a
            value the component's declared ``check`` refuses).
        closest: for an unknown keyword, the closest accepted one, if any.
    """

    key: str | None
    message: str
    error: type[Exception] = ValueError
    reason: str = "invalid"
    closest: str | None = None


def _key(name: str) -> str:
    """The lookup key of a name: case-insensitive, ``-`` and ``_`` ignored."""
    return name.lower().replace("-", "").replace("_", "")


def summary(obj: Any) -> str:
    """The first line of ``obj``'s docstring, or ``""``."""
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0].strip() if doc.strip() else ""


@dataclass(frozen=True)
class Entry:
    """One registered component: its name, the object, its aliases and its declared facts."""

    name: str
    obj: Any
    aliases: tuple[str, ...]
    description: str
    facts: Mapping[str, Any] = field(default_factory=dict)


def _parameters(target: Any) -> tuple[list[inspect.Parameter], bool]:
    """Named keyword parameters of a class constructor or function.

    For a class whose ``__init__`` takes ``**kwargs``, the parameters of the
    base classes it forwards to are added, so that e.g. a Keras optimizer's
    ``weight_decay`` counts as accepted. Returns the parameters and whether the
    callable still takes arbitrary keywords after that walk.
    """
    if not inspect.isclass(target):
        try:
            signature = inspect.signature(target)
        except (TypeError, ValueError):
            return [], True
        params = list(signature.parameters.values())
        open_ = any(p.kind is p.VAR_KEYWORD for p in params)
        return [p for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)], open_
    seen: dict[str, inspect.Parameter] = {}
    for klass in inspect.getmro(target)[:-1]:  # the last is object, whose __init__ takes nothing
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            params = list(inspect.signature(init).parameters.values())[1:]
        except (TypeError, ValueError):
            return list(seen.values()), True
        for p in params:
            if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                seen.setdefault(p.name, p)
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            return list(seen.values()), False
    return list(seen.values()), False


class BoundFunction:
    """A registered function with some keyword arguments fixed.

    What ``get({"name": "leaky_relu", "alpha": 0.1})`` returns for a function
    component: calling it calls the function with those keywords, and it
    serializes back to the same dict. Two bound functions are equal when they
    name the same component with the same arguments.
    """

    def __init__(self, family: str, name: str, function: Callable[..., Any], **kwargs: Any):
        self.family = family
        self.name = name
        self.function = function
        self.kwargs = dict(kwargs)
        self.__name__ = name
        self.__doc__ = function.__doc__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **{**self.kwargs, **kwargs})

    def get_config(self) -> dict[str, Any]:
        return {"family": self.family, "name": self.name, **self.kwargs}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Any:
        config = dict(config)
        return Registry.of(config.pop("family")).get(config)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BoundFunction) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash((self.family, self.name, tuple(sorted(map(repr, self.kwargs.items())))))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{self.name}({args})"


class Registry(Generic[T]):
    """Names to components for one family.

    Args:
        family: the family's singular noun, used in messages (``"schedule"``).
        base: the type(s) an already-built instance must have to be accepted
            by :meth:`get` as it is; callables are accepted in any case unless
            ``accept_callables=False``.
        accept_callables: whether :meth:`get` passes any callable through.
        keras_serializable: register every class (with ``get_config``) and
            function also with ``keras.saving.register_keras_serializable``
            under the package ``"tftrain"``, so models saved as ``.keras`` reload
            without ``custom_objects``.
        builder: optional ``builder(entry, kwargs)`` that builds a component
            from a dict spec instead of the default (call a class, bind a
            function); families whose components are factories use it.
        facts: the facts this family's components may declare at
            registration, besides :data:`COMMON_FACTS`.
    """

    def __init__(
        self,
        family: str,
        *,
        base: type | tuple[type, ...] | None = None,
        accept_callables: bool = True,
        keras_serializable: bool = True,
        builder: Callable[[Entry, dict[str, Any]], Any] | None = None,
        facts: Iterable[Fact] = (),
    ):
        self.family = family
        self._a = "an" if family[:1].lower() in "aeiou" else "a"  # for "an activation"
        self.base = base
        self.accept_callables = accept_callables
        self.keras_serializable = keras_serializable
        self.builder = builder
        self._entries: dict[str, Entry] = {}
        self._keys: dict[str, str] = {}
        self.facts: dict[str, Fact] = {f.name: f for f in (*COMMON_FACTS, *facts)}
        _FAMILIES[family] = self

    @staticmethod
    def of(family: str) -> Registry[Any]:
        """The registry created for ``family`` (its package must be imported first;
        ``tftrain.families.family`` does both).

        Raises:
            ValueError: no registry of that family exists.
        """
        if family not in _FAMILIES:
            raise ValueError(f"Unknown component family {family!r}. Known: {sorted(_FAMILIES)}.")
        return _FAMILIES[family]

    # ----------------------------------------------------------------- register
    def register(
        self,
        name: str,
        *,
        aliases: Iterable[str] = (),
        description: str | None = None,
        override: bool = False,
        **facts: Any,
    ) -> Callable[[T], T]:
        """A decorator that registers a class or function under ``name``, with its facts.

        Args:
            name: the canonical snake_case name.
            aliases: other names that resolve to the same component.
            description: one line for listings; defaults to the docstring's
                first line.
            override: replace an existing component of that name instead of
                raising. Registering the same object again needs no override:
                it replaces the registrations it had under these names
                (their aliases included).
            **facts: what is known about the component, each a fact this
                family accepts (``self.facts``): ``example``, ``arguments``
                and ``check`` in every family, plus the family's own.

        Raises:
            ValueError: the name or an alias is taken (and ``override`` is off),
                or is empty; a fact's value is not one it may take; the
                declared ``example`` is not valid for the component.
            TypeError: a fact this family does not accept (naming the accepted
                ones), or a fact value of the wrong type.
        """
        aliases = tuple(aliases)
        for fact, value in facts.items():
            if fact not in self.facts:
                close = difflib.get_close_matches(fact, list(self.facts), n=1, cutoff=0.6)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise TypeError(
                    f"Unknown fact {fact!r} for {self._a} {self.family}.{hint} "
                    f"Accepted: {', '.join(sorted(self.facts))}."
                )
            self.facts[fact].check(value)

        def decorator(obj: T) -> T:
            for label in (name, *aliases):
                if not isinstance(label, str) or not label.strip():
                    raise ValueError(
                        f"{self._a.capitalize()} {self.family} name must be a non-blank "
                        f"string. Received: {label!r}"
                    )
                owner = self._keys.get(_key(label))
                if owner is not None and not override and self._entries[owner].obj is not obj:
                    raise ValueError(
                        f"The {self.family} name {label!r} is already registered (as {owner!r}); "
                        "pass override=True to replace it."
                    )
            # Without override the loop let through only names this same object holds:
            # its earlier registration goes whole, so that no old alias still leads to it.
            self._unregister_keys(name, aliases)
            self._entries[name] = Entry(
                name, obj, aliases, description or summary(obj), dict(facts)
            )
            for label in (name, *aliases):
                self._keys[_key(label)] = name
            if "example" in facts:
                self._check_example(name)
            if self.keras_serializable:
                _register_with_keras(obj)
            return obj

        return decorator

    def _unregister_keys(self, name: str, aliases: tuple[str, ...]) -> None:
        for label in (name, *aliases):
            owner = self._keys.pop(_key(label), None)
            if owner is not None:  # every key leads to an entry
                entry = self._entries.pop(owner)
                for other in (entry.name, *entry.aliases):
                    self._keys.pop(_key(other), None)

    def unregister(self, name: str) -> None:
        """Removes a component and its aliases (for tests and interactive use)."""
        entry = self.entry(name)
        self._unregister_keys(entry.name, entry.aliases)

    def _check_example(self, name: str) -> None:
        """Refuses a declared ``example`` whose keywords the component does not take."""
        entry = self._entries[name]
        found = self.problems(name, entry.facts["example"])
        if found:
            self._unregister_keys(name, entry.aliases)
            raise ValueError(
                f"The declared example of the {self.family} {name!r} is not valid: "
                f"{found[0].message}"
            )

    # ------------------------------------------------------------------ lookup
    def names(self) -> list[str]:
        """The canonical registered names, sorted."""
        return sorted(self._entries)

    def aliases(self) -> dict[str, str]:
        """Each alias mapped to its canonical name."""
        return {a: e.name for e in self._entries.values() for a in e.aliases}

    def describe(self) -> dict[str, str]:
        """Each canonical name mapped to its one-line description."""
        return {name: self._entries[name].description for name in self.names()}

    def fact(self, name: str, fact: str, default: Any = None) -> Any:
        """The value of ``fact`` declared by the component ``name``, or ``default``.

        Raises:
            ValueError: unknown name, or a fact this family does not have.
        """
        if fact not in self.facts:
            raise ValueError(
                f"The {self.family} family has no fact {fact!r}. "
                f"Known: {', '.join(sorted(self.facts))}."
            )
        return self.entry(name).facts.get(fact, default)

    def fact_of(self, obj: Any, fact: str, default: Any = None) -> Any:
        """The ``fact`` declared for a built component (its class, function or bound form).

        ``default`` for anything not registered in this family: an unregistered
        callable has no declared facts.
        """
        if isinstance(obj, BoundFunction):
            return self.fact(obj.name, fact, default) if obj.family == self.family else default
        name = self.name_of(obj)
        return default if name is None else self.fact(name, fact, default)

    def parameters(self, name: str) -> tuple[list[inspect.Parameter], bool]:
        """The keyword parameters that ``name`` takes, and whether it takes any keyword.

        A function's tensors (parameters without defaults that are not
        keyword-only) are left out. For a class whose ``__init__`` forwards
        ``**kwargs``, the parameters of the base classes it forwards to count.
        """
        entry = self.entry(name)
        params, open_ = _parameters(entry.obj)
        if not inspect.isclass(entry.obj):
            params = [p for p in params if p.default is not p.empty or p.kind is p.KEYWORD_ONLY]
        return params, open_

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _key(name) in self._keys

    def entry(self, name: str) -> Entry:
        """The entry for ``name`` (or an alias).

        Raises:
            ValueError: unknown name; the message lists the closest and the
                known names.
        """
        canonical = self._keys.get(_key(name)) if isinstance(name, str) else None
        if canonical is None:
            raise ValueError(self._unknown_message(name))
        return self._entries[canonical]

    def _unknown_message(self, name: Any) -> str:
        labels = {label: e.name for e in self._entries.values() for label in (e.name, *e.aliases)}
        close = difflib.get_close_matches(str(name).lower(), list(labels), n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        known = []
        for n in self.names():
            aliases = self._entries[n].aliases
            known.append(f"{n} (alias: {', '.join(aliases)})" if aliases else n)
        return f"Unknown {self.family} {name!r}.{hint} Known: {', '.join(known) or '(none)'}."

    # ------------------------------------------------------------------- build
    def get(self, spec: Any) -> Any:
        """Builds or resolves a component from ``spec``.

        Args:
            spec: a registered name, a dict ``{"name": ..., **kwargs}``, an
                instance of the family's base type, or a callable.

        Returns:
            The component: a registered function as it is (or bound, when the
            dict gives keywords), a registered class instantiated with the
            keywords, an instance or callable unchanged.

        Raises:
            ValueError: unknown name (with the closest known names), or a bad
                argument value (raised by the component's own checks).
            TypeError: an unknown or missing keyword (naming the accepted ones),
                or a spec of the wrong type.
        """
        if isinstance(spec, str):
            return self._build(self.entry(spec), {})
        if isinstance(spec, Mapping):
            if "name" not in spec:
                raise ValueError(
                    f"{self._a.capitalize()} {self.family} spec dict needs a 'name' key. "
                    f"Received: {dict(spec)!r}. "
                    f"Known names: {', '.join(self.names())}."
                )
            kwargs = {k: v for k, v in spec.items() if k != "name"}
            return self._build(self.entry(spec["name"]), kwargs)
        if self.base is not None and isinstance(spec, self.base):
            return spec
        if self.accept_callables and callable(spec) and not inspect.isclass(spec):
            return spec
        expected = "a registered name, a dict with a 'name' key"
        if self.base is not None:
            bases = self.base if isinstance(self.base, tuple) else (self.base,)
            expected += ", an instance of " + " or ".join(b.__name__ for b in bases)
        if self.accept_callables:
            expected += ", or a callable"
        raise TypeError(
            f"Cannot interpret {spec!r} (of type {type(spec).__name__}) as "
            f"{self._a} {self.family}: "
            f"expected {expected}."
        )

    def problems(self, name: str, kwargs: Mapping[str, Any]) -> list[Problem]:
        """Everything wrong with ``kwargs`` for ``name``, found before anything is built.

        Unknown keywords (with the closest accepted one), missing required
        ones, and, when those are right, what the component's declared
        ``check`` refuses. :meth:`check_arguments` raises the first; recipe
        validation reports them all, each at its key.

        Example:
            >>> from tftrain.families import family
            >>> for p in family("schedule").problems("cosine_decay", {"decay_step": 5}):
            ...     print(p.key, p.error.__name__)
            decay_step TypeError
            initial_learning_rate TypeError
            decay_steps TypeError
        """
        entry = self.entry(name)
        named, open_ = self.parameters(name)
        accepted = [p.name for p in named]
        found: list[Problem] = []
        for key in [] if open_ else [k for k in kwargs if k not in accepted]:
            close = difflib.get_close_matches(key, accepted, n=1, cutoff=0.6)
            hint = f" Did you mean {close[0]!r} for {key!r}?" if close else ""
            found.append(
                Problem(
                    key,
                    f"Unknown argument {key!r} for {self.family} {entry.name!r}.{hint} "
                    f"Accepted: {', '.join(accepted) or '(none)'}.",
                    TypeError,
                    "unknown",
                    close[0] if close else None,
                )
            )
        if inspect.isclass(entry.obj):
            for p in named:
                if p.default is p.empty and p.name not in kwargs:
                    found.append(
                        Problem(
                            p.name,
                            f"The {self.family} {entry.name!r} needs the argument {p.name!r}. "
                            f"Accepted: {', '.join(accepted)}.",
                            TypeError,
                            "missing",
                        )
                    )
        check = entry.facts.get("check")
        if not found and check is not None and kwargs:
            try:
                check(**kwargs)
            except (TypeError, ValueError) as error:
                kind = TypeError if isinstance(error, TypeError) else ValueError
                found.append(Problem(argument_of(error), str(error), kind))
        return found

    def check_arguments(self, name: str, kwargs: Mapping[str, Any]) -> None:
        """Raises the first of :meth:`problems`, if any.

        Raises:
            TypeError: an unknown or missing keyword (naming the accepted ones).
            ValueError: a value that the component's declared ``check`` refuses.
        """
        found = self.problems(name, kwargs)
        if found:
            raise found[0].error(found[0].message)

    def _build(self, entry: Entry, kwargs: dict[str, Any]) -> Any:
        self.check_arguments(entry.name, kwargs)
        if self.builder is not None:
            return self.builder(entry, kwargs)
        if inspect.isclass(entry.obj):
            return entry.obj(**kwargs)
        if not kwargs:
            return entry.obj
        return BoundFunction(self.family, entry.name, entry.obj, **kwargs)

    # --------------------------------------------------------------- serialize
    def name_of(self, obj: Any) -> str | None:
        """The canonical name under which ``obj`` (or its class) is registered."""
        for entry in self._entries.values():
            if entry.obj is obj:
                return entry.name
        for entry in self._entries.values():
            if inspect.isclass(entry.obj) and type(obj) is entry.obj:
                return entry.name
        return None

    def serialize(self, obj: Any) -> dict[str, Any]:
        """The dict spec of ``obj``, such that ``get(serialize(obj))`` rebuilds it.

        Raises:
            ValueError: ``obj`` is not a registered component (register it
                first, or pass it around as an object).
        """
        if isinstance(obj, BoundFunction) and obj.family == self.family:
            return {"name": obj.name, **obj.kwargs}
        name = self.name_of(obj)
        if name is None:
            raise ValueError(
                f"Cannot serialize {obj!r}: it is not a registered {self.family}. Register it "
                f"with `@register(name)` first. Known: {', '.join(self.names())}."
            )
        if inspect.isclass(self._entries[name].obj):
            config = dict(obj.get_config()) if hasattr(obj, "get_config") else {}
            config.pop("name", None)
            return {"name": name, **config}
        return {"name": name}


def _register_with_keras(obj: Any) -> None:
    """Registers ``obj`` with Keras's serialization under the package ``tftrain``."""
    if inspect.isclass(obj) and not hasattr(obj, "get_config"):
        return
    import keras

    keras.saving.register_keras_serializable(package="tftrain")(obj)


_register_with_keras(BoundFunction)
