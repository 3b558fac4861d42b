"""Activation functions, parametric activation layers and custom-gradient activations.

Every activation keeps its input's dtype (float16, bfloat16, float32, float64),
is pure TF (traces once, compiles with XLA) and is registered by name, so
``get("silu")``, ``get({"name": "leaky_relu", "negative_slope": 0.1})`` and recipes
resolve it, and a Keras model using it saves to ``.keras`` and reloads without
``custom_objects``. Pass the callable to Keras layers
(``Dense(8, activation=get("mish"))``): Keras 3 resolves activation *strings*
only among its own built-ins.

Example:
    >>> import keras
    >>> layer = keras.layers.Dense(4, activation=get({"name": "leaky_relu", "alpha": 0.1}))
    >>> print(names())
    ['celu', 'elu', 'gelu', 'hard_sigmoid', 'hard_silu', 'leaky_relu', 'linear', 'mish', \
'prelu', 'relu', 'relu6', 'rrelu', 'selu', 'sigmoid', 'softplus', 'softsign', 'square', \
'swish', 'swish_beta', 'tanh']
"""

from tftrain.activations._check import check_gradient
from tftrain.activations._custom import custom_activation
from tftrain.activations._elu import celu, elu, selu
from tftrain.activations._family import (
    get,
    initializer_of,
    names,
    register,
    serialize,
)
from tftrain.activations._gelu import gelu
from tftrain.activations._hard import hard_sigmoid, hard_silu
from tftrain.activations._layers import PReLU, RReLU, SwishBeta
from tftrain.activations._relu import leaky_relu, linear, relu, relu6
from tftrain.activations._sigmoid import sigmoid, softplus, softsign, tanh
from tftrain.activations._square import square
from tftrain.activations._swish import mish, swish

__all__ = [
    "PReLU",
    "RReLU",
    "SwishBeta",
    "celu",
    "check_gradient",
    "custom_activation",
    "elu",
    "gelu",
    "get",
    "hard_sigmoid",
    "hard_silu",
    "initializer_of",
    "leaky_relu",
    "linear",
    "mish",
    "names",
    "register",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "sigmoid",
    "softplus",
    "softsign",
    "square",
    "swish",
    "tanh",
]
