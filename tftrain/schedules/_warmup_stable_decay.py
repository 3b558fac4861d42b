"""Warm-up, a stable plateau, then a decay over the last fraction of training (WSD)."""

from __future__ import annotations

import math
from typing import Any

import tensorflow as tf

from tftrain._validation import (
    ArgumentError,
    check_in_range,
    check_integer,
    check_non_negative,
    check_one_of,
)
from tftrain.schedules._base import Schedule, as_step
from tftrain.schedules._family import register

DECAY_SHAPES = ("linear", "cosine", "1-sqrt")


def _arguments(st: Any) -> Any:
    """Valid arguments (``st`` is ``hypothesis.strategies``): the warm-up ends before the decay."""

    @st.composite
    def draw_arguments(draw: Any) -> dict[str, Any]:
        total_steps = draw(st.integers(1, 20_000))
        decay_fraction = draw(st.floats(0.0, 1.0, exclude_min=True))
        stable_end = total_steps * (1 - decay_fraction)
        return {
            "peak_learning_rate": draw(st.floats(1e-5, 10.0)),
            "total_steps": total_steps,
            "warmup_steps": draw(st.integers(0, math.floor(stable_end))),
            "decay_fraction": decay_fraction,
            "decay_shape": draw(st.sampled_from(DECAY_SHAPES)),
            "alpha": draw(st.floats(0.0, 1.0)),
        }

    return draw_arguments()


