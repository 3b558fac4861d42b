"""The training loop: ``fit`` composes a schedule, an EMA, a loss and any Keras model.

``fit`` runs a ``tf.GradientTape`` loop of several steps per traced call, with
checkpoints that resume exactly, TensorBoard scalars, callbacks, a progress bar
and ``tf.distribute`` support, across worker processes too (``make_strategy``,
``cluster_of``); ``model_complexity`` reports a model's layers,
parameters and multiply-accumulates.

Example:
    >>> import keras
    >>> model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])
    >>> print(model_complexity(model).macs_per_example)
    32
"""

from tftrain.training._callbacks import Callback
from tftrain.training._cluster import (
    STRATEGIES,
    Cluster,
    WorkerLostError,
    cluster_of,
    make_strategy,
)
from tftrain.training._complexity import ComplexityReport, LayerComplexity, model_complexity
from tftrain.training._fit import JIT_COMPILE_MODES, fit
from tftrain.training._history import History
from tftrain.training._interrupts import TrainingInterrupted
from tftrain.training._nonfinite import NONFINITE_POLICIES, NonFiniteLossError
from tftrain.training._resume import DamagedCheckpointWarning, NoRestorableCheckpointError
from tftrain.training._state import CheckpointSaveError, saved_history

__all__ = [
    "JIT_COMPILE_MODES",
    "NONFINITE_POLICIES",
    "STRATEGIES",
    "Callback",
    "CheckpointSaveError",
    "Cluster",
    "ComplexityReport",
    "DamagedCheckpointWarning",
    "History",
    "LayerComplexity",
    "NoRestorableCheckpointError",
    "NonFiniteLossError",
    "TrainingInterrupted",
    "WorkerLostError",
    "cluster_of",
    "fit",
    "make_strategy",
    "model_complexity",
    "saved_history",
]
