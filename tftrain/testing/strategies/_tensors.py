"""Hypothesis strategies for TF tensors: floats with chosen edges, labels, logits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
import tensorflow as tf
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tftrain._validation import check_integer, check_one_of

#: The edge values ``tensors`` can mix in, by name.
EDGES: tuple[str, ...] = ("zeros", "huge", "inf", "nan", "subnormal")

_FLOATS = ("float16", "bfloat16", "float32", "float64")
_WIDTH: dict[str, Literal[16, 32, 64]] = {
    "float16": 16,
    "bfloat16": 32,
    "float32": 32,
    "float64": 64,
}


def _finfo(dtype: str) -> Any:
    if dtype == "bfloat16":
        import ml_dtypes  # installed with TensorFlow

        return ml_dtypes.finfo(ml_dtypes.bfloat16)
    return np.finfo(dtype)


def edge_values(dtype: str, edges: Iterable[str]) -> list[float]:
    """The edge values of ``dtype`` for the named ``edges``.

    Example:
        >>> edge_values("float16", ["zeros", "huge"])
        [0.0, -0.0, 65504.0, -65504.0, 32752.0, -32752.0]
    """
    info = _finfo(dtype)
    big, tiny = float(info.max), float(info.smallest_subnormal)
    table = {
        "zeros": [0.0, -0.0],
        "huge": [big, -big, float(np.float64(big) / 2), -float(np.float64(big) / 2)],
        "inf": [float("inf"), float("-inf")],
        "nan": [float("nan")],
        "subnormal": [tiny, -tiny, float(info.smallest_normal) / 2],
    }
    return [v for edge in edges for v in table[edge]]


def _as_dtype_name(dtype: Any) -> str:
    return str(check_one_of("dtype", tf.as_dtype(dtype).name, _FLOATS))


def _check_edges(edges: bool | Iterable[str]) -> tuple[str, ...]:
    chosen = EDGES if edges is True else () if edges is False else tuple(edges)
    for i, edge in enumerate(chosen):
        check_one_of(f"edges[{i}]", edge, EDGES)
    return chosen


def _inward(low: float, high: float, dtype: str) -> tuple[float, float]:
    """``[low, high]`` shrunk to bounds that ``dtype``'s hypothesis width represents."""
    if _WIDTH[dtype] == 64:
        return float(low), float(high)
    kind = np.float16 if _WIDTH[dtype] == 16 else np.float32
    lo, hi = kind(low), kind(high)
    if float(lo) < low:
        lo = np.nextafter(lo, kind(np.inf))
    if float(hi) > high:
        hi = np.nextafter(hi, kind(-np.inf))
    return float(lo), float(hi)


def _rounder(dtype: str) -> Any:
    """A map from a Python float to the nearest value of ``dtype``, as a Python float."""
    numpy_type = tf.as_dtype(dtype).as_numpy_dtype
    return lambda v: float(np.asarray(v, np.float64).astype(numpy_type))


