"""The EMA family's registry: ``get``, ``serialize``, ``names``, ``register``.

Training recipes hold an ``ema`` section such as ``{"decay": 0.999, "warmup": true}``;
:func:`get` turns it (or ``None``, a decay, a name, an instance) into a tracker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tftrain._registry import Registry

EMAS: Registry[Any] = Registry("ema", accept_callables=False, keras_serializable=False)

register = EMAS.register
names = EMAS.names

#: The component a spec without a ``name`` key builds.
DEFAULT = "exponential_moving_average"


def get(spec: Any) -> Any:
    """A shadow-variable tracker from a spec, or ``None`` for no averaging.

    Args:
        spec: ``None`` (no EMA); an ``ExponentialMovingAverage`` (returned as it
            is); a number, the ``decay`` in ``[0, 1)``; a registered name
            (``"ema"``); or a dict of constructor arguments, with or without a
            ``"name"`` key (``{"decay": 0.999, "warmup": True}``).

    Returns:
        The tracker, or ``None``.

    Raises:
        ValueError: a decay outside ``[0, 1)``, or an unknown name.
        TypeError: an unknown keyword, or a spec of another type (a bool included).

    Example:
        >>> ema = get({"decay": 0.999, "warmup": False})
        >>> print(f"{ema.decay:.3f} {ema.warmup}")
        0.999 False
        >>> print(get(0.9), get(None))
        ExponentialMovingAverage(decay=0.9, warmup=True) None
    """
    if spec is None:
        return None
    base = EMAS.entry(DEFAULT).obj
    if isinstance(spec, base):
        return spec
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return EMAS.get({"name": DEFAULT, "decay": spec})
    if isinstance(spec, Mapping) and "name" not in spec:
        return EMAS.get({"name": DEFAULT, **spec})
    if isinstance(spec, (str, Mapping)):
        return EMAS.get(spec)
    raise TypeError(
        f"Cannot interpret {spec!r} (of type {type(spec).__name__}) as an ema: expected None, "
        "an ExponentialMovingAverage, a decay in [0, 1), a registered name "
        f"({', '.join(names())}) or a dict such as {{'decay': 0.999, 'warmup': True}}."
    )


def serialize(ema: Any) -> dict[str, Any] | None:
    """The dict spec of a tracker (``None`` for ``None``): ``get(serialize(ema))`` rebuilds it.

    Example:
        >>> print(serialize(get(0.99)))
        {'name': 'exponential_moving_average', 'decay': 0.99, 'warmup': True}
    """
    if ema is None:
        return None
    return EMAS.serialize(ema)
