"""examples/exponential_decay.py: the classic demonstration converges to w = -1."""

from __future__ import annotations

import pytest

from tests._scripts import load_example
from tftrain.schedules import ExponentialDecay


@pytest.fixture(scope="module")
def example():
    return load_example("exponential_decay.py")


def test_smooth_decay_drives_w_to_minus_one(example, capsys):
    w = example.descend(ExponentialDecay(0.2, decay_steps=1, decay_rate=0.99))
    assert w == pytest.approx(-1.0, abs=1e-4)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 41  # header + 40 steps
    step, _, _, rate = lines[-1].split()
    assert int(step) == 39 and float(rate) == pytest.approx(0.2 * 0.99**39, rel=1e-5)


def test_staircase_variant_approaches_minus_one(example, capsys):
    schedule = ExponentialDecay(0.1, decay_steps=1, decay_rate=0.99, staircase=True)
    assert example.descend(schedule) == pytest.approx(-1.0, abs=0.01)


def test_main_prints_both_runs(example, capsys):
    example.main()
    out = capsys.readouterr().out
    assert "Staircase" in out and "final w: smooth -1.0000" in out
