"""The loss family's registry: ``get``, ``serialize``, ``names``, ``register``."""

from __future__ import annotations

from typing import Any

import keras

from tftrain._registry import Registry

LOSSES: Registry[Any] = Registry("loss", base=keras.losses.Loss)

register = LOSSES.register
serialize = LOSSES.serialize
names = LOSSES.names


def get(spec: Any) -> Any:
    """A loss from a spec.

    Args:
        spec: a registered name (``"mse"``), a dict ``{"name": ..., **kwargs}``,
            a ``keras.losses.Loss`` instance or any callable (returned
            unchanged), or the dict that ``keras.saving.serialize_keras_object``
            writes for a loss.

    Returns:
        A ``keras.losses.Loss`` instance for a name or dict; the object itself
        for an instance or callable.

    Raises:
        ValueError: unknown name (with the closest known ones) or a bad value.
        TypeError: unknown keyword, or a spec that is no loss.

    Example:
        >>> loss = get({"name": "asymmetric", "cost": 1.0, "profit": 9.0})
        >>> print(type(loss).__name__, loss.cost, loss.profit)
        AsymmetricLoss 1.0 9.0
        >>> print(f"{float(get('mse')([[1.0, 2.0]], [[1.0, 4.0]])):.2f}")
        2.00
    """
    if isinstance(spec, dict) and "class_name" in spec:
        return keras.saving.deserialize_keras_object(spec)
    return LOSSES.get(spec)
