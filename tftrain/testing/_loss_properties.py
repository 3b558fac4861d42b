"""The properties ``check_loss`` verifies, each a function of the loss under test."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import tensorflow as tf

from tftrain.testing._report import NotApplicable, Violation, call, describe, values_text

_MINIMUM = 1e-5  # a loss at its target: zero, or what Keras's probability clipping leaves


class Draw(Protocol):
    """One batch of targets and predictions of a loss's kind (``_loss_check._Inputs``)."""

    y_true: np.ndarray
    y_pred: np.ndarray

    def at_target(self) -> np.ndarray: ...

    def confidently_wrong(self) -> np.ndarray: ...


@dataclass
class LossUnderTest:
    """A loss and the inputs its properties are checked on.

    Attributes:
        fn: the loss as given (a function or a ``keras.losses.Loss``).
        per_example_fn: ``fn`` returning per-example losses (``reduction="none"``).
        is_keras: ``fn`` is a ``keras.losses.Loss`` (its reductions are checked too).
        kind: one of ``LOSS_KINDS``.
        zero_at_target: the loss at the target must be (about) zero.
        batch_size: the examples per drawn batch.
        draws: drawn batches; the first is the base of most properties.
        extra: the caller's own ``(y_true, y_pred)`` batches.
    """

    fn: Any
    per_example_fn: Callable[..., Any]
    is_keras: bool
    kind: str
    zero_at_target: bool
    batch_size: int
    draws: Sequence[Draw]
    extra: Sequence[tuple[np.ndarray, ...]]

    @property
    def base(self) -> Draw:
        return self.draws[0]

    def losses_of(self, y_true: Any, y_pred: Any, what: str = "") -> np.ndarray:
        def where() -> str:
            return f"y_true {describe(y_true)}, y_pred {describe(y_pred)}{what}"

        out = call(where, self.per_example_fn, tf.constant(y_true), tf.constant(y_pred))
        return np.asarray(tf.cast(out, tf.float64))

    def cases(self) -> list[tuple[str, Any, Any]]:
        base = self.base
        out = [(f"random draw {i}", d.y_true, d.y_pred) for i, d in enumerate(self.draws)]
        out.append(("prediction at the target", base.y_true, base.at_target()))
        out.append(("confidently wrong prediction", base.y_true, base.confidently_wrong()))
        out.extend(("your inputs", y_true, y_pred) for y_true, y_pred in self.extra)
        return out


def one_per_example(t: LossUnderTest) -> None:
    batches = [(t.base.y_true[:b], t.base.y_pred[:b]) for b in (t.batch_size, 0)]
    for y_true, y_pred in [*batches, *t.extra]:
        b = len(y_pred)
        out = call(
            f"y_true {describe(y_true)}, y_pred {describe(y_pred)}",
            t.per_example_fn,
            tf.constant(y_true),
            tf.constant(y_pred),
        )
        if tuple(getattr(out, "shape", ())) != (b,):
            raise Violation(
                input=f"y_true {describe(y_true)}, y_pred {describe(y_pred)}",
                expected=f"per-example losses of shape ({b},)",
                got=f"shape {tuple(getattr(out, 'shape', ()))}",
            )


def finite_non_negative(t: LossUnderTest) -> None:
    for what, y_true, y_pred in t.cases():
        values = t.losses_of(y_true, y_pred, f" ({what})")
        bad = ~(np.isfinite(values) & (values >= 0))
        if bad.any():
            i = int(np.argmax(bad.ravel()))
            raise Violation(
                input=f"{what}: example {i}, y_true={values_text(y_true[i])}, "
                f"y_pred={values_text(y_pred[i])}",
                expected="a finite loss >= 0",
                got=repr(float(values.ravel()[i])),
            )


