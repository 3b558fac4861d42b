"""Keeping TensorFlow's native (C++) log lines off the terminal of the ``tftrain`` command.

TensorFlow's C++ runtime writes straight to file descriptor 2, at import (oneDNN,
CUDA and CPU-feature notices) and later (XLA's "Ignoring Assert operator"), and
``TF_CPP_MIN_LOG_LEVEL=3`` does not silence all of it. So the command points
descriptor 2 at a pipe, drops the lines in TensorFlow's log formats and passes
every other line on; Python's own ``sys.stderr`` (error lines, the progress bar)
writes to the real stderr directly and is never held back.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from collections.abc import Iterator

#: A line TensorFlow's native side writes: absl's format
#: (``E0000 00:00:1796122507.584500   24182 cuda_executor.cc:1228] ...``), TensorFlow's
#: own (``2026-01-01 10:00:00.000000: I tensorflow/...``), and the two start-up lines
#: that have neither.
NATIVE_LOG_LINE = re.compile(
    r"[IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+:\d+\] "
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] "
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|To enable the following instructions: .* rebuild TensorFlow"
)


def is_native_log_line(line: str) -> bool:
    """Whether ``line`` is one of TensorFlow's native log lines.

    Example:
        >>> is_native_log_line("W0000 00:00:1796122534.690065   24182 "
        ...                    "optimizer.cc:80] Ignoring Assert operator cond/Assert")
        True
        >>> is_native_log_line("tftrain: error: missing.toml: no such recipe file")
        False
    """
    return NATIVE_LOG_LINE.match(line) is not None


def _pass_on(source: int, target: int) -> None:
    """Copies lines from ``source`` to ``target``, leaving out native log lines."""
    with open(source, "rb") as lines:
        for line in lines:
            if not is_native_log_line(line.decode("utf-8", "replace")):
                os.write(target, line)


@contextlib.contextmanager
def native_logs_hidden() -> Iterator[None]:
    """Within the block, TensorFlow's native log lines on stderr are dropped.

    Does nothing when ``sys.stderr`` is not descriptor 2 (captured, as under
    pytest's ``capsys``) or the platform lacks ``os.pipe``/``os.dup2``.
    """
    try:
        if sys.stderr.fileno() != 2:
            raise OSError
    except (AttributeError, OSError, ValueError):  # captured or closed: nothing to filter
        yield
        return
    sys.stderr.flush()
    real = os.dup(2)
    source, sink = os.pipe()
    os.dup2(sink, 2)
    os.close(sink)
    python_stderr = sys.stderr
    sys.stderr = open(  # noqa: SIM115 - closed in the finally below
        os.dup(real), "w", buffering=1, encoding=python_stderr.encoding, errors="backslashreplace"
    )
    reader = threading.Thread(target=_pass_on, args=(source, real), daemon=True)
    reader.start()
    try:
        yield
    finally:
        sys.stderr.close()
        sys.stderr = python_stderr
        os.dup2(real, 2)  # closes the pipe's only write end: the reader sees its end
        reader.join(timeout=10)
        os.close(real)
