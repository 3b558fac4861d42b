"""Hypothesis strategy for whole valid recipes (``tftrain.config.load`` accepts them)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tftrain._validation import check_integer, check_one_of
from tftrain.testing.strategies._components import activation_specs, loss_specs, schedule_specs

#: Each built-in dataset with its task's losses, and how the model's output is read.
_TASKS: dict[str, tuple[st.SearchStrategy[dict[str, Any]], st.SearchStrategy[dict[str, Any]]]] = {
    "spirals": (
        st.fixed_dictionaries(
            {
                "name": st.just("spirals"),
                "classes": st.integers(2, 4),
                "samples_per_class": st.integers(10, 40),
                "noise": st.floats(0.0, 0.5),
            }
        ),
        st.just({"name": "sparse_categorical_crossentropy", "from_logits": True}),
    ),
    "sales": (
        st.fixed_dictionaries(
            {"name": st.just("sales"), "samples": st.integers(40, 120), "noise": st.floats(0, 2)}
        ),
        st.deferred(lambda: loss_specs(["mse", "asymmetric"])),
    ),
}


@st.composite
def recipes(
    draw: Any,
    *,
    datasets: tuple[str, ...] = ("spirals", "sales"),
    max_epochs: int = 2,
    optimizers: tuple[str, ...] = ("sgd", "adam", "rmsprop"),
) -> dict[str, Any]:
    """Whole valid recipes: a small MLP on a built-in dataset with a matching loss.

    Every section is drawn: ``model`` (an ``mlp`` with 0 to 2 small hidden
    layers and any registered activation, with valid arguments), ``data``
    (``spirals`` for classification, ``sales`` for regression, small),
    ``loss`` (sparse cross-entropy from logits, or any valid regression loss),
    ``optimizer``, ``schedule`` (any registered one, or none), ``ema`` (none or
    a decay with or without warm-up), ``train`` (1 to ``max_epochs`` epochs,
    a batch size, a seed) and ``metrics``. Fuzz your own recipe code with it:
    anything :func:`tftrain.config.load` rejects from this strategy is a bug.

    Args:
        datasets: the built-in datasets to draw from (``spirals``, ``sales``).
        max_epochs: the most epochs; an integer ``>= 1``.
        optimizers: registered optimizer names to draw from.

    Returns:
        A strategy of recipe dicts.

    Raises:
        ValueError: an unknown dataset or ``max_epochs < 1``.

    Example:
        >>> from hypothesis import given, settings
        >>> @settings(max_examples=1, derandomize=True, database=None)
        ... @given(recipes(datasets=("sales",)))
        ... def show(recipe):
        ...     print(recipe["data"]["name"], sorted(recipe))
        >>> show()
        sales ['data', 'ema', 'loss', 'metrics', 'model', 'optimizer', 'schedule', 'train']
    """
    if not datasets:
        raise ValueError(f"Argument `datasets` must not be empty. Received: datasets={datasets!r}")
    for i, dataset in enumerate(datasets):
        check_one_of(f"datasets[{i}]", dataset, _TASKS)
    check_integer("max_epochs", max_epochs, minimum=1)
    dataset = draw(st.sampled_from(list(datasets)))
    data_spec, loss_spec = _TASKS[dataset]
    classification = dataset == "spirals"
    return {
        "model": {
            "name": "mlp",
            "hidden_units": draw(st.lists(st.integers(1, 8), max_size=2)),
            "activation": draw(activation_specs()),
        },
        "data": draw(data_spec),
        "loss": draw(loss_spec),
        "optimizer": {"name": draw(st.sampled_from(list(optimizers)))},
        "schedule": draw(st.one_of(st.none(), schedule_specs())),
        "ema": draw(
            st.one_of(
                st.none(),
                st.fixed_dictionaries({"decay": st.floats(0.5, 0.999), "warmup": st.booleans()}),
            )
        ),
        "train": {
            "epochs": draw(st.integers(1, max_epochs)),
            "batch_size": draw(st.integers(4, 64)),
            "seed": draw(st.integers(0, 2**16)),
        },
        "metrics": ["accuracy"] if classification else [],
    }
