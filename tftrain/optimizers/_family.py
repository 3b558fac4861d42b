"""The optimizer family: Keras optimizers by name, with a learning rate that may be a schedule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras

from tftrain._compat import learning_rate_source
from tftrain._registry import Registry

OPTIMIZERS: Registry[Any] = Registry(
    "optimizer", base=keras.optimizers.Optimizer, accept_callables=False, keras_serializable=False
)

register = OPTIMIZERS.register
names = OPTIMIZERS.names

#: The Keras optimizers registered under their snake_case names.
_KERAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "adadelta": ("Adadelta", ()),
    "adafactor": ("Adafactor", ()),
    "adagrad": ("Adagrad", ()),
    "adam": ("Adam", ()),
    "adamax": ("Adamax", ()),
    "adamw": ("AdamW", ("adam_w",)),
    "ftrl": ("Ftrl", ()),
    "lamb": ("Lamb", ()),
    "lion": ("Lion", ()),
    "nadam": ("Nadam", ()),
    "rmsprop": ("RMSprop", ("rms_prop",)),
    "sgd": ("SGD", ()),
}
for _name, (_class_name, _aliases) in _KERAS.items():
    _class = getattr(keras.optimizers, _class_name, None)
    if _class is not None:  # every one exists in Keras >= 3.5; older Keras lacks a few
        register(
            _name,
            aliases=_aliases,
            example={"learning_rate": 0.01},
            arguments=lambda st: st.fixed_dictionaries({"learning_rate": st.floats(1e-4, 1.0)}),
        )(_class)


def get(spec: Any) -> keras.optimizers.Optimizer:
    """An optimizer from a spec.

    Args:
        spec: a registered name (``"adam"``), a dict ``{"name": "sgd", **kwargs}``
            whose ``learning_rate`` may be a number or any spec that
            :func:`tftrain.schedules.get` accepts, an optimizer instance, or
            the dict ``keras.optimizers.serialize`` writes.

    Returns:
        A new optimizer (an instance is returned unchanged).

    Raises:
        ValueError: unknown name (with the closest known ones) or a bad value.
        TypeError: an unknown keyword (naming the accepted ones) or a spec that
            is no optimizer.

    Example:
        >>> optimizer = get({"name": "sgd", "learning_rate": 0.1, "momentum": 0.9})
        >>> print(type(optimizer).__name__, f"{float(optimizer.learning_rate):.2f}")
        SGD 0.10
        >>> schedule = {"name": "exponential_decay", "initial_learning_rate": 0.1,
        ...             "decay_steps": 10, "decay_rate": 0.5}
        >>> print(serialize(get({"name": "adam", "learning_rate": schedule}))["learning_rate"])
        {'name': 'exponential_decay', 'initial_learning_rate': 0.1, 'decay_steps': 10, \
'decay_rate': 0.5, 'staircase': False, 'transition_begin': 0, 'end_value': None}
    """
    if isinstance(spec, Mapping) and "class_name" in spec:
        return keras.optimizers.deserialize(dict(spec))
    if isinstance(spec, Mapping) and isinstance(spec.get("learning_rate"), (Mapping, str)):
        from tftrain import schedules

        spec = {**spec, "learning_rate": schedules.get(spec["learning_rate"])}
    return OPTIMIZERS.get(spec)


def serialize(optimizer: keras.optimizers.Optimizer) -> dict[str, Any]:
    """The dict spec of an optimizer: its registered name and its non-default arguments.

    Keras's own config lists every argument; this keeps those that differ from
    the constructor's defaults, so a recipe shows what was chosen. A schedule
    as the learning rate is written in its own spec form.

    Raises:
        ValueError: the optimizer's class is not registered.

    Example:
        >>> serialize(get({"name": "sgd", "learning_rate": 0.5, "momentum": 0.9}))
        {'name': 'sgd', 'learning_rate': 0.5, 'momentum': 0.9}
    """
    spec = OPTIMIZERS.serialize(optimizer)
    params, _ = OPTIMIZERS.parameters(spec["name"])
    defaults = {p.name: p.default for p in params}
    out: dict[str, Any] = {"name": spec.pop("name")}
    for key, value in spec.items():
        if key == "learning_rate":
            value = _learning_rate_spec(learning_rate_source(optimizer))
        elif isinstance(value, float):
            value = _short_float(value)
        if key in defaults and _same(value, defaults[key]):
            continue
        out[key] = value
    return out


def _learning_rate_spec(learning_rate: Any) -> Any:
    if isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        from tftrain.families import family

        if family("schedule").name_of(learning_rate) is not None:
            return family("schedule").serialize(learning_rate)
        return keras.saving.serialize_keras_object(learning_rate)
    return _short_float(float(learning_rate))


def _short_float(value: float) -> float:
    """A float32-stored value as the shortest float that round-trips in float32."""
    return float(f"{value:.7g}")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return _short_float(a) == _short_float(float(b))
    return bool(a == b) and type(a) is type(b)