@st.composite
def tensors(
    draw: Any,
    *,
    shape: Sequence[int] | st.SearchStrategy[tuple[int, ...]] | None = None,
    dtype: Any = "float32",
    elements: st.SearchStrategy[float] | None = None,
    min_value: float = -100.0,
    max_value: float = 100.0,
    edges: bool | Iterable[str] = (),
    max_dims: int = 3,
    max_side: int = 5,
) -> tf.Tensor:
    """Float TF tensors of a dtype, with the edge values you ask for.

    Elements are drawn from ``[min_value, max_value]`` (rounded to ``dtype``),
    mixed with the edge values named in ``edges``: ``"zeros"`` (±0),
    ``"huge"`` (± the dtype's largest finite value, and half of it), ``"inf"``,
    ``"nan"``, ``"subnormal"`` (the smallest subnormals and half the smallest
    normal).

    Args:
        shape: a shape, a strategy of shapes, or ``None`` for any shape with
            up to ``max_dims`` dimensions of up to ``max_side`` (empty ones too).
        dtype: float16, bfloat16, float32 or float64 (a name, a ``tf.DType``),
            or a strategy of those.
        elements: a strategy of Python floats that replaces the default one
            (then ``min_value``, ``max_value`` and ``edges`` are ignored).
        min_value: the smallest regular element; finite.
        max_value: the largest regular element; finite, ``>= min_value``.
        edges: ``True`` for all of :data:`EDGES`, ``False``/``()`` for none, or
            the names to mix in.
        max_dims: the most dimensions of a drawn shape; ``>= 0``.
        max_side: the longest side of a drawn shape; ``>= 0``.

    Returns:
        A strategy of ``tf.Tensor`` of that dtype.

    Raises:
        ValueError: an unknown dtype or edge name, or ``min_value > max_value``.

    Example:
        >>> from hypothesis import given, settings
        >>> @settings(max_examples=5, derandomize=True)
        ... @given(tensors(shape=(3,), dtype="bfloat16", edges=["nan"]))
        ... def test_dtype(x):
        ...     assert x.dtype == tf.bfloat16 and x.shape == (3,)
        >>> test_dtype()
    """
    if isinstance(dtype, st.SearchStrategy):
        dtype = draw(dtype)
    name = _as_dtype_name(dtype)
    if shape is None:
        shape = hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=max_side)
    drawn = draw(shape) if isinstance(shape, st.SearchStrategy) else shape
    dims = tuple(int(s) for s in drawn)
    if elements is None:
        if not min_value <= max_value:
            raise ValueError(
                f"Argument `min_value` must be <= max_value. Received: min_value={min_value!r}, "
                f"max_value={max_value!r}"
            )
        low, high = _inward(min_value, max_value, name)
        regular = st.floats(low, high, width=_WIDTH[name], allow_nan=False, allow_infinity=False)
        if name == "bfloat16":
            regular = regular.map(_rounder(name))
        chosen = _check_edges(edges)
        elements = (
            st.one_of(regular, st.sampled_from(edge_values(name, chosen))) if chosen else regular
        )
    values = draw(hnp.arrays(np.float64, dims, elements=elements))
    # NumPy's (and ml_dtypes') rounding keeps subnormals; TF's cast op may flush them.
    return tf.constant(values.astype(tf.as_dtype(name).as_numpy_dtype))


@st.composite
def labels(
    draw: Any,
    num_classes: int,
    *,
    batch_size: int | st.SearchStrategy[int] | None = None,
    one_hot: bool = False,
    dtype: Any = "int32",
) -> tf.Tensor:
    """Class labels in ``[0, num_classes)``: int ``(B,)``, or one-hot float32 ``(B, C)``.

    Args:
        num_classes: ``C``; an integer ``>= 1``.
        batch_size: ``B``, a strategy of it, or ``None`` for 0 to 8.
        one_hot: return one-hot float32 rows instead of integers.
        dtype: the integer dtype of sparse labels (int32 or int64).

    Returns:
        A strategy of ``tf.Tensor``.

    Example:
        >>> from hypothesis import given, settings
        >>> @settings(max_examples=1, derandomize=True, database=None)
        ... @given(labels(3, batch_size=4, one_hot=True))
        ... def show(y):
        ...     print(y.dtype.name, y.shape)
        >>> show()
        float32 (4, 3)
    """
    num_classes = check_integer("num_classes", num_classes, minimum=1)
    b = _batch(draw, batch_size)
    values = draw(hnp.arrays(np.int64, (b,), elements=st.integers(0, num_classes - 1)))
    if one_hot:
        return tf.one_hot(values, num_classes, dtype=tf.float32)
    return tf.constant(values, tf.as_dtype(dtype))


@st.composite
def logits(
    draw: Any,
    num_classes: int,
    *,
    batch_size: int | st.SearchStrategy[int] | None = None,
    dtype: Any = "float32",
    min_value: float = -10.0,
    max_value: float = 10.0,
) -> tf.Tensor:
    """Unnormalised class scores of shape ``(B, num_classes)``.

    Args:
        num_classes: ``C``; an integer ``>= 1``.
        batch_size: ``B``, a strategy of it, or ``None`` for 0 to 8.
        dtype: a float dtype, as for :func:`tensors`.
        min_value: the smallest score; finite.
        max_value: the largest score; finite, ``>= min_value``.

    Returns:
        A strategy of ``tf.Tensor``.

    Example:
        >>> from hypothesis import given, settings
        >>> @settings(max_examples=1, derandomize=True, database=None)
        ... @given(logits(3, batch_size=2))
        ... def show(x):
        ...     print(x.dtype.name, x.shape)
        >>> show()
        float32 (2, 3)
    """
    num_classes = check_integer("num_classes", num_classes, minimum=1)
    b = _batch(draw, batch_size)
    return draw(
        tensors(shape=(b, num_classes), dtype=dtype, min_value=min_value, max_value=max_value)
    )


def _batch(draw: Any, batch_size: int | st.SearchStrategy[int] | None) -> int:
    if batch_size is None:
        batch_size = st.integers(0, 8)
    if isinstance(batch_size, st.SearchStrategy):
        batch_size = draw(batch_size)
    return check_integer("batch_size", batch_size, minimum=0)
