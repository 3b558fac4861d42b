"""Handwritten-digit and clothing images: ``digits`` offline, ``mnist`` / ``fashion_mnist`` online.

``digits`` reads the 8x8 images that scikit-learn ships inside its package (the
``data`` extra), so it never touches the network; the two 28x28 sets come
through ``keras.datasets``, which downloads them once into Keras's cache.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tftrain._validation import check_integer
from tftrain.data._family import Dataset, register
from tftrain.data._split import check_common, make_dataset


def _subset(name: str, x: np.ndarray, y: np.ndarray, samples: Any, seed: int) -> tuple:
    """The first ``samples`` examples of a seeded shuffle (all of them for ``None``)."""
    if samples is None:
        return x, y
    n = check_integer(name, samples, minimum=2)
    if n >= len(x):
        return x, y
    keep = np.sort(np.random.default_rng(seed).permutation(len(x))[:n])
    return x[keep], y[keep]


def _image_dataset(
    x: np.ndarray,
    y: np.ndarray,
    *,
    scale: float,
    flatten: bool,
    validation_split: float,
    standardize: bool,
    seed: int,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
) -> Dataset:
    """Images scaled to ``[0, 1]`` (flattened on request) as a 10-class :class:`Dataset`."""
    if not isinstance(flatten, bool):
        raise TypeError(f"Argument `flatten` must be a bool. Received: flatten={flatten!r}")

    def prepare(images: np.ndarray) -> np.ndarray:
        images = images.astype(np.float32) / np.float32(scale)
        return images.reshape(len(images), -1) if flatten else images

    if validation is not None:
        validation = (prepare(validation[0]), validation[1])
    return make_dataset(
        prepare(x),
        y,
        task="classification",
        validation_split=validation_split,
        standardize=standardize,
        seed=seed,
        validation=validation,
        num_classes=10,
    )


@register("digits")
def digits(
    *,
    samples: int | None = None,
    flatten: bool = False,
    validation_split: float = 0.2,
    standardize: bool = False,
    seed: int = 0,
) -> Dataset:
    r"""The 8x8 handwritten digits (1,797 images, 10 classes) that scikit-learn ships; offline.

    Each image is an 8x8 grid of pen-stroke counts in :math:`\{0, \dots, 16\}`,
    scaled here to :math:`x / 16 \in [0, 1]`. Small enough to compare models
    over many seeds on a CPU, real enough that accuracy differences mean
    something (the UCI optical recognition of handwritten digits test set;
    Alpaydin & Kaynak, 1998).

    Args:
        samples: keep this many images (a seeded random subset), or ``None``
            for all; ``>= 2``.
        flatten: give each image as 64 features (for ``mlp``) instead of
            ``(8, 8)`` (for ``cnn``).
        validation_split: fraction held out for validation; in ``[0, 1)``.
        standardize: scale inputs to zero mean and unit variance (training
            statistics, per pixel).
        seed: the seed of the subset and of the split; an integer ``>= 0``.

    Returns:
        A classification :class:`Dataset`: float32 inputs ``(n, 8, 8)`` (or
        ``(n, 64)``) in ``[0, 1]``, int32 labels in ``[0, 10)``.

    Raises:
        ImportError: scikit-learn is not installed (``pip install tftrain[data]``).
        ValueError: an argument out of range.

    Example:
        >>> data = digits(samples=100, validation_split=0.5)
        >>> print(data.x_train.shape, data.num_classes, f"{data.x_train.max():.1f}")
        (50, 8, 8) 10 1.0
    """
    check_common(validation_split, standardize, seed)
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(
            "The `digits` dataset reads the images that scikit-learn ships: install it with "
            "pip install 'tftrain[data]' (or pip install scikit-learn)."
        ) from None
    bunch = load_digits()
    x, y = _subset("samples", bunch.images, bunch.target, samples, seed)
    return _image_dataset(
        x,
        y,
        scale=16.0,
        flatten=flatten,
        validation_split=validation_split,
        standardize=standardize,
        seed=seed,
    )


def _keras_images(name: str, samples: Any, validation_samples: Any, seed: int) -> tuple:
    """``keras.datasets.<name>.load_data()`` subset, or an error that says the download failed."""
    import keras

    module = getattr(keras.datasets, name)
    try:
        (x, y), (x_val, y_val) = module.load_data()
    except Exception as error:  # Keras raises a bare Exception for a failed download
        raise OSError(
            f"The `{name}` dataset could not be loaded: keras.datasets downloads it once into "
            f"Keras's cache (~/.keras/datasets), and that failed, probably because this machine "
            f"is offline. Use the `digits` dataset, which ships with scikit-learn, for offline "
            f"work. The error was: {error}"
        ) from error
    x, y = _subset("samples", x, y, samples, seed)
    x_val, y_val = _subset("validation_samples", x_val, y_val, validation_samples, seed)
    return x, y, x_val, y_val


def _keras_image_dataset(
    name: str, samples: Any, validation_samples: Any, flatten: bool, standardize: bool, seed: int
) -> Dataset:
    check_common(0.0, standardize, seed)
    x, y, x_val, y_val = _keras_images(name, samples, validation_samples, seed)
    return _image_dataset(
        x,
        y,
        scale=255.0,
        flatten=flatten,
        validation_split=0.0,
        standardize=standardize,
        seed=seed,
        validation=(x_val, y_val),
    )


@register("mnist")
def mnist(
    *,
    samples: int | None = None,
    validation_samples: int | None = None,
    flatten: bool = False,
    standardize: bool = False,
    seed: int = 0,
) -> Dataset:
    r"""MNIST handwritten digits (28x28, 10 classes) via ``keras.datasets``; online once.

    The 60,000 training images train and the 10,000 test images validate,
    scaled to :math:`x / 255 \in [0, 1]` (LeCun et al., 1998). The first call
    downloads them into Keras's cache; later calls read the cache offline.

    Args:
        samples: keep this many training images (a seeded random subset), or
            ``None`` for all; ``>= 2``.
        validation_samples: the same for the test images.
        flatten: give each image as 784 features instead of ``(28, 28)``.
        standardize: scale inputs to zero mean and unit variance (training
            statistics, per pixel).
        seed: the seed of the subsets; an integer ``>= 0``.

    Returns:
        A classification :class:`Dataset`: float32 inputs ``(n, 28, 28)`` (or
        ``(n, 784)``) in ``[0, 1]``, int32 labels in ``[0, 10)``.

    Raises:
        OSError: the download failed (offline); the message names ``digits``.
        ValueError: an argument out of range.

    Example:
        >>> from tftrain import data  # a call downloads on first use, so none here
        >>> print("mnist" in data.names())
        True
    """
    return _keras_image_dataset("mnist", samples, validation_samples, flatten, standardize, seed)


@register("fashion_mnist")
def fashion_mnist(
    *,
    samples: int | None = None,
    validation_samples: int | None = None,
    flatten: bool = False,
    standardize: bool = False,
    seed: int = 0,
) -> Dataset:
    r"""Fashion-MNIST clothing images (28x28, 10 classes) via ``keras.datasets``; online once.

    The 60,000 training images train and the 10,000 test images validate,
    scaled to :math:`x / 255 \in [0, 1]` (Xiao et al., 2017). The first call
    downloads them into Keras's cache; later calls read the cache offline.

    Args, returns and errors: as :func:`mnist`.

    Example:
        >>> from tftrain import data  # a call downloads on first use, so none here
        >>> print("fashion_mnist" in data.names())
        True
    """
    return _keras_image_dataset(
        "fashion_mnist", samples, validation_samples, flatten, standardize, seed
    )
