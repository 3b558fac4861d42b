"""The loss family: registry, serialization, Keras integration, shared reduction laws."""

from __future__ import annotations

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from tftrain import losses
from tftrain.losses._family import LOSSES
from tftrain.testing import assert_close


def regression_inputs(rng, batch):
    return rng.normal(size=(batch, 3)).astype(np.float32), rng.normal(size=(batch, 3)).astype(
        np.float32
    )


def index_inputs(rng, batch):
    return rng.integers(0, 4, size=batch), rng.normal(size=(batch, 4)).astype(np.float32)


def one_hot_inputs(rng, batch):
    labels, logits = index_inputs(rng, batch)
    return np.eye(4, dtype=np.float32)[labels], logits


#: Inputs for every registered loss; a newly registered loss fails here until it has some.
INPUTS = {
    "mse": regression_inputs,
    "mean_absolute_error": regression_inputs,
    "huber": regression_inputs,
    "quantile": regression_inputs,
    "asymmetric": regression_inputs,
    "categorical_crossentropy": one_hot_inputs,
    "categorical_focal_crossentropy": one_hot_inputs,
    "sparse_categorical_crossentropy": index_inputs,
    "binary_crossentropy": one_hot_inputs,
    "binary_focal_crossentropy": one_hot_inputs,
}

#: Non-default arguments for each loss, so round trips carry real values.
ARGUMENTS = {
    "mse": {"reduction": "sum"},
    "asymmetric": {"cost": 1.0, "profit": 9.0},
    "categorical_crossentropy": {"from_logits": True, "label_smoothing": 0.1, "axis": -1},
    "sparse_categorical_crossentropy": {"from_logits": True, "validate": False},
    "binary_crossentropy": {"from_logits": True, "label_smoothing": 0.2, "reduction": "none"},
    "mean_absolute_error": {"reduction": "sum"},
    "huber": {"delta": 0.5},
    "quantile": {"tau": 0.9},
    "categorical_focal_crossentropy": {"alpha": 0.5, "gamma": 1.5, "from_logits": True},
    "binary_focal_crossentropy": {
        "apply_class_balancing": True,
        "alpha": 0.75,
        "gamma": 3.0,
        "label_smoothing": 0.1,
    },
}


def test_names_and_aliases():
    assert losses.names() == [
        "asymmetric",
        "binary_crossentropy",
        "binary_focal_crossentropy",
        "categorical_crossentropy",
        "categorical_focal_crossentropy",
        "huber",
        "mean_absolute_error",
        "mse",
        "quantile",
        "sparse_categorical_crossentropy",
    ]
    assert set(INPUTS) == set(losses.names())
    assert isinstance(losses.get("Mean-Squared-Error"), losses.MeanSquaredError)
    assert isinstance(losses.get("MSE"), losses.MeanSquaredError)
    assert isinstance(losses.get("mae"), losses.MeanAbsoluteError)
    assert isinstance(losses.get("pinball"), losses.QuantileLoss)


@pytest.mark.parametrize("name", losses.names())
def test_every_name_builds_a_keras_loss_and_round_trips(name):
    loss = losses.get({"name": name, **ARGUMENTS[name]})
    assert isinstance(loss, keras.losses.Loss)
    spec = losses.serialize(loss)
    assert spec["name"] == name and "name" not in {k for k in spec if k != "name"} - {"name"}
    rebuilt = losses.get(spec)
    assert type(rebuilt) is type(loss)
    assert rebuilt.get_config() == loss.get_config()
    for key, value in ARGUMENTS[name].items():
        assert spec[key] == value
    keras_dict = keras.saving.serialize_keras_object(loss)
    again = losses.get(keras_dict)
    assert type(again) is type(loss) and again.get_config() == loss.get_config()


@pytest.mark.parametrize("name", losses.names())
def test_every_loss_gives_the_same_value_after_a_round_trip(name):
    rng = np.random.default_rng(0)
    y_true, y_pred = INPUTS[name](rng, 5)
    loss = losses.get({"name": name, **ARGUMENTS[name]})
    again = losses.get(losses.serialize(loss))
    np.testing.assert_array_equal(loss(y_true, y_pred).numpy(), again(y_true, y_pred).numpy())


def test_instances_and_callables_pass_through():
    loss = losses.AsymmetricLoss(2.0, 3.0)
    assert losses.get(loss) is loss
    assert losses.get(keras.losses.mean_squared_error) is keras.losses.mean_squared_error
    keras_loss = keras.losses.Huber()
    assert losses.get(keras_loss) is keras_loss


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(
        ValueError, match=r"Unknown loss 'mes'\. Did you mean 'mse'( or 'mae')?\?.*Known: "
    ):
        losses.get("mes")


def test_unknown_keyword_names_the_accepted_ones():
    with pytest.raises(TypeError, match=r"Unknown argument 'costs' for loss 'asymmetric'.*'cost'"):
        losses.get({"name": "asymmetric", "costs": 2.0})


def test_bad_spec_type_is_refused():
    with pytest.raises(TypeError, match=r"Cannot interpret 3 .* as a loss"):
        losses.get(3)


def test_user_registered_loss_works_by_name_and_round_trips():
    @losses.register("scaled_mse_for_test")
    class ScaledMSE(losses.MeanSquaredError):
        """Twice the MSE."""

        def __init__(self, factor=2.0, reduction="sum_over_batch_size", name="scaled"):
            super().__init__(reduction=reduction, name=name)
            self.factor = factor

        def call(self, y_true, y_pred):
            return self.factor * super().call(y_true, y_pred)

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    try:
        loss = losses.get({"name": "scaled_mse_for_test", "factor": 3.0})
        assert_close(loss([[0.0]], [[1.0]]), 3.0)
        assert losses.get(losses.serialize(loss)).factor == 3.0
    finally:
        LOSSES.unregister("scaled_mse_for_test")


