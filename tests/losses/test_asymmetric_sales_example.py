"""The sales example: MSE learns weights near 1, the asymmetric loss shifts them."""

from __future__ import annotations

import numpy as np
import pytest

from tests._scripts import load_example


@pytest.fixture(scope="module")
def example():
    return load_example("asymmetric_sales.py")


def test_sales_data_is_the_classic_problem(example):
    x, y = example.sales_data(n=1000, seed=3)
    assert x.shape == (1000, 2) and y.shape == (1000, 1)
    assert x.min() >= 0.0 and x.max() < 1.0
    noise = y[:, 0] - x.sum(axis=1)
    assert noise.min() >= -0.05 - 1e-6 and noise.max() <= 0.05 + 1e-6


def test_asymmetric_costs_move_the_weights_the_right_way(example):
    # Fewer steps than the script's default, enough to separate the three fits.
    fit = lambda spec: example.train(spec, epochs=3, batch_size=64)  # noqa: E731
    mse = fit("mse")
    over = fit({"name": "asymmetric", "cost": 1.0, "profit": 9.0})
    under = fit({"name": "asymmetric", "cost": 9.0, "profit": 1.0})
    np.testing.assert_allclose(mse, [1.0, 1.0], atol=0.05)
    assert np.all(over > 1.01), over
    assert np.all(under < 0.99), under
    assert np.all(under < mse) and np.all(mse < over)
