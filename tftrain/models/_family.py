"""The model family: functions that build a Keras model from keyword arguments."""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

import keras

from tftrain._registry import Entry, Registry

# A model's spec, kept beside it (a Keras model tracks its attributes, a plain
# table does not interfere), so that `serialize(get(spec))` gives the spec back.
_SPECS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def _build(entry: Entry, kwargs: dict[str, Any]) -> Any:
    model = entry.obj(**kwargs)
    _SPECS[model] = {"name": entry.name, **kwargs}
    return model


MODELS: Registry[Any] = Registry(
    "model", base=keras.Model, accept_callables=False, keras_serializable=False, builder=_build
)

register = MODELS.register
names = MODELS.names


def get(spec: Any) -> keras.Model:
    """A model from a spec.

    Args:
        spec: a registered name, a dict ``{"name": "mlp", **kwargs}`` (the
            keywords of the registered builder function), or a Keras model
            (returned unchanged).

    Returns:
        A new Keras model.

    Raises:
        ValueError: unknown name (with the closest known ones) or a bad value.
        TypeError: an unknown keyword (naming the accepted ones).

    Example:
        >>> model = get({"name": "linear", "input_shape": [3], "output_units": 2})
        >>> print(model.count_params())
        8
    """
    if isinstance(spec, Mapping):
        spec = dict(spec)
    return MODELS.get(spec)


def serialize(model: keras.Model) -> dict[str, Any]:
    """The spec a model was built from by :func:`get`.

    Raises:
        ValueError: the model was not built by :func:`get`.

    Example:
        >>> serialize(get({"name": "linear", "input_shape": [3], "output_units": 2}))
        {'name': 'linear', 'input_shape': [3], 'output_units': 2}
    """
    spec = _SPECS.get(model)
    if spec is None:
        raise ValueError(
            f"Cannot serialize {model!r}: it was not built from a spec by tftrain.models.get. "
            f"Known: {', '.join(names())}."
        )
    return dict(spec)
