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
    ['constant', 'cosine_decay', 'cosine_decay_restarts', 'exponential_decay', \
'inverse_time_decay', 'linear_warmup', 'one_cycle', 'piecewise_constant', 'polynomial_decay', \
'warmup_stable_decay']
"""

from tftrain.schedules._base import Schedule
from tftrain.schedules._constant import Constant
from tftrain.schedules._cosine import CosineDecay
from tftrain.schedules._cosine_restarts import CosineDecayRestarts
from tftrain.schedules._exponential import ExponentialDecay
from tftrain.schedules._family import get, names, register, serialize
from tftrain.schedules._inverse_time import InverseTimeDecay
from tftrain.schedules._one_cycle import OneCycle
from tftrain.schedules._piecewise import PiecewiseConstant
from tftrain.schedules._polynomial import PolynomialDecay
from tftrain.schedules._values import values
from tftrain.schedules._warmup import LinearWarmup
from tftrain.schedules._warmup_stable_decay import WarmupStableDecay

__all__ = [
    "Constant",
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LinearWarmup",
    "OneCycle",
    "PiecewiseConstant",
    "PolynomialDecay",
    "Schedule",
    "WarmupStableDecay",
    "get",
    "names",
    "register",
    "serialize",
    "values",
]