def float32_low_precision(t: LossUnderTest) -> None:
    for dtype in (tf.float16, tf.bfloat16):
        y_pred = tf.cast(t.base.y_pred, dtype)
        y_true = tf.constant(t.base.y_true)
        if y_true.dtype.is_floating:
            y_true = tf.cast(y_true, dtype)
        where = f"y_true {describe(y_true)}, y_pred {describe(y_pred)}"
        outs = [("per-example", call(where, t.per_example_fn, y_true, y_pred))]
        if t.is_keras:
            outs.append(("reduced", call(where, t.fn, y_true, y_pred)))
        for how, out in outs:
            if getattr(out, "dtype", None) != tf.float32:
                raise Violation(
                    input=where,
                    expected=f"float32 {how} losses",
                    got=f"{getattr(getattr(out, 'dtype', None), 'name', type(out).__name__)}",
                )
        up = t.losses_of(
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


def minimal_at_target(t: LossUnderTest) -> None:
    at = t.losses_of(t.base.y_true, t.base.at_target(), " (at the target)")
    if t.zero_at_target and (at > _MINIMUM).any():
        i = int(np.argmax(at > _MINIMUM))
        raise Violation(
            input=f"example {i}: y_true={values_text(t.base.y_true[i])}, "
            f"y_pred={values_text(t.base.at_target()[i])}",
            expected=f"a loss <= {_MINIMUM} at the target",
            got=repr(float(at[i])),
        )
    others = [(d.y_pred, f"random draw {j}") for j, d in enumerate(t.draws)]
    others.append((t.base.confidently_wrong(), "confidently wrong"))
    if t.kind == "regression":
        rng = np.random.default_rng(7)
        for scale in (1e-2, 1.0):
            noise = rng.normal(0, scale, t.base.y_true.shape).astype("float32")
            others.append((t.base.y_true + noise, f"the target + noise of scale {scale}"))
    for y_pred, what in others:
        elsewhere = t.losses_of(t.base.y_true, y_pred)
        worse = at > elsewhere + 1e-6
        if worse.any():
            i = int(np.argmax(worse))
            raise Violation(
                input=f"example {i}: y_true={values_text(t.base.y_true[i])}",
                expected=f"the loss at the target ({float(at[i])!r}) <= the loss at "
                f"{what} y_pred={values_text(y_pred[i])}",
                got=repr(float(elsewhere[i])),
            )


def reductions(t: LossUnderTest) -> None:
    full = t.losses_of(t.base.y_true, t.base.y_pred)
    k = t.batch_size // 2
    part = t.losses_of(t.base.y_true[:k], t.base.y_pred[:k], f" (the first {k} examples)")
    if part.shape != (k,) or not np.allclose(part, full[:k], rtol=1e-6, atol=1e-6):
        raise Violation(
            input=f"the first {k} of {t.batch_size} examples",
            expected=f"their losses in the full batch {values_text(full[:k])}",
            got=f"{values_text(part)}",
        )
    if not t.is_keras:
        return
    weights = np.linspace(0.0, 2.0, t.batch_size).astype("float32")
    config = t.fn.get_config()
    reduced = {
        r: type(t.fn).from_config({**config, "reduction": r})
        for r in ("sum", "sum_over_batch_size")
    }
    for reduction, weighted in (
        ("sum", False),
        ("sum_over_batch_size", False),
        ("sum", True),
        ("sum_over_batch_size", True),
    ):
        loss = reduced[reduction]
        w = weights if weighted else np.ones(t.batch_size, "float32")
        args = [tf.constant(t.base.y_true), tf.constant(t.base.y_pred)]
        where = f"reduction={reduction!r}" + (
            f", sample_weight={values_text(w)}" if weighted else ""
        )
        got = call(where, loss, *args, sample_weight=tf.constant(w) if weighted else None)
        want = float(np.sum(w * full)) / (t.batch_size if reduction != "sum" else 1)
        if tuple(got.shape) != () or not np.isclose(float(got), want, rtol=1e-5, atol=1e-6):
            raise Violation(
                input=where,
                expected=f"a scalar {want!r} from the per-example losses",
                got=values_text(got) + f" of shape {tuple(got.shape)}",
            )


def no_broadcasting(t: LossUnderTest) -> None:
    if t.kind == "categorical":
        raise NotApplicable("one-hot targets and predictions share their shape (B, C)")
    if t.kind == "sparse_categorical":
        want = t.losses_of(t.base.y_true, t.base.y_pred)
        pairs = [(t.base.y_true[:, None], t.base.y_pred)]
    else:
        y_true, y_pred = t.base.y_true[:, :1], t.base.y_pred[:, :1]
        want = t.losses_of(y_true, y_pred)
        pairs = [(y_true[:, 0], y_pred), (y_true, y_pred[:, 0])]
    for y_true, y_pred in pairs:
        where = f"y_true {describe(y_true)}, y_pred {describe(y_pred)}"
        try:
            out = t.per_example_fn(tf.constant(y_true), tf.constant(y_pred))
        except Exception:  # refusing the mismatch is a correct answer
            continue
        got = np.asarray(tf.cast(out, tf.float64))
        if got.shape != want.shape or not np.allclose(got, want, rtol=1e-6, atol=1e-6):
            raise Violation(
                input=where,
                expected=f"an error or the losses of matching shapes {values_text(want)}",
                got=f"shape {got.shape} {values_text(got)}",
            )


def gradient_finite(t: LossUnderTest) -> None:
    for what, y_true, y_pred in t.cases():
        x = tf.constant(y_pred)
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = call(what, t.per_example_fn, tf.constant(y_true), x)
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


#: Every property, by the name a report gives it, in the order they run.
PROPERTIES: tuple[tuple[str, Callable[[LossUnderTest], None]], ...] = (
    ("one loss per example", one_per_example),
    ("finite and non-negative", finite_non_negative),
    ("float32 for low-precision inputs", float32_low_precision),
    ("minimal at the target", minimal_at_target),
    ("reductions consistent", reductions),
    ("no silent (B,) vs (B, 1) broadcasting", no_broadcasting),
    ("gradient finite", gradient_finite),
)
