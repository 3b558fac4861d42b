"""Whether the ops being built will be compiled by XLA, to pick the faster formulation."""

from __future__ import annotations

import tensorflow as tf

try:  # TensorFlow's own test for "inside tf.function(jit_compile=True)"; not public API
    from tensorflow.python.framework import ops as _ops
    from tensorflow.python.ops import control_flow_util as _control_flow_util
except ImportError:  # pragma: no cover - a TensorFlow without it: always the graph form
    _control_flow_util = None


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
    if _control_flow_util is None or tf.executing_eagerly():
        return False
    return bool(_control_flow_util.GraphOrParentsInXlaContext(_ops.get_default_graph()))
