"""Training across workers: which worker this is, its share of the data, its checkpoints.

Under ``tf.distribute.MultiWorkerMirroredStrategy`` every worker runs the same
program and ``fit`` takes part in the same collectives on each. What differs
per worker lives here: the worker's place in the cluster (:func:`cluster_of`),
its share of each global batch (:func:`distribute_epoch`), where it writes
checkpoints (:class:`WorkerCheckpoints`), whether it runs callbacks, progress
and summaries (the chief only), and how a lost peer is reported
(:class:`WorkerLostError`). With one worker (the default strategy,
``MirroredStrategy``) every function here is the single-process behaviour.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tensorflow as tf

from tftrain.training._data import Batches
from tftrain.training._history import History
from tftrain.training._state import Checkpoints

#: Strategy names that ``make_strategy``, ``train.strategy`` and ``--strategy`` accept.
STRATEGIES = ("default", "mirrored", "multi_worker")

#: The watchdog script, run by path: it needs neither TensorFlow nor tftrain on the path.
_WATCHDOG = Path(__file__).resolve().parents[1] / "_join_watchdog.py"
#: Seconds a worker waits for the others to join the cluster, by default.
DEFAULT_JOIN_TIMEOUT = 60.0
#: Seconds without a peer's heartbeat before the survivors stop with :class:`WorkerLostError`.
DEFAULT_HEARTBEAT_TIMEOUT = 10.0


@dataclass(frozen=True)
class Cluster:
    """Where this process stands among the workers of a strategy.

    Attributes:
        workers: the number of worker processes (1 without a multi-worker strategy).
        index: this worker's position among them; 0 is the chief.
        task: its TensorFlow task name (``/job:worker/replica:0/task:1``), or ``""``.
    """

    workers: int
    index: int
    task: str

    @property
    def is_chief(self) -> bool:
        """Whether this worker writes checkpoints, summaries and progress."""
        return self.index == 0

    @property
    def multi_worker(self) -> bool:
        return self.workers > 1


def cluster_of(strategy: tf.distribute.Strategy) -> Cluster:
    """This process's :class:`Cluster` under ``strategy``.

    The chief is the ``chief`` task if the cluster has one, else worker 0, as
    TensorFlow's ``multi_worker_util.is_chief`` decides.

    Example:
        >>> cluster_of(tf.distribute.get_strategy())
        Cluster(workers=1, index=0, task='')
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    spec = resolver.cluster_spec().as_dict() if resolver is not None else {}
    tasks = [(job, i) for job in ("chief", "worker") for i in range(len(spec.get(job, [])))]
    if len(tasks) <= 1 or resolver is None:
        return Cluster(1, 0, "")
    task_type, task_id = resolver.task_type, int(resolver.task_id)
    return Cluster(
        len(tasks), tasks.index((task_type, task_id)), f"/job:{task_type}/replica:0/task:{task_id}"
    )


def check_supported(strategy: tf.distribute.Strategy) -> None:
    """Refuses the strategies ``fit`` does not run under, naming the ones it does.

    Raises:
        ValueError: a ``ParameterServerStrategy``, ``TPUStrategy`` or
            ``CentralStorageStrategy``.
    """
    unsupported = (
        tf.distribute.experimental.ParameterServerStrategy,
        tf.distribute.TPUStrategy,
        tf.distribute.experimental.TPUStrategy,
        tf.distribute.experimental.CentralStorageStrategy,
    )
    if isinstance(strategy, unsupported):
        raise ValueError(
            f"Argument `strategy`: {type(strategy).__name__} is not supported by "
            "tftrain.training.fit. Supported and tested: the default strategy, "
            "tf.distribute.MirroredStrategy and tf.distribute.MultiWorkerMirroredStrategy. "
            f"Received: strategy={strategy!r}"
        )


# --------------------------------------------------------------------------- data
def _sharded_options() -> tf.data.Options:
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return options


def distribute_epoch(
    strategy: tf.distribute.Strategy, batches: Batches, epoch: int, seed: int, skip: int = 0
) -> Any:
    """The distributed batches of ``epoch`` (without the first ``skip``) for this worker.

    One worker: ``strategy.experimental_distribute_dataset`` of the global
    batches, as always. Several workers:

    - arrays: each worker builds only its own replicas' slices of every
      global batch (:meth:`Batches.replica_slices`), from the same
      ``(seed, epoch)`` order, through ``distribute_datasets_from_function``
      (no auto-sharding: the function shards). No worker gathers the rows of
      another's share, every worker has the same number of batches (a
      share may be empty), and the global batch is exactly the one a single
      process trains on.
    - a dataset: auto-sharded with ``AutoShardPolicy.DATA``: every worker
      iterates the whole pipeline and keeps its slice of each global batch.
      The default policy (``AUTO``) would shard a file-based dataset by files,
      which gives workers different numbers of batches (collectives then wait
      for a batch that never comes) and batches unlike one process's.
    """
    if not cluster_of(strategy).multi_worker:
        return strategy.experimental_distribute_dataset(batches.epoch(epoch, seed, skip))
    if batches.arrays:

        def replica_batches(context: tf.distribute.InputContext) -> tf.data.Dataset:
            local = context.num_replicas_in_sync // context.num_input_pipelines
            return batches.replica_slices(
                epoch,
                seed,
                skip,
                replicas=context.num_replicas_in_sync,
                first=context.input_pipeline_id * local,
                count=local,
            )

        return strategy.distribute_datasets_from_function(replica_batches)
    dataset = batches.epoch(epoch, seed, skip).with_options(_sharded_options())
    return strategy.experimental_distribute_dataset(dataset)


