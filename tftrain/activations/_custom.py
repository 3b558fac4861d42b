"""``@custom_activation``: an activation with a hand-written gradient, by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tensorflow as tf

from tftrain.activations._family import register
from tftrain.activations._gradient import with_gradient

Gradient = Callable[[tf.Tensor, tf.Tensor, tf.Tensor], tf.Tensor]


def custom_activation(
    name: str,
    grad: Gradient,
    *,
    aliases: tuple[str, ...] = (),
    override: bool = False,
    **facts: Any,
) -> Callable[[Callable[[tf.Tensor], tf.Tensor]], Callable[[tf.Tensor], tf.Tensor]]:
    r"""Declares an activation with its own gradient and registers it by name.

    The decorated ``f(x)`` becomes :math:`y = f(x)` with
    :math:`\partial L / \partial x = \mathrm{grad}(x, y, \partial L / \partial y)`,
    built on ``tf.custom_gradient``: the modern replacement for TF1's
    ``py_func`` + ``gradient_override_map`` recipe, all in TF ops, so it traces
    once and compiles with XLA. It is registered under ``name`` (in
    :func:`get`, recipes, and Keras serialization under ``tftrain>name``), so a
    model that uses it saves to ``.keras`` and reloads without
    ``custom_objects`` in any process that imports the defining module.

    Pass the returned callable (or ``get(name)``) to Keras layers:
    ``Dense(4, activation=my_square)``. A string ``activation="my_square"`` does
    not work, because Keras 3's ``keras.activations.get`` resolves strings only
    among its own built-ins (neither ``get_custom_objects`` nor
    ``custom_object_scope`` is consulted for strings).

    Args:
        name: the registered name (snake_case); also the function's
            ``__name__``, which Keras's serialization uses.
        grad: ``grad(x, y, dy) -> dx``, given the input, the output and the
            upstream gradient (all of ``x``'s shape and dtype); must be TF ops.
        aliases: other names for :func:`get`.
        override: replace an activation already registered under ``name``.
        **facts: facts declared with it, as for :func:`register`
            (``initializer="he"``, ``example=...``).

    Returns:
        A decorator; it returns the registered activation, a function of one
        tensor returning a tensor of the same shape and dtype.

    Raises:
        TypeError: ``grad`` is not callable.
        ValueError: ``name`` is taken (and ``override`` is off) or empty.

    Example:
        >>> import tensorflow as tf
        >>> @custom_activation("my_square_doc", grad=lambda x, y, dy: 2 * x * dy)
        ... def my_square_doc(x):
        ...     return x * x
        >>> x = tf.constant([1.5, -2.0])
        >>> with tf.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = my_square_doc(x)
        >>> print([f"{v:.2f}" for v in tape.gradient(y, x).numpy()])
        ['3.00', '-4.00']
        >>> from tftrain.activations import get
        >>> get("my_square_doc") is my_square_doc
        True
    """
    if not callable(grad):
        raise TypeError(
            f"Argument `grad` must be a callable grad(x, y, dy) -> dx. Received: grad={grad!r}"
        )

    def decorator(forward: Callable[[tf.Tensor], tf.Tensor]) -> Callable[[tf.Tensor], tf.Tensor]:
        if not callable(forward):
            raise TypeError(f"custom_activation decorates a function. Received: {forward!r}")
        activation: Any = with_gradient(forward, grad)
        activation.__name__ = name
        activation.__qualname__ = name
        activation.forward = forward
        activation.grad = grad
        return register(name, aliases=aliases, override=override, **facts)(activation)

    return decorator
