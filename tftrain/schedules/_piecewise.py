"""A learning rate constant between step boundaries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tensorflow as tf

from tftrain._validation import ArgumentError, check_increasing, check_number
from tftrain.schedules._base import Schedule, as_step
from tftrain.schedules._family import register


def _arguments(st: Any) -> Any:
    """Valid arguments (``st`` is ``hypothesis.strategies``): one more value than boundaries."""

    @st.composite
    def draw_arguments(draw: Any) -> dict[str, Any]:
        boundaries = sorted(draw(st.sets(st.integers(0, 100_000), min_size=1, max_size=5)))
        count = len(boundaries) + 1
        values = draw(st.lists(st.floats(1e-5, 10.0), min_size=count, max_size=count))
        return {"boundaries": boundaries, "values": values}

    return draw_arguments()


@register(
    "piecewise_constant",
    aliases=("piecewise",),
    example={"boundaries": [2, 500], "values": [0.1, 0.05, 0.001]},
    arguments=_arguments,
)
class PiecewiseConstant(Schedule):
    r"""A rate that is constant between boundaries, as Keras's ``PiecewiseConstantDecay``.

    .. math::

        \eta(t) = v_i \quad\text{where } i = \#\{\,j : t > b_j\,\}

    so ``values[0]`` holds for ``t <= boundaries[0]``, ``values[1]`` for
    ``boundaries[0] < t <= boundaries[1]``, and ``values[-1]`` after the last
    boundary.

    Args:
        boundaries: the steps :math:`b_j`; strictly increasing, finite.
        values: the rates :math:`v_i`; finite, one more than ``boundaries``.

    Returns:
        Called with a step, a float32 tensor of the step's shape.

    Raises:
        ValueError: boundaries not increasing, lengths that don't match, or
            a value not finite.

    Example:
        >>> schedule = PiecewiseConstant([10, 20], [0.1, 0.01, 0.001])
        >>> print(", ".join(f"{float(schedule(s)):.3f}" for s in (0, 10, 11, 20, 21)))
        0.100, 0.100, 0.010, 0.010, 0.001
    """

    def __init__(self, boundaries: Sequence[float], values: Sequence[float]):
        boundaries, values = list(boundaries), list(values)
        check_increasing("boundaries", boundaries)
        for i, v in enumerate(values):
            check_number(f"values[{i}]", v)
        if len(values) != len(boundaries) + 1:
            raise ArgumentError(
                "values",
                "Argument `values` must have one more element than `boundaries`. "
                f"Received: len(boundaries)={len(boundaries)}, len(values)={len(values)}",
            )
        self.boundaries = boundaries
        self.values = values

    def __call__(self, step: Any) -> tf.Tensor:
        t = as_step(step)
        boundaries = tf.constant(self.boundaries, tf.float32)
        passed = tf.cast(t[..., tf.newaxis] > boundaries, tf.int32)
        return tf.gather(tf.constant(self.values, tf.float32), tf.reduce_sum(passed, axis=-1))

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values}
