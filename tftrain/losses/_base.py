"""What every tftrain loss shares: float32 inputs, shape rules, Keras reductions.

Per-example functions cast their inputs to float32 (so a float16 or bfloat16
prediction gives a float32 loss, as mixed precision needs), line up
``y_true`` and ``y_pred`` with Keras's rule for a trailing axis of size 1, and
then refuse shapes that would broadcast: ``(B,)`` against ``(B, 1)`` is lined
up to ``(B, 1)`` and ``(B, 1)``; ``(B, 3)`` against ``(B, 1)`` is an error, never
a silent ``(B, 3)`` (or ``(B, B)``) difference.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import tensorflow as tf

from tftrain._validation import check_in_range, check_one_of

#: The ``reduction`` values that ``keras.losses.Loss`` accepts.
REDUCTIONS = ("sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight")

#: Probabilities are clipped to ``[EPSILON, 1 - EPSILON]`` before a log, as Keras does.
EPSILON = 1e-7


def check_axis(value: Any) -> int:
    """Returns ``value``; a Python int (not a bool) is required."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Argument `axis` must be an int. Received: axis={value!r}")
    return value


def check_label_smoothing(value: Any) -> float:
    """Returns ``value`` as a float in ``[0, 1]``."""
    return check_in_range("label_smoothing", value, 0.0, 1.0)


def canonical_axis(axis: int, rank: int, loss: str) -> int:
    """``axis`` as a non-negative index into a tensor of rank ``rank``."""
    if not -rank <= axis < rank:
        raise ValueError(
            f"{loss}: argument `axis` must be in [{-rank}, {rank}) for `y_pred` of rank {rank}. "
            f"Received: axis={axis}"
        )
    return axis % rank


def to_float32(x: Any) -> tf.Tensor:
    """``x`` as a float32 tensor (predictions are cast up, never computed in float16)."""
    x = tf.convert_to_tensor(x)
    return x if x.dtype == tf.float32 else tf.cast(x, tf.float32)


def match_ranks(y_true: tf.Tensor, y_pred: tf.Tensor, loss: str) -> tuple[tf.Tensor, tf.Tensor]:
    """Lines up ranks that differ by a trailing axis of size 1, as Keras does.

    ``(B,)`` with ``(B, 1)`` becomes ``(B, 1)`` with ``(B, 1)`` (the rank-1 side
    is expanded); at higher rank the size-1 axis is squeezed. Other rank
    differences are left for :func:`check_same_shape` to refuse.
    """
    t, p = y_true.shape.rank, y_pred.shape.rank
    if t is None or p is None:
        raise ValueError(
            f"{loss}: the ranks of `y_true` and `y_pred` must be known. "
            f"Received: y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}"
        )
    if t == p + 1 and y_true.shape[-1] == 1:
        if p == 1:
            y_pred = tf.expand_dims(y_pred, -1)
        else:
            y_true = tf.squeeze(y_true, -1)
    elif p == t + 1 and y_pred.shape[-1] == 1:
        if t == 1:
            y_true = tf.expand_dims(y_true, -1)
        else:
            y_pred = tf.squeeze(y_pred, -1)
    return y_true, y_pred


def check_same_shape(
    y_true: tf.Tensor, y_pred: tf.Tensor, loss: str, *, hint: str = ""
) -> list[tf.Operation]:
    """Refuses ``y_true`` and ``y_pred`` of different shapes (no silent broadcast).

    Static shapes are checked at trace time (``ValueError``). Dimensions that
    are unknown while tracing are checked when the step runs
    (``tf.errors.InvalidArgumentError``); that run-time check is an assert op,
    which XLA drops, so under ``jit_compile=True`` only the trace-time check
    applies (XLA traces with concrete shapes, so it still sees them).

    Returns:
        The run-time assert ops (empty when everything was checked statically).
    """
    message = (
        f"{loss}: `y_true` and `y_pred` must have the same shape (after squeezing a trailing "
        f"axis of size 1), so that nothing broadcasts silently.{hint}"
    )
    if (
        y_true.shape.rank is None
        or y_pred.shape.rank is None
        or not y_true.shape.is_compatible_with(y_pred.shape)
    ):
        raise ValueError(
            f"{message} Received: y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}"
        )
    if y_true.shape.is_fully_defined() and y_pred.shape.is_fully_defined():
        return []
    return [
        tf.debugging.assert_equal(
            tf.shape(y_true), tf.shape(y_pred), message=message + " Shapes of y_true, y_pred:"
        )
    ]


