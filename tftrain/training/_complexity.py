"""The "NN complexity" of a model: layers, parameters, multiply-accumulates."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import keras


@dataclass(frozen=True)
class LayerComplexity:
    """One layer's row of a :class:`ComplexityReport`."""

    name: str
    kind: str
    output_shape: tuple[int | None, ...]
    parameters: int
    macs: int


@dataclass(frozen=True)
class ComplexityReport:
    """Layers, trainable parameters and multiply-accumulates of a model.

    Attributes:
        layers: one :class:`LayerComplexity` per layer (input layers excluded).
        trainable_parameters: the number of trainable scalars.
        non_trainable_parameters: the number of other scalars (e.g. batch-norm
            statistics).
        macs_per_example: multiply-accumulate operations of one forward pass
            for one example, counted for ``Dense`` and convolution layers.

    Example:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="out")])
        >>> print(model_complexity(model))
        Model complexity: ...
        layer  type   output shape  params  MACs
        out    Dense  (None, 2)         10     8
        1 layer, 10 trainable parameters (0 non-trainable), 8 MACs per example
    """

    name: str
    layers: tuple[LayerComplexity, ...] = field(default_factory=tuple)
    trainable_parameters: int = 0
    non_trainable_parameters: int = 0

    @property
    def macs_per_example(self) -> int:
        return sum(layer.macs for layer in self.layers)

    def __str__(self) -> str:
        rows = [("layer", "type", "output shape", "params", "MACs")]
        for layer in self.layers:
            rows.append(
                (
                    layer.name,
                    layer.kind,
                    str(layer.output_shape),
                    f"{layer.parameters:,}",
                    f"{layer.macs:,}",
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        lines = [f"Model complexity: {self.name}"]
        for r in rows:
            lines.append(
                "  ".join(
                    c.ljust(w) if i < 3 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(r, widths, strict=True))
                )
            )
        lines.append(
            f"{len(self.layers)} layer{'' if len(self.layers) == 1 else 's'}, "
            f"{self.trainable_parameters:,} trainable parameters "
            f"({self.non_trainable_parameters:,} non-trainable), "
            f"{self.macs_per_example:,} MACs per example"
        )
        return "\n".join(lines)


def _size(variables: Any) -> int:
    return sum(math.prod(int(d) for d in v.shape) for v in variables)


def _known(shape: Any) -> tuple[int | None, ...]:
    return tuple(None if d is None else int(d) for d in shape)


def _macs(layer: keras.layers.Layer, output_shape: tuple[int | None, ...]) -> int:
    """Multiply-accumulates of one example through ``layer`` (0 for other layer types)."""
    # Positions: the output's spatial / time axes, wherever the channels are.
    spatial = (
        output_shape[2:]
        if getattr(layer, "data_format", "") == "channels_first"
        else (output_shape[1:-1])
    )
    positions = math.prod(d or 1 for d in spatial)
    if isinstance(layer, keras.layers.Dense):
        return positions * int(layer.kernel.shape[0]) * int(layer.kernel.shape[1])
    if isinstance(layer, keras.layers.EinsumDense):
        return positions * _size([layer.kernel])
    if isinstance(layer, keras.layers.SeparableConv2D | keras.layers.SeparableConv1D):
        depthwise = positions * _size([layer.depthwise_kernel])
        return depthwise + positions * _size([layer.pointwise_kernel])
    if isinstance(layer, keras.layers.DepthwiseConv2D | keras.layers.DepthwiseConv1D):
        return positions * _size([layer.kernel])
    if isinstance(layer, keras.layers.Conv1DTranspose | keras.layers.Conv2DTranspose):
        # Each input position scatters one whole kernel.
        input_shape = _known(layer.input.shape)
        channels_first = layer.data_format == "channels_first"
        inputs = math.prod(
            d or 1 for d in (input_shape[2:] if channels_first else input_shape[1:-1])
        )
        return inputs * _size([layer.kernel])
    if isinstance(layer, keras.layers.Conv1D | keras.layers.Conv2D | keras.layers.Conv3D):
        # kernel: (*window, in_channels / groups, filters): one MAC per entry per position.
        return positions * _size([layer.kernel])
    return 0


def model_complexity(model: keras.Model) -> ComplexityReport:
    """The "NN complexity" report of a built Keras model.

    Counts the layers, the trainable and non-trainable parameters, and the
    multiply-accumulate operations (MACs) per example of ``Dense`` and
    convolution layers: a ``Dense`` layer with :math:`n` inputs and :math:`m`
    units costs :math:`nm` per position; a convolution costs its kernel size
    (window :math:`\\times` input channels / groups :math:`\\times` filters) per
    output position. Biases, activations and other layers count as 0 MACs.

    Args:
        model: a built ``keras.Model`` whose layers have known output shapes
            (a functional or ``Sequential`` model, built or called once).

    Returns:
        A :class:`ComplexityReport`; ``str(report)`` is a printable table.

    Raises:
        TypeError: ``model`` is not a ``keras.Model``.
        ValueError: the model is not built.

    Example:
        >>> import keras
        >>> mlp = keras.Sequential([keras.Input((784,)), keras.layers.Dense(256),
        ...                         keras.layers.Dense(10)])
        >>> report = model_complexity(mlp)
        >>> print(len(report.layers), report.trainable_parameters, report.macs_per_example)
        2 203530 203264
    """
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"Argument `model` must be a keras.Model. Received: model={model!r} "
            f"(of type {type(model).__name__})"
        )
    if not model.built:
        raise ValueError(
            f"The model {model.name!r} is not built; call it on a batch or give it a "
            "keras.Input first, so its layers have shapes."
        )
    rows = []
    for layer in _leaf_layers(model):
        try:
            shape = _known(layer.output.shape)
        except (AttributeError, ValueError):
            shape = (None,)
        rows.append(
            LayerComplexity(
                name=layer.name,
                kind=type(layer).__name__,
                output_shape=shape,
                parameters=_size(layer.weights),
                macs=_macs(layer, shape),
            )
        )
    return ComplexityReport(
        name=model.name,
        layers=tuple(rows),
        trainable_parameters=_size(model.trainable_weights),
        non_trainable_parameters=_size(model.non_trainable_weights),
    )


def _leaf_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The model's layers, nested models flattened, input layers dropped."""
    out = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.Model):
            out.extend(_leaf_layers(layer))
        else:
            out.append(layer)
    return out
