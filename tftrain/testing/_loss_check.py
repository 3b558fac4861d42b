"""``check_loss``: the properties every loss must have."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from tftrain._validation import check_in_range, check_integer, check_one_of
from tftrain.testing._report import (
    CheckReport,
    NotApplicable,
    PropertyRun,
    Violation,
    call,
    describe,
    name_of,
    values_text,
)

#: What a loss compares: real targets, one-hot, integer labels, or 0/1 targets.
LOSS_KINDS: tuple[str, ...] = ("regression", "categorical", "sparse_categorical", "binary")

#: The kind of tftrain's and Keras's built-in losses, by name.
KNOWN_KINDS: dict[str, str] = {
    "mse": "regression",
    "mean_squared_error": "regression",
    "mean_absolute_error": "regression",
    "huber": "regression",
    "asymmetric": "regression",
    "asymmetric_loss": "regression",
    "categorical_crossentropy": "categorical",
    "sparse_categorical_crossentropy": "sparse_categorical",
    "binary_crossentropy": "binary",
}

_MINIMUM = 1e-5  # a loss at its target: zero, or what Keras's probability clipping leaves


def _snake(name: str) -> str:
    out = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
    return out.replace("_loss", "") if out.endswith("_loss") and out != "_loss" else out


def infer_kind(fn: Any) -> str:
    """The kind of a known loss (by registered, Keras, class or function name), else regression.

    Example:
        >>> infer_kind(keras.losses.SparseCategoricalCrossentropy())
        'sparse_categorical'
        >>> infer_kind(lambda y_true, y_pred: (y_true - y_pred) ** 2)
        'regression'
    """
    candidates = [
        getattr(fn, "name", None),
        getattr(fn, "__name__", None),
        _snake(type(fn).__name__),
        type(fn).__name__.lower(),
    ]
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.lower() in KNOWN_KINDS:
            return KNOWN_KINDS[candidate.lower()]
    return "regression"


def infer_from_logits(fn: Any) -> bool:
    """Whether ``fn`` takes logits: its ``from_logits`` setting, else False.

    Example:
        >>> infer_from_logits(keras.losses.CategoricalCrossentropy(from_logits=True))
        True
    """
    for source in (
        getattr(fn, "kwargs", None),  # a bound function
        getattr(fn, "_fn_kwargs", None),  # a Keras LossFunctionWrapper
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
    sources = [getattr(fn, "kwargs", None), getattr(fn, "_fn_kwargs", None)]
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
      at the same inputs as above.

    Args:
        fn: a ``keras.losses.Loss``, a function ``(y_true, y_pred) ->
            per-example losses``, or a spec that ``tftrain.losses.get`` accepts.
        kind: one of ``regression``, ``categorical``, ``sparse_categorical``,
            ``binary``; by default inferred from a known name, else regression.
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
    run = PropertyRun(f"loss {name_of(fn)}" + ("" if kind == "regression" else f" ({label})"))
    smoothing = infer_label_smoothing(fn) if label_smoothing is None else label_smoothing
    zero_at_target = zero_at_target and not smoothing
    extra = [] if inputs is None else [tuple(np.asarray(v) for v in inputs)]
    draws = [
        _Inputs(kind, from_logits, num_classes, batch_size, seed, smoothing) for seed in range(3)
    ]
    base = draws[0]

    def losses_of(y_true: Any, y_pred: Any, what: str = "") -> np.ndarray:
        def where() -> str:
            return f"y_true {describe(y_true)}, y_pred {describe(y_pred)}{what}"

        out = call(where, per_example_fn, tf.constant(y_true), tf.constant(y_pred))
        return np.asarray(tf.cast(out, tf.float64))

    def cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
        out = [(f"random draw {i}", d.y_true, d.y_pred) for i, d in enumerate(draws)]
        out.append(("prediction at the target", base.y_true, base.at_target()))
        out.append(("confidently wrong prediction", base.y_true, base.confidently_wrong()))
        out.extend(("your inputs", y_true, y_pred) for y_true, y_pred in extra)
        return out

    def one_per_example() -> None:
        batches = [(base.y_true[:b], base.y_pred[:b]) for b in (batch_size, 0)]
        for y_true, y_pred in batches + extra:
            b = len(y_pred)
            out = call(
                f"y_true {describe(y_true)}, y_pred {describe(y_pred)}",
                per_example_fn,
                tf.constant(y_true),
                tf.constant(y_pred),
            )
            if tuple(getattr(out, "shape", ())) != (b,):
                raise Violation(
                    input=f"y_true {describe(y_true)}, y_pred {describe(y_pred)}",
                    expected=f"per-example losses of shape ({b},)",
                    got=f"shape {tuple(getattr(out, 'shape', ()))}",
                )

    def finite_non_negative() -> None:
        for what, y_true, y_pred in cases():
            values = losses_of(y_true, y_pred, f" ({what})")
            bad = ~(np.isfinite(values) & (values >= 0))
            if bad.any():
                i = int(np.argmax(bad.ravel()))
                raise Violation(
                    input=f"{what}: example {i}, y_true={values_text(y_true[i])}, "
                    f"y_pred={values_text(y_pred[i])}",
                    expected="a finite loss >= 0",
                    got=repr(float(values.ravel()[i])),
                )

    def float32_low_precision() -> None:
        for dtype in (tf.float16, tf.bfloat16):
            y_pred = tf.cast(base.y_pred, dtype)
            y_true = tf.constant(base.y_true)
            if y_true.dtype.is_floating:
                y_true = tf.cast(y_true, dtype)
            where = f"y_true {describe(y_true)}, y_pred {describe(y_pred)}"
            outs = [("per-example", call(where, per_example_fn, y_true, y_pred))]
            if is_keras:
                outs.append(("reduced", call(where, fn, y_true, y_pred)))
            for how, out in outs:
                if getattr(out, "dtype", None) != tf.float32:
                    raise Violation(
                        input=where,
                        expected=f"float32 {how} losses",
                        got=f"{getattr(getattr(out, 'dtype', None), 'name', type(out).__name__)}",
                    )
            up = losses_of(
                tf.cast(y_true, tf.float32) if y_true.dtype.is_floating else y_true,
                tf.cast(y_pred, tf.float32),
            )
            got = np.asarray(tf.cast(outs[0][1], tf.float64))
            close = np.isclose(got, up, rtol=1e-5, atol=1e-6)
            if not close.all():
                i = int(np.argmax(~close))
                raise Violation(
                    input=where + f", example {i}",
                    expected=f"the float32 computation {float(up[i])!r} (inputs cast up first)",
                    got=f"{float(got[i])!r} (computed in {dtype.name}?)",
                )

    def minimal_at_target() -> None:
        at = losses_of(base.y_true, base.at_target(), " (at the target)")
        if zero_at_target and (at > _MINIMUM).any():
            i = int(np.argmax(at > _MINIMUM))
            raise Violation(
                input=f"example {i}: y_true={values_text(base.y_true[i])}, "
                f"y_pred={values_text(base.at_target()[i])}",
                expected=f"a loss <= {_MINIMUM} at the target",
                got=repr(float(at[i])),
            )
        others = [(d.y_pred, f"random draw {j}") for j, d in enumerate(draws)]
        others.append((base.confidently_wrong(), "confidently wrong"))
        if kind == "regression":
            rng = np.random.default_rng(7)
            for scale in (1e-2, 1.0):
                noise = rng.normal(0, scale, base.y_true.shape).astype("float32")
                others.append((base.y_true + noise, f"the target + noise of scale {scale}"))
        for y_pred, what in others:
            elsewhere = losses_of(base.y_true, y_pred)
            worse = at > elsewhere + 1e-6
            if worse.any():
                i = int(np.argmax(worse))
                raise Violation(
                    input=f"example {i}: y_true={values_text(base.y_true[i])}",
                    expected=f"the loss at the target ({float(at[i])!r}) <= the loss at "
                    f"{what} y_pred={values_text(y_pred[i])}",
                    got=repr(float(elsewhere[i])),
                )

    def reductions() -> None:
        full = losses_of(base.y_true, base.y_pred)
        k = batch_size // 2
        part = losses_of(base.y_true[:k], base.y_pred[:k], f" (the first {k} examples)")
        if part.shape != (k,) or not np.allclose(part, full[:k], rtol=1e-6, atol=1e-6):
            raise Violation(
                input=f"the first {k} of {batch_size} examples",
                expected=f"their losses in the full batch {values_text(full[:k])}",
                got=f"{values_text(part)}",
            )
        if not is_keras:
            return
        weights = np.linspace(0.0, 2.0, batch_size).astype("float32")
        config = fn.get_config()
        reduced = {
            r: type(fn).from_config({**config, "reduction": r})
            for r in ("sum", "sum_over_batch_size")
        }
        for reduction, weighted in (
            ("sum", False),
            ("sum_over_batch_size", False),
            ("sum", True),
            ("sum_over_batch_size", True),
        ):
            loss = reduced[reduction]
            w = weights if weighted else np.ones(batch_size, "float32")
            args = [tf.constant(base.y_true), tf.constant(base.y_pred)]
            where = f"reduction={reduction!r}" + (
                f", sample_weight={values_text(w)}" if weighted else ""
            )
            got = call(where, loss, *args, sample_weight=tf.constant(w) if weighted else None)
            want = float(np.sum(w * full)) / (batch_size if reduction != "sum" else 1)
            if tuple(got.shape) != () or not np.isclose(float(got), want, rtol=1e-5, atol=1e-6):
                raise Violation(
                    input=where,
                    expected=f"a scalar {want!r} from the per-example losses",
                    got=values_text(got) + f" of shape {tuple(got.shape)}",
                )

    def no_broadcasting() -> None:
        if kind == "categorical":
            raise NotApplicable("one-hot targets and predictions share their shape (B, C)")
        if kind == "sparse_categorical":
            want = losses_of(base.y_true, base.y_pred)
            pairs = [(base.y_true[:, None], base.y_pred)]
        else:
            y_true, y_pred = base.y_true[:, :1], base.y_pred[:, :1]
            want = losses_of(y_true, y_pred)
            pairs = [(y_true[:, 0], y_pred), (y_true, y_pred[:, 0])]
        for y_true, y_pred in pairs:
            where = f"y_true {describe(y_true)}, y_pred {describe(y_pred)}"
            try:
                out = per_example_fn(tf.constant(y_true), tf.constant(y_pred))
            except Exception:  # refusing the mismatch is a correct answer
                continue
            got = np.asarray(tf.cast(out, tf.float64))
            if got.shape != want.shape or not np.allclose(got, want, rtol=1e-6, atol=1e-6):
                raise Violation(
                    input=where,
                    expected=f"an error or the losses of matching shapes {values_text(want)}",
                    got=f"shape {got.shape} {values_text(got)}",
                )

    def gradient_finite() -> None:
        for what, y_true, y_pred in cases():
            x = tf.constant(y_pred)
            with tf.GradientTape() as tape:
                tape.watch(x)
                out = call(what, per_example_fn, tf.constant(y_true), x)
            grad = tape.gradient(out, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
            values = np.asarray(grad)
            if not np.isfinite(values).all():
                i = int(np.argmax(~np.isfinite(values).reshape(len(values), -1).all(axis=1)))
                raise Violation(
                    input=f"{what}: example {i}, y_true={values_text(y_true[i])}, "
                    f"y_pred={values_text(y_pred[i])}",
                    expected="a finite gradient d loss / d y_pred",
                    got=f"{values_text(values[i])}",
                )

    with run:
        run.check("one loss per example", one_per_example)
        run.check("finite and non-negative", finite_non_negative)
        run.check("float32 for low-precision inputs", float32_low_precision)
        run.check("minimal at the target", minimal_at_target)
        run.check("reductions consistent", reductions)
        run.check("no silent (B,) vs (B, 1) broadcasting", no_broadcasting)
        run.check("gradient finite", gradient_finite)
        return run.finish()
