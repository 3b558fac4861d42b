"""Student-t quantiles and intervals, against printed tables, SciPy and a hand computation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tftrain.compare import mean_interval, t_quantile

#: Two-sided 95 % critical values t(0.975, df), as printed in statistics tables.
TABLE = {1: 12.706204736, 2: 4.302652730, 3: 3.182446305, 4: 2.776445105, 9: 2.262157163,
         30: 2.042272456}  # fmt: skip


@pytest.mark.parametrize(("df", "expected"), TABLE.items())
def test_t_quantile_matches_the_printed_table(df, expected):
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-8)


def test_t_quantile_matches_scipy_for_every_small_df():
    stats = pytest.importorskip("scipy.stats")  # installed with scikit-learn (test extra)
    for df in [*range(1, 41), 57, 100, 501]:
        for p in (0.5, 0.6, 0.9, 0.95, 0.975, 0.995, 0.025):
            assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9, abs=1e-12)


def test_t_quantile_tends_to_the_normal_quantile():
    assert t_quantile(0.975, 100_000) == pytest.approx(1.959963985, abs=1e-4)


@given(st.floats(0.001, 0.999), st.integers(1, 60))
def test_t_quantile_is_odd_around_one_half_and_beyond_the_normal(p, df):
    assert t_quantile(p, df) == pytest.approx(-t_quantile(1.0 - p, df), abs=1e-9)
    if p > 0.5:  # heavier tails than the normal: the quantile lies further out
        normal = math.sqrt(2.0) * _erfinv(2.0 * p - 1.0)
        assert t_quantile(p, df) >= normal - 1e-9


def _erfinv(y: float) -> float:
    low, high = 0.0, 10.0
    for _ in range(200):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if math.erf(middle) < y else (low, middle)
    return low


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"probability": 1.0, "df": 3}, r"`probability` must be in \(0.0, 1.0\)"),
     ({"probability": 0.0, "df": 3}, r"`probability`"),
     ({"probability": 0.9, "df": 0}, r"`df` must be >= 1")],
)  # fmt: skip
def test_t_quantile_refuses_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        t_quantile(**kwargs)


def test_mean_interval_by_hand():
    values = [0.96, 0.97, 0.99]
    mean = (0.96 + 0.97 + 0.99) / 3
    std = math.sqrt(((0.96 - mean) ** 2 + (0.97 - mean) ** 2 + (0.99 - mean) ** 2) / 2)
    # With 2 degrees of freedom P(|T| < t) = t / sqrt(2 + t^2),
    # so t(0.975, 2) = a sqrt(2 / (1 - a^2)) with a = 0.95.
    half = 0.95 * math.sqrt(2.0 / (1.0 - 0.95**2)) * std / math.sqrt(3)
    interval = mean_interval(values)
    assert interval.n == 3
    assert interval.mean == pytest.approx(mean, rel=1e-12)
    assert interval.std == pytest.approx(std, rel=1e-12)
    assert interval.low == pytest.approx(mean - half, rel=1e-12)
    assert interval.high == pytest.approx(mean + half, rel=1e-12)
    assert interval.excludes_zero
    assert not mean_interval([-0.01, 0.02, 0.005]).excludes_zero


def test_mean_interval_other_confidence_uses_its_quantile():
    interval = mean_interval([1.0, 2.0, 4.0, 5.0], confidence=0.9)
    half = 2.353363435 * math.sqrt(10.0 / 3.0) / 2.0  # t(0.95, 3); s^2 = 10/3
    assert interval.high - interval.mean == pytest.approx(half, rel=1e-8)


def test_one_value_has_no_spread_and_no_values_are_refused():
    one = mean_interval([0.5])
    assert one.mean == 0.5 and math.isnan(one.std) and math.isnan(one.low)
    with pytest.raises(ValueError, match="`values` must hold at least one value"):
        mean_interval([])
    with pytest.raises(ValueError, match="`confidence`"):
        mean_interval([1.0, 2.0], confidence=1.0)
