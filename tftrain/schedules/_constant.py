"""A constant learning rate."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from tftrain._validation import check_number
from tftrain.schedules._base import Schedule, as_step
from tftrain.schedules._family import register


@register(
    "constant",
    example={"value": 0.01},
    arguments=lambda st: st.fixed_dictionaries({"value": st.floats(1e-5, 10.0)}),
)
class Constant(Schedule):
    r"""A constant learning rate: :math:`\eta(t) = v` for every step :math:`t`.

    Args:
        value: the learning rate :math:`v`; a finite number.

    Returns:
        Called with a step, a float32 tensor of the step's shape.

    Raises:
        ValueError: ``value`` is not finite.

    Example:
        >>> print(f"{float(Constant(0.01)(1000)):.4f}")
        0.0100
    """

    def __init__(self, value: float):
        self.value = value
        self._value = check_number("value", value)

    def __call__(self, step: Any) -> tf.Tensor:
        return tf.zeros_like(as_step(step)) + self._value

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value}
