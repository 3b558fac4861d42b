"""model_complexity: layers, parameters and MACs against counts done by hand."""

from __future__ import annotations

import itertools

import keras
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tftrain.training import model_complexity


def _model(input_shape, *layers):
    return keras.Sequential([keras.Input(input_shape), *layers])


def test_the_classic_mlp_784_256_256_10():
    model = _model(
        (784,),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(10),
    )
    report = model_complexity(model)
    assert len(report.layers) == 3
    assert report.trainable_parameters == 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10
    assert report.trainable_parameters == model.count_params() == 269_322
    assert report.macs_per_example == 784 * 256 + 256 * 256 + 256 * 10 == 268_800
    text = str(report)
    assert "269,322 trainable parameters" in text and "268,800 MACs per example" in text
    assert text.splitlines()[1].split() == ["layer", "type", "output", "shape", "params", "MACs"]


@pytest.mark.parametrize(
    ("input_shape", "layer", "macs"),
    [
        ((28, 28, 1), keras.layers.Conv2D(8, 3, padding="same"), 28 * 28 * 3 * 3 * 1 * 8),
        ((28, 28, 1), keras.layers.Conv2D(8, 3), 26 * 26 * 3 * 3 * 1 * 8),
        ((8, 8, 4), keras.layers.Conv2D(6, 3, groups=2, padding="same"), 64 * 3 * 3 * 2 * 6),
        ((3, 10, 10), keras.layers.Conv2D(4, 3, data_format="channels_first"), 64 * 27 * 4),
        ((16, 2), keras.layers.Conv1D(5, 4, strides=2), 7 * 4 * 2 * 5),
        ((8, 8, 4), keras.layers.DepthwiseConv2D(3, padding="same"), 64 * 3 * 3 * 4),
        ((8, 8, 4), keras.layers.SeparableConv2D(6, 3, padding="same"), 64 * 36 + 64 * 24),
        ((4, 4, 2), keras.layers.Conv2DTranspose(3, 3, strides=2), 16 * 3 * 3 * 3 * 2),
        ((5, 16), keras.layers.Dense(4), 5 * 16 * 4),
        ((8,), keras.layers.BatchNormalization(), 0),
    ],
)
def test_macs_per_example_of_dense_and_convolution_layers(input_shape, layer, macs):
    model = _model(input_shape, layer)
    report = model_complexity(model)
    assert report.macs_per_example == macs
    assert report.trainable_parameters + report.non_trainable_parameters == model.count_params()


def test_nested_models_are_flattened_and_non_trainables_counted():
    inner = _model((4,), keras.layers.Dense(3), keras.layers.BatchNormalization())
    model = _model((4,), inner, keras.layers.Dense(2))
    report = model_complexity(model)
    assert [layer.kind for layer in report.layers] == ["Dense", "BatchNormalization", "Dense"]
    assert report.non_trainable_parameters == 6  # moving mean and variance
    assert report.macs_per_example == 4 * 3 + 3 * 2


@given(st.lists(st.integers(1, 12), min_size=2, max_size=5))
def test_mlp_counts_are_sums_over_consecutive_widths(widths):
    model = _model((widths[0],), *(keras.layers.Dense(w) for w in widths[1:]))
    report = model_complexity(model)
    pairs = list(itertools.pairwise(widths))
    assert report.macs_per_example == sum(a * b for a, b in pairs)
    assert report.trainable_parameters == sum(a * b + b for a, b in pairs)
    assert len(report.layers) == len(widths) - 1


def test_refuses_what_is_not_a_built_model():
    with pytest.raises(TypeError, match=r"Argument `model` must be a keras\.Model"):
        model_complexity(keras.layers.Dense(3))
    with pytest.raises(ValueError, match="is not built"):
        model_complexity(keras.Sequential([keras.layers.Dense(3)]))
