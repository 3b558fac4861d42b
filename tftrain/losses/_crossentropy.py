"""The cross-entropy family: categorical, sparse categorical and binary.

From logits each one uses TensorFlow's fused, max-shifted kernels in float32
(inputs of any float dtype are cast up first), so logits up to ``±1e4`` give
finite, correct losses. From probabilities they clip to
``[1e-7, 1 - 1e-7]`` before the log, exactly as Keras does.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import keras
import tensorflow as tf

from tftrain._compat import set_loss_mask
from tftrain._validation import check_bool
from tftrain.losses._base import (
    EPSILON,
    FunctionLoss,
    canonical_axis,
    check_axis,
    check_label_smoothing,
    check_rank,
    check_same_shape,
    match_ranks,
    to_float32,
)
from tftrain.losses._family import register

_ONE_HOT_HINT = " For integer class labels use sparse_categorical_crossentropy."


def check_several_classes(y_pred: tf.Tensor, axis: int, loss: str) -> None:
    """Refuses predictions with one class along ``axis`` (known statically).

    A softmax over one class is 1 whatever the logit, so the loss would be the
    same for every prediction and its gradient zero: nothing could be learned.
    """
    if y_pred.shape[axis] == 1:
        raise ValueError(
            f"{loss}: `y_pred` has a single class (size 1 along axis {axis}). A softmax over "
            "one class is always 1, so this loss is the same for every prediction and the "
            "model cannot learn. For a yes/no target with one output per example use "
            f"binary_crossentropy. Received: y_pred.shape={y_pred.shape}"
        )


class PreparedLabels(NamedTuple):
    """A cross-entropy's checked inputs: float32, one shape, smoothed labels."""

    y_true: tf.Tensor  # smoothed; it depends on the shape checks, so they run first
    y_pred: tf.Tensor
    axis: int  # counted from 0


def categorical_inputs(
    y_true: Any, y_pred: Any, name: str, *, from_logits: bool, label_smoothing: float, axis: int
) -> PreparedLabels:
    """Checks a categorical cross-entropy's arguments and inputs; smooths labels to ``1 / K``."""
    check_bool("from_logits", from_logits)
    smoothing = check_label_smoothing(label_smoothing)
    check_axis(axis)
    y_pred = to_float32(y_pred)
    check_rank(y_pred, "y_pred", name)
    y_true, y_pred = match_ranks(to_float32(y_true), y_pred, name)
    checks = check_same_shape(y_true, y_pred, name, hint=_ONE_HOT_HINT)
    axis = canonical_axis(axis, y_pred.shape.rank, name)
    check_several_classes(y_pred, axis, name)
    with tf.control_dependencies(checks):
        y_true = tf.identity(y_true)
    if smoothing:
        num_classes = tf.cast(tf.shape(y_true)[axis], tf.float32)
        y_true = y_true * (1.0 - smoothing) + smoothing / num_classes
    return PreparedLabels(y_true, y_pred, axis)


def binary_inputs(
    y_true: Any, y_pred: Any, name: str, *, from_logits: bool, label_smoothing: float, axis: int
) -> PreparedLabels:
    """Checks a binary cross-entropy's arguments and inputs; smooths labels to ``1 / 2``."""
    check_bool("from_logits", from_logits)
    smoothing = check_label_smoothing(label_smoothing)
    check_axis(axis)
    y_true, y_pred = match_ranks(to_float32(y_true), to_float32(y_pred), name)
    check_rank(y_pred, "y_pred", name)
    checks = check_same_shape(y_true, y_pred, name)
    axis = canonical_axis(axis, y_pred.shape.rank, name)
    with tf.control_dependencies(checks):
        y_true = tf.identity(y_true)
    if smoothing:
        y_true = y_true * (1.0 - smoothing) + 0.5 * smoothing
    return PreparedLabels(y_true, y_pred, axis)