@register(
    "warmup_stable_decay",
    aliases=("wsd",),
    example={
        "peak_learning_rate": 0.01,
        "total_steps": 1000,
        "warmup_steps": 100,
        "decay_fraction": 0.2,
        "decay_shape": "1-sqrt",
        "alpha": 0.0,
    },
    arguments=_arguments,
)
class WarmupStableDecay(Schedule):
    r"""Warm-up, stable plateau, decay (WSD; Hu et al., 2024; Hägele et al., 2024).

    .. math::

        \eta(t) = \begin{cases}
            \eta_{\max}\, t / W & t < W \\
            \eta_{\max} & W \le t < D \\
            \eta_{\max} \left(\alpha + (1 - \alpha)\, g\!\left(\frac{t - D}{N - D}\right)\right)
                & D \le t < N \\
            \alpha\, \eta_{\max} & t \ge N
        \end{cases}

    with :math:`\eta_{\max}` = ``peak_learning_rate``, :math:`W` =
    ``warmup_steps``, :math:`N` = ``total_steps``, :math:`D = N (1 - F)` where
    :math:`F` = ``decay_fraction`` (:math:`D` need not be a whole step), and the
    decay shape :math:`g(p)` = ``decay_shape``: ``"linear"`` :math:`1 - p`,
    ``"cosine"`` :math:`\frac{1}{2}(1 + \cos \pi p)` or ``"1-sqrt"``
    :math:`1 - \sqrt{p}`. The rate is continuous at :math:`W` and :math:`N`; after
    :math:`N` it holds the final rate. Each shape is computed from its distance to
    the end of the decay, so the rates keep float32's relative precision down to
    the smallest.

    Args:
        peak_learning_rate: :math:`\eta_{\max}`, the plateau's rate; finite, ``>= 0``.
        total_steps: :math:`N`, the length of training; an integer ``> 0``.
        warmup_steps: :math:`W`, the linear rise from 0; an integer ``>= 0`` and
            ``<= total_steps * (1 - decay_fraction)`` (the decay starts after the
            warm-up; the plateau may be empty).
        decay_fraction: :math:`F`, the fraction of ``total_steps`` spent decaying;
            in ``(0, 1]``.
        decay_shape: :math:`g`; one of ``"linear"``, ``"cosine"``, ``"1-sqrt"``.
        alpha: the final rate as a fraction of :math:`\eta_{\max}`; in ``[0, 1]``.

    Returns:
        Called with a step (int, float, tensor of any shape), a float32 tensor of
        the step's shape.

    Raises:
        ValueError: an argument is out of its range or not finite.
        TypeError: an argument has the wrong type.

    Example:
        >>> schedule = WarmupStableDecay(1.0, total_steps=10, warmup_steps=2,
        ...                              decay_fraction=0.4, decay_shape="linear")
        >>> print(", ".join(f"{float(schedule(s)):.2f}" for s in range(12)))
        0.00, 0.50, 1.00, 1.00, 1.00, 1.00, 1.00, 0.75, 0.50, 0.25, 0.00, 0.00
    """

    def __init__(
        self,
        peak_learning_rate: float,
        total_steps: int,
        warmup_steps: int = 0,
        decay_fraction: float = 0.2,
        decay_shape: str = "1-sqrt",
        alpha: float = 0.0,
    ):
        check_non_negative("peak_learning_rate", peak_learning_rate)
        total = check_integer("total_steps", total_steps, minimum=1)
        warmup = check_integer("warmup_steps", warmup_steps, minimum=0)
        fraction = check_in_range("decay_fraction", decay_fraction, 0.0, 1.0, low_inclusive=False)
        check_one_of("decay_shape", decay_shape, DECAY_SHAPES)
        check_in_range("alpha", alpha, 0.0, 1.0)
        if warmup > total * (1 - fraction):
            raise ArgumentError(
                "warmup_steps",
                "Argument `warmup_steps` must be <= total_steps * (1 - decay_fraction), "
                "the step where the decay starts. "
                f"Received: warmup_steps={warmup_steps!r}, total_steps={total_steps!r}, "
                f"decay_fraction={decay_fraction!r}",
            )
        self.peak_learning_rate = peak_learning_rate
        self.total_steps = total_steps
        self.warmup_steps = warmup_steps
        self.decay_fraction = decay_fraction
        self.decay_shape = decay_shape
        self.alpha = alpha
        self._decay_start = total * (1 - fraction)
        self._decay_steps = total * fraction

    def _decay(self, t: tf.Tensor) -> tf.Tensor:
        """:math:`g(p)` at steps ``t``, from :math:`p` and :math:`1 - p` each computed directly."""
        # Both measured from a whole step, so float32 rounds each once and keeps its
        # relative precision near 0: 1 - sqrt(p) needs an exact p near the decay's start.
        remaining = (float(self.total_steps) - t) / self._decay_steps
        if self.decay_shape == "linear":
            return remaining
        if self.decay_shape == "cosine":
            return tf.square(tf.sin(tf.constant(math.pi / 2, tf.float32) * remaining))
        whole = math.floor(self._decay_start)
        progress = ((t - whole) - (self._decay_start - whole)) / self._decay_steps
        # 1 - sqrt(p) = (1 - p) / (1 + sqrt(p)): no cancellation as p -> 1.
        return remaining / (1.0 + tf.sqrt(tf.maximum(progress, 0.0)))

    def __call__(self, step: Any) -> tf.Tensor:
        t = tf.minimum(as_step(step), float(self.total_steps))
        peak = tf.constant(self.peak_learning_rate, tf.float32)
        decay = self.alpha + (1.0 - self.alpha) * self._decay(t)
        rate = tf.where(t >= self._decay_start, peak * decay, peak)
        # Set apart: a decay_fraction so small that the decay rounds to no steps at all
        # would make its formula 0 / 0 here.
        rate = tf.where(t >= float(self.total_steps), peak * self.alpha, rate)
        if self.warmup_steps:
            rate = tf.where(t < float(self.warmup_steps), peak * (t / self.warmup_steps), rate)
        return rate

    def get_config(self) -> dict[str, Any]:
        return {
            "peak_learning_rate": self.peak_learning_rate,
            "total_steps": self.total_steps,
            "warmup_steps": self.warmup_steps,
            "decay_fraction": self.decay_fraction,
            "decay_shape": self.decay_shape,
            "alpha": self.alpha,
        }
