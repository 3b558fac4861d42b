"""The dataset family: functions returning a :class:`Dataset`, by name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tftrain._registry import Entry, Registry


@dataclass
class Dataset:
    """A small in-memory dataset split into training and validation arrays.

    Attributes:
        x_train, y_train: the training inputs (float32, ``(n, ...)``) and
            targets (int32 labels ``(n,)`` for classification, float32
            ``(n, k)`` for regression).
        x_val, y_val: the validation split, with the same shapes after the
            first axis (``n`` may be 0).
        task: ``"classification"`` or ``"regression"``.
        num_classes: number of classes for classification, else ``None``.
        feature_names: one name per input feature.
        mean, std: the standardisation statistics (from the training split),
            or ``None`` when the inputs were left as they are.
        spec: the spec the dataset was built from.

    Example:
        >>> data = get({"name": "spirals", "classes": 3, "samples_per_class": 10})
        >>> print(data.input_shape, data.output_units, data.validation_data[0].shape)
        [2] 3 (6, 2)
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    task: str
    num_classes: int | None = None
    feature_names: list[str] = field(default_factory=list)
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    spec: dict[str, Any] = field(default_factory=dict)

    @property
    def input_shape(self) -> list[int]:
        """The shape of one input example."""
        return [int(d) for d in self.x_train.shape[1:]]

    @property
    def output_units(self) -> int:
        """Units a model's output layer needs: classes, or target columns."""
        if self.task == "classification":
            return int(self.num_classes or 0)
        return int(np.prod(self.y_train.shape[1:], dtype=int)) if self.y_train.ndim > 1 else 1

    @property
    def validation_data(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(x_val, y_val)``, or ``None`` when the validation split is empty."""
        return (self.x_val, self.y_val) if len(self.x_val) else None

    def __repr__(self) -> str:
        classes = f", num_classes={self.num_classes}" if self.num_classes else ""
        return (
            f"Dataset({self.spec.get('name', '?')}: task={self.task}{classes}, "
            f"train={len(self.x_train)}, val={len(self.x_val)}, input_shape={self.input_shape})"
        )


def _build(entry: Entry, kwargs: dict[str, Any]) -> Dataset:
    dataset = entry.obj(**kwargs)
    dataset.spec = {"name": entry.name, **kwargs}
    return dataset


DATASETS: Registry[Any] = Registry(
    "dataset", base=Dataset, accept_callables=False, keras_serializable=False, builder=_build
)

register = DATASETS.register
names = DATASETS.names


def get(spec: Any) -> Dataset:
    """A dataset from a spec.

    Args:
        spec: a registered name (``"spirals"``), a dict ``{"name": "csv",
            "path": "data.csv", **kwargs}``, or a :class:`Dataset` (returned
            unchanged).

    Returns:
        The :class:`Dataset`.

    Raises:
        ValueError: unknown name, a bad value, or a file that cannot be read.
        TypeError: an unknown keyword (naming the accepted ones).
        FileNotFoundError: a ``path`` that does not exist.

    Example:
        >>> data = get({"name": "spirals", "classes": 3, "samples_per_class": 50})
        >>> print(data)
        Dataset(spirals: task=classification, num_classes=3, train=120, val=30, input_shape=[2])
    """
    return DATASETS.get(spec)


def serialize(dataset: Dataset) -> dict[str, Any]:
    """The spec a dataset was built from.

    Raises:
        ValueError: the dataset was not built from a spec.

    Example:
        >>> serialize(get({"name": "spirals", "samples_per_class": 20}))
        {'name': 'spirals', 'samples_per_class': 20}
    """
    if not dataset.spec:
        raise ValueError(
            f"Cannot serialize {dataset!r}: it was not built from a spec by tftrain.data.get. "
            f"Known: {', '.join(names())}."
        )
    return dict(dataset.spec)