def check_rank(x: tf.Tensor, name: str, loss: str, minimum: int = 1) -> None:
    """Refuses a tensor whose rank is unknown or below ``minimum``."""
    if x.shape.rank is None or x.shape.rank < minimum:
        raise ValueError(
            f"{loss}: `{name}` must have rank >= {minimum} (the loss reduces over an axis). "
            f"Received: {name}.shape={x.shape}"
        )


class LossBase(keras.losses.Loss):
    """Base of tftrain's losses: per-example ``call`` plus Keras's reductions.

    ``call(y_true, y_pred)`` returns the per-example losses (float32);
    ``loss(y_true, y_pred, sample_weight=None)`` weights and reduces them with
    ``reduction`` exactly as ``keras.losses.Loss`` does (including the division
    by the replica count under a ``tf.distribute`` strategy), except that an
    empty batch reduces to ``0.0`` instead of an empty tensor.
    """

    def __init__(self, *, reduction: str | None, name: str | None):
        check_one_of("reduction", reduction, REDUCTIONS)
        super().__init__(name=name, reduction=reduction, dtype="float32")

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> tf.Tensor:
        loss = super().__call__(y_true, y_pred, sample_weight=sample_weight)
        if self.reduction not in (None, "none") and loss.shape.rank:
            # Keras returns a statically empty batch unreduced; a sum of nothing is 0.
            loss = tf.reduce_sum(loss)
        return loss

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class FunctionLoss(LossBase):
    """A ``keras.losses.Loss`` whose per-example values come from one function.

    A subclass names its function (``per_example = staticmethod(fn)``) and keeps
    its own explicit, documented ``__init__``, which checks its arguments and
    passes the function's settings on as keywords. ``call`` then gives them to
    the function by keyword, and ``get_config`` returns them beside
    ``reduction`` and ``name``, so ``from_config`` is ``cls(**config)`` and a
    ``.keras`` file reloads the loss (safe mode included).

    Example:
        >>> class Scaled(FunctionLoss):
        ...     per_example = staticmethod(
        ...         lambda y_true, y_pred, *, scale: scale * tf.abs(y_true - y_pred)[:, 0])
        ...     def __init__(self, scale=2.0, reduction="sum_over_batch_size", name="scaled"):
        ...         super().__init__(reduction=reduction, name=name, scale=scale)
        >>> loss = Scaled(scale=3.0)
        >>> y_true, y_pred = tf.constant([[1.0], [0.0]]), tf.constant([[0.0], [0.0]])
        >>> print(f"{float(loss(y_true, y_pred)):.2f}", loss.get_config()["scale"])
        1.50 3.0
    """

    per_example: Callable[..., tf.Tensor]

    def __init__(self, *, reduction: str | None, name: str | None, **settings: Any):
        super().__init__(reduction=reduction, name=name)
        self._setting_names = tuple(settings)
        for key, value in settings.items():
            setattr(self, key, value)

    def settings(self) -> dict[str, Any]:
        """The function's keyword arguments, as the constructor received them."""
        return {key: getattr(self, key) for key in self._setting_names}

    def call(self, y_true: Any, y_pred: Any) -> tf.Tensor:
        return type(self).per_example(y_true, y_pred, **self.settings())

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self.settings()}
