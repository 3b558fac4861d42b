"""Learning-rate schedules: Keras ``LearningRateSchedule`` subclasses, by name.

Every schedule maps a step (counted from 0, as ``optimizer.iterations``) to a
float32 learning rate, elementwise, with pure TF ops: it traces once in
``tf.function``, compiles with XLA and plugs into any Keras optimizer.

Example:
    >>> import keras
    >>> schedule = get({"name": "exponential_decay", "initial_learning_rate": 0.2,
    ...                 "decay_steps": 1, "decay_rate": 0.99})
    >>> optimizer = keras.optimizers.SGD(learning_rate=schedule)
    >>> print(names())
    ['constant', 'cosine_decay', 'exponential_decay', 'linear_warmup', 'piecewise_constant']
"""

from tftrain.schedules._base import Schedule
from tftrain.schedules._constant import Constant
from tftrain.schedules._cosine import CosineDecay
from tftrain.schedules._exponential import ExponentialDecay
from tftrain.schedules._family import get, names, register, serialize
from tftrain.schedules._piecewise import PiecewiseConstant
from tftrain.schedules._values import values
from tftrain.schedules._warmup import LinearWarmup

__all__ = [
    "Constant",
    "CosineDecay",
    "ExponentialDecay",
    "LinearWarmup",
    "PiecewiseConstant",
    "Schedule",
    "get",
    "names",
    "register",
    "serialize",
    "values",
]
