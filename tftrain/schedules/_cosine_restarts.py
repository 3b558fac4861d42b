"""Cosine decay with warm restarts (SGDR)."""

from __future__ import annotations

import math
from typing import Any

import tensorflow as tf

from tftrain._validation import (
    ArgumentError,
    check_in_range,
    check_non_negative,
    check_number,
    check_positive,
)
from tftrain.schedules._base import Schedule, as_step
from tftrain.schedules._family import register

#: Relative slack under which a step counts as reaching a restart: float32 puts a
#: restart that falls on a whole step a few ulps to either side of it.
_RESTART_SLACK = 4 * float(2.0**-23)


@register(
    "cosine_decay_restarts",
    aliases=("sgdr",),
    example={
        "initial_learning_rate": 0.1,
        "first_decay_steps": 100,
        "t_mul": 2.0,
        "m_mul": 0.8,
        "alpha": 0.01,
    },
    arguments=lambda st: st.fixed_dictionaries(
        {
            "initial_learning_rate": st.floats(1e-5, 10.0),
            "first_decay_steps": st.integers(1, 10_000),
            "t_mul": st.one_of(st.sampled_from([1.0, 2.0, 3.0]), st.floats(1.0, 4.0)),
            "m_mul": st.floats(0.0, 1.0),
            "alpha": st.floats(0.0, 1.0),
        }
    ),
)
class CosineDecayRestarts(Schedule):
    r"""Cosine decay with warm restarts (SGDR), as Keras's ``CosineDecayRestarts``.

    .. math::

        \eta(t) = \eta_0 \left((1 - \alpha)\, m^i\, \tfrac{1}{2}\left(1 + \cos
        \frac{\pi (t - S_i)}{T_0 \tau^i}\right) + \alpha\right), \qquad
        S_i = T_0 \sum_{j < i} \tau^j \le t < S_{i + 1}

    with :math:`\eta_0` = ``initial_learning_rate``, :math:`T_0` =
    ``first_decay_steps``, :math:`\tau` = ``t_mul``, :math:`m` = ``m_mul`` and
    :math:`\alpha` = ``alpha``: period :math:`i` starts at step :math:`S_i`, lasts
    :math:`T_0 \tau^i` steps and starts from :math:`m^i \eta_0`. The values are
    those of ``keras.optimizers.schedules.CosineDecayRestarts``, computed the same
    way in float32, except at restarts: Keras finds the period :math:`i` from a
    float32 logarithm, which at some restart steps (e.g. step 327670 with
    :math:`T_0 = 10, \tau = 2`) lands in the previous period and gives
    :math:`\alpha \eta_0` instead of the restarted rate; here a step that reaches
    :math:`S_i` (up to float32 rounding) is always in period :math:`i`.
    Reference: Loshchilov & Hutter, *SGDR: Stochastic Gradient Descent with Warm
    Restarts*, ICLR 2017.

    Args:
        initial_learning_rate: :math:`\eta_0`; finite, ``>= 0``.
        first_decay_steps: :math:`T_0`, the length of the first period; ``> 0``.
        t_mul: :math:`\tau`, how much longer each period is than the last;
            ``>= 1`` (shorter and shorter periods would restart infinitely often
            before a finite step).
        m_mul: :math:`m`, how much lower each restart starts than the last;
            ``>= 0``. Above 1 the rate grows without bound (to ``inf`` in float32).
        alpha: the floor, as a fraction of :math:`\eta_0`; in ``[0, 1]``.

    Returns:
        Called with a step (int, float, tensor of any shape), a float32 tensor of
        the step's shape.

    Raises:
        ValueError: an argument is out of its range or not finite.
        TypeError: an argument has the wrong type.

    Example:
        >>> schedule = CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=2.0, m_mul=0.5)
        >>> print(", ".join(f"{float(schedule(s)):.3f}" for s in (0, 5, 9, 10, 20, 29, 30)))
        1.000, 0.500, 0.024, 0.500, 0.250, 0.003, 0.250
    """

    def __init__(
        self,
        initial_learning_rate: float,
        first_decay_steps: float,
        t_mul: float = 2.0,
        m_mul: float = 1.0,
        alpha: float = 0.0,
    ):
        check_non_negative("initial_learning_rate", initial_learning_rate)
        check_positive("first_decay_steps", first_decay_steps)
        if check_number("t_mul", t_mul) < 1:
            raise ArgumentError(
                "t_mul",
                "Argument `t_mul` must be >= 1 (with shorter and shorter periods the "
                f"restarts never end). Received: t_mul={t_mul!r}",
            )
        check_non_negative("m_mul", m_mul)
        check_in_range("alpha", alpha, 0.0, 1.0)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self.t_mul = t_mul
        self.m_mul = m_mul
        self.alpha = alpha

    def _periods_before(self, i: tf.Tensor) -> tf.Tensor:
        """:math:`S_i / T_0`, the length of the first ``i`` periods in units of the first."""
        if self.t_mul == 1:
            return i
        t_mul = tf.constant(self.t_mul, tf.float64)
        return (1.0 - tf.pow(t_mul, i)) / (1.0 - t_mul)

    def __call__(self, step: Any) -> tf.Tensor:
        # The position within a period is a small difference of large numbers
        # (step / T0 minus the periods before it): in float32 it loses most of its
        # digits after a few thousand periods, and differently in eager and in graphs
        # (tests/schedules/test_cosine_restarts.py). float64 keeps it exact to the
        # last float32 bit up to 2**24 steps; only the rate is float32.
        t = tf.cast(as_step(step), tf.float64)
        fraction = t / tf.constant(self.first_decay_steps, tf.float64)
        if self.t_mul == 1:
            i = tf.floor(fraction)
        else:
            t_mul = tf.constant(self.t_mul, tf.float64)
            i = tf.floor(tf.math.log(1.0 - fraction * (1.0 - t_mul)) / tf.math.log(t_mul))
        # The logarithm may put a step one period off near a restart: move it to the
        # period whose start it reaches, counting a start within float32 rounding of
        # the step (at most a quarter step) as reached: a restart that falls on a
        # whole step happens there.
        quarter = 0.25 / float(self.first_decay_steps)

        def reaches(i: tf.Tensor) -> tf.Tensor:
            start = self._periods_before(i)
            return fraction >= tf.maximum(start * (1.0 - _RESTART_SLACK), start - quarter)

        i = tf.where(reaches(i), i, i - 1.0)
        i = tf.where(reaches(i + 1.0), i + 1.0, i)
        length = tf.pow(tf.constant(self.t_mul, tf.float64), i)
        completed = tf.clip_by_value((fraction - self._periods_before(i)) / length, 0.0, 1.0)
        cosine = 0.5 * tf.pow(tf.constant(self.m_mul, tf.float64), i)
        cosine *= 1.0 + tf.cos(tf.constant(math.pi, tf.float64) * completed)
        decayed = (1.0 - self.alpha) * cosine + self.alpha
        return tf.cast(tf.constant(self.initial_learning_rate, tf.float64) * decayed, tf.float32)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self.t_mul,
            "m_mul": self.m_mul,
            "alpha": self.alpha,
        }
