"""Training steps to evaluate schedules at."""

from __future__ import annotations

from hypothesis import strategies as st


def steps(max_step: int = 10**9) -> st.SearchStrategy[list[int]]:
    """Lists of training steps: early ones, round numbers and their neighbours, huge ones.

    Args:
        max_step: the largest step drawn; an integer ``>= 1``.

    Returns:
        A strategy of non-empty lists of ints in ``[0, max_step]``, for
        ``check_schedule(schedule, steps=...)``.

    Example:
        >>> from hypothesis import find
        >>> find(steps(), lambda s: True)
        [0]
    """
    if isinstance(max_step, bool) or not isinstance(max_step, int) or max_step < 1:
        raise ValueError(f"Argument `max_step` must be an integer >= 1. Received: {max_step!r}")
    round_numbers = st.sampled_from(
        [10**k + d for k in range(10) for d in (-1, 0, 1) if 0 <= 10**k + d <= max_step]
    )
    one = st.one_of(st.integers(0, min(100, max_step)), round_numbers, st.integers(0, max_step))
    return st.lists(one, min_size=1, max_size=20)