# ------------------------------------------------------------------- checkpoints
class WorkerCheckpoints(Checkpoints):
    """:class:`Checkpoints` for one worker of several, as TensorFlow documents for them.

    Every worker restores from ``directory`` (shared storage across hosts)
    and takes part in every save, as TensorFlow asks because a save may read
    distributed values through collectives; only the chief writes into
    ``directory``. The others write the same checkpoint into a fresh
    temporary folder that is removed right after. ``tf.train.CheckpointManager``
    names a checkpoint in its ``checkpoint`` file only after its files are
    written, so a restore never picks up a save that was cut short.
    """

    def __init__(self, directory: str | os.PathLike[str] | None, *, cluster: Cluster, **parts: Any):
        super().__init__(directory, **parts)
        self.cluster = cluster

    def save(self, history: History) -> None:
        if self.manager is None or self.checkpoint is None or self.cluster.is_chief:
            super().save(history)
            return
        scratch = tempfile.mkdtemp(prefix=f"tftrain-worker{self.cluster.index}-")
        try:
            self.state.sync(history)
            manager = tf.train.CheckpointManager(self.checkpoint, scratch, max_to_keep=1)
            manager.save(checkpoint_number=int(self.optimizer.iterations.numpy()))
        finally:
            shutil.rmtree(scratch)


def make_checkpoints(
    directory: str | os.PathLike[str] | None, strategy: tf.distribute.Strategy, **parts: Any
) -> Checkpoints:
    """:class:`WorkerCheckpoints` under a multi-worker strategy, else :class:`Checkpoints`."""
    cluster = cluster_of(strategy)
    if cluster.multi_worker:
        return WorkerCheckpoints(directory, cluster=cluster, **parts)
    return Checkpoints(directory, **parts)


# ------------------------------------------------------------------ agreement
def stop_agreement(strategy: tf.distribute.Strategy) -> Callable[[bool], bool]:
    """``agree(stop)``: whether any worker asks to stop; one all-reduce per call.

    Callbacks run on the chief only, so a stop asked by one of them must reach
    the other workers, or they would wait in the next step's collectives.
    Every worker calls ``agree`` at the same points. One worker: ``bool``.
    """
    if not cluster_of(strategy).multi_worker:
        return bool

    @tf.function
    def any_worker(flag: tf.Tensor) -> tf.Tensor:
        def replica(flag: tf.Tensor) -> tf.Tensor:
            context = tf.distribute.get_replica_context()
            # identity: placed on the replica's device, which the all-reduce needs
            return context.all_reduce(tf.distribute.ReduceOp.SUM, tf.identity(flag))

        return strategy.experimental_local_results(strategy.run(replica, args=(flag,)))[0]

    return lambda stop: bool(any_worker(tf.constant(float(stop))) > 0)


# ----------------------------------------------------------------- lost workers
class WorkerLostError(RuntimeError):
    """A peer of a multi-worker run stopped answering; the run cannot go on.

    Attributes:
        peers: the TensorFlow task names of the lost workers, as reported.
        checkpoint: the newest checkpoint, from which a restarted job resumes.
    """

    def __init__(self, peers: list[str], checkpoint: str | None, detail: str):
        self.peers = peers
        self.checkpoint = checkpoint
        who = ", ".join(peers) if peers else "a peer (TensorFlow did not name it)"
        resume = (
            f"; restart every worker to resume from {checkpoint}"
            if checkpoint
            else "; restart every worker (no checkpoint yet: training starts over)"
        )
        super().__init__(f"Lost contact with worker {who}{resume}. TensorFlow: {detail}")


_TASK = re.compile(r"/job:\w+/replica:\d+/task:\d+")
_LOST = (tf.errors.UnavailableError, tf.errors.DeadlineExceededError, tf.errors.AbortedError)


def lost_worker(
    error: BaseException, cluster: Cluster, checkpoint: str | None
) -> WorkerLostError | None:
    """The :class:`WorkerLostError` for ``error`` if it says a peer is gone, else None.

    The coordination service reports a peer that stopped sending heartbeats
    (``UnavailableError`` naming its task); a collective whose peer's address
    refuses connections names the peer the same way.
    """
    if not cluster.multi_worker or not isinstance(error, _LOST):
        return None
    text = str(error)
    peers = sorted({t for t in _TASK.findall(text) if t != cluster.task})
    return WorkerLostError(peers, checkpoint, " ".join(text.split())[:600])