def test_plain_functions_are_keras_serializable():
    for fn in (
        losses.mean_squared_error,
        losses.mean_absolute_error,
        losses.huber,
        losses.quantile_loss,
        losses.binary_focal_crossentropy,
        losses.categorical_focal_crossentropy,
        losses.asymmetric_loss,
        losses.categorical_crossentropy,
        losses.sparse_categorical_crossentropy,
        losses.binary_crossentropy,
    ):
        name = keras.saving.get_registered_name(fn)
        assert name == f"tftrain>{fn.__name__}"
        assert keras.saving.get_registered_object(name) is fn


def test_model_saved_with_a_tftrain_loss_reloads_in_safe_mode(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss=losses.AsymmetricLoss(cost=1.0, profit=9.0))
    model.fit(np.ones((4, 2)), np.ones((4,)), epochs=1, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(reloaded.loss, losses.AsymmetricLoss)
    assert (reloaded.loss.cost, reloaded.loss.profit) == (1.0, 9.0)


def test_keras_fit_with_sparse_loss_matches_keras_loss():
    x = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
    y = np.arange(16) % 4

    def trained(loss):
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
        return model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False).history["loss"]

    ours = trained(losses.SparseCategoricalCrossentropy(from_logits=True))
    theirs = trained(keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)


# ------------------------------------------------ reductions, for every name
@pytest.mark.parametrize("name", losses.names())
@given(batch=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_sum_is_sum_over_batch_size_times_batch(name, batch, seed):
    y_true, y_pred = INPUTS[name](np.random.default_rng(seed), batch)
    args = {k: v for k, v in ARGUMENTS[name].items() if k != "reduction"}
    total = losses.get({"name": name, **args, "reduction": "sum"})(y_true, y_pred)
    mean = losses.get({"name": name, **args})(y_true, y_pred)
    assert_close(total, mean * batch, scale=10)


@pytest.mark.parametrize("name", losses.names())
@given(seed=st.integers(0, 2**16), keep=st.lists(st.booleans(), min_size=2, max_size=6))
def test_zero_sample_weights_remove_examples(name, seed, keep):
    y_true, y_pred = INPUTS[name](np.random.default_rng(seed), len(keep))
    keep = np.array(keep)
    args = {k: v for k, v in ARGUMENTS[name].items() if k != "reduction"}
    loss = losses.get({"name": name, **args, "reduction": "sum"})
    weighted = loss(y_true, y_pred, keep.astype(np.float32))
    subset = loss(y_true[keep], y_pred[keep]) if keep.any() else tf.constant(0.0)
    assert_close(weighted, subset, scale=10)


@pytest.mark.parametrize("name", losses.names())
def test_none_reduction_gives_float32_per_example_losses(name, run):
    y_true, y_pred = INPUTS[name](np.random.default_rng(0), 5)
    loss = losses.get({"name": name, "reduction": "none"})
    out = run(loss, y_true, y_pred.astype(np.float16))
    assert out.shape == (5,) and out.dtype == tf.float32
    assert float(run(losses.get(name), y_true[:0], y_pred[:0])) == 0.0


# ---------------------------------------------------------------- docstrings
#: The shared Registry's bound methods: documented (with an example) in tftrain._registry.
REGISTRY_METHODS = ("names", "register", "serialize")


@pytest.mark.parametrize("name", losses.__all__)
def test_every_public_name_has_a_docstring(name):
    assert (inspect.getdoc(getattr(losses, name)) or "").strip(), f"{name} has no docstring"


@pytest.mark.parametrize("name", [n for n in losses.__all__ if n not in REGISTRY_METHODS])
def test_every_public_name_has_an_example(name):
    doc = inspect.getdoc(getattr(losses, name)) or ""
    assert "Example:" in doc and ">>>" in doc, f"{name}'s docstring has no example"


@pytest.mark.parametrize("name", losses.names())
def test_every_loss_reloads_from_a_keras_file_in_safe_mode(name, tmp_path):
    _, y_pred = INPUTS[name](np.random.default_rng(0), 4)
    loss = losses.get({"name": name, **ARGUMENTS[name]})
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(y_pred.shape[-1])])
    model.compile(optimizer="sgd", loss=loss)
    model.save(tmp_path / "model.keras")
    again = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert type(again.loss) is type(loss) and again.loss.get_config() == loss.get_config()


# Every loss class that Keras has too, so that a new one is checked without a list to keep.
_KERAS_TWINS = [n for n in losses.__all__ if n[0].isupper() and hasattr(keras.losses, n)]


@pytest.mark.parametrize("name", _KERAS_TWINS)
def test_a_loss_class_has_the_defaults_of_its_keras_twin(name):
    ours = getattr(losses, name)().get_config()
    theirs = getattr(keras.losses, name)().get_config()
    assert {key: ours[key] for key in theirs} == theirs


# Every registered loss function (by name or alias) that Keras has too.
_REGISTERED = {*LOSSES.names(), *LOSSES.aliases()}
_KERAS_TWIN_FUNCTIONS = [n for n in losses.__all__ if n in _REGISTERED and hasattr(keras.losses, n)]


@pytest.mark.parametrize("name", _KERAS_TWIN_FUNCTIONS)
def test_a_loss_function_has_the_defaults_of_its_keras_twin(name):
    def defaults(fn):
        return {
            p.name: p.default
            for p in inspect.signature(fn).parameters.values()
            if p.default is not p.empty
        }

    ours, theirs = defaults(getattr(losses, name)), defaults(getattr(keras.losses, name))
    assert {key: ours[key] for key in theirs} == theirs
