"""A real process killed with SIGKILL, or stopped by SIGTERM, mid-epoch resumes to exactly
the uninterrupted weights."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
#: Seconds a child may take to get somewhere: generous, as a loaded machine (parallel test
#: workers, other jobs) can make the import and the first steps take minutes.
PATIENCE = 600


def _start(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.training._resumable_run", *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _finish(process: subprocess.Popen[bytes]) -> None:
    output, _ = process.communicate(timeout=PATIENCE)
    assert process.returncode == 0, output.decode()[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "exit_code", "last_checkpoint"),
    [
        # Killed: the last save was the mid-epoch one every two batches (epoch 1, batch 2).
        (signal.SIGKILL, -signal.SIGKILL, "ckpt-8.index"),
        # Asked to stop: it saves where it is (epoch 1, batch 4) and exits with 128 + 15.
        (signal.SIGTERM, 143, "ckpt-10.index"),
    ],
    ids=["SIGKILL", "SIGTERM"],
)
def test_a_signal_mid_epoch_then_restart_ends_with_the_uninterrupted_weights(
    tmp_path, signum, exit_code, last_checkpoint
):
    marker = tmp_path / "at-step"
    processes = []
    try:
        _run_signal_and_resume(tmp_path, marker, processes, signum, exit_code, last_checkpoint)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.communicate()


def _run_signal_and_resume(tmp_path, marker, processes, signum, exit_code, last_checkpoint):
    # One process gets the signal after step 10 (epoch 1, batch 4); the other meanwhile makes
    # the uninterrupted reference run, then waits for the signal and resumes the stopped run.
    go = tmp_path / "killed"
    killed = _start(tmp_path / "run", tmp_path / "unused.npz", "--kill-at", 10, marker)
    resumed = _start(
        tmp_path / "run",
        tmp_path / "resumed.npz",
        "--reference",
        tmp_path / "straight",
        "--after",
        go,
    )
    processes += [killed, resumed]
    deadline = time.monotonic() + PATIENCE
    while not marker.exists():
        assert killed.poll() is None, killed.communicate()[0].decode()[-3000:]
        assert time.monotonic() < deadline, "the run never reached the signal step"
        time.sleep(0.05)
    killed.send_signal(signum)
    marker.with_name(marker.name + ".sent").write_text("sent")  # the run may go on now
    output, _ = killed.communicate(timeout=PATIENCE)
    assert killed.returncode == exit_code, output.decode()[-3000:]
    if signum == signal.SIGTERM:
        assert output.decode().splitlines()[-1].startswith("Stopped by SIGTERM at step 10; saved")
    checkpoints = sorted(
        (p.name for p in (tmp_path / "run").glob("ckpt-*.index")),
        key=lambda name: int(name[len("ckpt-") : -len(".index")]),
    )
    assert checkpoints[-1] == last_checkpoint
    go.write_text("go")

    _finish(resumed)
    resumed_out = np.load(tmp_path / "resumed.npz")
    expected = np.load(tmp_path / "straight" / "out.npz")
    assert sorted(resumed_out.files) == sorted(expected.files) and "ema0" in expected.files
    for name in expected.files:
        np.testing.assert_array_equal(resumed_out[name], expected[name], err_msg=name)
