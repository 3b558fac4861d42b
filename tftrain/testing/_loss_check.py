"""``check_loss``: the properties every loss must have."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from tftrain._compat import loss_wrapper_kwargs
from tftrain._validation import check_in_range, check_integer, check_one_of
from tftrain.families import family
from tftrain.losses import kind_of
from tftrain.testing._loss_properties import PROPERTIES, LossUnderTest
from tftrain.testing._report import CheckReport, check_properties, name_of

#: What a loss compares: real targets, one-hot, integer labels, or 0/1 targets.
LOSS_KINDS: tuple[str, ...] = family("loss").facts["kind"].choices or ()


def infer_kind(fn: Any) -> str:
    """The kind a loss declared at its registration (``tftrain.losses.kind_of``), else regression.

    A loss that declares no kind (an unregistered callable) is checked as
    regression unless ``check_loss`` is given ``kind=``.

    Example:
        >>> infer_kind(keras.losses.SparseCategoricalCrossentropy())
        'sparse_categorical'
        >>> infer_kind(lambda y_true, y_pred: (y_true - y_pred) ** 2)
        'regression'
    """
    return kind_of(fn) or "regression"


def infer_from_logits(fn: Any) -> bool:
    """Whether ``fn`` takes logits: its ``from_logits`` setting, else False.

    Example:
        >>> infer_from_logits(keras.losses.CategoricalCrossentropy(from_logits=True))
        True
    """
    for source in (
        getattr(fn, "kwargs", None),  # a bound function
        loss_wrapper_kwargs(fn),
    ):
        if isinstance(source, dict) and "from_logits" in source:
            return bool(source["from_logits"])
    return bool(getattr(fn, "from_logits", False))


def infer_label_smoothing(fn: Any) -> float:
    """The loss's ``label_smoothing`` setting, else 0.

    Example:
        >>> infer_label_smoothing(keras.losses.BinaryCrossentropy(label_smoothing=0.1))
        0.1
    """
    sources = [getattr(fn, "kwargs", None), loss_wrapper_kwargs(fn)]
    if isinstance(fn, keras.losses.Loss):
        sources.append(fn.get_config())
    for source in sources:
        if isinstance(source, dict) and source.get("label_smoothing"):
            return float(source["label_smoothing"])
    return float(getattr(fn, "label_smoothing", 0.0) or 0.0)


class _Inputs:
    """Targets and predictions of one kind, drawn from a seeded generator."""

    def __init__(
        self,
        kind: str,
        from_logits: bool,
        num_classes: int,
        batch_size: int,
        seed: int,
        label_smoothing: float = 0.0,
    ):
        self.kind, self.from_logits, self.num_classes = kind, from_logits, num_classes
        self.label_smoothing = label_smoothing
        rng = np.random.default_rng(seed)
        b, c = batch_size, num_classes
        if kind == "regression":
            self.y_true = rng.normal(0, 2, (b, 3)).astype("float32")
            self.y_pred = rng.normal(0, 2, (b, 3)).astype("float32")
            return
        width = 1 if kind == "binary" else c
        labels = rng.integers(0, 2 if kind == "binary" else c, b)
        scores = rng.normal(0, 3, (b, width)).astype("float32")
        if kind == "binary":
            self.y_true = labels[:, None].astype("float32")
        elif kind == "categorical":
            self.y_true = np.eye(c, dtype="float32")[labels]
        else:
            self.y_true = labels.astype("int32")
        self.y_pred = scores if from_logits else self.as_predictions(scores)

    def as_predictions(self, scores: np.ndarray) -> np.ndarray:
        """Logits as the loss takes them: unchanged, or as probabilities."""
        if self.from_logits:
            return scores.astype("float32")
        if self.kind == "binary":
            return np.asarray(tf.sigmoid(scores))
        return np.asarray(tf.nn.softmax(scores))

    def at_target(self) -> np.ndarray:
        """The prediction that equals the target (probabilities) or is sure of it (logits)."""
        if self.kind == "regression":
            return self.y_true.copy()
        hot = (
            self.y_true
            if self.kind != "sparse_categorical"
            else np.eye(self.num_classes, dtype="float32")[self.y_true]
        )
        if self.label_smoothing:  # the minimum is at the smoothed target
            classes = 2 if self.kind == "binary" else self.num_classes
            smoothing = self.label_smoothing
            hot = hot.astype("float64")
            target = hot * (1.0 - smoothing) + smoothing / classes
            if not self.from_logits:
                return target.astype("float32")
            # A tiny smoothing makes 1 - target cancel to 0 and smoothing / classes
            # underflow: each side's probability is formed on its own and floored at the
            # smallest normal float64, far past where float32 logits stop mattering.
            floor = np.finfo(np.float64).tiny
            if self.kind == "binary":
                other = (1.0 - hot) * (1.0 - smoothing) + smoothing * (classes - 1) / classes
                logit = np.log(np.maximum(target, floor)) - np.log(np.maximum(other, floor))
                return logit.astype("float32")
            return np.log(np.maximum(target, floor)).astype("float32")
        return (30.0 * (2.0 * hot - 1.0)).astype("float32") if self.from_logits else hot

    def extremes(self) -> list[tuple[str, np.ndarray]]:
        """Predictions at the edge of the input range, each with what it is.

        Probabilities exactly 0 and 1 (at and away from the target); logits of
        +-1e2 and +-1e4, confidently right and confidently wrong; and rows that
        mix huge and small logits (the target's logit small, another +1e4, a third
        -1e4). Nothing for regression.
        """
        if self.kind == "regression":
            return []
        hot = self._one_hot()
        wrong = 1.0 - hot if self.kind == "binary" else np.roll(hot, 1, axis=-1)
        if not self.from_logits:
            return [
                ("probabilities exactly 0 and 1, at the target", hot.astype("float32")),
                ("probabilities exactly 0 and 1, confidently wrong", wrong.astype("float32")),
            ]
        out = []
        for size in (1e2, 1e4):
            out.append((f"logits of +-{size:g}, confidently right", size * (2 * hot - 1)))
            out.append((f"logits of +-{size:g}, confidently wrong", size * (2 * wrong - 1)))
        mixed = np.array(self.y_pred, dtype="float64", copy=True)
        if self.kind == "binary":
            mixed[::3] = 1e4
            mixed[1::3] = -1e4
        else:
            mixed = np.where(wrong > 0, 1e4, mixed)
            if self.num_classes > 2:
                mixed = np.where(np.roll(hot, 2, axis=-1) > 0, -1e4, mixed)
        out.append(("huge and small logits mixed in one row", mixed))
        return [(what, values.astype("float32")) for what, values in out]

    def _one_hot(self) -> np.ndarray:
        """The targets as one-hot rows (binary targets as they are)."""
        if self.kind == "sparse_categorical":
            return np.eye(self.num_classes, dtype="float32")[self.y_true]
        return np.asarray(self.y_true, dtype="float32")

    def confidently_wrong(self) -> np.ndarray:
        """A prediction sure of the wrong answer: probabilities exactly 0 at the target."""
        if self.kind == "regression":
            return (self.y_true + 1e3).astype("float32")
        hot = (
            self.y_true
            if self.kind != "sparse_categorical"
            else np.eye(self.num_classes, dtype="float32")[self.y_true]
        )
        wrong = 1.0 - hot
        if self.kind != "binary":
            wrong = np.roll(hot, 1, axis=-1)
        return (30.0 * (2.0 * wrong - 1.0)).astype("float32") if self.from_logits else wrong


def check_loss(
    fn: Any,
    *,
    kind: str | None = None,
    from_logits: bool | None = None,
    num_classes: int = 4,
    batch_size: int = 6,
    zero_at_target: bool = True,
    label_smoothing: float | None = None,
    inputs: tuple[Any, Any] | None = None,
) -> CheckReport:
    r"""Checks that a loss behaves like tftrain's own.

    ``fn`` is called as ``fn(y_true, y_pred)``; a Keras ``Loss`` is checked
    per example through a copy with ``reduction="none"``, a plain function
    must return per-example losses itself. Inputs follow ``kind``:
    ``regression`` (real ``(B, 3)`` targets and predictions), ``categorical``
    (one-hot ``(B, C)``), ``sparse_categorical`` (int32 ``(B,)`` labels,
    ``(B, C)`` predictions), ``binary`` (0/1 ``(B, 1)``); predictions are
    logits or probabilities as ``from_logits`` says. Properties:

    * **one loss per example**: shape ``(B,)``, also for an empty batch;
    * **finite and non-negative**: at random, perfect and confidently wrong
      predictions (probabilities exactly 0 at the target);
    * **float32 for low-precision inputs**: float16 and bfloat16 inputs give
      float32 losses equal to those of the same inputs cast to float32
      (computed in float32, not cast afterwards);
    * **minimal at the target**: the loss where the prediction equals (or,
      for logits, is sure of) the target is at most ``1e-5`` (with
      ``zero_at_target``) and at most the loss anywhere else tried; with
      ``label_smoothing`` (read from the loss) the target is the smoothed
      one, whose loss is its entropy rather than zero;
    * **reductions consistent**: the losses of a slice of the batch are that
      slice of the batch's losses; a Keras ``Loss`` gives ``sum``,
      ``sum_over_batch_size`` and ``sample_weight`` results that agree with
      its per-example losses: :math:`\sum_i w_i \ell_i` and
      :math:`\frac{1}{B}\sum_i w_i \ell_i`;
    * **no silent (B,) vs (B, 1) broadcasting**: targets ``(B,)`` against
      predictions ``(B, 1)`` (and the reverse; labels ``(B, 1)`` for sparse)
      either raise or give the per-example losses of matching shapes, never a
      ``(B, B)`` broadcast;
    * **gradient finite**: the gradient with respect to ``y_pred`` is finite
      at the same inputs as above;
    * **stable at extreme logits or probabilities**: finite losses ``>= 0``
      and finite gradients at logits of ``+-1e2`` and ``+-1e4`` (confidently
      right, confidently wrong, and huge and small logits in one row) or at
      probabilities exactly 0 and 1; not applicable to regression.

    Args:
        fn: a ``keras.losses.Loss``, a function ``(y_true, y_pred) ->
            per-example losses``, or a spec that ``tftrain.losses.get`` accepts.
        kind: one of ``regression``, ``categorical``, ``sparse_categorical``,
            ``binary``; by default the kind the loss declared at its
            registration (``tftrain.losses.kind_of``), else regression.
        from_logits: whether predictions are logits; by default the loss's own
            ``from_logits`` setting, else False.
        num_classes: classes for classification kinds; an integer ``>= 2``.
        batch_size: ``B``; an integer ``>= 2``.
        zero_at_target: whether the minimum at the target must be (near) zero
            (never required with label smoothing).
        label_smoothing: the smoothing the loss applies to its targets, in
            ``[0, 1)``; by default its own ``label_smoothing`` setting, else 0.
        inputs: an extra ``(y_true, y_pred)`` batch (e.g. drawn with
            ``tftrain.testing.strategies.labels`` and ``logits``) for the
            per-example shape, finiteness and gradient properties.

    Returns:
        A :class:`CheckReport` naming the properties that hold.

    Raises:
        PropertyCheckError: a property fails; the message lists each failure
            with the input, the expected and the actual outcome.
        ValueError: an invalid ``kind``, ``num_classes``, ``batch_size`` or
            ``label_smoothing``.
        TypeError: ``fn`` is not callable, or a count is not an integer.

    Example:
        >>> report = check_loss(keras.losses.MeanSquaredError())
        >>> print(len(report.passed), "properties hold")
        7 properties hold
        >>> def naive_mse(y_true, y_pred):
        ...     error = tf.cast(y_true, tf.float32) - tf.cast(y_pred, tf.float32)
        ...     return tf.reduce_mean(tf.square(error), axis=-1)
        >>> check_loss(naive_mse)
        Traceback (most recent call last):
        ...
        tftrain.testing._report.PropertyCheckError: loss naive_mse fails 1 of 7 properties:
          - no silent (B,) vs (B, 1) broadcasting: input y_true float32[6] ...
    """
    from tftrain import losses

    if kind is not None:
        check_one_of("kind", kind, LOSS_KINDS)
    num_classes = check_integer("num_classes", num_classes, minimum=2)
    batch_size = check_integer("batch_size", batch_size, minimum=2)
    if label_smoothing is not None:
        check_in_range("label_smoothing", label_smoothing, 0.0, 1.0, high_inclusive=False)
    if isinstance(fn, (str, dict)):
        fn = losses.get(fn)
    if not callable(fn):
        raise TypeError(f"Argument `fn` must be callable. Received: fn={fn!r}")
    kind = kind or infer_kind(fn)
    from_logits = infer_from_logits(fn) if from_logits is None else bool(from_logits)
    is_keras = isinstance(fn, keras.losses.Loss)
    per_example_fn: Callable[..., Any] = fn
    if is_keras:
        per_example_fn = type(fn).from_config({**fn.get_config(), "reduction": "none"})
    label = "logits" if from_logits and kind != "regression" else "probabilities"
    component = f"loss {name_of(fn)}" + ("" if kind == "regression" else f" ({label})")
    smoothing = infer_label_smoothing(fn) if label_smoothing is None else label_smoothing
    zero_at_target = zero_at_target and not smoothing
    extra = [] if inputs is None else [tuple(np.asarray(v) for v in inputs)]
    draws = [
        _Inputs(kind, from_logits, num_classes, batch_size, seed, smoothing) for seed in range(3)
    ]
    subject = LossUnderTest(
        fn=fn,
        per_example_fn=per_example_fn,
        is_keras=is_keras,
        kind=kind,
        zero_at_target=zero_at_target,
        batch_size=batch_size,
        draws=draws,
        extra=extra,
    )
    return check_properties(component, subject, PROPERTIES)
