"""The dataset family: built-in offline data, user files, splits and standardisation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tftrain import data
from tftrain.data._split import make_dataset


def test_spirals_shapes_labels_and_balance():
    ds = data.spirals(classes=4, samples_per_class=50, validation_split=0.2)
    assert ds.x_train.shape == (160, 2) and ds.x_val.shape == (40, 2)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int32
    labels = np.concatenate([ds.y_train, ds.y_val])
    assert np.bincount(labels).tolist() == [50, 50, 50, 50]
    assert ds.task == "classification" and ds.num_classes == 4 and ds.output_units == 4
    assert np.abs(ds.x_train).max() <= 1.0 + 1e-6  # radius in [0, 1]


def test_spirals_are_not_linearly_separable_but_each_arm_winds():
    ds = data.spirals(classes=2, samples_per_class=200, noise=0.0, validation_split=0.0)
    # Mean of each arm is near the origin: no single direction separates them.
    for k in (0, 1):
        assert np.linalg.norm(ds.x_train[ds.y_train == k].mean(axis=0)) < 0.35
    angle = np.arctan2(ds.x_train[:, 0], ds.x_train[:, 1])
    assert np.unique(np.round(angle, 3)).size > 100


def test_same_seed_same_data_other_seed_other_data():
    a, b = data.get("spirals"), data.get({"name": "spirals"})
    np.testing.assert_array_equal(a.x_train, b.x_train)
    c = data.get({"name": "spirals", "seed": 1})
    assert not np.array_equal(a.x_train, c.x_train)


def test_sales_demand_is_right_skewed_so_the_90_percent_quantile_is_above_the_mean():
    ds = data.sales(samples=2000, validation_split=0.0, standardize=False)
    y = ds.y_train[:, 0]
    assert ds.x_train.shape == (2000, 5) and ds.y_train.shape == (2000, 1)
    assert ds.feature_names == data.SALES_FEATURES
    assert y.min() >= 0
    residual = y - np.poly1d(np.polyfit(ds.x_train[:, 0], y, 1))(ds.x_train[:, 0])
    assert np.quantile(residual, 0.9) > residual.mean() + 3.0
    assert ((ds.x_train[:, 1] == 0) | (ds.x_train[:, 1] == 1)).all()


def test_standardize_uses_training_statistics_for_both_splits():
    raw = data.sales(samples=300, standardize=False)
    std = data.sales(samples=300, standardize=True)
    mean, scale = raw.x_train.mean(axis=0), raw.x_train.std(axis=0)
    np.testing.assert_allclose(std.x_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(std.x_train.std(axis=0), 1.0, atol=1e-5)
    np.testing.assert_allclose(std.x_val, (raw.x_val - mean) / scale, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(std.mean, mean, rtol=1e-6)


@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(2, 30), st.integers(1, 4)),
        elements=st.floats(-1e3, 1e3, allow_nan=False),
    )
)
def test_standardized_training_inputs_have_zero_mean_and_unit_or_zero_spread(x):
    ds = make_dataset(
        x, np.zeros(len(x)), task="regression", validation_split=0.0, standardize=True, seed=0
    )
    assert np.all(np.isfinite(ds.x_train))
    np.testing.assert_allclose(ds.x_train.mean(axis=0), 0.0, atol=1e-3)
    spread = ds.x_train.std(axis=0)
    constant = np.ptp(x.astype(np.float32), axis=0) == 0
    np.testing.assert_allclose(spread[~constant], 1.0, atol=1e-3)
    np.testing.assert_allclose(spread[constant], 0.0, atol=1e-6)


def test_no_validation_split_gives_no_validation_data():
    assert data.spirals(samples_per_class=5, validation_split=0.0).validation_data is None


def test_npz_with_auto_task_and_own_validation_split(tmp_path):
    path = tmp_path / "d.npz"
    rng = np.random.default_rng(0)
    np.savez(
        path,
        x=rng.normal(size=(20, 3)),
        y=rng.integers(0, 3, 20),
        x_val=rng.normal(size=(5, 3)),
        y_val=rng.integers(0, 3, 5),
    )
    ds = data.get({"name": "npz", "path": str(path)})
    assert ds.task == "classification" and len(ds.x_train) == 20 and len(ds.x_val) == 5
    np.savez(path, x=rng.normal(size=(10, 2)), y=rng.normal(size=10))
    assert data.npz(path=str(path)).task == "regression"


def test_npz_missing_key_lists_what_the_file_holds(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, inputs=np.zeros((3, 1)), y=np.zeros(3))
    with pytest.raises(ValueError, match=r"no array 'x'\. Found: inputs, y"):
        data.npz(path=str(path))


def test_csv_target_by_name_or_index(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "\n".join(f"{i},{2 * i},{3 * i}" for i in range(10)) + "\n")
    by_name = data.csv(path=str(path), target="y", validation_split=0.0)
    by_index = data.csv(path=str(path), target=2, validation_split=0.0)
    np.testing.assert_array_equal(by_name.y_train, by_index.y_train)
    np.testing.assert_array_equal(by_name.y_train[:, 0], by_name.x_train[:, 0] * 3)
    assert by_name.feature_names == ["a", "b"]
    first = data.csv(path=str(path), target=0, validation_split=0.0)
    assert first.feature_names == ["b", "y"]


def test_csv_errors_say_where(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,y\n1,2\n3,oops\n")
    with pytest.raises(ValueError, match=r"line 3, column 'y': 'oops' is not a number"):
        data.csv(path=str(path))
    with pytest.raises(ValueError, match=r"no column 'z'.*Columns: a, y"):
        data.csv(path=str(path), target="z")
    path.write_text("a,y\n1,2\n3\n")
    with pytest.raises(ValueError, match=r"line 3 has 1 fields; the header has 2"):
        data.csv(path=str(path))


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no such file.*nothing\.csv"):
        data.csv(path=str(tmp_path / "nothing.csv"))


@pytest.mark.parametrize(
    ("labels", "match"),
    [([0, 1, -1, 1], r"labels must be >= 0"), ([0, 1.5, 1, 0], r"labels must be integers")],
)
def test_bad_classification_labels_are_refused(labels, match):
    with pytest.raises(ValueError, match=match):
        make_dataset(
            np.zeros((4, 1)),
            np.array(labels),
            task="classification",
            validation_split=0.0,
            standardize=False,
            seed=0,
        )


def test_non_finite_inputs_are_refused():
    x = np.array([[1.0], [np.nan], [2.0]])
    with pytest.raises(ValueError, match=r"inputs must be finite; found nan"):
        make_dataset(
            x, np.zeros(3), task="regression", validation_split=0.0, standardize=False, seed=0
        )


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"validation_split": 1.0}, ValueError, r"`validation_split` must be in \[0.0, 1.0\)"),
        ({"classes": 1}, ValueError, r"`classes` must be >= 2"),
        ({"standardize": "yes"}, TypeError, r"`standardize` must be a bool"),
        ({"noise": -0.1}, ValueError, r"`noise` must be >= 0"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        data.spirals(**kwargs)


@pytest.mark.parametrize("name", ["spirals", "sales"])
def test_generated_datasets_round_trip_through_their_spec(name):
    ds = data.get({"name": name, "seed": 3})
    again = data.get(data.serialize(ds))
    np.testing.assert_array_equal(again.x_val, ds.x_val)
    assert data.serialize(again) == {"name": name, "seed": 3}


def test_linear_sales_is_the_asymmetric_loss_examples_data():
    dataset = data.get({"name": "sales_classic", "samples": 2000, "noise": 0.05})
    assert dataset.x_train.shape == (1600, 2) and dataset.y_train.shape == (1600, 1)
    x = np.concatenate([dataset.x_train, dataset.x_val])
    y = np.concatenate([dataset.y_train, dataset.y_val])
    assert x.min() >= 0.0 and x.max() < 1.0
    residual = y[:, 0] - x.sum(axis=1)
    assert np.abs(residual).max() <= 0.05 + 1e-6 and np.abs(residual).max() > 0.04
    weights, *_ = np.linalg.lstsq(x, y, rcond=None)
    np.testing.assert_allclose(weights[:, 0], [1.0, 1.0], atol=0.01)
    with pytest.raises(ValueError, match=r"`noise` must be >= 0"):
        data.get({"name": "linear_sales", "noise": -1.0})
