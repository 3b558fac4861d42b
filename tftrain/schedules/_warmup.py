"""A linear warm-up in front of any schedule."""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from tftrain._validation import check_integer, check_non_negative
from tftrain.schedules._base import Schedule, as_step, to_spec
from tftrain.schedules._family import get, register


def _arguments(st: Any) -> Any:
    """Valid arguments (``st`` is ``hypothesis.strategies``), wrapping a declared schedule."""
    from tftrain.schedules._family import SCHEDULES

    inner = st.one_of(
        [
            SCHEDULES.fact(name, "arguments")(st).map(
                lambda kwargs, name=name: {"name": name, **kwargs}
            )
            for name in ("constant", "cosine_decay", "exponential_decay")
        ]
    )
    return st.fixed_dictionaries(
        {
            "schedule": inner,
            "warmup_steps": st.integers(0, 1000),
            "initial_learning_rate": st.floats(0.0, 1.0),
        }
    )


@register(
    "linear_warmup",
    aliases=("warmup",),
    example={
        "warmup_steps": 4,
        "initial_learning_rate": 0.01,
        "schedule": {
            "name": "exponential_decay",
            "initial_learning_rate": 0.1,
            "decay_steps": 10,
            "decay_rate": 0.5,
        },
    },
    arguments=_arguments,
)
class LinearWarmup(Schedule):
    r"""A linear ramp for ``warmup_steps`` steps, then the wrapped schedule.

    .. math::

        \eta(t) = \begin{cases}
            \eta_w + (s(0) - \eta_w)\, t / W & t < W \\
            s(t - W) & t \ge W
        \end{cases}

    with :math:`W` = ``warmup_steps``, :math:`\eta_w` = ``initial_learning_rate``
    and :math:`s` the wrapped schedule, which starts counting at the hand-over,
    so the rate is continuous there: it reaches :math:`s(0)` at :math:`t = W`.

    Args:
        schedule: the schedule after the warm-up: a schedule object, a
            registered name or dict spec, or a number (a constant rate).
        warmup_steps: :math:`W`; an integer ``>= 0`` (0: no warm-up).
        initial_learning_rate: :math:`\eta_w`, the rate at step 0; ``>= 0``.

    Returns:
        Called with a step, a float32 tensor of the step's shape.

    Raises:
        ValueError: ``warmup_steps < 0`` or a bad rate.
        TypeError: ``schedule`` is not a schedule.

    Example:
        >>> schedule = LinearWarmup({"name": "constant", "value": 1.0}, warmup_steps=4)
        >>> print(", ".join(f"{float(schedule(s)):.2f}" for s in range(6)))
        0.00, 0.25, 0.50, 0.75, 1.00, 1.00
    """

    def __init__(self, schedule: Any, warmup_steps: int, initial_learning_rate: float = 0.0):
        check_integer("warmup_steps", warmup_steps, minimum=0)
        check_non_negative("initial_learning_rate", initial_learning_rate)
        self.schedule: keras.optimizers.schedules.LearningRateSchedule = get(schedule)
        self.warmup_steps = int(warmup_steps)
        self.initial_learning_rate = initial_learning_rate

    def __call__(self, step: Any) -> tf.Tensor:
        t = as_step(step)
        warmup = float(self.warmup_steps)
        after = tf.cast(self.schedule(tf.maximum(t - warmup, 0.0)), tf.float32)
        if not self.warmup_steps:
            return after
        target = tf.cast(self.schedule(tf.constant(0.0)), tf.float32)
        start = tf.constant(self.initial_learning_rate, tf.float32)
        ramp = start + (target - start) * (t / warmup)
        return tf.where(t < warmup, ramp, after)

    def get_config(self) -> dict[str, Any]:
        return {
            "schedule": to_spec(self.schedule),
            "warmup_steps": self.warmup_steps,
            "initial_learning_rate": self.initial_learning_rate,
        }
