"""Parametric activations as Keras layers: PReLU, RReLU and SwishBeta."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import tensorflow as tf

from tftrain._validation import ArgumentError, check_integer, check_number
from tftrain.activations._family import register


@register("prelu", initializer="he")
class PReLU(keras.layers.Layer):
    r"""Parametric ReLU: :math:`x` for :math:`x > 0`, else :math:`a x`, with :math:`a` learned.

    Computed as :math:`\max(x, 0) - a \max(-x, 0)`, correct for any :math:`a`.
    One slope per element of the input's non-batch shape, shared along
    ``shared_axes`` (e.g. ``shared_axes=[1, 2]`` for one slope per channel of
    ``(batch, height, width, channels)`` images). Values match
    ``keras.layers.PReLU``.

    Args:
        alpha_initializer: initial slope: a number (default 0.25), or any Keras
            initializer spec.
        shared_axes: axes (>= 1; the batch axis 0 is always shared) along which
            one slope is shared; ``None`` for none.
        **kwargs: ``keras.layers.Layer`` arguments (``name``, ``dtype``, ...).

    Raises:
        ValueError: a shared axis is < 1 or outside the input's rank.
        TypeError: a shared axis is not an integer.

    Reference: He, Zhang, Ren & Sun, "Delving Deep into Rectifiers", ICCV 2015.

    Example:
        >>> import tensorflow as tf
        >>> layer = PReLU(shared_axes=[1])
        >>> y = layer(tf.constant([[[-2.0, 1.0], [3.0, -4.0]]]))
        >>> print(tuple(layer.alpha.shape), [f"{v:.2f}" for v in y.numpy().ravel()])
        (1, 2) ['-0.50', '1.00', '3.00', '-1.00']
    """

    def __init__(
        self,
        alpha_initializer: Any = 0.25,
        shared_axes: Sequence[int] | int | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if isinstance(alpha_initializer, (int, float)) and not isinstance(alpha_initializer, bool):
            check_number("alpha_initializer", alpha_initializer)
            self._initializer = keras.initializers.Constant(float(alpha_initializer))
        else:
            self._initializer = keras.initializers.get(alpha_initializer)
        self.alpha_initializer = alpha_initializer
        axes: list[Any]
        if shared_axes is None:
            axes = []
        elif isinstance(shared_axes, (list, tuple)):
            axes = list(shared_axes)
        else:
            axes = [shared_axes]
        self.shared_axes = [check_integer("shared_axes", a, minimum=1) for a in axes] or None

    def build(self, input_shape: Any) -> None:
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if axis > len(shape):
                raise ArgumentError(
                    "shared_axes",
                    f"Argument `shared_axes` must name axes of the input (rank "
                    f"{len(input_shape)}), from 1 to {len(shape)}. "
                    f"Received: shared_axes={self.shared_axes}",
                )
            shape[axis - 1] = 1
        self.alpha = self.add_weight(
            shape=tuple(shape), initializer=self._initializer, name="alpha"
        )

    def call(self, inputs: Any) -> tf.Tensor:
        alpha = tf.cast(self.alpha, inputs.dtype)
        return tf.nn.relu(inputs) - alpha * tf.nn.relu(-inputs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        initializer = self.alpha_initializer
        if callable(initializer):  # an initializer object or function; names and numbers stay
            initializer = keras.initializers.serialize(initializer)
        config.update({"alpha_initializer": initializer, "shared_axes": self.shared_axes})
        return config


@register("rrelu", initializer="he")
class RReLU(keras.layers.Layer):
    r"""Randomized leaky ReLU: :math:`f(x) = x` for :math:`x \ge 0`, :math:`a x` otherwise.

    In training, every element draws its own slope
    :math:`a \sim U[\text{lower}, \text{upper}]` on every call (from a seeded
    ``keras.random.SeedGenerator``: the same ``seed`` gives the same draws); at
    inference the slope is the fixed mean :math:`(\text{lower} + \text{upper}) / 2`.

    Args:
        lower: the smallest slope; finite, ``>= 0``.
        upper: the largest slope; finite, ``>= lower``.
        seed: an int for reproducible draws, or ``None``.
        **kwargs: ``keras.layers.Layer`` arguments (``name``, ``dtype``, ...).

    Raises:
        ValueError: ``lower < 0``, ``upper < lower``, or a bound not finite.
        TypeError: a bound is not a number, or ``seed`` not an int.

    Reference: Xu, Wang, Chen & Li, "Empirical Evaluation of Rectified
    Activations in Convolutional Network", 2015.

    Example:
        >>> import tensorflow as tf
        >>> layer = RReLU(lower=0.1, upper=0.3, seed=1)
        >>> print(f"{float(layer(tf.constant([-1.0]))[0]):.2f}")
        -0.20
        >>> a = -layer(-tf.ones([1000]), training=True).numpy()
        >>> print(f"{a.min() >= 0.1} {a.max() <= 0.3} {a.std() > 0.05}")
        True True True
    """

    def __init__(
        self,
        lower: float = 1 / 8,
        upper: float = 1 / 3,
        seed: int | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        low = check_number("lower", lower)
        high = check_number("upper", upper)
        if low < 0:
            raise ArgumentError(
                "lower", f"Argument `lower` must be >= 0. Received: lower={lower!r}"
            )
        if high < low:
            raise ArgumentError(
                "upper", f"Argument `upper` must be >= lower={lower!r}. Received: upper={upper!r}"
            )
        if seed is not None:
            check_integer("seed", seed)
        self.lower = lower
        self.upper = upper
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs: Any, training: bool | None = None) -> tf.Tensor:
        dtype = inputs.dtype
        if training:
            slope = keras.random.uniform(
                tf.shape(inputs), self.lower, self.upper, dtype=dtype, seed=self.seed_generator
            )
        else:
            slope = tf.constant((self.lower + self.upper) / 2, dtype)
        return tf.where(inputs >= 0, inputs, slope * inputs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"lower": self.lower, "upper": self.upper, "seed": self.seed})
        return config


@register("swish_beta", initializer="he")
class SwishBeta(keras.layers.Layer):
    r"""Swish with a learned :math:`\beta`: :math:`f(x) = x \, \sigma(\beta x)`.

    :math:`\beta` is one trainable scalar, initially ``beta`` (1.0: SiLU);
    :math:`\partial f / \partial \beta = x^2 \sigma(\beta x)(1 - \sigma(\beta x))`
    comes from autodiff.

    Args:
        beta: the initial :math:`\beta`; a finite real number.
        trainable_beta: whether :math:`\beta` is learned (``False`` fixes it).
        **kwargs: ``keras.layers.Layer`` arguments (``name``, ``dtype``, ...).

    Raises:
        TypeError: ``beta`` is not a real number.
        ValueError: ``beta`` is not finite.

    Reference: Ramachandran, Zoph & Le, "Searching for Activation Functions", 2017.

    Example:
        >>> import tensorflow as tf
        >>> layer = SwishBeta()
        >>> print(f"{float(layer(tf.constant([2.0]))[0]):.4f}", len(layer.trainable_weights))
        1.7616 1
    """

    def __init__(self, beta: float = 1.0, trainable_beta: bool = True, **kwargs: Any):
        super().__init__(**kwargs)
        self.beta_initial = check_number("beta", beta)
        if not isinstance(trainable_beta, bool):
            raise TypeError(
                "Argument `trainable_beta` must be a bool. "
                f"Received: trainable_beta={trainable_beta!r}"
            )
        self.trainable_beta = trainable_beta
        self.beta = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(self.beta_initial),
            trainable=trainable_beta,
            name="beta",
        )

    def call(self, inputs: Any) -> tf.Tensor:
        # multiply_no_nan: the limit 0 at x -> -inf (for beta > 0), as `swish` gives.
        beta = tf.cast(self.beta, inputs.dtype)
        return tf.math.multiply_no_nan(inputs, tf.math.sigmoid(beta * inputs))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"beta": self.beta_initial, "trainable_beta": self.trainable_beta})
        return config
