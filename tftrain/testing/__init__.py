"""Tools to test components the way tftrain tests its own.

Example:
    >>> import tensorflow as tf
    >>> assert_close(tf.constant(1.0, tf.float16), 1.0005)
"""

from tftrain.testing._assertions import TOLERANCES, assert_close, tolerance

__all__ = ["TOLERANCES", "assert_close", "tolerance"]
