"""Built-in offline datasets: generated on the spot, never downloaded."""

from __future__ import annotations

import numpy as np

from tftrain._validation import ArgumentError, check_integer, check_non_negative
from tftrain.data._family import Dataset, register
from tftrain.data._split import check_common, make_dataset


@register("spirals", example={"classes": 3, "samples_per_class": 10})
def spirals(
    *,
    classes: int = 3,
    samples_per_class: int = 300,
    noise: float = 0.2,
    turns: float = 1.0,
    validation_split: float = 0.2,
    standardize: bool = False,
    seed: int = 0,
) -> Dataset:
    r"""Interleaved 2-D spirals, one arm per class: a small non-linear classification task.

    Arm :math:`k` has points :math:`r (\sin\theta, \cos\theta)` with radius
    :math:`r` evenly in :math:`[0, 1]` and angle
    :math:`\theta = 4\,\text{turns}\,(k + r) + \epsilon`,
    :math:`\epsilon \sim \mathcal{N}(0, \text{noise}^2)` (the CS231n spirals).
    A linear model cannot separate them; an MLP can, which makes them a
    quick test bed for activations.

    Args:
        classes: number of arms (classes); ``>= 2``.
        samples_per_class: points per arm; ``>= 1``.
        noise: standard deviation of the angle noise; ``>= 0``.
        turns: how far each arm winds (1.0: four radians); ``> 0``.
        validation_split: fraction held out for validation; in ``[0, 1)``.
        standardize: scale inputs to zero mean and unit variance (training
            statistics).
        seed: the random seed; an integer ``>= 0``.

    Returns:
        A classification :class:`Dataset` with inputs ``(n, 2)`` and int32
        labels in ``[0, classes)``.

    Raises:
        ValueError: an argument out of range.

    Example:
        >>> data = spirals(classes=2, samples_per_class=10, validation_split=0.5)
        >>> print(data.x_train.shape, data.y_val.shape, data.num_classes)
        (10, 2) (10,) 2
    """
    k = check_integer("classes", classes, minimum=2)
    n = check_integer("samples_per_class", samples_per_class, minimum=1)
    sigma = check_non_negative("noise", noise)
    winding = check_non_negative("turns", turns)
    if winding == 0:
        raise ArgumentError("turns", f"Argument `turns` must be > 0. Received: turns={turns!r}")
    check_common(validation_split, standardize, seed)
    rng = np.random.default_rng(seed)
    radius = np.tile(np.linspace(0.0, 1.0, n), k)
    label = np.repeat(np.arange(k), n)
    theta = 4.0 * winding * (label + radius) + rng.normal(0.0, sigma, size=k * n)
    x = np.stack([radius * np.sin(theta), radius * np.cos(theta)], axis=1)
    return make_dataset(
        x,
        label,
        task="classification",
        validation_split=validation_split,
        standardize=standardize,
        seed=seed,
        feature_names=["x", "y"],
        num_classes=k,
    )


#: The features of :func:`sales`, in column order.
SALES_FEATURES = ["price", "promotion", "weekend", "temperature", "trend"]


