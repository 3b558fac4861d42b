"""Exponential decay, with an optional staircase, delay and bound."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from tftrain._validation import ArgumentError, check_integer, check_non_negative, check_positive
from tftrain.schedules._base import Schedule, as_step
from tftrain.schedules._family import register


def _arguments(st: Any) -> Any:
    """Valid arguments (``st`` is ``hypothesis.strategies``); a growing rate gets a ceiling."""

    @st.composite
    def draw_arguments(draw: Any) -> dict[str, Any]:
        initial = draw(st.floats(1e-5, 10.0))
        rate = draw(st.floats(0.05, 3.0).filter(lambda r: abs(r - 1.0) > 1e-3))
        spec = {
            "initial_learning_rate": initial,
            "decay_steps": draw(st.integers(1, 10_000)),
            "decay_rate": rate,
            "staircase": draw(st.booleans()),
            "transition_begin": draw(st.integers(0, 1000)),
        }
        if rate > 1 or draw(st.booleans()):  # unbounded growth overflows (tested on its own)
            fraction = draw(st.floats(0.0, 1.0))
            spec["end_value"] = initial * fraction if rate < 1 else initial / max(fraction, 1e-3)
        return spec

    return draw_arguments()


@register(
    "exponential_decay",
    example={
        "initial_learning_rate": 0.1,
        "decay_steps": 7,
        "decay_rate": 0.9,
        "staircase": True,
        "transition_begin": 3,
        "end_value": 0.01,
    },
    arguments=_arguments,
)
class ExponentialDecay(Schedule):
    r"""Exponential decay of the learning rate.

    .. math::

        \eta(t) = \eta_0 \, r^{\,p}, \qquad
        p = \frac{\max(t - t_0, 0)}{T}
        \quad(\text{or } \lfloor p \rfloor \text{ with a staircase})

    with :math:`\eta_0` = ``initial_learning_rate``, :math:`r` = ``decay_rate``,
    :math:`T` = ``decay_steps`` and :math:`t_0` = ``transition_begin``; then
    bounded by ``end_value``: a floor when decaying (:math:`r < 1`), a ceiling
    when growing (:math:`r > 1`); with :math:`r = 1` the rate stays
    :math:`\eta_0` and ``end_value`` has no effect. With ``transition_begin=0`` and no
    ``end_value`` the values are those of
    ``keras.optimizers.schedules.ExponentialDecay``, computed the same way in
    float32. A negative step is treated as step 0. Growth without an
    ``end_value`` overflows to ``inf`` once :math:`r^p` exceeds float32's range.

    Args:
        initial_learning_rate: :math:`\eta_0`; finite, ``>= 0``.
        decay_steps: :math:`T`, the steps over which the rate is multiplied by
            :math:`r` once; ``> 0``.
        decay_rate: :math:`r`; ``> 0``.
        staircase: floor the exponent, so the rate changes only every
            ``decay_steps`` steps.
        transition_begin: :math:`t_0`, steps to hold :math:`\eta_0` before
            decaying; an integer ``>= 0``.
        end_value: the bound, or ``None``; ``>= 0``, and ``<= initial_learning_rate``
            when decaying, ``>= initial_learning_rate`` when growing. A bound below
            float32's smallest normal number (about 1.2e-38) acts as 0, since
            TensorFlow flushes subnormals to zero.

    Returns:
        Called with a step (int, float, tensor of any shape), a float32 tensor
        of the step's shape.

    Raises:
        ValueError: an argument is out of its range or not finite.
        TypeError: an argument has the wrong type.

    Example:
        >>> schedule = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
        >>> print(", ".join(f"{float(schedule(s)):.4f}" for s in (0, 5, 10, 20)))
        0.1000, 0.0707, 0.0500, 0.0250
        >>> stairs = ExponentialDecay(0.1, 10, 0.5, staircase=True)
        >>> print(", ".join(f"{float(stairs(s)):.4f}" for s in (0, 5, 10, 19)))
        0.1000, 0.1000, 0.0500, 0.0500
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        decay_rate: float,
        staircase: bool = False,
        *,
        transition_begin: int = 0,
        end_value: float | None = None,
    ):
        initial = check_non_negative("initial_learning_rate", initial_learning_rate)
        check_positive("decay_steps", decay_steps)
        rate = check_positive("decay_rate", decay_rate)
        if not isinstance(staircase, bool):
            raise TypeError(
                f"Argument `staircase` must be a bool. Received: staircase={staircase!r}"
            )
        check_integer("transition_begin", transition_begin, minimum=0)
        if end_value is not None:
            end = check_non_negative("end_value", end_value)
            if rate < 1 and end > initial:
                raise ArgumentError(
                    "end_value",
                    "Argument `end_value` must be <= initial_learning_rate when decaying "
                    f"(decay_rate < 1). Received: end_value={end_value!r}, "
                    f"initial_learning_rate={initial_learning_rate!r}",
                )
            if rate > 1 and end < initial:
                raise ArgumentError(
                    "end_value",
                    "Argument `end_value` must be >= initial_learning_rate when growing "
                    f"(decay_rate > 1). Received: end_value={end_value!r}, "
                    f"initial_learning_rate={initial_learning_rate!r}",
                )
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.transition_begin = transition_begin
        self.end_value = end_value

    def __call__(self, step: Any) -> tf.Tensor:
        t = as_step(step)
        if self.transition_begin:
            t = tf.maximum(t - float(self.transition_begin), 0.0)
        p = t / tf.constant(self.decay_steps, tf.float32)
        if self.staircase:
            p = tf.floor(p)
        lr = tf.constant(self.initial_learning_rate, tf.float32) * tf.pow(
            tf.constant(self.decay_rate, tf.float32), p
        )
        if self.end_value is not None and self.decay_rate != 1:
            bound = tf.constant(self.end_value, tf.float32)
            lr = tf.maximum(lr, bound) if self.decay_rate < 1 else tf.minimum(lr, bound)
        return lr

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "transition_begin": self.transition_begin,
            "end_value": self.end_value,
        }
