"""Tools to test components the way tftrain tests its own.

Checks that a user calls on their own schedule, loss or activation, each
returning a :class:`CheckReport` or raising a :class:`PropertyCheckError` that
names the property, the input, the expected and the actual outcome; and the
tolerance-by-dtype assertion. Hypothesis strategies live in
``tftrain.testing.strategies`` (hypothesis is needed only there).

Example:
    >>> import tensorflow as tf
    >>> assert_close(tf.constant(1.0, tf.float16), 1.0005)
"""

from tftrain.testing._activation_check import check_activation
from tftrain.testing._assertions import TOLERANCES, assert_close, tolerance
from tftrain.testing._loss_check import check_loss
from tftrain.testing._report import CheckReport, Finding, PropertyCheckError
from tftrain.testing._schedule_check import check_schedule

__all__ = [
    "TOLERANCES",
    "CheckReport",
    "Finding",
    "PropertyCheckError",
    "assert_close",
    "check_activation",
    "check_loss",
    "check_schedule",
    "tolerance",
]