def check_ignore_class(value: Any) -> int | None:
    """Returns ``value``: ``None`` or an int (not a bool)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError(
            f"Argument `ignore_class` must be None or an int. Received: ignore_class={value!r}"
        )
    return value


@keras.saving.register_keras_serializable(package="tftrain")
def categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> tf.Tensor:
    r"""Categorical cross-entropy against one-hot or probability labels, per example.

    .. math::

        \ell = -\sum_{k=1}^{K} \tilde y_k \log \operatorname{softmax}(z)_k,
        \qquad \tilde y = (1 - s)\, y + s / K

    with :math:`z` the logits (``from_logits=True``; otherwise
    :math:`\log` of the probabilities renormalised and clipped to
    :math:`[10^{-7}, 1 - 10^{-7}]`), :math:`K` classes along ``axis`` and
    :math:`s` = ``label_smoothing``. Equals ``keras.losses.categorical_crossentropy``
    computed in float32.

    Args:
        y_true: one-hot or probability labels, the shape of ``y_pred``.
        y_pred: logits or probabilities, any float dtype; rank >= 1.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: :math:`s`, in ``[0, 1]``.
        axis: the class axis.

    Returns:
        float32 tensor: ``y_pred``'s shape without ``axis``.

    Raises:
        ValueError: different shapes (e.g. integer labels of shape ``(B,)``),
            a single class along ``axis`` (a one-class softmax is constant: use
            :func:`binary_crossentropy`), ``label_smoothing`` outside ``[0, 1]``,
            ``axis`` out of range.
        TypeError: ``from_logits`` not a bool, ``axis`` not an int.

    Example:
        >>> loss = categorical_crossentropy([[0.0, 1.0, 0.0]], [[1.0, 3.0, -2.0]],
        ...                                 from_logits=True)
        >>> print(f"{float(loss[0]):.4f}")
        0.1328
    """
    y_true, y_pred, axis = categorical_inputs(
        y_true,
        y_pred,
        "categorical_crossentropy",
        from_logits=from_logits,
        label_smoothing=label_smoothing,
        axis=axis,
    )
    if from_logits:
        return tf.nn.softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred, axis=axis)
    y_pred = y_pred / tf.reduce_sum(y_pred, axis, keepdims=True)
    y_pred = tf.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)
    return -tf.reduce_sum(y_true * tf.math.log(y_pred), axis)


def _label_check(labels: tf.Tensor, num_classes: Any) -> tf.Tensor:
    """Where ``labels`` are whole numbers in ``[0, num_classes)``."""
    if labels.dtype.is_floating:
        bound = tf.cast(num_classes, labels.dtype)
        return (labels >= 0) & (labels < bound) & tf.equal(labels, tf.floor(labels))
    wide = tf.cast(labels, tf.int64)  # a narrow dtype (uint8) cannot hold num_classes
    return (wide >= 0) & (wide < tf.cast(num_classes, tf.int64))


def _is_class(labels: tf.Tensor, class_id: int) -> tf.Tensor:
    """Where ``labels`` equal ``class_id`` (compared wide: uint8 255 is not -1)."""
    if labels.dtype.is_floating:
        return tf.equal(tf.cast(labels, tf.float64), float(class_id))
    return tf.equal(tf.cast(labels, tf.int64), class_id)


@keras.saving.register_keras_serializable(package="tftrain")
def sparse_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    axis: int = -1,
    *,
    ignore_class: int | None = None,
    validate: bool = True,
) -> tf.Tensor:
    r"""Categorical cross-entropy against integer class labels, per example.

    .. math::

        \ell = -\log \operatorname{softmax}(z)_{y}

    with :math:`y` = ``y_true`` the class index and :math:`z` the logits along
    ``axis`` (``from_logits=True``; otherwise :math:`\log` of the probabilities
    clipped to :math:`[10^{-7}, 1 - 10^{-7}]`). Equals
    ``keras.losses.sparse_categorical_crossentropy`` computed in float32, and
    :func:`categorical_crossentropy` of the one-hot labels.

    Labels outside ``[0, num_classes)`` (or not whole numbers) are never
    silently used. With ``validate=True``:

    * eagerly and in ``tf.function``: ``tf.errors.InvalidArgumentError`` whose
      message says ``labels in `y_true` must be integers in [0, num_classes)``
      (eagerly with the smallest and largest label, in a graph with the labels);
    * under XLA (``jit_compile=True``), which cannot raise from a value, the
      loss of every example with a bad label is NaN, and so is its gradient,
      so the reduced loss is NaN however the examples are weighted. A training
      loop's non-finite-loss check then stops (tftrain's ``fit`` does, with
      ``on_nonfinite="stop"``).

    ``validate=False`` drops the check and leaves bad labels to TensorFlow's
    kernel (an error on the CPU without XLA; NaN under XLA and on GPUs).

    With ``ignore_class`` (say ``-1`` for padding, ``255`` for a segmentation
    map's void), an example labelled with it is left out, as in Keras 3: its
    loss is 0 and so is its gradient (its predictions are not even read, so a
    NaN there stays out), it passes the label check whatever the range, and
    the returned losses carry Keras's mask, so a ``keras.losses.Loss`` (and
    tftrain's ``fit``) averages over the other examples only. Called as a plain
    function, the mean of the returned losses still counts the ignored ones.

    Args:
        y_true: class indices (integer or whole-number float), ``y_pred``'s shape
            without ``axis`` (a trailing axis of size 1 is squeezed).
        y_pred: logits or probabilities, any float dtype; rank >= 1.
        from_logits: whether ``y_pred`` holds logits.
        axis: the class axis of ``y_pred``.
        ignore_class: ``None``, or the label of examples to leave out (see above).
        validate: check the labels (see above).

    Returns:
        float32 tensor: ``y_pred``'s shape without ``axis``; 0 where the label
        is ``ignore_class``.

    Raises:
        ValueError: shapes that do not match, a single class along ``axis``
            (a one-class softmax is constant: use :func:`binary_crossentropy`),
            ``axis`` out of range.
        TypeError: ``from_logits``/``validate`` not a bool, ``axis`` not an
            int, ``ignore_class`` not ``None`` or an int.
        tf.errors.InvalidArgumentError: at run time, a bad label (see above).

    Example:
        >>> loss = sparse_categorical_crossentropy([1], [[1.0, 3.0, -2.0]], from_logits=True)
        >>> print(f"{float(loss[0]):.4f}")
        0.1328
        >>> try:
        ...     sparse_categorical_crossentropy([3], [[1.0, 3.0, -2.0]], from_logits=True)
        ... except tf.errors.InvalidArgumentError as error:
        ...     print(str(error).split(": ", 1)[1])
        labels in `y_true` must be integers in [0, num_classes) = [0, 3).
        Received labels from 3 to 3.
        >>> loss = sparse_categorical_crossentropy([1, -1], [[1.0, 3.0, -2.0], [0.0, 9.0, 0.0]],
        ...                                        from_logits=True, ignore_class=-1)
        >>> print(", ".join(f"{v:.4f}" for v in loss.numpy()))
        0.1328, 0.0000
    """
    name = "sparse_categorical_crossentropy"
    check_bool("from_logits", from_logits)
    check_bool("validate", validate)
    check_ignore_class(ignore_class)
    check_axis(axis)
    y_pred = to_float32(y_pred)
    check_rank(y_pred, "y_pred", name)
    rank = y_pred.shape.rank
    axis = canonical_axis(axis, rank, name)
    y_true = tf.convert_to_tensor(y_true)
    if y_true.shape.rank == rank and y_true.shape[axis] == 1:
        y_true = tf.squeeze(y_true, axis)
    check_several_classes(y_pred, axis, name)
    if axis != rank - 1:
        y_pred = tf.transpose(y_pred, [*range(axis), *range(axis + 1, rank), axis])
    checks = check_same_shape(
        y_true,
        y_pred[..., 0],
        name,
        hint=" `y_true` holds one class index per example: `y_pred`'s shape without its class "
        "axis.",
    )
    kept = None
    if ignore_class is not None:
        kept = tf.logical_not(_is_class(y_true, ignore_class))
        # Ignored examples' predictions are replaced, so not even a NaN there reaches
        # the loss or, through the where, the gradient.
        y_pred = tf.where(kept[..., None], y_pred, tf.zeros([], y_pred.dtype))
        y_true = tf.where(kept, y_true, tf.zeros([], y_true.dtype))
    if not from_logits:
        y_pred = tf.math.log(tf.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON))
    if not validate:
        with tf.control_dependencies(checks):
            labels = tf.cast(y_true, tf.int64)
            loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=y_pred)
            return _masked(loss, kept)
    known = y_pred.shape[-1]
    num_classes = known if known is not None else tf.shape(y_pred, out_type=tf.int64)[-1]
    message = (
        f"{name}: labels in `y_true` must be integers in [0, num_classes) = "
        f"[0, {known if known is not None else 'num_classes'})"
        + ("." if ignore_class is None else f" or the ignored class {ignore_class}.")
    )
    valid = _label_check(y_true, num_classes)
    all_valid = tf.reduce_all(valid)
    if tf.executing_eagerly():
        if not bool(all_valid):
            raise tf.errors.InvalidArgumentError(
                None,
                None,
                f"{message} Received labels from {tf.reduce_min(y_true).numpy()} to "
                f"{tf.reduce_max(y_true).numpy()}.",
            )
        assertions = []
    else:
        # One assert for the whole check; its data are only formatted when it fails.
        assertions = [tf.debugging.Assert(all_valid, [message, "Labels:", y_true], summarize=20)]
    with tf.control_dependencies([*checks, *assertions]):
        labels = tf.cast(tf.where(valid, y_true, tf.zeros([], y_true.dtype)), tf.int64)
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=y_pred)
        # Where an assert cannot raise (XLA drops it), a bad label poisons its
        # example's loss and, through the product, its gradient.
        return _masked(loss * tf.where(valid, 1.0, float("nan")), kept)


def _masked(loss: tf.Tensor, kept: tf.Tensor | None) -> tf.Tensor:
    """``loss`` with 0 where not ``kept``, marked so that Keras's mean leaves those out."""
    if kept is None:
        return loss
    loss = tf.where(kept, loss, tf.zeros([], loss.dtype))
    set_loss_mask(loss, kept)
    return loss


@keras.saving.register_keras_serializable(package="tftrain")
def binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> tf.Tensor:
    r"""Binary cross-entropy averaged over ``axis``, per example.

    .. math::

        \ell = \frac{1}{d} \sum_{j=1}^{d} \bigl[\max(z_j, 0) - z_j \tilde y_j
               + \log(1 + e^{-|z_j|})\bigr],
        \qquad \tilde y = (1 - s)\, y + s / 2

    with :math:`z` the logits (``from_logits=True``; from probabilities
    :math:`q`, clipped to :math:`[10^{-7}, 1 - 10^{-7}]`, the terms are
    :math:`-\tilde y \log q - (1 - \tilde y) \log(1 - q)`), :math:`d` the size
    of ``axis`` and :math:`s` = ``label_smoothing``. Equals
    ``keras.losses.binary_crossentropy`` computed in float32.

    Args:
        y_true: labels in ``[0, 1]``, the shape of ``y_pred`` (or ``(B,)``
            against ``(B, 1)``).
        y_pred: logits or probabilities, any float dtype; rank >= 1.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: :math:`s`, in ``[0, 1]``.
        axis: the axis averaged over.

    Returns:
        float32 tensor: ``y_pred``'s shape without ``axis``.

    Raises:
        ValueError: shapes that would broadcast silently, ``label_smoothing``
            outside ``[0, 1]``, ``axis`` out of range.
        TypeError: ``from_logits`` not a bool, ``axis`` not an int.

    Example:
        >>> loss = binary_crossentropy([[1.0, 0.0]], [[2.0, -1.0]], from_logits=True)
        >>> print(f"{float(loss[0]):.4f}")
        0.2201
    """
    y_true, y_pred, axis = binary_inputs(
        y_true,
        y_pred,
        "binary_crossentropy",
        from_logits=from_logits,
        label_smoothing=label_smoothing,
        axis=axis,
    )
    if from_logits:
        terms = tf.nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=y_pred)
    else:
        q = tf.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)
        terms = -(y_true * tf.math.log(q) + (1.0 - y_true) * tf.math.log(1.0 - q))
    return tf.reduce_mean(terms, axis)


