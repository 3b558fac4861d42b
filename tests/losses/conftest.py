"""Fixtures for the loss tests: a runner over eager, ``tf.function`` and XLA."""

from __future__ import annotations

import pytest
import tensorflow as tf


@pytest.fixture(params=["eager", "function", "xla"])
def run_any(request):
    """Runs a callable eagerly, in a ``tf.function`` or under ``jit_compile=True``."""
    if request.param == "eager":
        return lambda fn, *args, **kwargs: fn(*args, **kwargs)
    jit = request.param == "xla"
    return lambda fn, *args, **kwargs: tf.function(fn, jit_compile=jit)(*args, **kwargs)
