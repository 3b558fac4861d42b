"""Regression losses: squared, absolute and Huber errors; the quantile (pinball) loss and its
cost/profit form, the asymmetric loss."""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from tftrain._validation import check_in_range, check_positive
from tftrain.losses._base import FunctionLoss, check_rank, check_same_shape, match_ranks, to_float32
from tftrain.losses._family import register


def _aligned(y_true: Any, y_pred: Any, loss: str) -> tuple[tf.Tensor, tf.Tensor, list[Any]]:
    y_true, y_pred = match_ranks(to_float32(y_true), to_float32(y_pred), loss)
    check_rank(y_pred, "y_pred", loss)
    return y_true, y_pred, check_same_shape(y_true, y_pred, loss)


@keras.saving.register_keras_serializable(package="tftrain")
def mean_squared_error(y_true: Any, y_pred: Any) -> tf.Tensor:
    r"""Mean squared error over the last axis, per example.

    .. math::

        \ell = \frac{1}{d} \sum_{j=1}^{d} (y_j - \hat y_j)^2

    with :math:`y` = ``y_true``, :math:`\hat y` = ``y_pred`` and :math:`d` the size
    of the last axis. Equals ``keras.losses.mean_squared_error`` (float32).

    Args:
        y_true: targets, shape ``(B, d)`` (or ``(B,)`` against ``(B, 1)``).
        y_pred: predictions of the same shape, any float dtype.

    Returns:
        float32 tensor of shape ``(B,)`` (the input shape without its last axis).

    Raises:
        ValueError: shapes that differ other than by a trailing axis of size 1
            (they would broadcast silently), or a scalar input.

    Example:
        >>> loss = mean_squared_error([[0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 0.0]])
        >>> print(", ".join(f"{v:.2f}" for v in loss.numpy()))
        0.50, 0.50
    """
    y_true, y_pred, checks = _aligned(y_true, y_pred, "mean_squared_error")
    with tf.control_dependencies(checks):
        return tf.reduce_mean(tf.math.squared_difference(y_pred, y_true), axis=-1)


@keras.saving.register_keras_serializable(package="tftrain")
def mean_absolute_error(y_true: Any, y_pred: Any) -> tf.Tensor:
    r"""Mean absolute error over the last axis, per example.

    .. math::

        \ell = \frac{1}{d} \sum_{j=1}^{d} |y_j - \hat y_j|

    with :math:`y` = ``y_true``, :math:`\hat y` = ``y_pred`` and :math:`d` the size
    of the last axis. Equals ``keras.losses.mean_absolute_error`` (float32).

    Args:
        y_true: targets, shape ``(B, d)`` (or ``(B,)`` against ``(B, 1)``).
        y_pred: predictions of the same shape, any float dtype.

    Returns:
        float32 tensor of shape ``(B,)`` (the input shape without its last axis).

    Raises:
        ValueError: shapes that differ other than by a trailing axis of size 1
            (they would broadcast silently), or a scalar input.

    Example:
        >>> loss = mean_absolute_error([[0.0, 1.0], [1.0, 1.0]], [[2.0, 1.0], [1.0, 0.0]])
        >>> print(", ".join(f"{v:.2f}" for v in loss.numpy()))
        1.00, 0.50
    """
    y_true, y_pred, checks = _aligned(y_true, y_pred, "mean_absolute_error")
    with tf.control_dependencies(checks):
        return tf.reduce_mean(tf.abs(y_pred - y_true), axis=-1)


def check_delta(delta: Any) -> float:
    """Returns ``delta`` as a float; Huber's threshold must be finite and ``> 0``."""
    return check_positive("delta", delta)


@keras.saving.register_keras_serializable(package="tftrain")
def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> tf.Tensor:
    r"""Huber loss averaged over the last axis, per example.

    .. math::

        \ell = \frac{1}{d} \sum_{j=1}^{d}
        \begin{cases} \tfrac12 e_j^2 & |e_j| \le \delta \\
                      \delta\,|e_j| - \tfrac12 \delta^2 & \text{otherwise} \end{cases},
        \qquad e = \hat y - y

    with :math:`\delta` = ``delta``: quadratic near the target, linear (slope
    :math:`\delta`) beyond it, so outliers pull less than in the squared error.
    Equals ``keras.losses.huber`` (float32).

    Args:
        y_true: targets, shape ``(B, d)`` (or ``(B,)`` against ``(B, 1)``).
        y_pred: predictions of the same shape, any float dtype.
        delta: :math:`\delta`, where the loss turns linear; finite, ``> 0``.

    Returns:
        float32 tensor of shape ``(B,)`` (the input shape without its last axis).

    Raises:
        ValueError: ``delta`` not ``> 0`` or not finite; shapes that would
            broadcast silently.
        TypeError: ``delta`` not a number.

    Example:
        >>> loss = huber([[0.0], [0.0]], [[0.5], [3.0]], delta=1.0)
        >>> print(", ".join(f"{v:.3f}" for v in loss.numpy()))
        0.125, 2.500
    """
    d = check_delta(delta)
    y_true, y_pred, checks = _aligned(y_true, y_pred, "huber")
    with tf.control_dependencies(checks):
        error = tf.abs(y_pred - y_true)
        quadratic = 0.5 * tf.square(error)
        return tf.reduce_mean(tf.where(error <= d, quadratic, d * error - 0.5 * d * d), axis=-1)


