"""The one-cycle policy, as PyTorch's ``OneCycleLR`` defines it."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import tensorflow as tf

from tftrain._validation import (
    ArgumentError,
    check_bool,
    check_in_range,
    check_integer,
    check_non_negative,
    check_one_of,
    check_positive,
)
from tftrain.schedules._base import Schedule, as_step, float32_below
from tftrain.schedules._family import register

ANNEAL_STRATEGIES = ("cos", "linear")


class Phase(NamedTuple):
    """One phase of the cycle: the rate goes from ``start_rate`` to ``end_rate``.

    The phase ends at step ``end`` and starts where the previous one ended (step 0
    for the first); both may fall between whole steps, as in PyTorch.
    """

    start: float
    end: float
    start_rate: float
    end_rate: float


def _arguments(st: Any) -> Any:
    """Valid arguments (``st`` is ``hypothesis.strategies``): phases that PyTorch can run."""

    @st.composite
    def draw_arguments(draw: Any) -> dict[str, Any]:
        total_steps = draw(st.integers(2, 20_000))
        three_phase = draw(st.booleans())
        high = (total_steps + 1) / (2 * total_steps) if three_phase else 1.0
        pct_start = draw(
            st.floats(0.0, high, exclude_min=True, exclude_max=True).filter(
                lambda p: float(p * total_steps) != 1
            )
        )
        return {
            "max_learning_rate": draw(st.floats(1e-5, 10.0)),
            "total_steps": total_steps,
            "pct_start": pct_start,
            "anneal_strategy": draw(st.sampled_from(ANNEAL_STRATEGIES)),
            "div_factor": draw(st.floats(1.0, 1e3)),
            "final_div_factor": draw(st.floats(1.0, 1e5)),
            "three_phase": three_phase,
        }

    return draw_arguments()


@register(
    "one_cycle",
    aliases=("onecycle", "one_cycle_lr"),
    example={
        "max_learning_rate": 0.1,
        "total_steps": 1000,
        "pct_start": 0.3,
        "anneal_strategy": "cos",
        "div_factor": 25.0,
        "final_div_factor": 1e4,
        "three_phase": False,
    },
    arguments=_arguments,
)
class OneCycle(Schedule):
    r"""The one-cycle policy (Smith & Topin, 2017), as PyTorch's ``OneCycleLR``.

    The rate rises from :math:`\eta_{\max} / d` to :math:`\eta_{\max}` over the
    first ``pct_start`` of ``total_steps``, then anneals down to
    :math:`\eta_{\max} / (d f)`. Each phase anneals from a rate :math:`a` to
    :math:`b` as its progress :math:`p` goes from 0 to 1:

    .. math::

        \text{cos: } b + (a - b)\,\tfrac{1}{2}(1 + \cos \pi p), \qquad
        \text{linear: } a + (b - a)\, p, \qquad
        p = \frac{t - e_{k-1}}{e_k - e_{k-1}}

    where the phases end at :math:`e_1 = P N - 1` and :math:`e_2 = N - 1`
    (:math:`e_0 = 0`), with :math:`N` = ``total_steps``, :math:`P` = ``pct_start``,
    :math:`d` = ``div_factor`` and :math:`f` = ``final_div_factor``. With
    ``three_phase=True`` the second phase mirrors the first, back down to
    :math:`\eta_{\max} / d` at :math:`e_2 = 2 P N - 2`, and a third anneals to
    :math:`\eta_{\max} / (d f)` at :math:`e_3 = N - 1`. Step :math:`t` is
    PyTorch's ``last_epoch``: the rate for the optimizer's step :math:`t`, counted
    from 0 as ``optimizer.iterations`` is. From step :math:`N - 1` on the rate
    holds at :math:`\eta_{\max} / (d f)`, where PyTorch extrapolates the last
    phase one step further (step :math:`N`) and raises after it. Momentum
    cycling (PyTorch's ``cycle_momentum``) is not part of a learning-rate
    schedule. Each phase is computed from whichever of its ends is lower, so the
    rates keep float32's relative precision down to the smallest.

    Args:
        max_learning_rate: :math:`\eta_{\max}`, PyTorch's ``max_lr``; finite, ``>= 0``.
        total_steps: :math:`N`, the steps in the cycle; an integer ``> 0``.
        pct_start: :math:`P`, the fraction of the cycle spent rising; in
            ``(0, 1)``, with :math:`P N \ne 1` (the first phase would end at step 0,
            where PyTorch divides by zero) and, with ``three_phase``,
            :math:`2 P N < N + 1` (else the last phase has no steps).
        anneal_strategy: ``"cos"`` or ``"linear"``.
        div_factor: :math:`d`; the cycle starts at :math:`\eta_{\max} / d`; ``> 0``.
        final_div_factor: :math:`f`; it ends at :math:`\eta_{\max} / (d f)`; ``> 0``.
        three_phase: rise, fall back symmetrically, then anneal (the paper's
            schedule), instead of rise then anneal (fastai's, PyTorch's default).

    Returns:
        Called with a step (int, float, tensor of any shape), a float32 tensor of
        the step's shape.

    Raises:
        ValueError: an argument is out of its range or not finite.
        TypeError: an argument has the wrong type.

    Example:
        >>> schedule = OneCycle(1.0, total_steps=11, pct_start=0.5, anneal_strategy="linear",
        ...                     div_factor=10.0, final_div_factor=10.0)
        >>> print(", ".join(f"{float(schedule(s)):.3f}" for s in (0, 2, 4, 8, 10, 100)))
        0.100, 0.500, 0.900, 0.370, 0.010, 0.010
    """

    def __init__(
        self,
        max_learning_rate: float,
        total_steps: int,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
    ):
        max_rate = check_non_negative("max_learning_rate", max_learning_rate)
        total = check_integer("total_steps", total_steps, minimum=1)
        pct = check_in_range(
            "pct_start", pct_start, 0.0, 1.0, low_inclusive=False, high_inclusive=False
        )
        check_one_of("anneal_strategy", anneal_strategy, ANNEAL_STRATEGIES)
        div = check_positive("div_factor", div_factor)
        final_div = check_positive("final_div_factor", final_div_factor)
        check_bool("three_phase", three_phase)
        if float(pct * total) - 1 == 0:
            raise ArgumentError(
                "pct_start",
                "Argument `pct_start` times `total_steps` must not be 1: the rise would end "
                f"at step 0. Received: pct_start={pct_start!r}, total_steps={total_steps!r}",
            )
        if three_phase and not 2 * pct * total < total + 1:
            raise ArgumentError(
                "pct_start",
                "Argument `pct_start` must be < (total_steps + 1) / (2 * total_steps) with "
                "`three_phase=True`, so the last phase has steps. "
                f"Received: pct_start={pct_start!r}, total_steps={total_steps!r}",
            )
        self.max_learning_rate = max_learning_rate
        self.total_steps = total_steps
        self.pct_start = pct_start
        self.anneal_strategy = anneal_strategy
        self.div_factor = div_factor
        self.final_div_factor = final_div_factor
        self.three_phase = three_phase
        # PyTorch's phase table, in float64 at construction.
        initial = max_rate / div
        final = initial / final_div
        rise_end = float(pct * total) - 1
        if three_phase:
            ends = [(rise_end, initial, max_rate), (float(2 * pct * total) - 2, max_rate, initial)]
            ends.append((total - 1, initial, final))
        else:
            ends = [(rise_end, initial, max_rate), (total - 1, max_rate, final)]
        starts = [0.0] + [end for end, _, _ in ends[:-1]]
        self._phases = [Phase(s, e, a, b) for s, (e, a, b) in zip(starts, ends, strict=True)]

    def _anneal(self, phase: Phase, t: tf.Tensor) -> tf.Tensor:
        """The rate of ``phase`` at steps ``t``, from its lower end for relative precision."""
        low, high = sorted((phase.start_rate, phase.end_rate))
        # Steps since the phase's lower end, as (whole - t) + fraction so that float32
        # rounds once, whatever the step: the end points need not be whole steps.
        at = phase.end if phase.end_rate < phase.start_rate else phase.start
        whole = math.floor(at)
        distance = tf.abs((t - whole) - (at - whole)) / abs(phase.end - phase.start)
        if self.anneal_strategy == "cos":
            weight = tf.square(tf.sin(tf.constant(math.pi / 2, tf.float32) * distance))
        else:
            weight = distance
        return tf.constant(low, tf.float32) + tf.constant(high - low, tf.float32) * weight

    def __call__(self, step: Any) -> tf.Tensor:
        t = tf.minimum(as_step(step), float(self.total_steps - 1))
        rate = self._anneal(self._phases[-1], t)
        for phase in reversed(self._phases[:-1]):
            # Rounded down so that no step lands in a phase it is past, however short the
            # next one is (pct_start = 1 - 1e-16 leaves it a tiny fraction of a step).
            rate = tf.where(t <= float32_below(phase.end), self._anneal(phase, t), rate)
        return rate

    def get_config(self) -> dict[str, Any]:
        return {
            "max_learning_rate": self.max_learning_rate,
            "total_steps": self.total_steps,
            "pct_start": self.pct_start,
            "anneal_strategy": self.anneal_strategy,
            "div_factor": self.div_factor,
            "final_div_factor": self.final_div_factor,
            "three_phase": self.three_phase,
        }
