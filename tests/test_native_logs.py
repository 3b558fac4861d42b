"""The ``tftrain`` command's filter of TensorFlow's native log lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tftrain._native_logs import is_native_log_line

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "line",
    [
        "E0000 00:00:1796122507.584500   24182 cuda_executor.cc:1228] failed call to cuInit: "
        "INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)",
        "W0000 00:00:1796122534.690065   24182 assert_op.cc:38] Ignoring Assert operator "
        "cond/assert_non_negative/assert_less_equal/Assert/AssertGuard/Assert",
        "I0000 00:00:1796122507.584500   24182 port.cc:153] oneDNN custom operations are on.",
        "2026-12-01 10:00:00.123456: I tensorflow/core/util/port.cc:113] oneDNN custom "
        "operations are on.",
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
        "To enable the following instructions: AVX2 FMA, in other operations, rebuild "
        "TensorFlow with the appropriate compiler flags.",
    ],
)
def test_tensorflows_native_lines_are_recognised(line):
    assert is_native_log_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "tftrain: error: bad.toml: schedule.decay_steps: Argument `decay_steps` must be > 0.",
        "Traceback (most recent call last):",
        "WARNING: a warning of the user's own code",
        " 40%|####      | 4/10 [00:01<00:01, loss=0.52]",
    ],
)
def test_other_lines_are_not(line):
    assert not is_native_log_line(line)


def test_the_filter_drops_native_writes_to_descriptor_2_and_passes_the_rest():
    program = """
import os, sys
from tftrain._native_logs import native_logs_hidden
with native_logs_hidden():
    os.write(2, b"W0000 00:00:1796122534.690065   1 assert_op.cc:38] Ignoring Assert\\n")
    os.write(2, b"a native line of something else\\n")
    print("python's own stderr", file=sys.stderr)
print("after the block", file=sys.stderr)
os.write(2, b"W0000 00:00:1796122534.690065   1 assert_op.cc:38] shown again\\n")
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
    result = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True
    )
    assert sorted(result.stderr.splitlines()[:2]) == [
        "a native line of something else",
        "python's own stderr",
    ]
    assert result.stderr.splitlines()[2:] == [
        "after the block",
        "W0000 00:00:1796122534.690065   1 assert_op.cc:38] shown again",
    ]
