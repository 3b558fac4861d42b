"""Polynomial decay to an end rate, optionally restarting in ever longer cycles."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from tftrain._validation import check_bool, check_non_negative, check_positive
from tftrain.schedules._base import Schedule, as_step
from tftrain.schedules._family import register


@register(
    "polynomial_decay",
    aliases=("polynomial",),
    example={
        "initial_learning_rate": 0.1,
        "decay_steps": 500,
        "end_learning_rate": 0.001,
        "power": 2.0,
    },
    arguments=lambda st: st.fixed_dictionaries(
        {
            "initial_learning_rate": st.floats(1e-5, 10.0),
            "decay_steps": st.integers(1, 10_000),
            "end_learning_rate": st.floats(0.0, 10.0),
            "power": st.floats(0.1, 5.0),
            "cycle": st.booleans(),
        }
    ),
)
class PolynomialDecay(Schedule):
    r"""Polynomial decay from the initial rate to an end rate, as Keras's ``PolynomialDecay``.

    .. math::

        \eta(t) = (\eta_0 - \eta_T)\left(1 - \frac{\min(t, T)}{T}\right)^{k} + \eta_T

    with :math:`\eta_0` = ``initial_learning_rate``, :math:`\eta_T` =
    ``end_learning_rate``, :math:`T` = ``decay_steps`` and :math:`k` = ``power``;
    constant at :math:`\eta_T` after :math:`T`. With ``cycle=True`` the decay
    restarts instead: :math:`t` is not clamped and :math:`T` becomes
    :math:`T \lceil t / T \rceil` (:math:`T` at step 0), so the rate reaches
    :math:`\eta_T` at every multiple of :math:`T` and jumps back up one step later,
    each cycle lower than the last. The values are those of
    ``keras.optimizers.schedules.PolynomialDecay``, computed the same way in
    float32. Past :math:`2^{24}` steps, where float32 no longer holds every
    step, the cycle's end :math:`T \lceil t / T \rceil` may round below :math:`t`;
    Keras then raises a negative number to the power :math:`k` (NaN), and this
    schedule gives :math:`\eta_T`.
    An ``end_learning_rate`` above the initial rate makes the rate grow.

    Args:
        initial_learning_rate: :math:`\eta_0`; finite, ``>= 0``.
        decay_steps: :math:`T`; ``> 0``.
        end_learning_rate: :math:`\eta_T`; finite, ``>= 0``.
        power: :math:`k`; ``> 0`` (1 is linear).
        cycle: restart the decay after each :math:`T` steps instead of holding
            :math:`\eta_T`.

    Returns:
        Called with a step (int, float, tensor of any shape), a float32 tensor of
        the step's shape.

    Raises:
        ValueError: an argument is out of its range or not finite.
        TypeError: an argument has the wrong type.

    Example:
        >>> schedule = PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.0, power=2.0)
        >>> print(", ".join(f"{float(schedule(s)):.2f}" for s in (0, 5, 10, 20)))
        1.00, 0.25, 0.00, 0.00
        >>> cycling = PolynomialDecay(1.0, 10, 0.0, power=1.0, cycle=True)
        >>> print(", ".join(f"{float(cycling(s)):.2f}" for s in (0, 5, 10, 11, 20)))
        1.00, 0.50, 0.00, 0.45, 0.00
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
    ):
        check_non_negative("initial_learning_rate", initial_learning_rate)
        check_positive("decay_steps", decay_steps)
        check_non_negative("end_learning_rate", end_learning_rate)
        check_positive("power", power)
        check_bool("cycle", cycle)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle

    def __call__(self, step: Any) -> tf.Tensor:
        t = as_step(step)
        decay_steps = tf.constant(self.decay_steps, tf.float32)
        if self.cycle:
            decay_steps = decay_steps * tf.maximum(tf.math.ceil(t / decay_steps), 1.0)
        else:
            t = tf.minimum(t, decay_steps)
        initial = tf.constant(self.initial_learning_rate, tf.float32)
        end = tf.constant(self.end_learning_rate, tf.float32)
        # At the end of the decay (and past 2**24 steps, where float32 may round the
        # cycle's end below t) the remaining fraction is exactly 0: a graph may rewrite
        # t / T as t * (1 / T), and 1 - 0.99999994 under a fractional power is far from
        # the end rate; 1 - p < 0 would be NaN. Elsewhere Keras's 1 - t / T, bit for bit.
        remaining = tf.where(t >= decay_steps, 0.0, tf.maximum(1.0 - t / decay_steps, 0.0))
        return (initial - end) * tf.pow(remaining, tf.constant(self.power, tf.float32)) + end

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
        }
