"""fit under MultiWorkerMirroredStrategy with two real worker processes on 127.0.0.1.

The workers run ``tests/training/_worker_run.py``; one more process runs the same
training on the default strategy with the same global batch, as the reference.
Every wait is bounded; everything talks over loopback only.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tftrain.launch import free_ports, tf_config

pytestmark = pytest.mark.slow

ROOT = pathlib.Path(__file__).resolve().parents[2]
#: Seconds a worker may take to import TensorFlow and train: generous, because a loaded
#: machine (parallel test workers, other jobs) can make that take minutes.
PATIENCE = 300
#: Seconds the survivor of a lost worker may take to stop: the heartbeat timeout the worker
#: script sets (3 s), plus the time for the next collective to notice, plus slack for load.
LOST_WORKER_BOUND = 60
#: float32 tolerance of two workers against one process: the only difference is the order
#: of the sums (each worker sums its half of the global batch, then the halves are added),
#: a few ulps per step over 21 SGD steps.
ATOL, RTOL = 1e-6, 1e-5


def _start(out: pathlib.Path, *args: str, index: int | None, ports: list[int] | None):
    # Unbuffered output and faulthandler: a worker that dies leaves its last words and, on a
    # fatal signal, the Python stack it died in, in its log.
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONUNBUFFERED": "1",
        "PYTHONFAULTHANDLER": "1",
    }
    env.pop("TF_CONFIG", None)
    name = "reference"
    if index is not None:
        assert ports is not None
        env["TF_CONFIG"] = tf_config(ports, index)
        name = f"worker{index}"
        env["TMPDIR"] = str(out / f"tmp-{name}")  # a non-chief's temporary checkpoints
        (out / f"tmp-{name}").mkdir(exist_ok=True)
    with open(out / f"{name}.log", "ab") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "tests.training._worker_run", str(out), *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _workers(out: pathlib.Path, *args: str, count: int = 2) -> list[subprocess.Popen[bytes]]:
    ports = free_ports(count)
    return [_start(out, *args, index=i, ports=ports) for i in range(count)]


def _log_tails(out: pathlib.Path, lines: int = 40) -> str:
    """The last ``lines`` lines of every worker's log under ``out``, TensorFlow's start-up
    lines left out: what a failure report needs, whole (an assertion's repr would cut it)."""
    tails = []
    for log in sorted(out.rglob("*.log")):
        kept = [
            line
            for line in log.read_text(errors="replace").splitlines()
            if not line.startswith(_START_UP_LINES)
        ]
        heading = f"--- {log.relative_to(out)} (last {lines} lines)"
        tails.append("\n".join([heading, *kept[-lines:]]))
    return "\n".join(tails)


#: The beginnings of the lines TensorFlow prints at start-up whatever TF_CPP_MIN_LOG_LEVEL says.
_START_UP_LINES = ("WARNING: All log messages before absl", "I0000 ", "E0000 ")


def _finish(processes, out: pathlib.Path) -> None:
    for process in processes:
        process.wait(timeout=PATIENCE)
    codes = [p.returncode for p in processes]
    if codes != [0] * len(processes):
        pytest.fail(f"exit codes {codes}, expected all 0\n{_log_tails(out)}", pytrace=False)


def _stop(processes) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """Two workers and the one-process reference, trained side by side."""
    out = tmp_path_factory.mktemp("two-workers")
    (out / "reference").mkdir()
    processes = [
        *_workers(out),
        _start(out / "reference", "--strategy", "default", index=None, ports=None),
    ]
    try:
        _finish(processes, out)
    finally:
        _stop(processes)
    return out


def _outputs(folder: pathlib.Path, index: int = 0):
    return np.load(folder / f"out-{index}.npz")


def _histories(arrays, name):
    return json.loads(str(arrays[f"{name}_history"]))


@pytest.mark.parametrize("data", ["arrays", "dataset"])
def test_two_workers_give_the_weights_of_one_process_with_the_global_batch(uninterrupted, data):
    chief, other = _outputs(uninterrupted, 0), _outputs(uninterrupted, 1)
    reference = _outputs(uninterrupted / "reference")
    weights = [k for k in chief.files if k.startswith(f"{data}_w") or k.startswith(f"{data}_ema")]
    assert len(weights) == 8  # two kernels, two biases, and their EMA averages
    for key in weights:
        np.testing.assert_array_equal(chief[key], other[key], err_msg=key)  # mirrored
        np.testing.assert_allclose(chief[key], reference[key], rtol=RTOL, atol=ATOL, err_msg=key)
    # metrics and validation (raw and EMA) are aggregated over both workers' shares
    expected = _histories(reference, data)
    for history in (_histories(chief, data), _histories(other, data)):
        assert [sorted(e) for e in history] == [sorted(e) for e in expected]
        for row, want in zip(history, expected, strict=True):
            assert row == pytest.approx(want, rel=RTOL), row
    assert "ema_val_accuracy" in expected[0]


@pytest.mark.parametrize("data", ["arrays", "dataset"])
def test_each_worker_trains_on_its_own_share_of_every_global_batch(uninterrupted, data):
    seen = [int(_outputs(uninterrupted, i)[f"{data}_seen"]) for i in (0, 1)]
    everything = int(_outputs(uninterrupted / "reference")[f"{data}_seen"])
    assert sum(seen) == everything
    assert abs(seen[0] - seen[1]) <= 0.1 * everything  # halves, up to odd slice sizes


def test_only_the_chief_writes_checkpoints_logs_progress_and_runs_callbacks(uninterrupted):
    for name in ("arrays", "dataset"):
        assert sorted(p.name for p in (uninterrupted / f"{name}-logs").iterdir())[0].startswith(
            "events.out.tfevents"
        )
        assert len(list((uninterrupted / f"{name}-logs").iterdir())) == 1
        checkpoints = sorted((uninterrupted / f"{name}-checkpoints").iterdir())
        assert {p.name for p in checkpoints} >= {"checkpoint"}
        assert all(p.is_file() for p in checkpoints)  # no worker's folder in the chief's
    assert list((uninterrupted / "tmp-worker1").iterdir()) == []  # temporary saves removed
    chief_saw = (uninterrupted / "callbacks-0.txt").read_text().split("\n")
    assert "step 2" in chief_saw and "epoch 2" in chief_saw
    assert (uninterrupted / "callbacks-1.txt").read_text() == ""
    assert "Model complexity" in (uninterrupted / "worker0.log").read_text()
    assert "Model complexity" not in (uninterrupted / "worker1.log").read_text()


def test_sigkill_of_a_worker_stops_the_other_then_a_restart_resumes_exactly(
    uninterrupted, tmp_path
):
    marker = tmp_path / "at-step"
    # Step 11 is batch 4 of epoch 1 (7 batches an epoch, two steps an execution); the chief
    # waits there, before that step's save, while the test kills worker 1.
    processes = _workers(tmp_path, "--only", "arrays", "--kill-at", "11", str(marker))
    try:
        deadline = time.monotonic() + PATIENCE
        while not marker.exists():
            assert all(p.poll() is None for p in processes), (tmp_path / "worker0.log").read_text()
            assert time.monotonic() < deadline, "the run never reached the kill step"
            time.sleep(0.05)
        processes[1].send_signal(signal.SIGKILL)
        processes[1].wait(timeout=30)
        killed_at = time.monotonic()
        marker.with_suffix(".go").write_text("go")
        processes[0].wait(timeout=LOST_WORKER_BOUND)
        assert time.monotonic() - killed_at < LOST_WORKER_BOUND
    finally:
        _stop(processes)
    log = (tmp_path / "worker0.log").read_text()
    assert processes[0].returncode != 0
    assert "WorkerLostError: Lost contact with worker /job:worker/replica:0/task:1" in log, log
    assert "restart every worker to resume from" in log and "ckpt-9" in log
    checkpoints = tmp_path / "arrays-checkpoints"
    assert (checkpoints / "ckpt-9.index").exists() and not (checkpoints / "ckpt-11.index").exists()

    restarted = _workers(tmp_path, "--only", "arrays")
    try:
        _finish(restarted, tmp_path)
    finally:
        _stop(restarted)
    resumed, straight = _outputs(tmp_path), _outputs(uninterrupted)
    for key in resumed.files:
        if key.startswith("arrays_") and key != "arrays_seen":
            np.testing.assert_array_equal(resumed[key], straight[key], err_msg=key)


def test_a_worker_that_never_comes_up_fails_the_others_within_the_join_timeout(tmp_path):
    ports = free_ports(2)
    started = time.monotonic()
    alone = _start(tmp_path, "--join-timeout", "3", index=0, ports=ports)
    try:
        alone.wait(timeout=PATIENCE)
    finally:
        _stop([alone])
    log = (tmp_path / "worker0.log").read_text()
    assert alone.returncode == -signal.SIGKILL, log  # by the watchdog, after its message
    assert (
        "the workers did not all join within 3 s (join_timeout): no answer from worker 1 at "
        f"127.0.0.1:{ports[1]}" in log
    ), log
    assert time.monotonic() - started < PATIENCE
