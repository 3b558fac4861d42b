"""Splitting, standardising and checking arrays into a :class:`Dataset`."""

from __future__ import annotations

from typing import Any

import numpy as np

from tftrain._validation import check_in_range, check_integer, check_one_of
from tftrain.data._family import Dataset

TASKS = ("classification", "regression")


def check_common(validation_split: Any, standardize: Any, seed: Any) -> None:
    """Checks the arguments every dataset takes."""
    check_in_range("validation_split", validation_split, 0.0, 1.0, high_inclusive=False)
    if not isinstance(standardize, bool):
        raise TypeError(
            f"Argument `standardize` must be a bool. Received: standardize={standardize!r}"
        )
    check_integer("seed", seed, minimum=0)


def make_dataset(
    x: np.ndarray,
    y: np.ndarray,
    *,
    task: str,
    validation_split: float,
    standardize: bool,
    seed: int,
    feature_names: list[str] | None = None,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    num_classes: int | None = None,
) -> Dataset:
    """Shuffles, splits, checks and (optionally) standardises ``x, y``.

    The standardisation statistics come from the training split only; a
    constant feature keeps a unit scale instead of dividing by zero.

    Raises:
        ValueError: mismatched lengths, non-finite inputs, too few examples,
            or labels that are not integers ``>= 0``.
    """
    check_one_of("task", task, TASKS)
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim == 1:
        x = x[:, None]
    if len(x) != len(y):
        raise ValueError(
            f"Inputs and targets must have the same length. Received: {len(x)} inputs and "
            f"{len(y)} targets."
        )
    if validation is None:
        order = np.random.default_rng(seed).permutation(len(x))
        n_val = round(len(x) * validation_split)
        train, val = order[n_val:], order[:n_val]
        x_train, y_train, x_val, y_val = x[train], y[train], x[val], y[val]
    else:
        x_train, y_train = x, y
        x_val, y_val = np.asarray(validation[0]), np.asarray(validation[1])
        if x_val.ndim == 1:
            x_val = x_val[:, None]
    if len(x_train) == 0:
        raise ValueError("The dataset has no training examples after the validation split.")
    x_train = _float_inputs(x_train, "training")
    x_val = _float_inputs(x_val, "validation")
    if task == "classification":
        y_train, y_val, num_classes = _labels(y_train, y_val, num_classes)
    else:
        y_train = _float_targets(y_train)
        y_val = _float_targets(y_val)
        num_classes = None
    mean = std = None
    if standardize:
        # Statistics in float64; a spread within float32 rounding of the mean is
        # a constant feature (dividing by it would blow rounding noise up to 1).
        mean64 = x_train.mean(axis=0, dtype=np.float64)
        std64 = x_train.std(axis=0, dtype=np.float64)
        constant = std64 <= 16 * np.finfo(np.float32).eps * np.abs(mean64)
        std64 = np.where(constant | (std64 == 0), 1.0, std64)
        mean, std = mean64.astype(np.float32), std64.astype(np.float32)
        x_train = ((x_train - mean64) / std64).astype(np.float32)
        x_val = ((x_val - mean64) / std64).astype(np.float32)
        x_train[:, constant] = 0.0
        x_val[:, constant] = 0.0
    names = feature_names or [f"x{i}" for i in range(int(np.prod(x_train.shape[1:])))]
    return Dataset(
        x_train, y_train, x_val, y_val, task, num_classes, list(names), mean, std, spec={}
    )


def _float_inputs(x: np.ndarray, split: str) -> np.ndarray:
    try:
        x = x.astype(np.float32)
    except (TypeError, ValueError):
        raise ValueError(f"The {split} inputs must be numbers. Received dtype {x.dtype}.") from None
    if not np.all(np.isfinite(x)):
        bad = np.argwhere(~np.isfinite(x))[0]
        raise ValueError(
            f"The {split} inputs must be finite; found {x[tuple(bad)]} at index {tuple(bad)}."
        )
    return x


def _float_targets(y: np.ndarray) -> np.ndarray:
    y = y.astype(np.float32)
    return y[:, None] if y.ndim == 1 else y


def _labels(
    y_train: np.ndarray, y_val: np.ndarray, num_classes: int | None
) -> tuple[np.ndarray, np.ndarray, int]:
    both = np.concatenate([y_train.reshape(-1), y_val.reshape(-1)]).astype(np.float64)
    if both.size and (not np.all(np.isfinite(both)) or np.any(both != np.round(both))):
        raise ValueError("Classification labels must be integers. Received non-integer labels.")
    if both.size and both.min() < 0:
        raise ValueError(f"Classification labels must be >= 0. Received a label {both.min():g}.")
    found = int(both.max()) + 1 if both.size else 0
    if num_classes is not None and found > num_classes:
        raise ValueError(
            f"Classification labels must be < num_classes={num_classes}. "
            f"Received a label {found - 1}."
        )
    return (
        y_train.reshape(-1).astype(np.int32),
        y_val.reshape(-1).astype(np.int32),
        num_classes or max(found, 2),
    )
