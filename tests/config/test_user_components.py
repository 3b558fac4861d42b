"""A user's own registered activation and loss work in a recipe like the built-ins."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from tftrain import activations, cli, config, losses
from tftrain.families import family


@pytest.fixture
def user_components():
    @activations.register("scaled_tanh_for_test")
    def scaled_tanh_for_test(x, scale=2.0):
        """A tanh stretched by ``scale``: f(x) = scale * tanh(x)."""
        return scale * tf.tanh(x)

    @losses.register("half_mse_for_test")
    class HalfMSE(keras.losses.Loss):
        """Half the mean squared error."""

        def __init__(self, factor=0.5, reduction="sum_over_batch_size", name="half_mse"):
            super().__init__(reduction=reduction, name=name)
            self.factor = factor

        def call(self, y_true, y_pred):
            y_true = tf.cast(y_true, tf.float32)
            return self.factor * tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    yield scaled_tanh_for_test, HalfMSE
    family("activation").unregister("scaled_tanh_for_test")
    family("loss").unregister("half_mse_for_test")


RECIPE = {
    "model": {
        "name": "mlp",
        "hidden_units": [4],
        "activation": {"name": "scaled_tanh_for_test", "scale": 3.0},
    },
    "data": {"name": "sales", "samples": 64},
    "loss": {"name": "half_mse_for_test", "factor": 0.25},
    "train": {"epochs": 1, "batch_size": 32},
}


def test_user_activation_and_loss_build_and_train(user_components):
    _, half_mse = user_components
    recipe = config.load(RECIPE)
    assert recipe["loss"]["factor"] == 0.25
    parts = recipe.build()
    assert isinstance(parts.loss, half_mse) and parts.loss.factor == 0.25
    hidden = parts.model.layers[0]
    x = tf.constant([[0.3] * 5])
    expected = 3.0 * np.tanh(hidden.kernel.numpy().T @ x.numpy().T + hidden.bias.numpy()[:, None])
    np.testing.assert_allclose(hidden(x).numpy(), expected.T, rtol=1e-5)
    result = config.run(recipe, progress=False)
    assert np.isfinite(result.final["loss"])


def test_user_components_are_validated_like_built_ins(user_components):
    bad = {**RECIPE, "loss": {"name": "half_mse_for_test", "facter": 0.25}}
    with pytest.raises(config.RecipeError, match=r"loss\.facter: unknown key; did you mean factor"):
        config.load(bad)


def test_user_components_are_listed(user_components, capsys):
    assert cli.main(["list", "activations"]) == 0
    # The name column is as wide as the longest label (e.g. "hard_silu (hard_swish)").
    out = capsys.readouterr().out
    assert re.search(r"^  scaled_tanh_for_test +A tanh stretched by scale", out, re.M), out
