"""Image datasets: ``digits`` offline from scikit-learn, ``mnist`` / ``fashion_mnist`` via Keras.

Nothing here downloads: the Keras loaders are replaced by fakes that return
small arrays or fail the way an offline download fails.
"""

from __future__ import annotations

import sys

import keras
import numpy as np
import pytest

from tftrain import data

pytest.importorskip("sklearn")


def test_digits_are_the_scikit_learn_images_scaled_to_the_unit_interval():
    from sklearn.datasets import load_digits

    ds = data.get({"name": "digits", "validation_split": 0.0})
    reference = load_digits()
    assert ds.x_train.shape == (1797, 8, 8) and ds.x_train.dtype == np.float32
    assert ds.num_classes == 10 and ds.output_units == 10 and ds.input_shape == [8, 8]
    # The split shuffles; sorting both by their pixels lines them up again.
    ours = np.sort(ds.x_train.reshape(1797, -1), axis=0)
    theirs = np.sort(reference.images.reshape(1797, -1) / 16.0, axis=0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    assert np.bincount(ds.y_train).tolist() == np.bincount(reference.target).tolist()


def test_digits_subset_split_and_flatten():
    ds = data.digits(samples=200, validation_split=0.25, flatten=True, seed=3)
    assert ds.x_train.shape == (150, 64) and ds.x_val.shape == (50, 64)
    again = data.digits(samples=200, validation_split=0.25, flatten=True, seed=3)
    np.testing.assert_array_equal(ds.x_train, again.x_train)
    other = data.digits(samples=200, validation_split=0.25, flatten=True, seed=4)
    assert not np.array_equal(ds.x_train, other.x_train)
    assert ds.x_train.min() >= 0.0 and ds.x_train.max() <= 1.0


def test_digits_round_trips_through_its_spec():
    spec = {"name": "digits", "samples": 50}
    assert data.serialize(data.get(spec)) == spec


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"samples": 1}, ValueError, r"`samples` must be >= 2"),
        ({"flatten": "yes"}, TypeError, r"`flatten` must be a bool"),
        ({"validation_split": 1.0}, ValueError, r"`validation_split`"),
    ],
)
def test_digits_bad_arguments_name_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        data.digits(**kwargs)


def test_digits_without_scikit_learn_names_the_data_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # import now fails
    with pytest.raises(ImportError, match=r"tftrain\[data\]"):
        data.get("digits")


def _fake_keras_images(n_train: int, n_test: int, side: int = 28):
    rng = np.random.default_rng(0)

    def load_data():
        x = rng.integers(0, 256, size=(n_train, side, side), dtype=np.uint8)
        x_test = rng.integers(0, 256, size=(n_test, side, side), dtype=np.uint8)
        return (x, np.arange(n_train) % 10), (x_test, np.arange(n_test) % 10)

    return load_data


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_keras_images_use_the_test_set_for_validation(monkeypatch, name):
    monkeypatch.setattr(getattr(keras.datasets, name), "load_data", _fake_keras_images(40, 20))
    ds = data.get({"name": name, "samples": 30, "validation_samples": 10})
    assert ds.x_train.shape == (30, 28, 28) and ds.x_val.shape == (10, 28, 28)
    assert ds.x_train.max() <= 1.0 and ds.num_classes == 10
    flat = data.get({"name": name, "flatten": True})
    assert flat.x_train.shape == (40, 784) and flat.x_val.shape == (20, 784)


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_keras_images_offline_say_so_and_name_digits(monkeypatch, name):
    def offline():
        # What keras.utils.get_file raises when the download fails.
        raise Exception("URL fetch failure on https://example.invalid/data.npz: None -- offline")

    monkeypatch.setattr(getattr(keras.datasets, name), "load_data", offline)
    with pytest.raises(OSError, match=r"offline.*`digits`") as caught:
        data.get(name)
    assert "URL fetch failure" in str(caught.value)
