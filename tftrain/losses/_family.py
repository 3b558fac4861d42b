"""The loss family's registry: ``get``, ``serialize``, ``names``, ``register``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras

from tftrain._registry import Fact, Registry

#: What a loss compares, declared at its registration as ``kind=``: real
#: targets, one-hot (or soft) class vectors, integer class ids, or 0/1 targets.
KINDS: tuple[str, ...] = ("regression", "categorical", "sparse_categorical", "binary")

LOSSES: Registry[Any] = Registry(
    "loss",
    base=keras.losses.Loss,
    facts=(Fact("kind", KINDS, description="the labels the loss takes: one of KINDS"),),
)

# Keras's own losses are not registered here, so they cannot declare a kind;
# theirs follows from their Keras type.
_KERAS_KINDS: tuple[tuple[type, str], ...] = (
    (keras.losses.SparseCategoricalCrossentropy, "sparse_categorical"),
    (keras.losses.CategoricalCrossentropy, "categorical"),
    (keras.losses.BinaryCrossentropy, "binary"),
    (keras.losses.MeanSquaredError, "regression"),
    (keras.losses.MeanAbsoluteError, "regression"),
    (keras.losses.Huber, "regression"),
    (keras.losses.BinaryFocalCrossentropy, "binary"),
    (keras.losses.CategoricalFocalCrossentropy, "categorical"),
)

register = LOSSES.register
serialize = LOSSES.serialize
names = LOSSES.names


def kind_of(loss: Any) -> str | None:
    """The kind a loss declared at registration, or ``None``.

    Kinds: ``regression``, ``categorical``, ``sparse_categorical``, ``binary``.

    Args:
        loss: a registered name or dict spec, a registered loss (class,
            instance, function or bound function), a Keras loss, or any callable.

    Returns:
        The declared kind of a registered loss, or of the registered loss
        class whose per-example function it is (``FunctionLoss.per_example``); for one of
        Keras's own losses, the kind of its Keras type; ``None`` for anything
        else (an unregistered callable): nothing is guessed from names.

    Example:
        >>> kind_of(get("sparse_categorical_crossentropy")), kind_of({"name": "mse"})
        ('sparse_categorical', 'regression')
        >>> kind_of(keras.losses.BinaryCrossentropy()), kind_of(lambda y, p: (y - p) ** 2)
        ('binary', None)
        >>> from tftrain.losses import binary_crossentropy
        >>> kind_of(binary_crossentropy)
        'binary'
    """
    if isinstance(loss, Mapping) and "class_name" not in loss and "name" in loss:
        loss = loss["name"]
    if isinstance(loss, str):
        return LOSSES.fact(loss, "kind") if loss in LOSSES else None
    declared = LOSSES.fact_of(loss, "kind")
    if declared is not None:
        return str(declared)
    for name in LOSSES.names():
        if getattr(LOSSES.entry(name).obj, "per_example", None) is loss:
            return LOSSES.fact(name, "kind")  # type: ignore[no-any-return]
    for keras_type, kind in _KERAS_KINDS:
        if isinstance(loss, keras_type):
            return kind
    return None


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
