"""``apply`` on one variable, as documented, not only on lists."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tftrain.ema import ExponentialMovingAverage


def test_apply_on_a_single_variable_updates_its_shadow():
    w = tf.Variable([1.0, 2.0])
    ema = ExponentialMovingAverage(0.5, warmup=False)
    ema.apply(w)
    w.assign([3.0, 6.0])
    ema.apply(w)
    np.testing.assert_allclose(ema.average(w).numpy(), [2.0, 4.0])
