"""TensorBoard scalars, written without the tensorboard package."""

from __future__ import annotations

import tensorflow as tf

from tftrain._compat import SCALAR_SUMMARY_METADATA


def write_scalar(tag: str, value: float) -> None:
    """What ``tf.summary.scalar`` writes, without requiring the tensorboard package."""
    tf.summary.write(tag, tf.constant(value, tf.float32), metadata=SCALAR_SUMMARY_METADATA)
