"""Starting a multi-worker job on one machine: N local worker processes on loopback ports.

``tftrain launch --workers N recipe.toml [train options]`` runs ``tftrain train
recipe.toml --strategy multi_worker [train options]`` in N processes, each with
the ``TF_CONFIG`` of one worker of a cluster on free ``127.0.0.1`` ports. It
streams the chief's output, keeps each other worker's output in a log file,
and stops every worker as soon as one fails (printing the end of that worker's
log). This is for trying a multi-worker run on one machine; on several hosts,
start one worker per host with its own ``TF_CONFIG`` (README, "Beyond one
machine").
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

#: Seconds a worker has to exit after SIGTERM before it is killed (a worker blocked
#: inside TensorFlow's collectives ignores SIGTERM).
STOP_GRACE = 10.0


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` distinct ports that were free on ``host`` (bound to port 0, then released).

    Example:
        >>> ports = free_ports(2)
        >>> len(set(ports)) == 2 and all(0 < p < 65536 for p in ports)
        True
    """
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((host, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def tf_config(ports: Sequence[int], index: int, host: str = "127.0.0.1") -> str:
    """The ``TF_CONFIG`` of worker ``index`` of a cluster of workers on ``host:ports``.

    Example:
        >>> config = json.loads(tf_config([2222, 2223], 1))
        >>> print(config["cluster"]["worker"], config["task"])
        ['127.0.0.1:2222', '127.0.0.1:2223'] {'type': 'worker', 'index': 1}
    """
    cluster = {"worker": [f"{host}:{port}" for port in ports]}
    return json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})


def _stream(source: IO[bytes], sink: Any) -> None:
    for line in iter(source.readline, b""):
        sink.write(line.decode(errors="replace"))
        sink.flush()


def _stop(processes: Sequence[subprocess.Popen[bytes]], grace: float) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def launch(
    command: Sequence[str],
    workers: int,
    *,
    log_dir: str | os.PathLike[str] | None = None,
    out: Any = None,
    grace: float = STOP_GRACE,
) -> int:
    """Runs ``command`` as ``workers`` local worker processes; returns the job's exit status.

    Each process gets ``TF_CONFIG`` for its index on free loopback ports. The
    chief's (worker 0's) output is copied to ``out`` (default ``sys.stdout``)
    as it comes; worker ``i``'s goes to ``log_dir/worker-i.log`` (default: a
    temporary folder). When a worker exits with a non-zero status, the others
    are stopped (SIGTERM, then SIGKILL after ``grace`` seconds) and the end of
    its log is written to ``sys.stderr``.

    Args:
        command: the program and its arguments, run once per worker.
        workers: the number of workers; ``>= 1``.
        log_dir: where the non-chief workers' logs go.
        out: a text stream for the chief's output.
        grace: seconds between SIGTERM and SIGKILL when stopping workers.

    Returns:
        0 if every worker succeeded, else the status of the first that failed
        (128 + the signal number for a worker killed by a signal).

    Raises:
        ValueError: ``workers < 1`` or an empty ``command``.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(
            f"Argument `workers` must be an integer >= 1. Received: workers={workers!r}"
        )
    if not command:
        raise ValueError("Argument `command` must name a program. Received: command=[]")
    out = out if out is not None else sys.stdout
    logs = (
        Path(log_dir) if log_dir is not None else Path(tempfile.mkdtemp(prefix="tftrain-launch-"))
    )
    logs.mkdir(parents=True, exist_ok=True)
    ports = free_ports(workers)
    processes: list[subprocess.Popen[bytes]] = []
    files = []
    copier: threading.Thread | None = None
    try:
        for index in range(workers):
            env = {**os.environ, "TF_CONFIG": tf_config(ports, index)}
            if index == 0:
                sink: Any = subprocess.PIPE
            else:
                sink = open(logs / f"worker-{index}.log", "wb")  # noqa: SIM115 - closed below
                files.append(sink)
            processes.append(
                subprocess.Popen(list(command), env=env, stdout=sink, stderr=subprocess.STDOUT)
            )
        chief = processes[0]
        assert chief.stdout is not None
        copier = threading.Thread(target=_stream, args=(chief.stdout, out), daemon=True)
        copier.start()
        status = _wait(processes)
        if status != 0:
            failed = next(i for i, p in enumerate(processes) if _status(p) == status)
            _stop(processes, grace)
            if failed > 0:
                tail = (logs / f"worker-{failed}.log").read_text(errors="replace")[-3000:]
                sys.stderr.write(f"tftrain: worker {failed} failed (status {status}):\n{tail}\n")
            sys.stderr.write(f"tftrain: error: worker {failed} failed; stopped every worker\n")
        return status
    finally:
        _stop(processes, grace)
        if copier is not None:
            copier.join(timeout=grace)
        for file in files:
            file.close()
        if processes and processes[0].stdout is not None:
            processes[0].stdout.close()


def _status(process: subprocess.Popen[bytes]) -> int | None:
    code = process.poll()
    if code is None:
        return None
    return 128 - code if code < 0 else code


def _wait(processes: Sequence[subprocess.Popen[bytes]]) -> int:
    """0 once every process has succeeded, or the status of the first to fail."""
    while True:
        statuses = [_status(p) for p in processes]
        failed = [s for s in statuses if s not in (None, 0)]
        if failed:
            return failed[0]
        if all(s == 0 for s in statuses):
            return 0
        time.sleep(0.1)


def worker_command(recipe: str | None, train_args: Sequence[str]) -> list[str]:
    """``python -m tftrain train RECIPE --strategy multi_worker ARGS``, for :func:`launch`."""
    return [
        sys.executable,
        "-m",
        "tftrain",
        "train",
        *([recipe] if recipe else []),
        "--strategy",
        "multi_worker",
        *train_args,
    ]
