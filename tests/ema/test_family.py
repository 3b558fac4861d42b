"""tftrain.ema.get / serialize / names / register: specs from recipes to trackers."""

from __future__ import annotations

import inspect

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tftrain.ema
from tftrain.ema import ExponentialMovingAverage, get, names, register, serialize


def test_none_means_no_averaging_and_an_instance_passes_through():
    assert get(None) is None
    assert serialize(None) is None
    ema = ExponentialMovingAverage(0.5)
    assert get(ema) is ema


def test_a_number_is_the_decay():
    ema = get(0.999)
    assert isinstance(ema, ExponentialMovingAverage)
    assert (ema.decay, ema.warmup) == (0.999, True)
    assert get(0).decay == 0


def test_the_recipe_section_builds_a_tracker_with_or_without_a_name():
    ema = get({"decay": 0.9, "warmup": False})
    assert (ema.decay, ema.warmup) == (0.9, False)
    named = get({"name": "EMA", "decay": 0.8})
    assert (named.decay, named.warmup) == (0.8, True)
    assert get("exponential_moving_average").decay == 0.99
    assert names() == ["exponential_moving_average"]


@given(decay=st.floats(0.0, 1.0, exclude_max=True), warmup=st.booleans())
def test_serialize_then_get_rebuilds_an_equal_tracker(decay, warmup):
    ema = ExponentialMovingAverage(decay, warmup=warmup)
    spec = serialize(ema)
    assert spec == {"name": "exponential_moving_average", "decay": decay, "warmup": warmup}
    rebuilt = get(spec)
    assert rebuilt.get_config() == ema.get_config()
    assert ExponentialMovingAverage.from_config(ema.get_config()).get_config() == ema.get_config()


def test_bad_specs_say_what_is_accepted():
    with pytest.raises(ValueError, match=r"`decay` must be in \[0.0, 1.0\). Received: decay=1.0"):
        get(1.0)
    with pytest.raises(TypeError, match=r"Cannot interpret True .*a decay in \[0, 1\)"):
        get(True)
    with pytest.raises(TypeError, match=r"Unknown argument 'decy'.*Did you mean 'decay'"):
        get({"decy": 0.9})
    with pytest.raises(ValueError, match=r"Unknown ema 'emma'. Did you mean 'ema'"):
        get("emma")
    with pytest.raises(TypeError, match=r"Cannot interpret \[0.9\]"):
        get([0.9])


def test_registered_subclasses_work_everywhere_a_builtin_does():
    @register("frozen_ema")
    class FrozenEMA(ExponentialMovingAverage):
        """An EMA that never warms up."""

        def __init__(self, decay: float = 0.9, *, name: str = "ema"):
            super().__init__(decay, warmup=False, name=name)

        def get_config(self):
            return {"decay": self.decay}

    try:
        ema = get({"name": "frozen_ema", "decay": 0.7})
        assert isinstance(ema, FrozenEMA) and not ema.warmup
        assert serialize(ema) == {"name": "frozen_ema", "decay": 0.7}
        assert "frozen_ema" in names()
    finally:
        tftrain.ema._family.EMAS.unregister("frozen_ema")


@pytest.mark.parametrize("name", tftrain.ema.__all__)
def test_every_public_name_has_a_docstring(name):
    doc = inspect.getdoc(getattr(tftrain.ema, name)) or ""
    assert doc.strip(), name
    if name in ("ExponentialMovingAverage", "get", "serialize"):
        assert "Example:" in doc and ">>>" in doc
