"""``tftrain launch``: N local workers on loopback ports, the chief's output, stop on failure."""

from __future__ import annotations

import io
import json
import sys
import time

import pytest

from tests.test_cli import tftrain
from tftrain import cli, launch, training

#: A worker that reports its TF_CONFIG, then exits with status 5 (worker 1) or waits (others).
# Worker 1 gives up only once the chief has printed its line (marker file in argv[1]):
# under load the chief can start late, and the launcher stops it when worker 1 fails.
FAILING_WORKER = (
    "import json, os, pathlib, sys, time\n"
    "config = json.loads(os.environ['TF_CONFIG'])\n"
    "print('worker', config['task']['index'], config['cluster']['worker'], flush=True)\n"
    "marker = pathlib.Path(sys.argv[1])\n"
    "if config['task']['index'] == 0:\n"
    "    marker.touch()\n"
    "if config['task']['index'] == 1:\n"
    "    deadline = time.monotonic() + 50\n"
    "    while not marker.exists() and time.monotonic() < deadline:\n"
    "        time.sleep(0.05)\n"
    "    print('worker 1 gives up', flush=True); sys.exit(5)\n"
    "time.sleep(120)\n"
)


def test_free_ports_are_distinct_loopback_ports():
    ports = launch.free_ports(3)
    assert len(set(ports)) == 3
    config = json.loads(launch.tf_config(ports, 2))
    assert config == {
        "cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
        "task": {"type": "worker", "index": 2},
    }


def test_one_failing_worker_stops_all_and_its_status_and_log_are_reported(tmp_path, capfd):
    chief_output = io.StringIO()
    started = time.monotonic()
    status = launch.launch(
        [sys.executable, "-c", FAILING_WORKER, str(tmp_path / "chief-spoke")],
        3,
        log_dir=tmp_path,
        out=chief_output,
        grace=5,
    )
    assert status == 5
    assert time.monotonic() - started < 60  # the chief's two-minute sleep was cut short
    assert chief_output.getvalue().startswith("worker 0 ['127.0.0.1:")
    assert "worker 1 gives up" in (tmp_path / "worker-1.log").read_text()
    err = capfd.readouterr().err
    assert "tftrain: worker 1 failed (status 5)" in err and "worker 1 gives up" in err
    assert "tftrain: error: worker 1 failed; stopped every worker" in err


def test_launch_refuses_bad_arguments(capsys):
    with pytest.raises(ValueError, match=r"`workers` must be an integer >= 1. Received: workers=0"):
        launch.launch(["true"], 0)
    assert cli.main(["launch", "--workers", "2", "r.toml", "--strategy", "mirrored"]) == 2
    assert "sets --strategy multi_worker itself" in capsys.readouterr().err


def test_the_command_offers_exactly_the_strategies_make_strategy_takes():
    parser = cli._parser()
    train = parser._subparsers._group_actions[0].choices["train"]
    (option,) = [a for a in train._actions if a.dest == "strategy"]
    assert tuple(option.choices) == training.STRATEGIES


@pytest.mark.slow
def test_launch_two_workers_trains_a_recipe_into_one_run_folder(tmp_path):
    recipe = tmp_path / "tiny.toml"
    recipe.write_text(
        'model = "linear"\nloss = "mse"\nmetrics = ["mean_absolute_error"]\n'
        '[data]\nname = "sales"\nsamples = 96\n[ema]\ndecay = 0.9\n'
        "[train]\nepochs = 2\nbatch_size = 16\ncheckpoint_every = 2\n"
    )
    result = tftrain(
        "launch", "--workers", "2", "--logs", "logs", str(recipe), "--out", "run", "--no-plots",
        cwd=tmp_path,
    )  # fmt: skip
    worker_log = (tmp_path / "logs" / "worker-1.log").read_text()
    assert result.returncode == 0, result.stderr + worker_log
    assert "final metrics" in result.stdout and "ema" in result.stdout  # the chief's, streamed
    run = tmp_path / "run"
    assert sorted(p.name for p in run.iterdir()) == [
        "checkpoints", "history.csv", "history.json", "recipe.json", "recipe.toml",
    ]  # fmt: skip
    assert len(json.loads((run / "history.json").read_text())) == 2
    assert all(p.is_file() for p in (run / "checkpoints").iterdir())
    assert "tftrain: wrote" not in worker_log  # the other worker writes nothing


def test_train_strategy_is_a_recipe_key_with_its_names(tmp_path):
    from tftrain import config

    recipe = {"model": "linear", "data": {"name": "sales", "samples": 32}, "loss": "mse"}
    chosen = config.load({**recipe, "train": {"epochs": 1, "strategy": "mirrored"}})
    assert chosen["train"]["strategy"] == "mirrored"
    with pytest.raises(config.RecipeError, match=r"train.strategy: expected one of .*multi_worker"):
        config.load({**recipe, "train": {"strategy": "tpu"}})
    result = config.run(chosen, out=tmp_path / "run", progress=False, plots=False)
    assert len(result.history) == 1
    # a run may resume on another strategy
    again = config.load({**recipe, "train": {"epochs": 2}})
    assert len(config.run(again, out=tmp_path / "run", progress=False, plots=False).history) == 2


def test_a_lost_worker_stops_tftrain_train_with_one_line_and_exit_1(monkeypatch, capsys, tmp_path):
    from tftrain import config

    def lost(*args, **kwargs):
        raise training.WorkerLostError(
            ["/job:worker/replica:0/task:1"], "run/checkpoints/ckpt-9", "UnavailableError ..."
        )

    monkeypatch.setattr(config, "run", lost)
    assert cli.main(["train", "--out", str(tmp_path / "run"), "--strategy", "default"]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(
        "tftrain: error: Lost contact with worker /job:worker/replica:0/task:1; restart every "
        "worker to resume from run/checkpoints/ckpt-9."
    )
