"""Activations given with their own gradient, built on ``tf.custom_gradient``.

The modern replacement for the TF1 recipe of ``tf.py_func`` plus
``gradient_override_map``: the forward and the backward are plain TF functions,
so the activation traces once, runs in the graph, compiles with XLA and needs
no NumPy round trip.

In eager mode every tape that is recording also records the ops run inside a
``tf.custom_gradient`` forward, and keeps their intermediates until the tape is
dropped, beside the custom gradient's own capture: the memory the custom
gradient exists to save. So the eager forward runs on ``tf.stop_gradient(x)``,
which no tape follows; the custom gradient alone connects the output to ``x``
(``tests/activations/test_memory.py`` measures what a tape keeps).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tensorflow as tf

from tftrain._compat import a_tape_may_record as _could_record

Forward = Callable[[tf.Tensor], tf.Tensor]
Backward = Callable[[tf.Tensor, tf.Tensor], tf.Tensor]


def with_input_gradient(forward: Forward, backward: Backward, *, recompute: bool = True) -> Forward:
    """``forward`` whose gradient is ``backward(x, dy)``, recomputed from ``x`` alone.

    The tape keeps only the input ``x`` for the backward pass (not the
    intermediates that autodiff of ``forward`` would keep): the memory-efficient
    form of an activation, as in timm's ``activations_me``. As in
    ``tf.nn.silu``, the recomputation depends on ``dy``, so graph optimisation
    cannot merge it with the forward pass (which would keep the intermediates
    alive after all). With ``recompute=False`` that merge is allowed: a graph
    keeps what it reuses, trading memory for speed (used where the custom
    gradient is there for its values at the limits, not for memory).
    """

    @tf.custom_gradient
    def activation(x: tf.Tensor) -> Any:
        def grad(dy: tf.Tensor) -> tf.Tensor:
            if not recompute:
                return backward(x, dy)
            with tf.control_dependencies([dy]):
                return backward(x, dy)

        return forward(_unrecorded(x)), grad

    def call(x: Any) -> tf.Tensor:
        return activation(tf.convert_to_tensor(x))

    return _named_like(call, forward)


def with_gradient(
    forward: Forward, grad: Callable[[tf.Tensor, tf.Tensor, tf.Tensor], tf.Tensor]
) -> Forward:
    """``forward`` whose gradient is ``grad(x, y, dy)`` (input, output, upstream)."""

    @tf.custom_gradient
    def activation(x: tf.Tensor) -> Any:
        y = forward(_unrecorded(x))

        def backward(dy: tf.Tensor) -> tf.Tensor:
            if tf.executing_eagerly() and _could_record():
                # a tape records this gradient (a higher-order derivative): give it
                # an output it can follow back to ``x``, as a graph's output is
                return grad(x, forward(x), dy)
            return grad(x, y, dy)

        return y, backward

    def call(x: Any) -> tf.Tensor:
        return activation(tf.convert_to_tensor(x))

    return _named_like(call, forward)


def _unrecorded(x: tf.Tensor) -> tf.Tensor:
    """``x`` as no tape follows it in eager mode (see the module docstring); as is in graphs.

    In a graph the tape's recording costs nothing: only what the gradient
    function reads is kept.
    """
    return tf.stop_gradient(x) if tf.executing_eagerly() else x


def _named_like(call: Forward, forward: Forward) -> Forward:
    """Gives ``call`` the name, docstring and module of ``forward``.

    Not ``functools.wraps``: its ``__wrapped__`` makes AutoGraph convert (and
    call) ``forward`` itself inside ``tf.function``, bypassing the custom
    gradient.
    """
    for attribute in ("__name__", "__qualname__", "__doc__", "__module__"):
        if hasattr(forward, attribute):
            setattr(call, attribute, getattr(forward, attribute))
    return call
