"""The optimizer family: every Keras optimizer by name, schedules as learning rates."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tftrain import optimizers, schedules

NAMES = optimizers.names()


def test_the_common_keras_optimizers_are_registered():
    assert {"sgd", "adam", "adamw", "rmsprop", "adagrad", "nadam", "lion"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_optimizer_round_trips_through_its_spec(name):
    optimizer = optimizers.get({"name": name, "learning_rate": 0.25})
    spec = optimizers.serialize(optimizer)
    assert spec["name"] == name and spec["learning_rate"] == 0.25
    again = optimizers.get(spec)
    assert type(again) is type(optimizer)
    assert _without_name(again.get_config()) == _without_name(optimizer.get_config())


def _without_name(config):
    return {k: v for k, v in config.items() if k != "name"}


def test_serialize_keeps_only_what_differs_from_the_defaults():
    spec = optimizers.serialize(optimizers.get({"name": "adam", "beta_1": 0.8}))
    assert spec == {"name": "adam", "beta_1": 0.8}


def test_a_schedule_spec_as_learning_rate_builds_the_schedule():
    spec = {"name": "cosine_decay", "initial_learning_rate": 0.1, "decay_steps": 10}
    optimizer = optimizers.get({"name": "sgd", "learning_rate": spec})
    assert isinstance(optimizer._learning_rate, schedules.CosineDecay)
    assert optimizers.serialize(optimizer)["learning_rate"]["name"] == "cosine_decay"
    np.testing.assert_allclose(float(optimizer.learning_rate), 0.1, rtol=1e-6)


def test_an_instance_passes_through_and_keras_config_dicts_are_read():
    optimizer = keras.optimizers.SGD(0.5)
    assert optimizers.get(optimizer) is optimizer
    again = optimizers.get(keras.optimizers.serialize(optimizer))
    assert isinstance(again, keras.optimizers.SGD)


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ValueError, match=r"Unknown optimizer 'adm'\. Did you mean 'adam'"):
        optimizers.get("adm")


def test_unknown_keyword_names_the_accepted_ones():
    with pytest.raises(TypeError, match=r"Unknown argument 'momentom'.*Did you mean 'momentum'"):
        optimizers.get({"name": "sgd", "momentom": 0.9})


def test_a_user_registered_optimizer_works_by_name():
    @optimizers.register("my_sgd")
    class MySGD(keras.optimizers.SGD):
        """SGD under another name."""

    try:
        assert isinstance(optimizers.get({"name": "my_sgd", "learning_rate": 0.1}), MySGD)
    finally:
        optimizers._family.OPTIMIZERS.unregister("my_sgd")
