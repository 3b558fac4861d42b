"""Focal cross-entropies (binary and categorical): cross-entropy that down-weights easy examples.

From logits both are computed in log space (``log_sigmoid``, ``log_softmax``
and a log-sum-exp for :math:`\\log(1 - p)`), so logits up to ``±1e4`` give
finite losses and gradients for every ``gamma >= 0``; from probabilities they
clip to ``[1e-7, 1 - 1e-7]`` exactly as Keras does.

Reference: Lin et al., "Focal Loss for Dense Object Detection" (2017).
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from tftrain._validation import check_bool, check_in_range, check_non_negative
from tftrain.losses._base import (
    EPSILON,
)
from tftrain.losses._crossentropy import _Crossentropy, binary_inputs, categorical_inputs
from tftrain.losses._family import register


def check_alpha(value: Any) -> float:
    """Returns ``value`` as a float in ``[0, 1]`` (a class weight)."""
    return check_in_range("alpha", value, 0.0, 1.0)


def check_gamma(value: Any) -> float:
    """Returns ``value`` as a float ``>= 0`` (the focusing exponent)."""
    return check_non_negative("gamma", value)


@keras.saving.register_keras_serializable(package="tftrain")
def binary_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> tf.Tensor:
    r"""Binary focal cross-entropy averaged over ``axis``, per example.

    .. math::

        \ell = \frac{1}{d} \sum_{j=1}^{d} w_j\,(1 - p_{t,j})^{\gamma}\,
               \mathrm{BCE}(\tilde y_j, z_j),
        \qquad 1 - p_t = \tilde y\,\sigma(-z) + (1 - \tilde y)\,\sigma(z)

    with :math:`z` the logits (from probabilities :math:`q` read
    :math:`\sigma(z)` as :math:`q` clipped to :math:`[10^{-7}, 1 - 10^{-7}]`),
    :math:`\tilde y = (1 - s)\,y + s/2` the smoothed labels, :math:`\gamma` =
    ``gamma`` and :math:`w = \tilde y\,\alpha + (1 - \tilde y)(1 - \alpha)` with
    ``apply_class_balancing`` (else 1). :math:`\gamma = 0` without balancing is
    :func:`binary_crossentropy`. Equals ``keras.losses.binary_focal_crossentropy``
    in float32 where Keras's own clipping does not act (Keras takes the sigmoid
    of logits and clips it, so beyond :math:`|z| \approx 16` its loss saturates
    while this one stays exact).

    Args:
        y_true: labels in ``[0, 1]``, the shape of ``y_pred`` (or ``(B,)``
            against ``(B, 1)``).
        y_pred: logits or probabilities, any float dtype; rank >= 1.
        apply_class_balancing: weight positives by ``alpha`` and negatives by
            ``1 - alpha``.
        alpha: :math:`\alpha`, in ``[0, 1]``; used only with ``apply_class_balancing``.
        gamma: :math:`\gamma`, the focusing exponent; finite, ``>= 0``.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: :math:`s`, in ``[0, 1]``.
        axis: the axis averaged over.

    Returns:
        float32 tensor: ``y_pred``'s shape without ``axis``.

    Raises:
        ValueError: shapes that would broadcast silently, ``alpha`` or
            ``label_smoothing`` outside ``[0, 1]``, ``gamma`` < 0, ``axis``
            out of range.
        TypeError: ``from_logits`` or ``apply_class_balancing`` not a bool,
            ``axis`` not an int.

    Example:
        >>> loss = binary_focal_crossentropy([[1.0, 0.0]], [[2.0, -1.0]], from_logits=True)
        >>> print(f"{float(loss[0]):.4f}")
        0.0122
    """
    check_bool("apply_class_balancing", apply_class_balancing)
    a = check_alpha(alpha)
    g = check_gamma(gamma)
    y_true, y_pred, axis = binary_inputs(
        y_true,
        y_pred,
        "binary_focal_crossentropy",
        from_logits=from_logits,
        label_smoothing=label_smoothing,
        axis=axis,
    )
    if from_logits:
        bce = tf.nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=y_pred)
        # log(1 - p_t) as a log-sum-exp of log-sigmoids: sigma(+-z) underflows to 0
        # at large logits, and a power of that 0 has an infinite (gamma < 1) or
        # NaN (gamma = 0) gradient. A label of 0 or 1 makes one term log(0) = -inf,
        # which the log-sum-exp drops with a zero gradient.
        terms = tf.stack(
            [
                tf.math.log(y_true) + tf.math.log_sigmoid(-y_pred),
                tf.math.log1p(-y_true) + tf.math.log_sigmoid(y_pred),
            ]
        )
        factor = tf.exp(g * tf.reduce_logsumexp(terms, axis=0))
    else:
        q = tf.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)
        bce = -(y_true * tf.math.log(q) + (1.0 - y_true) * tf.math.log(1.0 - q))
        # Keras forms p_t from the unclipped q; the clipped one differs by at most
        # 1e-7 and keeps the power's gradient finite at probabilities 0 and 1.
        factor = tf.pow(y_true * (1.0 - q) + (1.0 - y_true) * q, g)
    focal = factor * bce
    if apply_class_balancing:
        focal = (y_true * a + (1.0 - y_true) * (1.0 - a)) * focal
    return tf.reduce_mean(focal, axis)


def _log_one_minus_softmax(logits: tf.Tensor, log_p: tf.Tensor, axis: int) -> tf.Tensor:
    r""":math:`\log(1 - p_k)` for :math:`p = \operatorname{softmax}(z)`, exact at any logits.

    Only the largest class's :math:`p_k` can round to 1; its :math:`1 - p_k` is
    formed from the other classes' logits,
    :math:`\log \sum_{j \ne k} e^{z_j} - \log \sum_j e^{z_j}`. Every other class has
    :math:`p_k \le 1/2`, where ``log1p(-p_k)`` is exact.
    """
    num_classes = tf.shape(logits)[axis]
    top = tf.one_hot(tf.argmax(logits, axis), num_classes, True, False, axis=axis)
    others = tf.where(top, tf.constant(-float("inf"), logits.dtype), logits)
    log_rest = tf.reduce_logsumexp(others, axis, keepdims=True) - tf.reduce_logsumexp(
        logits, axis, keepdims=True
    )
    # The largest class's p_k (maybe 1) is kept out of log1p, whose infinite gradient
    # at -1 would turn into NaN through the where.
    small = tf.where(top, tf.zeros([], log_p.dtype), tf.exp(log_p))
    return tf.where(top, log_rest, tf.math.log1p(-small))


@keras.saving.register_keras_serializable(package="tftrain")
def categorical_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> tf.Tensor:
    r"""Categorical focal cross-entropy against one-hot or probability labels, per example.

    .. math::

        \ell = -\alpha \sum_{k=1}^{K} (1 - p_k)^{\gamma}\, \tilde y_k \log p_k,
        \qquad \tilde y = (1 - s)\, y + s / K

    with :math:`p = \operatorname{softmax}(z)` of the logits (from
    probabilities: renormalised and clipped to :math:`[10^{-7}, 1 - 10^{-7}]`),
    :math:`\alpha` = ``alpha`` (one weight for all classes, as in Keras),
    :math:`\gamma` = ``gamma`` and :math:`s` = ``label_smoothing``.
    :math:`\gamma = 0, \alpha = 1` is :func:`categorical_crossentropy`. Equals
    ``keras.losses.categorical_focal_crossentropy`` in float32 where Keras's
    clipping of the softmax does not act (probabilities in
    :math:`[10^{-7}, 1 - 10^{-7}]`); beyond that this one stays exact.

    Args:
        y_true: one-hot or probability labels, the shape of ``y_pred``.
        y_pred: logits or probabilities, any float dtype; rank >= 1, at least
            two classes along ``axis``.
        alpha: :math:`\alpha`, in ``[0, 1]``.
        gamma: :math:`\gamma`, the focusing exponent; finite, ``>= 0``.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: :math:`s`, in ``[0, 1]``.
        axis: the class axis.

    Returns:
        float32 tensor: ``y_pred``'s shape without ``axis``.

    Raises:
        ValueError: different shapes, a single class along ``axis`` (a
            one-class softmax is constant: use :func:`binary_crossentropy`),
            ``alpha`` or ``label_smoothing`` outside ``[0, 1]``, ``gamma`` < 0,
            ``axis`` out of range.
        TypeError: ``from_logits`` not a bool, ``axis`` not an int.

    Example:
        >>> loss = categorical_focal_crossentropy([[0.0, 1.0, 0.0]], [[1.0, 3.0, -2.0]],
        ...                                       from_logits=True)
        >>> print(f"{float(loss[0]):.6f}")
        0.000514
    """
    a = check_alpha(alpha)
    g = check_gamma(gamma)
    y_true, y_pred, axis = categorical_inputs(
        y_true,
        y_pred,
        "categorical_focal_crossentropy",
        from_logits=from_logits,
        label_smoothing=label_smoothing,
        axis=axis,
    )
    if from_logits:
        log_p = tf.nn.log_softmax(y_pred, axis=axis)
        factor = tf.exp(g * _log_one_minus_softmax(y_pred, log_p, axis))
    else:
        p = y_pred / tf.reduce_sum(y_pred, axis, keepdims=True)
        p = tf.clip_by_value(p, EPSILON, 1.0 - EPSILON)
        log_p = tf.math.log(p)
        factor = tf.pow(1.0 - p, g)
    return -a * tf.reduce_sum(factor * y_true * log_p, axis)


def _focal_arguments(st: Any, **more: Any) -> Any:
    """Valid arguments of a focal loss (``st`` is ``hypothesis.strategies``).

    No label smoothing: the focusing factor rewards a prediction more confident
    than a smoothed target, so the focal loss is not smallest there and
    ``check_loss``'s "minimal at the target" law does not hold for it (smoothing
    is tested against Keras in tests/losses/test_focal.py instead).
    """
    return st.fixed_dictionaries(
        {
            "alpha": st.sampled_from([0.25, 0.5, 0.9]),
            "gamma": st.sampled_from([0.0, 0.5, 2.0, 5.0]),
            "from_logits": st.booleans(),
            **more,
        }
    )


class _Focal(_Crossentropy):
    """The focal losses' shared checks: ``alpha`` and ``gamma`` beside the cross-entropy's."""

    def __init__(self, *, reduction: str | None, name: str, **settings: Any):
        check_alpha(settings["alpha"])
        check_gamma(settings["gamma"])
        super().__init__(reduction=reduction, name=name, **settings)


@register(
    "binary_focal_crossentropy",
    kind="binary",
    example={"apply_class_balancing": True, "alpha": 0.25, "gamma": 2.0, "from_logits": True},
    arguments=lambda st: _focal_arguments(st, apply_class_balancing=st.booleans()),
)
class BinaryFocalCrossentropy(_Focal):
    r"""Binary focal cross-entropy as a ``keras.losses.Loss``.

    Per example by :func:`binary_focal_crossentropy` (the mean over ``axis``),
    then weighted and reduced as ``keras.losses.BinaryFocalCrossentropy`` does.
    For imbalanced 0/1 targets: well-classified examples weigh
    :math:`(1 - p_t)^{\gamma}` as much as in the cross-entropy.

    Args:
        apply_class_balancing: weight positives by ``alpha``, negatives by ``1 - alpha``.
        alpha: in ``[0, 1]``; used only with ``apply_class_balancing``.
        gamma: the focusing exponent; finite, ``>= 0`` (0 is the cross-entropy).
        from_logits: whether predictions are logits (computed stably).
        label_smoothing: in ``[0, 1]``; labels become ``(1 - s) y + s / 2``.
        axis: the axis averaged over.
        reduction: as for :class:`CategoricalCrossentropy`.
        name: the loss's display name.

    Returns:
        Called as ``loss(y_true, y_pred, sample_weight=None)``: a float32
        scalar, or per-example values with ``reduction="none"``.

    Raises:
        ValueError: ``alpha`` or ``label_smoothing`` outside ``[0, 1]``,
            ``gamma`` < 0, unknown ``reduction``; at call time, shapes that
            would broadcast.
        TypeError: ``from_logits`` or ``apply_class_balancing`` not a bool,
            ``axis`` not an int.

    Example:
        >>> loss = BinaryFocalCrossentropy(gamma=2.0, from_logits=True, reduction="none")
        >>> print(", ".join(f"{v:.4f}" for v in loss([1.0, 0.0], [[2.0], [-1.0]]).numpy()))
        0.0018, 0.0227
    """

    per_example = staticmethod(binary_focal_crossentropy)

    def __init__(
        self,
        apply_class_balancing: bool = False,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "binary_focal_crossentropy",
    ):
        check_bool("apply_class_balancing", apply_class_balancing)
        super().__init__(
            reduction=reduction,
            name=name,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


@register(
    "categorical_focal_crossentropy",
    kind="categorical",
    example={"alpha": 0.25, "gamma": 2.0, "from_logits": True},
    arguments=_focal_arguments,
)
class CategoricalFocalCrossentropy(_Focal):
    r"""Categorical focal cross-entropy (one-hot or probability labels) as a ``keras.losses.Loss``.

    Per example by :func:`categorical_focal_crossentropy`, then weighted and
    reduced as ``keras.losses.CategoricalFocalCrossentropy`` does. For
    imbalanced classes: a class predicted with probability :math:`p` weighs
    :math:`\alpha (1 - p)^{\gamma}` as much as in the cross-entropy.

    Args:
        alpha: in ``[0, 1]``; one weight for all classes, as in Keras.
        gamma: the focusing exponent; finite, ``>= 0`` (0 is the cross-entropy
            times ``alpha``).
        from_logits: whether predictions are logits (computed stably).
        label_smoothing: in ``[0, 1]``; labels become ``(1 - s) y + s / K``.
        axis: the class axis.
        reduction: as for :class:`CategoricalCrossentropy`.
        name: the loss's display name.

    Returns:
        Called as ``loss(y_true, y_pred, sample_weight=None)``: a float32
        scalar, or per-example values with ``reduction="none"``.

    Raises:
        ValueError: ``alpha`` or ``label_smoothing`` outside ``[0, 1]``,
            ``gamma`` < 0, unknown ``reduction``; at call time, shapes that
            differ or a single class.
        TypeError: ``from_logits`` not a bool, ``axis`` not an int.

    Example:
        >>> loss = CategoricalFocalCrossentropy(alpha=1.0, gamma=0.0, from_logits=True)
        >>> print(f"{float(loss([[0.0, 1.0], [1.0, 0.0]], [[0.0, 1e4], [0.0, 1e4]])):.1f}")
        5000.0
    """

    per_example = staticmethod(categorical_focal_crossentropy)

    def __init__(
        self,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_focal_crossentropy",
    ):
        super().__init__(
            reduction=reduction,
            name=name,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
