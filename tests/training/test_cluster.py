"""The multi-worker helpers that need no cluster: lost-peer reports, names, one-worker defaults."""

from __future__ import annotations

import pytest
import tensorflow as tf

from tftrain.training import Cluster, WorkerLostError, cluster_of, make_strategy
from tftrain.training._cluster import lost_worker, stop_agreement

CHIEF = Cluster(2, 0, "/job:worker/replica:0/task:0")
OTHER = Cluster(2, 1, "/job:worker/replica:0/task:1")

#: What TensorFlow 2.21 raised on the survivor in a two-worker run (from real runs, trimmed).
HEARTBEATS_STOPPED = (
    "{{function_node __wrapped__CollectiveReduceV2_Nordering_token_1_device_/job:worker/"
    "replica:0/task:0/device:CPU:0}} Collective ops is aborted by: Error reported from "
    "/job:worker/task:1: The following tasks are unhealthy (stopped sending heartbeats):\n"
    "/job:worker/replica:0/task:1\nThe tasks have crashed. [Op:CollectiveReduceV2]"
)
CHIEF_GONE = (
    "{{function_node __wrapped__CollectiveReduceV2_Nordering_token_1_device_/job:worker/"
    "replica:0/task:1/device:CPU:0}} Collective ops is aborted by: failed to connect to all "
    "addresses; last error: UNKNOWN: ipv4:127.0.0.1:59661: Failed to connect to remote host: "
    "Connection refused\nAdditional GRPC error information from remote target "
    "/job:worker/replica:0/task:0 while calling /tensorflow.WorkerService/CompleteInstance"
)


@pytest.mark.parametrize(
    ("text", "me", "peer"),
    [(HEARTBEATS_STOPPED, CHIEF, "task:1"), (CHIEF_GONE, OTHER, "task:0")],
)
def test_a_lost_peer_is_named_with_the_checkpoint_to_resume_from(text, me, peer):
    error = lost_worker(tf.errors.UnavailableError(None, None, text), me, "run/ckpt-9")
    assert isinstance(error, WorkerLostError)
    assert error.peers == [f"/job:worker/replica:0/{peer}"]
    assert str(error).startswith(
        f"Lost contact with worker /job:worker/replica:0/{peer}; restart every worker to "
        "resume from run/ckpt-9. TensorFlow: "
    )


def test_other_errors_and_one_worker_are_not_a_lost_peer():
    unavailable = tf.errors.UnavailableError(None, None, HEARTBEATS_STOPPED)
    assert lost_worker(unavailable, Cluster(1, 0, ""), None) is None
    assert lost_worker(tf.errors.InvalidArgumentError(None, None, "bad"), CHIEF, None) is None
    error = lost_worker(unavailable, CHIEF, None)
    assert error is not None and "no checkpoint yet: training starts over" in str(error)


def test_one_process_is_a_one_worker_cluster_whose_agreement_is_its_own():
    for strategy in (tf.distribute.get_strategy(), tf.distribute.MirroredStrategy(["/cpu:0"])):
        assert cluster_of(strategy) == Cluster(1, 0, "")
        assert cluster_of(strategy).is_chief and not cluster_of(strategy).multi_worker
        assert stop_agreement(strategy) is bool


def test_make_strategy_refuses_unknown_names_and_bad_timeouts(monkeypatch):
    with pytest.raises(
        ValueError, match=r"Expected one of .*Received: strategy='parameter_server'"
    ):
        make_strategy("parameter_server")
    with pytest.raises(ValueError, match=r"`join_timeout` must be > 0. Received: join_timeout=0"):
        make_strategy("multi_worker", join_timeout=0)
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ValueError, match="TF_CONFIG is not valid JSON"):
        make_strategy("multi_worker")