def check_tau(tau: Any) -> float:
    """Returns ``tau`` as a float; a quantile strictly inside ``(0, 1)`` is required."""
    return check_in_range("tau", tau, 0.0, 1.0, low_inclusive=False, high_inclusive=False)


@keras.saving.register_keras_serializable(package="tftrain")
def quantile_loss(y_true: Any, y_pred: Any, *, tau: float = 0.5) -> tf.Tensor:
    r"""Quantile (pinball) loss averaged over the last axis, per example.

    .. math::

        \ell = \frac{1}{d} \sum_{j=1}^{d}
        \max\bigl(\tau\,(y_j - \hat y_j),\; (\tau - 1)\,(y_j - \hat y_j)\bigr)

    with :math:`\tau` = ``tau``: under-prediction costs :math:`\tau` per unit,
    over-prediction :math:`1 - \tau`. A constant prediction minimising it is
    the :math:`\tau` quantile of the targets; :math:`\tau = 0.5` gives half the
    mean absolute error (the median). The asymmetric loss is its cost/profit
    form: ``asymmetric_loss(cost=c, profit=p)`` equals
    :math:`(c + p)` times ``quantile_loss(tau=p / (c + p))``.

    Args:
        y_true: targets, shape ``(B, d)`` (or ``(B,)`` against ``(B, 1)``).
        y_pred: predictions of the same shape, any float dtype.
        tau: :math:`\tau`, the quantile; finite, in ``(0, 1)`` (exclusive).

    Returns:
        float32 tensor of shape ``(B,)`` (the input shape without its last axis).

    Raises:
        ValueError: ``tau`` not in ``(0, 1)`` or not finite; shapes that would
            broadcast silently.
        TypeError: ``tau`` not a number.

    Example:
        >>> loss = quantile_loss([[10.0], [10.0]], [[12.0], [7.0]], tau=0.9)
        >>> print(", ".join(f"{v:.1f}" for v in loss.numpy()))
        0.2, 2.7
    """
    t = check_tau(tau)
    y_true, y_pred, checks = _aligned(y_true, y_pred, "quantile_loss")
    with tf.control_dependencies(checks):
        under = y_true - y_pred
        return tf.reduce_mean(tf.maximum(t * under, (t - 1.0) * under), axis=-1)


@keras.saving.register_keras_serializable(package="tftrain")
def asymmetric_loss(
    y_true: Any, y_pred: Any, *, cost: float = 1.0, profit: float = 1.0
) -> tf.Tensor:
    r"""Asymmetric (cost/profit, pinball) loss averaged over the last axis, per example.

    .. math::

        \ell = \frac{1}{d} \sum_{j=1}^{d}
        \begin{cases} c\,(\hat y_j - y_j) & \hat y_j > y_j \\
                      p\,(y_j - \hat y_j) & \text{otherwise} \end{cases}

    with :math:`c` = ``cost`` (per unit over-predicted, e.g. produced but not
    sold) and :math:`p` = ``profit`` (per unit under-predicted, e.g. a sale
    lost). It is the quantile loss scaled by :math:`c + p`:
    ``asymmetric_loss(y, q, cost=c, profit=p)`` equals
    ``(c + p) * quantile_loss(y, q, tau=p / (c + p))``, so a constant
    prediction minimising it is the :math:`p / (c + p)` quantile of the
    targets; with :math:`c = p` it is :math:`c` times the mean absolute error.

    Args:
        y_true: targets, shape ``(B, d)`` (or ``(B,)`` against ``(B, 1)``).
        y_pred: predictions of the same shape, any float dtype.
        cost: :math:`c`, the loss per unit of over-prediction; finite, ``> 0``.
        profit: :math:`p`, the loss per unit of under-prediction; finite, ``> 0``.

    Returns:
        float32 tensor of shape ``(B,)`` (the input shape without its last axis).

    Raises:
        ValueError: ``cost`` or ``profit`` not ``> 0`` or not finite; shapes
            that would broadcast silently.
        TypeError: ``cost`` or ``profit`` not a number.

    Example:
        >>> loss = asymmetric_loss([[10.0], [10.0]], [[12.0], [7.0]], cost=1.0, profit=9.0)
        >>> print(", ".join(f"{v:.1f}" for v in loss.numpy()))
        2.0, 27.0
    """
    c = check_positive("cost", cost)
    p = check_positive("profit", profit)
    y_true, y_pred, checks = _aligned(y_true, y_pred, "asymmetric_loss")
    with tf.control_dependencies(checks):
        error = y_pred - y_true
        return tf.reduce_mean(tf.where(error > 0, c * error, -p * error), axis=-1)


