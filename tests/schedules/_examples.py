"""Valid arguments for every registered schedule, as hypothesis strategies.

A schedule registered without an entry here fails
``test_every_registered_schedule_has_examples``, so new ones get tested.
"""

from __future__ import annotations

from hypothesis import strategies as st

rates = st.floats(1e-5, 10.0, allow_nan=False, allow_infinity=False)
decay_rates = st.floats(0.05, 3.0).filter(lambda r: abs(r - 1.0) > 1e-3)
steps_counts = st.integers(1, 10_000)


@st.composite
def exponential_decay(draw) -> dict:
    initial = draw(rates)
    rate = draw(decay_rates)
    spec = {
        "name": "exponential_decay",
        "initial_learning_rate": initial,
        "decay_steps": draw(steps_counts),
        "decay_rate": rate,
        "staircase": draw(st.booleans()),
        "transition_begin": draw(st.integers(0, 1000)),
    }
    if rate > 1 or draw(st.booleans()):  # unbounded growth overflows (tested on its own)
        fraction = draw(st.floats(0.0, 1.0))
        spec["end_value"] = initial * fraction if rate < 1 else initial / max(fraction, 1e-3)
    return spec


@st.composite
def piecewise_constant(draw) -> dict:
    boundaries = sorted(draw(st.sets(st.integers(0, 100_000), min_size=1, max_size=5)))
    values = draw(st.lists(rates, min_size=len(boundaries) + 1, max_size=len(boundaries) + 1))
    return {"name": "piecewise_constant", "boundaries": boundaries, "values": values}


@st.composite
def linear_warmup(draw) -> dict:
    inner = draw(st.one_of(exponential_decay(), cosine_decay(), constant()))
    return {
        "name": "linear_warmup",
        "schedule": inner,
        "warmup_steps": draw(st.integers(0, 1000)),
        "initial_learning_rate": draw(st.floats(0.0, 1.0)),
    }


def constant() -> st.SearchStrategy[dict]:
    return st.builds(lambda v: {"name": "constant", "value": v}, rates)


def cosine_decay() -> st.SearchStrategy[dict]:
    return st.builds(
        lambda lr, t, a: {
            "name": "cosine_decay",
            "initial_learning_rate": lr,
            "decay_steps": t,
            "alpha": a,
        },
        rates,
        steps_counts,
        st.floats(0.0, 1.0),
    )


SPECS = {
    "constant": constant(),
    "cosine_decay": cosine_decay(),
    "exponential_decay": exponential_decay(),
    "linear_warmup": linear_warmup(),
    "piecewise_constant": piecewise_constant(),
}

#: One concrete spec per registered schedule, for the tests that need no search.
EXAMPLES = {
    "constant": {"name": "constant", "value": 0.01},
    "cosine_decay": {
        "name": "cosine_decay",
        "initial_learning_rate": 0.1,
        "decay_steps": 500,
        "alpha": 0.1,
    },
    "exponential_decay": {
        "name": "exponential_decay",
        "initial_learning_rate": 0.1,
        "decay_steps": 7,
        "decay_rate": 0.9,
        "staircase": True,
        "transition_begin": 3,
        "end_value": 0.01,
    },
    "linear_warmup": {
        "name": "linear_warmup",
        "warmup_steps": 4,
        "initial_learning_rate": 0.01,
        "schedule": {
            "name": "exponential_decay",
            "initial_learning_rate": 0.1,
            "decay_steps": 10,
            "decay_rate": 0.5,
        },
    },
    "piecewise_constant": {
        "name": "piecewise_constant",
        "boundaries": [2, 500],
        "values": [0.1, 0.05, 0.001],
    },
}
