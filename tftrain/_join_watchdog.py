"""The watchdog of a worker joining a multi-worker cluster (a separate, TensorFlow-free process).

``python -m tftrain._join_watchdog FD TIMEOUT PID TASK CLUSTER_JSON`` waits up to
``TIMEOUT`` seconds for the pipe ``FD`` to close (the worker closes it once the
strategy exists; it also closes if the worker dies). If it does not, it writes
one ``tftrain: error:`` line naming the workers that do not answer at their
addresses, and kills process ``PID`` with SIGKILL. A separate process, because
creating ``MultiWorkerMirroredStrategy`` blocks inside TensorFlow holding the
GIL: no Python thread or signal handler of the worker runs until it returns,
and SIGTERM is not acted on.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys


def answers(address: str) -> bool:
    """Whether something accepts TCP connections at ``host:port``."""
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1.0):
            return True
    except (OSError, ValueError):
        return False


def absent_workers(cluster: dict[str, list[str]], task: tuple[str, int]) -> list[str]:
    """``"worker 1 at 127.0.0.1:2223"`` for each other task whose address does not answer."""
    return [
        f"{job} {i} at {address}"
        for job in ("chief", "worker")
        for i, address in enumerate(cluster.get(job, []))
        if (job, i) != task and not answers(address)
    ]


def message(timeout: float, absent: list[str]) -> str:
    who = (
        f"no answer from {'; '.join(absent)}"
        if absent
        else "every address answers, but the cluster did not complete its start-up"
    )
    return (
        f"tftrain: error: the workers did not all join within {timeout:g} s (join_timeout): "
        f"{who}. Check TF_CONFIG and start every worker.\n"
    )


def main(argv: list[str]) -> int:
    fd, timeout, pid = int(argv[0]), float(argv[1]), int(argv[2])
    job, _, index = argv[3].partition(":")
    cluster = json.loads(argv[4])
    ready, _, _ = select.select([fd], [], [], timeout)
    if ready:  # closed: the worker joined, or is gone
        return 0
    sys.stderr.write(message(timeout, absent_workers(cluster, (job, int(index)))))
    sys.stderr.flush()
    os.kill(pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