@register("sales", example={"samples": 50})
def sales(
    *,
    samples: int = 1000,
    noise: float = 1.0,
    validation_split: float = 0.2,
    standardize: bool = True,
    seed: int = 0,
) -> Dataset:
    r"""Daily unit sales of one product: the asymmetric-loss (newsvendor) example.

    Each day has a price, a promotion flag, a weekend flag, a temperature and a
    trend; demand is

    .. math::

        d = \max\bigl(0,\; 30 - 8\,(p - 5) + 10\,\text{promo} + 6\,\text{weekend}
            + 0.3\,(\text{temp} - 20) + 5\,\text{trend} + \text{noise}\cdot\epsilon\bigr)

    with right-skewed noise :math:`\epsilon = 4\,(G - 1)`, :math:`G \sim
    \Gamma(2, 1/2)` (mean 0, a long tail of busy days). Ordering too few units
    loses the margin on every missed sale, ordering too many costs the unit
    price: with a cost of 1 and a profit of 9, the best order is the 90 %
    quantile of demand, not its mean, which is what an asymmetric loss learns
    and mean squared error does not.

    Args:
        samples: number of days; ``>= 2``.
        noise: scale of the demand noise; ``>= 0``.
        validation_split: fraction held out for validation; in ``[0, 1)``.
        standardize: scale inputs to zero mean and unit variance (training
            statistics); on by default, as the features have different units.
        seed: the random seed; an integer ``>= 0``.

    Returns:
        A regression :class:`Dataset`: inputs ``(n, 5)`` float32 in the order
        of ``SALES_FEATURES``, targets ``(n, 1)`` float32 units sold.

    Raises:
        ValueError: an argument out of range.

    Example:
        >>> data = sales(samples=100)
        >>> print(data.x_train.shape, data.y_train.shape, data.task)
        (80, 5) (80, 1) regression
    """
    n = check_integer("samples", samples, minimum=2)
    scale = check_non_negative("noise", noise)
    check_common(validation_split, standardize, seed)
    rng = np.random.default_rng(seed)
    price = rng.uniform(3.0, 7.0, n)
    promotion = (rng.uniform(size=n) < 0.2).astype(float)
    weekend = (rng.integers(0, 7, n) >= 5).astype(float)
    temperature = rng.normal(20.0, 6.0, n)
    trend = np.linspace(0.0, 1.0, n)
    skewed = 4.0 * (rng.gamma(2.0, 0.5, n) - 1.0)
    demand = (
        30.0
        - 8.0 * (price - 5.0)
        + 10.0 * promotion
        + 6.0 * weekend
        + 0.3 * (temperature - 20.0)
        + 5.0 * trend
        + scale * skewed
    )
    x = np.stack([price, promotion, weekend, temperature, trend], axis=1)
    return make_dataset(
        x,
        np.maximum(demand, 0.0),
        task="regression",
        validation_split=validation_split,
        standardize=standardize,
        seed=seed,
        feature_names=list(SALES_FEATURES),
    )


@register("linear_sales", aliases=("sales_classic",), example={"samples": 50})
def linear_sales(
    *,
    samples: int = 4096,
    noise: float = 0.05,
    validation_split: float = 0.2,
    standardize: bool = False,
    seed: int = 0,
) -> Dataset:
    r"""The classic sales data of the asymmetric-loss example: sales are the sum of two features.

    .. math::

        x_1, x_2 \sim U[0, 1), \qquad y = x_1 + x_2 + \epsilon, \quad
        \epsilon \sim U[-\text{noise}, \text{noise}]

    A linear model ``y = w_1 x_1 + w_2 x_2`` trained with mean squared error
    learns weights near 1; with an asymmetric loss whose profit exceeds its
    cost it learns weights above 1 (over-producing is cheaper), and below 1
    the other way round (``examples/asymmetric_sales.py``).

    Args:
        samples: number of examples; ``>= 2``.
        noise: half-width of the uniform noise; ``>= 0``.
        validation_split: fraction held out for validation; in ``[0, 1)``.
        standardize: scale inputs to zero mean and unit variance (training
            statistics); off by default, so the weights keep their meaning.
        seed: the random seed; an integer ``>= 0``.

    Returns:
        A regression :class:`Dataset`: inputs ``(n, 2)`` float32, targets
        ``(n, 1)`` float32.

    Raises:
        ValueError: an argument out of range.

    Example:
        >>> data = linear_sales(samples=1000, validation_split=0.0)
        >>> residual = data.y_train - data.x_train.sum(axis=1, keepdims=True)
        >>> print(data.x_train.shape, f"{abs(residual).max():.3f}")
        (1000, 2) 0.050
    """
    n = check_integer("samples", samples, minimum=2)
    half_width = check_non_negative("noise", noise)
    check_common(validation_split, standardize, seed)
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, size=(n, 2))
    y = x.sum(axis=1, keepdims=True) + rng.uniform(-half_width, half_width, size=(n, 1))
    return make_dataset(
        x,
        y,
        task="regression",
        validation_split=validation_split,
        standardize=standardize,
        seed=seed,
        feature_names=["x1", "x2"],
    )