@register(
    "mse",
    aliases=("mean_squared_error",),
    kind="regression",
    example={},
)
class MeanSquaredError(FunctionLoss):
    r"""Mean squared error as a ``keras.losses.Loss``.

    .. math::

        L = \operatorname{reduce}_i \; \frac{1}{d} \sum_j (y_{ij} - \hat y_{ij})^2

    per example by :func:`mean_squared_error`, then weighted by
    ``sample_weight`` and reduced as ``keras.losses.MeanSquaredError`` does.

    Args:
        reduction: ``"sum_over_batch_size"`` (the weighted sum divided by the
            number of examples), ``"sum"``, ``"none"``/``None`` (per-example
            values), ``"mean"`` or ``"mean_with_sample_weight"``.
        name: the loss's display name.

    Returns:
        Called as ``loss(y_true, y_pred, sample_weight=None)``: a float32
        scalar, or per-example values with ``reduction="none"``.

    Raises:
        ValueError: an unknown ``reduction``; at call time, shapes that would
            broadcast silently.

    Example:
        >>> loss = MeanSquaredError()
        >>> print(f"{float(loss([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]])):.2f}")
        0.50
        >>> print(f"{float(loss([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]], [1, 0])):.2f}")
        0.25
    """

    per_example = staticmethod(mean_squared_error)

    def __init__(
        self, reduction: str | None = "sum_over_batch_size", name: str = "mean_squared_error"
    ):
        super().__init__(reduction=reduction, name=name)


@register(
    "asymmetric",
    kind="regression",
    example={"cost": 1.0, "profit": 9.0},
    arguments=lambda st: st.fixed_dictionaries(
        {"cost": st.floats(0.01, 10.0), "profit": st.floats(0.01, 10.0)}
    ),
)
class AsymmetricLoss(FunctionLoss):
    r"""The asymmetric cost/profit loss as a ``keras.losses.Loss``.

    .. math::

        \ell = \frac{1}{d} \sum_j \max\bigl(c\,(\hat y_j - y_j),\; p\,(y_j - \hat y_j)\bigr)

    per example by :func:`asymmetric_loss`, then weighted and reduced as a
    Keras loss. Trained with it, a model predicts the :math:`p / (c + p)`
    quantile: with ``cost=1, profit=9`` it over-predicts (the 0.9 quantile),
    since a lost sale costs nine times an unsold unit.

    Args:
        cost: :math:`c`, the loss per unit of over-prediction; finite, ``> 0``.
        profit: :math:`p`, the loss per unit of under-prediction; finite, ``> 0``.
        reduction: as for :class:`MeanSquaredError`.
        name: the loss's display name.

    Returns:
        Called as ``loss(y_true, y_pred, sample_weight=None)``: a float32
        scalar, or per-example values with ``reduction="none"``.

    Raises:
        ValueError: ``cost`` or ``profit`` not ``> 0`` or not finite, an unknown
            ``reduction``; at call time, shapes that would broadcast silently.
        TypeError: ``cost`` or ``profit`` not a number.

    Example:
        >>> loss = AsymmetricLoss(cost=1.0, profit=9.0)
        >>> print(f"{float(loss([[10.0], [10.0]], [[12.0], [7.0]])):.2f}")
        14.50
    """

    per_example = staticmethod(asymmetric_loss)

    def __init__(
        self,
        cost: float = 1.0,
        profit: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "asymmetric_loss",
    ):
        check_positive("cost", cost)
        check_positive("profit", profit)
        super().__init__(reduction=reduction, name=name, cost=cost, profit=profit)


