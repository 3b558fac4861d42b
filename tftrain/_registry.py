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
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_FAMILIES: dict[str, Registry[Any]] = {}


def _key(name: str) -> str:
    """The lookup key of a name: case-insensitive, ``-`` and ``_`` ignored."""
    return name.lower().replace("-", "").replace("_", "")


def summary(obj: Any) -> str:
    """The first line of ``obj``'s docstring, or ``""``."""
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0].strip() if doc.strip() else ""


@dataclass(frozen=True)
class Entry:
    """One registered component: its canonical name, the object and its aliases."""

    name: str
    obj: Any
    aliases: tuple[str, ...]
    description: str


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
    for klass in inspect.getmro(target):
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        if klass is object:
            return list(seen.values()), False
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
        family = config.pop("family")
        if family not in _FAMILIES:
            raise ValueError(f"Unknown component family {family!r}. Known: {sorted(_FAMILIES)}.")
        return _FAMILIES[family].get(config)

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
    """

    def __init__(
        self,
        family: str,
        *,
        base: type | tuple[type, ...] | None = None,
        accept_callables: bool = True,
        keras_serializable: bool = True,
        builder: Callable[[Entry, dict[str, Any]], Any] | None = None,
    ):
        self.family = family
        self._a = "an" if family[:1].lower() in "aeiou" else "a"  # for "an activation"
        self.base = base
        self.accept_callables = accept_callables
        self.keras_serializable = keras_serializable
        self.builder = builder
        self._entries: dict[str, Entry] = {}
        self._keys: dict[str, str] = {}
        _FAMILIES[family] = self

    # ----------------------------------------------------------------- register
    def register(
        self,
        name: str,
        *,
        aliases: Iterable[str] = (),
        description: str | None = None,
        override: bool = False,
    ) -> Callable[[T], T]:
        """A decorator that registers a class or function under ``name``.

        Args:
            name: the canonical snake_case name.
            aliases: other names that resolve to the same component.
            description: one line for listings; defaults to the docstring's
                first line.
            override: replace an existing component of that name instead of
                raising.

        Raises:
            ValueError: the name or an alias is taken (and ``override`` is off),
                or is empty.
        """
        aliases = tuple(aliases)

        def decorator(obj: T) -> T:
            for label in (name, *aliases):
                if not isinstance(label, str) or not _key(label):
                    raise ValueError(
                        f"{self._a.capitalize()} {self.family} name must be a non-empty "
                        f"string. Received: {label!r}"
                    )
                owner = self._keys.get(_key(label))
                if owner is not None and not override and self._entries[owner].obj is not obj:
                    raise ValueError(
                        f"The {self.family} name {label!r} is already registered (as {owner!r}); "
                        "pass override=True to replace it."
                    )
            if override:
                self._unregister_keys(name, aliases)
            self._entries[name] = Entry(name, obj, aliases, description or summary(obj))
            for label in (name, *aliases):
                self._keys[_key(label)] = name
            if self.keras_serializable:
                _register_with_keras(obj)
            return obj

        return decorator

    def _unregister_keys(self, name: str, aliases: tuple[str, ...]) -> None:
        for label in (name, *aliases):
            owner = self._keys.pop(_key(label), None)
            if owner is not None and owner in self._entries:
                entry = self._entries.pop(owner)
                for other in (entry.name, *entry.aliases):
                    self._keys.pop(_key(other), None)

    def unregister(self, name: str) -> None:
        """Removes a component and its aliases (for tests and interactive use)."""
        entry = self.entry(name)
        self._unregister_keys(entry.name, entry.aliases)

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

    def check_arguments(self, name: str, kwargs: Mapping[str, Any]) -> None:
        """Raises ``TypeError`` for keywords that ``name`` does not accept or lacks.

        Used by :meth:`get` and by recipe validation, before anything is built.
        """
        entry = self.entry(name)
        params, open_ = _parameters(entry.obj)
        if inspect.isclass(entry.obj):
            named = params
        else:  # a function's tensors are its parameters without defaults
            named = [p for p in params if p.default is not p.empty or p.kind is p.KEYWORD_ONLY]
        accepted = [p.name for p in named]
        if not open_:
            unknown = [k for k in kwargs if k not in accepted]
            if unknown:
                close = {
                    k: difflib.get_close_matches(k, accepted, n=1, cutoff=0.6) for k in unknown
                }
                hints = "".join(f" Did you mean {c[0]!r} for {k!r}?" for k, c in close.items() if c)
                raise TypeError(
                    f"Unknown argument{'s' if len(unknown) > 1 else ''} "
                    f"{', '.join(repr(k) for k in unknown)} for {self.family} {entry.name!r}."
                    f"{hints} Accepted: {', '.join(accepted) or '(none)'}."
                )
        if inspect.isclass(entry.obj):
            missing = [
                p.name
                for p in named
                if p.default is p.empty and p.name not in kwargs and p.kind is not p.VAR_KEYWORD
            ]
            if missing:
                raise TypeError(
                    f"The {self.family} {entry.name!r} needs the argument"
                    f"{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)}. "
                    f"Accepted: {', '.join(accepted)}."
                )

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
