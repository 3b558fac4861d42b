"""SIGTERM as a request to stop: the loop saves where it is, then stops.

Kubernetes, Slurm and cloud VMs send SIGTERM some seconds before they take a
machine away. While :class:`TerminationRequests` is active, SIGTERM only
records the request; the loop checks it after each execution, saves a
checkpoint at that step (mid-epoch too, so that the resume is exact) and
raises :class:`TrainingInterrupted`. Under ``MultiWorkerMirroredStrategy`` the
request is agreed through the loop's stop all-reduce, so that a SIGTERM to
any worker stops every worker at the same step, each taking part in the save.

Why not ``tf.distribute.experimental.PreemptionCheckpointHandler``: on a GCE
CPU VM it does nothing (it logs that it does not support the platform and
never watches SIGTERM), and it finds out the platform with a blocking request
to the GCE metadata server each time it is created; its constructor restores
the newest checkpoint itself (``restore_or_initialize``), which would bypass
the damaged-checkpoint fallback of ``_resume`` and raise on a truncated file;
and it counts its own calls in a variable it adds to the checkpoint.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any


class TrainingInterrupted(Exception):
    """``fit`` stopped on a termination signal, after saving a checkpoint.

    Attributes:
        signal: the signal's name, ``"SIGTERM"``.
        step: the optimizer's step at which training stopped.
        checkpoint: the checkpoint saved there (``None`` without ``checkpoint_dir``).
        exit_code: ``128 + the signal's number`` (143 for SIGTERM), the shell's
            convention for a process ended by that signal.

    Example:
        >>> error = TrainingInterrupted(signal.SIGTERM, 10, "run/checkpoints/ckpt-10")
        >>> print(error.exit_code, error)
        143 Stopped by SIGTERM at step 10; saved run/checkpoints/ckpt-10
    """

    def __init__(self, signum: int, step: int, checkpoint: str | None):
        self.signal = signal.Signals(signum).name
        self.step = step
        self.checkpoint = checkpoint
        self.exit_code = 128 + int(signum)
        saved = f"saved {checkpoint}" if checkpoint else "no checkpoint_dir, nothing saved"
        super().__init__(f"Stopped by {self.signal} at step {step}; {saved}")


class TerminationRequests:
    """Records SIGTERM while active instead of letting it end the process.

    A context manager; the previous handler is put back on exit. Signal
    handlers can only be set in the main thread: elsewhere this records
    nothing and SIGTERM keeps its usual effect.

    Attributes:
        received: the number of the signal received, or ``None``.

    Example:
        >>> with TerminationRequests() as requests:
        ...     print(requests.requested)  # until a SIGTERM arrives
        False
    """

    SIGNALS = (signal.SIGTERM,)

    def __init__(self) -> None:
        self.received: int | None = None
        self._previous: dict[int, Any] = {}

    @property
    def requested(self) -> bool:
        return self.received is not None

    def _record(self, signum: int, frame: FrameType | None) -> None:
        self.received = signum

    def __enter__(self) -> TerminationRequests:
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._record)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()