@contextlib.contextmanager
def reported_lost_workers(cluster: Cluster, checkpoints: Checkpoints) -> Iterator[None]:
    """Turns TensorFlow's errors for a lost peer into :class:`WorkerLostError`."""
    try:
        yield
    except tf.errors.OpError as error:
        lost = lost_worker(error, cluster, checkpoints.latest)
        if lost is None:
            raise
        raise lost from error


# ------------------------------------------------------------------- strategies
def _tf_config() -> dict[str, Any]:
    text = os.environ.get("TF_CONFIG", "")
    if not text:
        return {}
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"TF_CONFIG is not valid JSON: {error}. Received: {text!r}") from None
    if not isinstance(config, dict) or not isinstance(config.get("cluster", {}), dict):
        raise ValueError(
            'TF_CONFIG must be {"cluster": {"worker": [...]}, "task": {"type": "worker", '
            f'"index": i}}}}. Received: {text!r}'
        )
    return config


def make_strategy(
    name: str,
    *,
    join_timeout: float = DEFAULT_JOIN_TIMEOUT,
    heartbeat_timeout: float = DEFAULT_HEARTBEAT_TIMEOUT,
    communication_options: tf.distribute.experimental.CommunicationOptions | None = None,
) -> tf.distribute.Strategy:
    """The strategy ``name`` names: ``"default"``, ``"mirrored"`` or ``"multi_worker"``.

    ``"multi_worker"`` reads the cluster from ``TF_CONFIG`` and bounds the two
    waits that would otherwise hang: joining (a worker that never comes up
    ends every worker that waits for it after ``join_timeout`` seconds, with
    a ``tftrain: error:`` line on stderr naming the workers that do not
    answer, and SIGKILL: the wait is inside TensorFlow, where no exception
    reaches it) and a lost peer (the survivors' next collective fails
    ``heartbeat_timeout`` seconds after its last heartbeat, and ``fit`` raises
    :class:`WorkerLostError` naming it). Create it first thing in the program,
    before any other TensorFlow op, in every worker.

    Args:
        name: one of :data:`STRATEGIES`.
        join_timeout: seconds to wait for every worker to join; ``> 0``.
        heartbeat_timeout: seconds of silence after which a peer is lost; ``> 0``.
        communication_options: passed to ``MultiWorkerMirroredStrategy`` (e.g.
            NCCL all-reduces on GPUs).

    Raises:
        ValueError: an unknown name, a bad timeout, or a malformed ``TF_CONFIG``.

    Example:
        >>> make_strategy("default") is tf.distribute.get_strategy()
        True
    """
    if name not in STRATEGIES:
        raise ValueError(
            f"Invalid value for argument `strategy`. Expected one of {set(STRATEGIES)}. "
            f"Received: strategy={name!r}"
        )
    for argument, value in (
        ("join_timeout", join_timeout),
        ("heartbeat_timeout", heartbeat_timeout),
    ):
        if not value > 0:
            raise ValueError(f"Argument `{argument}` must be > 0. Received: {argument}={value!r}")
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    from tftrain._compat import configure_coordination_service

    config = _tf_config()
    cluster = config.get("cluster", {})
    if sum(len(cluster.get(job, [])) for job in ("chief", "worker")) <= 1:
        return tf.distribute.MultiWorkerMirroredStrategy(
            communication_options=communication_options
        )
    configure_coordination_service(
        cluster,
        register_timeout_ms=int(join_timeout * 1000),
        heartbeat_timeout_ms=int(heartbeat_timeout * 1000),
    )
    task = config.get("task", {})
    with _join_watchdog(join_timeout, cluster, f"{task.get('type')}:{task.get('index')}"):
        return tf.distribute.MultiWorkerMirroredStrategy(
            communication_options=communication_options
        )


@contextlib.contextmanager
def _join_watchdog(timeout: float, cluster: dict[str, Any], task: str) -> Iterator[None]:
    """Kills this process with a message naming the absent workers unless the block ends in time.

    The watchdog is another process (``tftrain/_join_watchdog.py``): creating
    the strategy blocks inside TensorFlow, where no Python thread, exception
    or SIGTERM reaches it.
    """
    read, write = os.pipe()
    watchdog = subprocess.Popen(
        [
            sys.executable,
            str(_WATCHDOG),
            str(read),
            str(timeout),
            str(os.getpid()),
            task,
            json.dumps(cluster),
        ],
        pass_fds=(read,),
    )
    os.close(read)
    try:
        yield
    finally:
        os.close(write)  # the watchdog sees the pipe close and exits
        watchdog.wait()