class _Crossentropy(FunctionLoss):
    """The cross-entropies' shared checks: ``from_logits``, ``axis``, ``label_smoothing``."""

    def __init__(self, *, reduction: str | None, name: str, **settings: Any):
        check_bool("from_logits", settings["from_logits"])
        check_axis(settings["axis"])
        if "label_smoothing" in settings:
            check_label_smoothing(settings["label_smoothing"])
        super().__init__(reduction=reduction, name=name, **settings)


def _smoothed_arguments(st: Any) -> Any:
    """Valid arguments of a smoothed cross-entropy (``st`` is ``hypothesis.strategies``)."""
    return st.fixed_dictionaries(
        {"from_logits": st.booleans(), "label_smoothing": st.sampled_from([0.0, 0.1, 0.3])}
    )


@register(
    "categorical_crossentropy",
    kind="categorical",
    example={"from_logits": True, "label_smoothing": 0.1},
    arguments=_smoothed_arguments,
)
class CategoricalCrossentropy(_Crossentropy):
    r"""Categorical cross-entropy (one-hot or probability labels) as a ``keras.losses.Loss``.

    Per example by :func:`categorical_crossentropy`, then weighted and reduced
    as ``keras.losses.CategoricalCrossentropy`` does.

    Args:
        from_logits: whether predictions are logits (computed stably).
        label_smoothing: in ``[0, 1]``; labels become ``(1 - s) y + s / K``.
        axis: the class axis.
        reduction: ``"sum_over_batch_size"``, ``"sum"``, ``"none"``/``None``,
            ``"mean"`` or ``"mean_with_sample_weight"``.
        name: the loss's display name.

    Returns:
        Called as ``loss(y_true, y_pred, sample_weight=None)``: a float32
        scalar, or per-example values with ``reduction="none"``.

    Raises:
        ValueError: ``label_smoothing`` outside ``[0, 1]``, unknown
            ``reduction``; at call time, shapes that differ.
        TypeError: ``from_logits`` not a bool, ``axis`` not an int.

    Example:
        >>> loss = CategoricalCrossentropy(from_logits=True)
        >>> print(f"{float(loss([[0.0, 1.0], [1.0, 0.0]], [[0.0, 1e4], [0.0, 1e4]])):.1f}")
        5000.0
    """

    per_example = staticmethod(categorical_crossentropy)

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_crossentropy",
    ):
        super().__init__(
            reduction=reduction,
            name=name,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


@register(
    "sparse_categorical_crossentropy",
    kind="sparse_categorical",
    example={"from_logits": True},
    arguments=lambda st: st.fixed_dictionaries(
        {"from_logits": st.booleans(), "ignore_class": st.sampled_from([None, -1, 255])}
    ),
)
class SparseCategoricalCrossentropy(_Crossentropy):
    r"""Categorical cross-entropy with integer labels as a ``keras.losses.Loss``.

    Per example by :func:`sparse_categorical_crossentropy` (see there for the
    out-of-range label policy: an error, or NaN under XLA), then weighted and
    reduced as ``keras.losses.SparseCategoricalCrossentropy`` does: with
    ``ignore_class``, the ignored examples are left out of the mean
    (``"sum_over_batch_size"`` divides by the number of the others).

    Args:
        from_logits: whether predictions are logits (computed stably).
        ignore_class: ``None``, or the label of examples to leave out (``-1``
            for padding, ``255`` for a segmentation map's void): loss and
            gradient 0, not counted in the mean.
        reduction: as for :class:`CategoricalCrossentropy`.
        axis: the class axis of ``y_pred``.
        name: the loss's display name.
        validate: check that labels are in ``[0, num_classes)`` (or ``ignore_class``).

    Returns:
        Called as ``loss(y_true, y_pred, sample_weight=None)``: a float32
        scalar, or per-example values with ``reduction="none"``.

    Raises:
        ValueError: unknown ``reduction``; at call time, shapes that differ or
            predictions with a single class.
        TypeError: ``from_logits``/``validate`` not a bool, ``axis`` not an
            int, ``ignore_class`` not ``None`` or an int.
        tf.errors.InvalidArgumentError: at run time, a label out of range.

    Example:
        >>> loss = SparseCategoricalCrossentropy(from_logits=True)
        >>> print(f"{float(loss([1, 0], [[0.0, 1e4], [0.0, 1e4]])):.1f}")
        5000.0
        >>> padded = SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
        >>> print(f"{float(padded([1, 0, -1], [[0.0, 1e4], [0.0, 1e4], [0.0, 0.0]])):.1f}")
        5000.0
    """

    per_example = staticmethod(sparse_categorical_crossentropy)

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: str | None = "sum_over_batch_size",
        axis: int = -1,
        name: str = "sparse_categorical_crossentropy",
        *,
        validate: bool = True,
    ):
        check_bool("validate", validate)
        check_ignore_class(ignore_class)
        super().__init__(
            reduction=reduction,
            name=name,
            from_logits=from_logits,
            axis=axis,
            ignore_class=ignore_class,
            validate=validate,
        )


