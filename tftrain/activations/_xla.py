"""Whether the ops being built will be compiled by XLA, to pick the faster formulation."""

from __future__ import annotations

from tftrain._compat import in_xla_context


def building_for_xla() -> bool:
    """True while tracing inside ``tf.function(jit_compile=True)`` (also the gradient's trace).

    Some activations have one formulation that TensorFlow's fused CPU kernels
    run fastest and another that XLA fuses best (``benchmarks/activations.py``);
    both compute the same values. Eager mode and plain graphs give False, as
    does a TensorFlow without the internal test used here (the result is then
    only slower under XLA, never different).

    Example:
        >>> import tensorflow as tf
        >>> building_for_xla()
        False
        >>> seen = []
        >>> tf.function(lambda: seen.append(building_for_xla()), jit_compile=True)()
        >>> seen
        [True]
    """
    return in_xla_context()
