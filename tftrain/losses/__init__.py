"""Losses: Keras ``Loss`` subclasses and plain per-example functions, by name.

Every loss is a function ``f(y_true, y_pred)`` returning float32 per-example
losses and a ``keras.losses.Loss`` subclass with Keras's reductions and
``sample_weight``; cross-entropies from logits are computed stably, shapes
that would broadcast silently are refused, and out-of-range sparse labels
never pass silently. ``reduce_over_global_batch`` averages per-example losses
over the global batch under a ``tf.distribute`` strategy.

Example:
    >>> print(names())
    ['asymmetric', 'binary_crossentropy', 'categorical_crossentropy', 'mse', \
'sparse_categorical_crossentropy']
    >>> loss = get("mean_squared_error")
    >>> print(type(loss).__name__, f"{float(loss([[1.0]], [[3.0]])):.1f}")
    MeanSquaredError 4.0
"""

from tftrain.losses._crossentropy import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from tftrain.losses._distributed import reduce_over_global_batch
from tftrain.losses._family import get, kind_of, names, register, serialize
from tftrain.losses._regression import (
    AsymmetricLoss,
    MeanSquaredError,
    asymmetric_loss,
    mean_squared_error,
)

__all__ = [
    "AsymmetricLoss",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "MeanSquaredError",
    "SparseCategoricalCrossentropy",
    "asymmetric_loss",
    "binary_crossentropy",
    "categorical_crossentropy",
    "get",
    "kind_of",
    "mean_squared_error",
    "names",
    "reduce_over_global_batch",
    "register",
    "serialize",
    "sparse_categorical_crossentropy",
]
