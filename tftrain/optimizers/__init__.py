"""Optimizers: the Keras optimizers by name, so recipes can choose one.

Example:
    >>> optimizer = get({"name": "adamw", "learning_rate": 0.01, "weight_decay": 0.001})
    >>> print(serialize(optimizer))
    {'name': 'adamw', 'learning_rate': 0.01, 'weight_decay': 0.001}
"""

from tftrain.optimizers._family import get, names, register, serialize

__all__ = ["get", "names", "register", "serialize"]