@register(
    "binary_crossentropy",
    kind="binary",
    example={"from_logits": True, "label_smoothing": 0.1},
    arguments=_smoothed_arguments,
)
class BinaryCrossentropy(_Crossentropy):
    r"""Binary cross-entropy as a ``keras.losses.Loss``.

    Per example by :func:`binary_crossentropy` (the mean over ``axis``), then
    weighted and reduced as ``keras.losses.BinaryCrossentropy`` does.

    Args:
        from_logits: whether predictions are logits (computed stably).
        label_smoothing: in ``[0, 1]``; labels become ``(1 - s) y + s / 2``.
        axis: the axis averaged over.
        reduction: as for :class:`CategoricalCrossentropy`.
        name: the loss's display name.

    Returns:
        Called as ``loss(y_true, y_pred, sample_weight=None)``: a float32
        scalar, or per-example values with ``reduction="none"``.

    Raises:
        ValueError: ``label_smoothing`` outside ``[0, 1]``, unknown
            ``reduction``; at call time, shapes that would broadcast.
        TypeError: ``from_logits`` not a bool, ``axis`` not an int.

    Example:
        >>> loss = BinaryCrossentropy(from_logits=True, reduction="none")
        >>> print(", ".join(f"{v:.4f}" for v in loss([1.0, 0.0], [[2.0], [-1.0]]).numpy()))
        0.1269, 0.3133
    """

    per_example = staticmethod(binary_crossentropy)

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "binary_crossentropy",
    ):
        super().__init__(
            reduction=reduction,
            name=name,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
