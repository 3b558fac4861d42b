"""The activation family's registry: ``get``, ``serialize``, ``names``, ``register``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import keras

from tftrain._registry import Fact, Registry

#: The kernel-initializer families an activation may declare at registration
#: as ``initializer=``: He for ReLU-like activations, LeCun for self-normalising
#: ones (SELU), Glorot for the others (the default when none is declared).
INITIALIZERS: tuple[str, ...] = ("glorot", "he", "lecun")

ACTIVATIONS: Registry[Any] = Registry(
    "activation",
    base=keras.layers.Layer,
    facts=(
        Fact(
            "initializer",
            INITIALIZERS,
            description="the kernel initializer a layer before it wants: glorot, he or lecun",
        ),
    ),
)


def names() -> list[str]:
    """The canonical names of the registered activations, sorted (aliases resolve to these).

    Returns:
        A new list of names.

    Example:
        >>> "swish" in names() and "silu" not in names()
        True
    """
    return ACTIVATIONS.names()


def serialize(activation: Any) -> dict[str, Any]:
    """The dict spec of a registered activation, such that ``get(serialize(a))`` rebuilds it.

    Args:
        activation: a registered function, a bound function from :func:`get`, or
            a registered layer (its config, without the layer's display name).

    Returns:
        ``{"name": ..., **arguments}``.

    Raises:
        ValueError: ``activation`` is not registered (register it first).

    Example:
        >>> serialize(get({"name": "silu", "beta": 2.0}))
        {'name': 'swish', 'beta': 2.0}
    """
    return ACTIVATIONS.serialize(activation)


def register(
    name: str,
    *,
    aliases: tuple[str, ...] = (),
    description: str | None = None,
    override: bool = False,
    **facts: Any,
) -> Callable[[Any], Any]:
    """A decorator that registers an activation function or layer class by name.

    The name then works in :func:`get`, in recipes, and in models saved as
    ``.keras`` (the object is also registered with Keras's serialization under
    the package ``tftrain``). Pass the *callable* to a Keras layer
    (``Dense(activation=get(name))``): Keras 3 resolves activation *strings*
    only among its own built-ins.

    Args:
        name: canonical snake_case name.
        aliases: other names that resolve to the same activation.
        description: one line for listings; defaults to the docstring's first line.
        override: replace an existing activation of that name.
        **facts: what is known about it (see ``ACTIVATIONS.facts``):
            ``initializer`` (``glorot``, ``he`` or ``lecun``), ``check``
            (``check(**kwargs)`` raising for bad values, run once when
            :func:`get` binds arguments), ``example`` and ``arguments``
            (valid keyword arguments for ``tftrain.testing``).

    Returns:
        The decorator; it returns the object unchanged.

    Raises:
        ValueError: the name is taken (and ``override`` is off) or empty, or
            a fact has a bad value.
        TypeError: a fact activations do not accept.

    Example:
        >>> import tensorflow as tf
        >>> @register("shifted_relu_doc", initializer="he", example={"shift": 0.5})
        ... def shifted_relu_doc(x, shift=1.0):
        ...     '''ReLU moved left by ``shift``: ``max(x + shift, 0)``.'''
        ...     return tf.nn.relu(x + shift)
        >>> fn = get({"name": "shifted_relu_doc", "shift": 0.5})
        >>> print(f"{float(fn(tf.constant(-0.25))):.2f}")
        0.25
        >>> ACTIVATIONS.unregister("shifted_relu_doc")
    """
    return ACTIVATIONS.register(
        name, aliases=aliases, description=description, override=override, **facts
    )


def initializer_of(activation: Any) -> str:
    """The initializer family an activation declared at registration: ``"glorot"`` if none.

    Args:
        activation: a registered name or dict spec, ``None`` (the identity),
            or an activation as :func:`get` returns it. An unregistered
            callable declares nothing, so it gets ``"glorot"``.

    Returns:
        ``"glorot"``, ``"he"`` or ``"lecun"``.

    Raises:
        ValueError: an unknown name.

    Example:
        >>> initializer_of("silu"), initializer_of({"name": "selu"}), initializer_of(None)
        ('he', 'lecun', 'glorot')
    """
    if activation is None:
        activation = "linear"
    if isinstance(activation, Mapping) and "name" in activation and "class_name" not in activation:
        activation = activation["name"]
    if isinstance(activation, str):
        return str(ACTIVATIONS.fact(activation, "initializer", "glorot"))
    return str(ACTIVATIONS.fact_of(activation, "initializer", "glorot"))


def get(spec: Any) -> Callable[..., Any]:
    """An activation callable from a spec.

    Args:
        spec: a registered name or alias (case-insensitive), a dict
            ``{"name": ..., **kwargs}`` (a function's keywords are bound, a
            layer class is built), ``None`` (the identity, as in Keras), a Keras
            layer, any callable, or the dict that
            ``keras.saving.serialize_keras_object`` writes for one.

    Returns:
        A callable mapping a tensor to a tensor of the same shape and dtype: the
        registered function, a ``tftrain._registry.BoundFunction`` for a dict
        with keywords, or a layer instance.

    Raises:
        ValueError: unknown name (with the closest known ones), or a bad value.
        TypeError: unknown keyword, or a spec that is no activation.

    Example:
        >>> import tensorflow as tf
        >>> fn = get({"name": "leaky_relu", "alpha": 0.1})
        >>> print(fn, [f"{v:.2f}" for v in fn(tf.constant([-2.0, 3.0])).numpy()])
        leaky_relu(alpha=0.1) ['-0.20', '3.00']
        >>> get("SiLU") is get("swish")
        True
    """
    if spec is None:
        return get("linear")
    if isinstance(spec, dict) and "class_name" in spec:
        return keras.saving.deserialize_keras_object(spec)
    return ACTIVATIONS.get(spec)
