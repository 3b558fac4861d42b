"""Cosine decay to a floor."""

from __future__ import annotations

import math
from typing import Any

import tensorflow as tf

from tftrain._validation import check_in_range, check_non_negative, check_positive
from tftrain.schedules._base import Schedule, as_step
from tftrain.schedules._family import register


@register(
    "cosine_decay",
    aliases=("cosine",),
    example={"initial_learning_rate": 0.1, "decay_steps": 500, "alpha": 0.1},
    arguments=lambda st: st.fixed_dictionaries(
        {
            "initial_learning_rate": st.floats(1e-5, 10.0),
            "decay_steps": st.integers(1, 10_000),
            "alpha": st.floats(0.0, 1.0),
        }
    ),
)
class CosineDecay(Schedule):
    r"""Cosine decay from the initial rate to ``alpha`` times it (Loshchilov & Hutter, 2017).

    .. math::

        \eta(t) = \eta_0 \left((1 - \alpha)\, \tfrac{1}{2}\left(1 + \cos\frac{\pi
        \min(t, T)}{T}\right) + \alpha\right)

    with :math:`\eta_0` = ``initial_learning_rate``, :math:`T` = ``decay_steps``
    and :math:`\alpha` = ``alpha``; constant at :math:`\alpha \eta_0` after
    :math:`T`. The values are those of ``keras.optimizers.schedules.CosineDecay``
    (without its warm-up; wrap in :class:`LinearWarmup` for one).

    Args:
        initial_learning_rate: :math:`\eta_0`; finite, ``>= 0``.
        decay_steps: :math:`T`; ``> 0``.
        alpha: the final fraction of :math:`\eta_0`; in ``[0, 1]``.

    Returns:
        Called with a step, a float32 tensor of the step's shape.

    Raises:
        ValueError: an argument is out of its range.

    Example:
        >>> schedule = CosineDecay(1.0, decay_steps=100, alpha=0.1)
        >>> print(", ".join(f"{float(schedule(s)):.3f}" for s in (0, 50, 100, 500)))
        1.000, 0.550, 0.100, 0.100
    """

    def __init__(self, initial_learning_rate: float, decay_steps: float, alpha: float = 0.0):
        check_non_negative("initial_learning_rate", initial_learning_rate)
        check_positive("decay_steps", decay_steps)
        check_in_range("alpha", alpha, 0.0, 1.0)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha

    def __call__(self, step: Any) -> tf.Tensor:
        decay_steps = tf.constant(self.decay_steps, tf.float32)
        fraction = tf.minimum(as_step(step), decay_steps) / decay_steps
        cosine = 0.5 * (1.0 + tf.cos(tf.constant(math.pi, tf.float32) * fraction))
        decayed = (1.0 - self.alpha) * cosine + self.alpha
        return tf.constant(self.initial_learning_rate, tf.float32) * decayed

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
        }
