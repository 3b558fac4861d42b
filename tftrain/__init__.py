"""tftrain: training-optimization utilities for TensorFlow 2 and Keras 3.

Learning-rate schedules, exponential-moving-average shadow weights, losses and
activations, each usable alone in a hand-written ``tf.GradientTape`` loop, plus
a small fast training loop and recipes that build every piece by name.

Example:
    >>> import tftrain
    >>> schedule = tftrain.schedules.get({"name": "exponential_decay",
    ...     "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5})
    >>> print(f"{float(schedule(10)):.3f}")
    0.050
"""

__version__ = "0.1.0"

from tftrain import (
    activations,
    compare,
    config,
    data,
    ema,
    losses,
    models,
    optimizers,
    schedules,
    training,
)

__all__ = [
    "__version__",
    "activations",
    "compare",
    "config",
    "data",
    "ema",
    "losses",
    "models",
    "optimizers",
    "schedules",
    "training",
]
