"""Exponential moving averages of trained variables: shadow weights for evaluation and export.

An :class:`ExponentialMovingAverage` keeps, for each variable, a shadow that
follows it slowly (with TensorFlow's warm-up of the decay), works on Keras 3
models, in ``tf.function``/XLA, under ``tf.distribute`` and in checkpoints.

Example:
    >>> import keras
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> ema = get({"decay": 0.999, "warmup": True})
    >>> ema.apply(model.trainable_variables, step=0)
    >>> print(sorted(ema.averages()) == sorted(v.path for v in model.trainable_variables))
    True
    >>> print(names())
    ['exponential_moving_average']
"""

from tftrain.ema._family import get, names, register, serialize
from tftrain.ema._tracker import ExponentialMovingAverage

__all__ = ["ExponentialMovingAverage", "get", "names", "register", "serialize"]
