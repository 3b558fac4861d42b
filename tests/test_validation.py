"""The shared argument checks: Keras-pattern messages, types, ranges."""

from __future__ import annotations

import math

import pytest

from tftrain import _validation as v


@pytest.mark.parametrize("bad", ["1", None, True, [1.0]])
def test_check_number_refuses_non_numbers(bad):
    with pytest.raises(TypeError, match=r"Argument `x` must be a real number. Received: x="):
        v.check_number("x", bad)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_check_number_refuses_non_finite(bad):
    with pytest.raises(ValueError, match="Argument `x` must be finite"):
        v.check_number("x", bad)


def test_check_integer_accepts_whole_floats_and_refuses_bools_and_fractions():
    assert v.check_integer("n", 4.0) == 4 and isinstance(v.check_integer("n", 4.0), int)
    for bad in (True, 1.5, "3"):
        with pytest.raises(TypeError, match="`n` must be an integer"):
            v.check_integer("n", bad)
    with pytest.raises(ValueError, match=r"Argument `n` must be >= 0. Received: n=-1"):
        v.check_integer("n", -1, minimum=0)


def test_positive_and_non_negative():
    assert v.check_positive("a", 1) == 1.0 and v.check_non_negative("a", 0) == 0.0
    with pytest.raises(ValueError, match=r"Argument `a` must be > 0. Received: a=0"):
        v.check_positive("a", 0)
    with pytest.raises(ValueError, match=r"Argument `a` must be >= 0. Received: a=-0.5"):
        v.check_non_negative("a", -0.5)


def test_check_in_range_names_the_interval():
    assert v.check_in_range("p", 0.0, 0.0, 1.0) == 0.0
    with pytest.raises(ValueError, match=r"`p` must be in \(0.0, 1.0\]. Received: p=0.0"):
        v.check_in_range("p", 0.0, 0.0, 1.0, low_inclusive=False)


def test_check_one_of_lists_the_options():
    assert v.check_one_of("r", "sum", ["sum", "none"]) == "sum"
    with pytest.raises(ValueError, match=r"Expected one of \['sum', 'none'\]. Received: r='avg'"):
        v.check_one_of("r", "avg", ["sum", "none"])


def test_check_increasing():
    assert v.check_increasing("b", [1, 2.5]) == [1.0, 2.5]
    with pytest.raises(ValueError, match=r"b\[2\]=2 is not > b\[1\]=3"):
        v.check_increasing("b", [1, 3, 2])
