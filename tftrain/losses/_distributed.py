"""Averaging per-example losses over the global batch under ``tf.distribute``."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from tftrain._validation import check_integer
from tftrain.losses._base import to_float32


def reduce_over_global_batch(
    per_example_losses: Any,
    sample_weight: Any = None,
    global_batch_size: Any = None,
) -> tf.Tensor:
    r"""This replica's share of the mean loss over the global batch.

    .. math::

        L_r = \frac{1}{N} \sum_{i \in \text{replica } r} w_i\, \ell_i

    with :math:`\ell_i` the per-example losses, :math:`w_i` the sample weights
    (1 by default) and :math:`N` = ``global_batch_size`` (by default this
    replica's batch size times the number of replicas in sync). Summed over
    replicas, as a strategy sums gradients, this is the loss (and gradient) of
    the whole global batch on one device: the semantics of
    ``tf.nn.compute_average_loss``, which it calls, with the shapes made safe
    first. Call it in replica context (inside ``strategy.run``); outside a
    strategy it is the plain weighted mean over ``N``.

    Args:
        per_example_losses: losses of shape ``(B,)`` or ``(B, ...)``, any float
            dtype.
        sample_weight: ``None``, a scalar, or per-example weights of shape
            ``(B,)`` or ``(B, 1)`` (spread over any further loss axes), or of
            the losses' full shape.
        global_batch_size: :math:`N`, a positive int (or an int tensor), or
            ``None`` to infer it.

    Returns:
        A float32 scalar. An empty batch gives 0.

    Raises:
        ValueError: ``global_batch_size`` < 1, a scalar ``per_example_losses``,
            or ``sample_weight`` whose shape would broadcast the losses.
        TypeError: ``global_batch_size`` not an integer.

    Example:
        >>> losses = tf.constant([1.0, 2.0, 3.0, 6.0])
        >>> print(f"{float(reduce_over_global_batch(losses)):.2f}")
        3.00
        >>> print(f"{float(reduce_over_global_batch(losses, [1, 1, 1, 0], 8)):.2f}")
        0.75
    """
    if global_batch_size is not None and not tf.is_tensor(global_batch_size):
        global_batch_size = check_integer("global_batch_size", global_batch_size, minimum=1)
    losses = to_float32(per_example_losses)
    if losses.shape.rank is None or losses.shape.rank < 1:
        raise ValueError(
            "Argument `per_example_losses` must have rank >= 1 (one loss per example). "
            f"Received: per_example_losses.shape={losses.shape}"
        )
    if sample_weight is not None:
        weights = to_float32(sample_weight)
        if weights.shape.rank == losses.shape.rank + 1 and weights.shape[-1] == 1:
            weights = tf.squeeze(weights, -1)
        if weights.shape.rank == 0:
            weights = tf.fill(tf.shape(losses), weights)
        while weights.shape.rank is not None and weights.shape.rank < losses.shape.rank:
            weights = tf.expand_dims(weights, -1)
        if (
            weights.shape.rank is None
            or weights.shape.rank > losses.shape.rank
            or any(
                w is not None and n is not None and w not in (1, n)
                for w, n in zip(weights.shape, losses.shape, strict=True)
            )
        ):
            raise ValueError(
                "Argument `sample_weight` must be a scalar, one weight per example or the "
                "losses' shape, so that it does not broadcast the losses. Received: "
                f"sample_weight.shape={tf.convert_to_tensor(sample_weight).shape}, "
                f"per_example_losses.shape={losses.shape}"
            )
        weights = tf.broadcast_to(weights, tf.shape(losses))
    else:
        weights = None
    return tf.nn.compute_average_loss(
        losses, sample_weight=weights, global_batch_size=global_batch_size
    )
