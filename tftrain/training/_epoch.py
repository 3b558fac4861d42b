"""Running an epoch: executions of several steps, progress, step logs and mid-epoch saves."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import tensorflow as tf
import tqdm

from tftrain.training._callbacks import Callback
from tftrain.training._cluster import distribute_epoch
from tftrain.training._data import Batches, release
from tftrain.training._history import History
from tftrain.training._nonfinite import NonFiniteLossError
from tftrain.training._state import Checkpoints, LoopState
from tftrain.training._step import Steps
from tftrain.training._summaries import write_scalar


def show_progress(progress: bool) -> bool:
    return bool(progress) and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


def chunks(start: int, end: int, size: int, every: int | None) -> list[int]:
    """Execution sizes over batches ``start..end`` of an epoch, cut at multiples of ``every``."""
    sizes = []
    position = start
    while position < end:
        n = min(size, end - position)
        if every:
            n = min(n, every - position % every)
        sizes.append(n)
        position += n
    return sizes


@dataclass(frozen=True)
class EpochResult:
    """How far an epoch got."""

    position: int  # batches of the epoch done
    learning_rate: float  # the rate of its latest step (NaN if it ran none)
    nonfinite: int  # non-finite steps skipped
    stopped: bool  # a callback asked to stop

    def complete(self, steps: int) -> bool:
        return self.position >= steps


@dataclass
class EpochRunner:
    """Runs the epochs of one run, ``steps_per_execution`` steps per traced call.

    A checkpoint is saved inside an epoch every ``checkpoint_every`` batches and
    when a callback or a SIGTERM stops it early; the epoch's end is saved by ``fit``.
    """

    steps: Steps
    data: Batches
    state: LoopState
    checkpoints: Checkpoints
    callbacks: Sequence[Callback]
    epochs: int
    steps_per_execution: int
    checkpoint_every: int | None
    show: bool
    writer: Any  # a tf.summary writer, or None
    agree: Callable[[bool], bool] = bool  # a stop asked on one worker, agreed by all
    interrupted: Callable[[], bool] = lambda: False  # a SIGTERM was received

    def __post_init__(self) -> None:
        # One int64 tensor per execution size, so a size does not retrace the train function.
        self._sizes: dict[int, tf.Tensor] = {}

    def run(self, epoch: int, start: int, history: History) -> EpochResult:
        """Trains ``epoch`` from its batch ``start``."""
        self.state.start_epoch(resumed=start > 0)
        if start == 0:
            for metric in self.steps.metrics:
                metric.reset_state()
        for callback in self.callbacks:
            callback.on_epoch_begin(epoch)
        strategy = self.steps.strategy
        dataset = distribute_epoch(strategy, self.data, epoch, self.state.data_seed, start)
        iterator = iter(dataset)
        bar = tqdm.tqdm(
            total=self.data.steps,
            initial=start,
            desc=f"Epoch {epoch + 1}/{self.epochs}",
            unit="step",
            disable=not self.show,
            leave=True,
            dynamic_ncols=True,
        )
        position, nonfinite, learning_rate, stop = start, 0, float("nan"), False
        for n in chunks(start, self.data.steps, self.steps_per_execution, self.checkpoint_every):
            if n not in self._sizes:
                self._sizes[n] = tf.constant(n, tf.int64)
            out = self.steps.train(iterator, self._sizes[n])
            global_step = int(out.iterations)
            if int(out.bad) >= 0:
                bar.close()
                raise NonFiniteLossError(
                    step=global_step,
                    epoch=epoch,
                    batch=position + int(out.bad),
                    loss=float(out.bad_loss),
                    checkpoint=self.checkpoints.latest,
                )
            running = self.state.add(float(out.total), float(out.count))
            learning_rate = float(out.learning_rate)
            nonfinite += int(out.skipped)
            done = int(out.done)
            position += done
            bar.update(done)
            bar.set_postfix(loss=f"{running:.4g}", lr=f"{learning_rate:.3g}")
            self._log_step(global_step, running, learning_rate)
            stop = self.agree(any(c.stop_training for c in self.callbacks) or self.interrupted())
            if position < self.data.steps and (
                stop or (self.checkpoint_every and position % self.checkpoint_every == 0)
            ):
                self.state.at(epoch, position)
                self.checkpoints.save(history)
            if stop:
                break
        bar.close()
        release(iterator)
        del iterator, dataset
        return EpochResult(position, learning_rate, nonfinite, stop)

    def _log_step(self, global_step: int, loss: float, learning_rate: float) -> None:
        if self.writer is not None:
            with self.writer.as_default(step=global_step):
                write_scalar("step/loss", loss)
                write_scalar("step/learning_rate", learning_rate)
        for callback in self.callbacks:
            callback.on_step_end(global_step, {"loss": loss, "learning_rate": learning_rate})
