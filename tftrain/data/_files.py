"""User data from ``.npz`` and ``.csv`` files."""

from __future__ import annotations

import csv as csv_module
import os
from pathlib import Path
from typing import Any

import numpy as np

from tftrain._validation import ArgumentError, check_one_of
from tftrain.data._family import Dataset, register
from tftrain.data._split import TASKS, check_common, make_dataset


def _existing(path: Any, suffixes: tuple[str, ...]) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"Argument `path` must be a file path. Received: path={path!r}")
    file = Path(path).expanduser()
    if not file.is_file():
        raise FileNotFoundError(f"Argument `path`: no such file. Received: path={str(path)!r}")
    if file.suffix.lower() not in suffixes:
        raise ArgumentError(
            "path",
            f"Argument `path` must name a {' or '.join(suffixes)} file. "
            f"Received: path={str(path)!r}",
        )
    return file


@register("npz")
def npz(
    *,
    path: str,
    x: str = "x",
    y: str = "y",
    task: str = "auto",
    validation_split: float = 0.2,
    standardize: bool = False,
    seed: int = 0,
) -> Dataset:
    """Arrays from a NumPy ``.npz`` file.

    The file holds inputs and targets under the keys ``x`` and ``y`` (or the
    names given); if it also holds ``{x}_val`` and ``{y}_val`` (say ``x_val``,
    ``y_val``) those are the validation split and ``validation_split`` is not
    used.

    Args:
        path: the ``.npz`` file.
        x: the key of the inputs, ``(n, ...)``.
        y: the key of the targets, ``(n,)`` labels or ``(n, k)`` values.
        task: ``"classification"``, ``"regression"``, or ``"auto"``:
            classification when the targets have an integer dtype.
        validation_split: fraction held out for validation; in ``[0, 1)``.
        standardize: scale inputs to zero mean and unit variance (training
            statistics).
        seed: seed of the shuffle before the split; an integer ``>= 0``.

    Returns:
        The :class:`Dataset`.

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: a missing key (naming the keys found), mismatched lengths,
            non-finite inputs or bad labels.

    Example:
        >>> import tempfile, numpy as np
        >>> file = tempfile.mkdtemp() + "/toy.npz"
        >>> np.savez(file, x=np.arange(20.0).reshape(10, 2), y=np.arange(10) % 2)
        >>> print(npz(path=file, validation_split=0.3))
        Dataset(?: task=classification, num_classes=2, train=7, val=3, input_shape=[2])
    """
    file = _existing(path, (".npz",))
    check_one_of("task", task, (*TASKS, "auto"))
    check_common(validation_split, standardize, seed)
    with np.load(file, allow_pickle=False) as arrays:
        found = sorted(arrays.files)
        for key in (x, y):
            if key not in arrays.files:
                raise ValueError(f"{str(path)!r} has no array {key!r}. Found: {', '.join(found)}.")
        inputs, targets = arrays[x], arrays[y]
        validation = None
        if f"{x}_val" in arrays.files and f"{y}_val" in arrays.files:
            validation = (arrays[f"{x}_val"], arrays[f"{y}_val"])
    if task == "auto":
        task = "classification" if np.issubdtype(targets.dtype, np.integer) else "regression"
    return make_dataset(
        inputs,
        targets,
        task=task,
        validation_split=validation_split,
        standardize=standardize,
        seed=seed,
        validation=validation,
    )


@register("csv")
def csv(
    *,
    path: str,
    target: str | int = -1,
    task: str = "regression",
    delimiter: str = ",",
    validation_split: float = 0.2,
    standardize: bool = False,
    seed: int = 0,
) -> Dataset:
    """A table of numbers from a ``.csv`` file with a header row.

    Args:
        path: the ``.csv`` file; its first row names the columns, every other
            cell is a number.
        target: the target column, by name or index (``-1``: the last).
        task: ``"regression"`` or ``"classification"`` (integer labels).
        delimiter: the field separator, one character.
        validation_split: fraction held out for validation; in ``[0, 1)``.
        standardize: scale inputs to zero mean and unit variance (training
            statistics).
        seed: seed of the shuffle before the split; an integer ``>= 0``.

    Returns:
        The :class:`Dataset`; ``feature_names`` are the other columns' names.

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: an unknown target column (naming the columns), a cell that
            is not a number (naming its row and column), ragged rows.

    Example:
        >>> import tempfile
        >>> file = tempfile.mkdtemp() + "/toy.csv"
        >>> with open(file, "w") as handle:
        ...     _ = handle.write("a,b,sold\\n1,2,3\\n4,5,6\\n7,8,9\\n10,11,12\\n")
        >>> data = csv(path=file, target="sold", validation_split=0.25)
        >>> print(data.feature_names, data.y_train.shape)
        ['a', 'b'] (3, 1)
    """
    file = _existing(path, (".csv", ".txt"))
    check_one_of("task", task, TASKS)
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ArgumentError(
            "delimiter",
            f"Argument `delimiter` must be one character. Received: delimiter={delimiter!r}",
        )
    check_common(validation_split, standardize, seed)
    with open(file, newline="") as handle:
        rows = [row for row in csv_module.reader(handle, delimiter=delimiter) if row]
    if len(rows) < 2:
        raise ValueError(f"{str(path)!r} needs a header row and at least one row of data.")
    header = [name.strip() for name in rows[0]]
    if isinstance(target, str):
        if target not in header:
            raise ArgumentError(
                "target",
                f"Argument `target`: no column {target!r} in {str(path)!r}. "
                f"Columns: {', '.join(header)}. Received: target={target!r}",
            )
        column = header.index(target)
    elif (
        isinstance(target, int)
        and not isinstance(target, bool)
        and -len(header) <= target < len(header)
    ):
        column = target % len(header)
    else:
        raise ArgumentError(
            "target",
            f"Argument `target` must be a column name or an index in [{-len(header)}, "
            f"{len(header)}). Received: target={target!r}",
        )
    table = np.empty((len(rows) - 1, len(header)), np.float64)
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ValueError(
                f"{str(path)!r} line {i} has {len(row)} fields; the header has {len(header)}."
            )
        for j, cell in enumerate(row):
            try:
                table[i - 2, j] = float(cell)
            except ValueError:
                raise ValueError(
                    f"{str(path)!r} line {i}, column {header[j]!r}: {cell!r} is not a number."
                ) from None
    features = [j for j in range(len(header)) if j != column]
    return make_dataset(
        table[:, features],
        table[:, column],
        task=task,
        validation_split=validation_split,
        standardize=standardize,
        seed=seed,
        feature_names=[header[j] for j in features],
    )
