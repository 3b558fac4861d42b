"""What ``fit`` does when a step's loss is NaN or infinite."""

from __future__ import annotations

#: What ``fit`` does when a step's loss is NaN or infinite.
NONFINITE_POLICIES = ("stop", "skip")


class NonFiniteLossError(FloatingPointError):
    """A step's loss was NaN or infinite (``on_nonfinite="stop"``).

    The step's update was not applied, so the model, optimizer and EMA hold the
    state after the last good step, and no checkpoint was written after it.

    Attributes:
        step: the optimizer step (counted from 0) whose loss was not finite.
        epoch: its epoch (from 0); ``batch``: its batch within the epoch (from 0).
        loss: the non-finite value.
    """

    def __init__(self, step: int, epoch: int, batch: int, loss: float, checkpoint: str | None):
        self.step, self.epoch, self.batch, self.loss = step, epoch, batch, loss
        where = f"newest checkpoint: {checkpoint}" if checkpoint else "no checkpoint written"
        super().__init__(
            f"Non-finite loss {loss} at step {step} (epoch {epoch}, batch {batch}); training "
            f"stopped before applying it, so the weights are those before it "
            f"({where}). Lower the learning rate, check the data for NaN/inf, or pass "
            'on_nonfinite="skip" to skip such steps.'
        )
