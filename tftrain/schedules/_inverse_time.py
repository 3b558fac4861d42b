"""Inverse-time decay: the rate divided by one plus a multiple of the elapsed time."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from tftrain._validation import check_bool, check_non_negative, check_positive
from tftrain.schedules._base import Schedule, as_step
from tftrain.schedules._family import register


@register(
    "inverse_time_decay",
    aliases=("inverse_time",),
    example={"initial_learning_rate": 0.1, "decay_steps": 100, "decay_rate": 0.5},
    arguments=lambda st: st.fixed_dictionaries(
        {
            "initial_learning_rate": st.floats(1e-5, 10.0),
            "decay_steps": st.integers(1, 10_000),
            "decay_rate": st.floats(0.0, 10.0),
            "staircase": st.booleans(),
        }
    ),
)
class InverseTimeDecay(Schedule):
    r"""Inverse-time decay, as Keras's ``InverseTimeDecay``.

    .. math::

        \eta(t) = \frac{\eta_0}{1 + r\, p}, \qquad
        p = \frac{t}{T} \quad(\text{or } \lfloor t / T \rfloor \text{ with a staircase})

    with :math:`\eta_0` = ``initial_learning_rate``, :math:`r` = ``decay_rate``
    and :math:`T` = ``decay_steps``. The values are those of
    ``keras.optimizers.schedules.InverseTimeDecay``, computed the same way in
    float32.

    Args:
        initial_learning_rate: :math:`\eta_0`; finite, ``>= 0``.
        decay_steps: :math:`T`; ``> 0``.
        decay_rate: :math:`r`; finite, ``>= 0`` (0 keeps the rate at :math:`\eta_0`).
        staircase: floor :math:`t / T`, so the rate changes only every
            ``decay_steps`` steps.

    Returns:
        Called with a step (int, float, tensor of any shape), a float32 tensor of
        the step's shape.

    Raises:
        ValueError: an argument is out of its range or not finite.
        TypeError: an argument has the wrong type.

    Example:
        >>> schedule = InverseTimeDecay(1.0, decay_steps=1, decay_rate=1.0)
        >>> print(", ".join(f"{float(schedule(s)):.3f}" for s in (0, 1, 2, 3)))
        1.000, 0.500, 0.333, 0.250
        >>> stairs = InverseTimeDecay(1.0, decay_steps=10, decay_rate=1.0, staircase=True)
        >>> print(", ".join(f"{float(stairs(s)):.3f}" for s in (0, 9, 10, 19, 20)))
        1.000, 1.000, 0.500, 0.500, 0.333
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        decay_rate: float,
        staircase: bool = False,
    ):
        check_non_negative("initial_learning_rate", initial_learning_rate)
        check_positive("decay_steps", decay_steps)
        check_non_negative("decay_rate", decay_rate)
        check_bool("staircase", staircase)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase

    def __call__(self, step: Any) -> tf.Tensor:
        t = as_step(step)
        decay_steps = tf.constant(self.decay_steps, tf.float32)
        p = t / decay_steps
        if self.staircase:
            p = tf.floor(p)
        rate = tf.constant(self.decay_rate, tf.float32)
        return tf.constant(self.initial_learning_rate, tf.float32) / (1.0 + rate * p)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
        }
