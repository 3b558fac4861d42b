"""Means with Student-t confidence intervals, for results over a few seeds."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple

from tftrain._validation import check_in_range, check_integer


def _central_mass(t: float, df: int) -> float:
    """:math:`P(|T| < t)` for Student's t with ``df`` degrees of freedom (closed form)."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    if df % 2 == 0:
        term = total = 1.0
        for k in range(1, (df - 2) // 2 + 1):
            term *= (2 * k - 1) / (2 * k) * c2
            total += term
        return math.sin(theta) * total
    if df == 1:
        return 2.0 * theta / math.pi
    term = total = math.cos(theta)
    for k in range(1, (df - 3) // 2 + 1):
        term *= (2 * k) / (2 * k + 1) * c2
        total += term
    return 2.0 / math.pi * (theta + math.sin(theta) * total)


def t_quantile(probability: float, df: int) -> float:
    r"""The ``probability`` quantile of Student's t distribution with ``df`` degrees of freedom.

    Solves :math:`F_\nu(t) = p` by bisection on the closed form of
    :math:`P(|T| < t)` for integer :math:`\nu` (Abramowitz & Stegun, 26.7.3-4),
    so no SciPy is needed; the result is exact to double precision.

    Args:
        probability: :math:`p`, in ``(0, 1)``.
        df: degrees of freedom :math:`\nu`; an integer ``>= 1``.

    Returns:
        The quantile :math:`t` as a float.

    Raises:
        ValueError: ``probability`` outside ``(0, 1)`` or ``df < 1``.

    Example:
        >>> print(f"{t_quantile(0.975, 1):.3f} {t_quantile(0.975, 4):.3f} {t_quantile(0.5, 9):.1f}")
        12.706 2.776 0.0
    """
    p = check_in_range(
        "probability", probability, 0.0, 1.0, low_inclusive=False, high_inclusive=False
    )
    nu = check_integer("df", df, minimum=1)
    if p < 0.5:
        return -t_quantile(1.0 - p, nu)
    target = 2.0 * p - 1.0
    low, high = 0.0, 1.0
    while _central_mass(high, nu) < target:
        low, high = high, 2.0 * high
    for _ in range(200):
        middle = 0.5 * (low + high)
        if middle in (low, high):
            break
        if _central_mass(middle, nu) < target:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


class Interval(NamedTuple):
    """A mean over ``n`` values with its sample standard deviation and confidence interval."""

    n: int
    mean: float
    std: float
    low: float
    high: float

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies wholly above or wholly below 0."""
        return self.low > 0.0 or self.high < 0.0


def mean_interval(values: Iterable[float], confidence: float = 0.95) -> Interval:
    r"""The mean of ``values`` with a Student-t confidence interval.

    .. math::

        \bar x \pm t_{(1 + c)/2,\; n - 1} \frac{s}{\sqrt n}, \qquad
        s^2 = \frac{1}{n - 1} \sum_i (x_i - \bar x)^2

    With one value the standard deviation and the interval are NaN (no
    spread can be estimated from one seed).

    Args:
        values: the values, one per seed; at least one.
        confidence: the coverage :math:`c`, in ``(0, 1)``.

    Returns:
        An :class:`Interval`.

    Raises:
        ValueError: no values, or ``confidence`` outside ``(0, 1)``.

    Example:
        >>> i = mean_interval([0.90, 0.92, 0.94])
        >>> print(f"{i.mean:.2f} {i.std:.2f} [{i.low:.4f}, {i.high:.4f}]", i.excludes_zero)
        0.92 0.02 [0.8703, 0.9697] True
    """
    xs = [float(v) for v in values]
    if not xs:
        raise ValueError("Argument `values` must hold at least one value. Received: values=[]")
    c = check_in_range(
        "confidence", confidence, 0.0, 1.0, low_inclusive=False, high_inclusive=False
    )
    n = len(xs)
    mean = math.fsum(xs) / n
    if n == 1:
        return Interval(1, mean, math.nan, math.nan, math.nan)
    std = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1))
    half = t_quantile(0.5 + c / 2.0, n - 1) * std / math.sqrt(n)
    return Interval(n, mean, std, mean - half, mean + half)