@register(
    "mean_absolute_error",
    aliases=("mae",),
    kind="regression",
    example={},
)
class MeanAbsoluteError(FunctionLoss):
    r"""Mean absolute error as a ``keras.losses.Loss``.

    .. math::

        L = \operatorname{reduce}_i \; \frac{1}{d} \sum_j |y_{ij} - \hat y_{ij}|

    per example by :func:`mean_absolute_error`, then weighted by
    ``sample_weight`` and reduced as ``keras.losses.MeanAbsoluteError`` does.

    Args:
        reduction: as for :class:`MeanSquaredError`.
        name: the loss's display name.

    Returns:
        Called as ``loss(y_true, y_pred, sample_weight=None)``: a float32
        scalar, or per-example values with ``reduction="none"``.

    Raises:
        ValueError: an unknown ``reduction``; at call time, shapes that would
            broadcast silently.

    Example:
        >>> loss = MeanAbsoluteError()
        >>> print(f"{float(loss([[0.0, 1.0], [0.0, 0.0]], [[2.0, 1.0], [1.0, 0.0]])):.2f}")
        0.75
    """

    per_example = staticmethod(mean_absolute_error)

    def __init__(
        self, reduction: str | None = "sum_over_batch_size", name: str = "mean_absolute_error"
    ):
        super().__init__(reduction=reduction, name=name)


@register(
    "huber",
    kind="regression",
    example={"delta": 1.0},
    arguments=lambda st: st.fixed_dictionaries({"delta": st.floats(0.01, 10.0)}),
)
class Huber(FunctionLoss):
    r"""The Huber loss as a ``keras.losses.Loss``.

    .. math::

        \ell = \frac{1}{d} \sum_j
        \begin{cases} \tfrac12 e_j^2 & |e_j| \le \delta \\
                      \delta\,|e_j| - \tfrac12 \delta^2 & \text{otherwise} \end{cases}

    per example by :func:`huber`, then weighted and reduced as
    ``keras.losses.Huber`` does.

    Args:
        delta: :math:`\delta`, where the loss turns linear; finite, ``> 0``.
        reduction: as for :class:`MeanSquaredError`.
        name: the loss's display name.

    Returns:
        Called as ``loss(y_true, y_pred, sample_weight=None)``: a float32
        scalar, or per-example values with ``reduction="none"``.

    Raises:
        ValueError: ``delta`` not ``> 0`` or not finite, an unknown
            ``reduction``; at call time, shapes that would broadcast silently.
        TypeError: ``delta`` not a number.

    Example:
        >>> loss = Huber(delta=1.0)
        >>> print(f"{float(loss([[0.0], [0.0]], [[0.5], [3.0]])):.4f}")
        1.3125
    """

    per_example = staticmethod(huber)

    def __init__(
        self,
        delta: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "huber_loss",
    ):
        check_delta(delta)
        super().__init__(reduction=reduction, name=name, delta=delta)


@register(
    "quantile",
    aliases=("pinball",),
    kind="regression",
    example={"tau": 0.9},
    arguments=lambda st: st.fixed_dictionaries({"tau": st.floats(0.01, 0.99)}),
)
class QuantileLoss(FunctionLoss):
    r"""The quantile (pinball) loss as a ``keras.losses.Loss``.

    .. math::

        \ell = \frac{1}{d} \sum_j
        \max\bigl(\tau\,(y_j - \hat y_j),\; (\tau - 1)\,(y_j - \hat y_j)\bigr)

    per example by :func:`quantile_loss`, then weighted and reduced as a Keras
    loss. Trained with it, a model predicts the :math:`\tau` quantile of the
    targets given its inputs. :class:`AsymmetricLoss` is the same loss in
    cost/profit terms: ``AsymmetricLoss(cost=c, profit=p)`` is
    :math:`(c + p)` times ``QuantileLoss(tau=p / (c + p))``.

    Args:
        tau: :math:`\tau`, the quantile; finite, in ``(0, 1)`` (exclusive).
        reduction: as for :class:`MeanSquaredError`.
        name: the loss's display name.

    Returns:
        Called as ``loss(y_true, y_pred, sample_weight=None)``: a float32
        scalar, or per-example values with ``reduction="none"``.

    Raises:
        ValueError: ``tau`` not in ``(0, 1)`` or not finite, an unknown
            ``reduction``; at call time, shapes that would broadcast silently.
        TypeError: ``tau`` not a number.

    Example:
        >>> loss = QuantileLoss(tau=0.9)
        >>> print(f"{float(loss([[10.0], [10.0]], [[12.0], [7.0]])):.2f}")
        1.45
    """

    per_example = staticmethod(quantile_loss)

    def __init__(
        self,
        tau: float = 0.5,
        reduction: str | None = "sum_over_batch_size",
        name: str = "quantile_loss",
    ):
        check_tau(tau)
        super().__init__(reduction=reduction, name=name, tau=tau)
