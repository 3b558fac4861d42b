"""Imported by ``tftrain --import tests._sigterm_on_save train ...``: the process sends itself
SIGTERM right after its first mid-epoch save of the second epoch (epoch 1, batch 1).

The signal is real and arrives at a known step, so the test does not depend on how fast
the run goes.
"""

from __future__ import annotations

import os
import signal

from tftrain.training import _state

_save = _state.Checkpoints.save


def _save_then_signal(self: _state.Checkpoints, history: object) -> None:
    _save(self, history)  # type: ignore[arg-type]
    if (self.state.epoch, self.state.batch) == (1, 1):
        os.kill(os.getpid(), signal.SIGTERM)


_state.Checkpoints.save = _save_then_signal  # type: ignore[method-assign]
