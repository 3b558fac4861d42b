"""Datasets by name: small offline datasets and user files, split and ready to train on.

Built in: ``spirals`` (2-D multi-class classification), ``linear_sales`` (the
classic data of the asymmetric-loss example), ``sales`` (a richer newsvendor
demand set), ``digits`` (scikit-learn's 8x8 handwritten digits, offline); through
``keras.datasets`` (downloaded once): ``mnist``, ``fashion_mnist``; from files:
``npz`` and ``csv``. Each takes
``validation_split``, ``standardize`` (statistics from the training split)
and ``seed``.

Example:
    >>> data = get({"name": "sales", "samples": 200, "standardize": True})
    >>> print(names(), f"{abs(data.x_train.mean()):.3f}")
    ['csv', 'digits', 'fashion_mnist', 'linear_sales', 'mnist', 'npz', 'sales', 'spirals'] 0.000
"""

from tftrain.data._builtin import SALES_FEATURES, linear_sales, sales, spirals
from tftrain.data._family import Dataset, get, names, register, serialize
from tftrain.data._files import csv, npz
from tftrain.data._images import digits, fashion_mnist, mnist

__all__ = [
    "SALES_FEATURES",
    "Dataset",
    "csv",
    "digits",
    "fashion_mnist",
    "get",
    "linear_sales",
    "mnist",
    "names",
    "npz",
    "register",
    "sales",
    "serialize",
    "spirals",
]
