"""Models by name: small Keras models that recipes build from keyword arguments.

Example:
    >>> model = get({"name": "mlp", "input_shape": [2], "output_units": 3,
    ...              "hidden_units": [16, 16], "activation": "relu"})
    >>> print(names(), model.count_params())
    ['cnn', 'linear', 'mlp'] 371
"""

from tftrain.models._cnn import cnn
from tftrain.models._family import get, names, register, serialize
from tftrain.models._mlp import initializer_for, kernel_initializer_for, linear, mlp

__all__ = [
    "cnn",
    "get",
    "initializer_for",
    "kernel_initializer_for",
    "linear",
    "mlp",
    "names",
    "register",
    "serialize",
]
