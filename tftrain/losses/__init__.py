"""Losses: Keras ``Loss`` subclasses and plain per-example functions, by name.

Every loss is a function ``f(y_true, y_pred)`` returning float32 per-example
losses and a ``keras.losses.Loss`` subclass with Keras's reductions and
``sample_weight``; cross-entropies from logits are computed stably, shapes
that would broadcast silently are refused, and out-of-range sparse labels
never pass silently. ``reduce_over_global_batch`` averages per-example losses
over the global batch under a ``tf.distribute`` strategy.

Example:
    >>> print(names())
    ['asymmetric', 'binary_crossentropy', 'binary_focal_crossentropy', \
'categorical_crossentropy', 'categorical_focal_crossentropy', 'huber', \
'mean_absolute_error', 'mse', 'quantile', 'sparse_categorical_crossentropy']
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
from tftrain.losses._focal import (
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
)
from tftrain.losses._regression import (
    AsymmetricLoss,
    Huber,
    MeanAbsoluteError,
    MeanSquaredError,
    QuantileLoss,
    asymmetric_loss,
    huber,
    mean_absolute_error,
    mean_squared_error,
    quantile_loss,
)

__all__ = [
    "AsymmetricLoss",
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy",
    "Huber",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "QuantileLoss",
    "SparseCategoricalCrossentropy",
    "asymmetric_loss",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "get",
    "huber",
    "kind_of",
    "mean_absolute_error",
    "mean_squared_error",
    "names",
    "quantile_loss",
    "reduce_over_global_batch",
    "register",
    "serialize",
    "sparse_categorical_crossentropy",
]
