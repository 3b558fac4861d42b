"""The ``tftrain`` command: subprocesses for exit codes, files and resume; the rest in-process."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from tftrain import cli, config
from tftrain._native_logs import is_native_log_line

ROOT = Path(__file__).resolve().parents[1]
#: Overrides that make the default recipe train in a few seconds.
TINY = ["--set", "data.samples_per_class=30", "--set", "model.hidden_units=[8]"]


def tftrain(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Runs ``python -m tftrain ARGS`` in a fresh interpreter, as a user would (no
    ``TF_CPP_MIN_LOG_LEVEL``, so the command's own filter of TensorFlow's lines is on)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    return subprocess.run(
        [sys.executable, "-m", "tftrain", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def errors(result: subprocess.CompletedProcess) -> list[str]:
    """The ``tftrain: error:`` lines of stderr."""
    return [line for line in result.stderr.splitlines() if line.startswith("tftrain: error:")]


def native_lines(result: subprocess.CompletedProcess) -> list[str]:
    """TensorFlow's native log lines in stderr."""
    return [line for line in result.stderr.splitlines() if is_native_log_line(line)]


@pytest.mark.slow
def test_train_writes_a_run_folder_and_resumes_it(tmp_path, capsys, monkeypatch):
    first = tftrain("train", "--out", "run", "--set", "train.epochs=2", *TINY, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert native_lines(first) == []  # start-up and XLA lines kept off the terminal
    run = tmp_path / "run"
    for name in (
        "recipe.toml",
        "recipe.json",
        "history.json",
        "history.csv",
        "loss.png",
        "learning_rate.png",
        "accuracy.png",
    ):
        assert (run / name).is_file() and (run / name).stat().st_size > 0, name
    assert any((run / "checkpoints").iterdir())
    assert "final metrics" in first.stdout and "ema" in first.stdout
    assert "val_accuracy" in first.stdout
    saved = tomllib.loads((run / "recipe.toml").read_text())
    assert saved["model"]["activation"] == "swish" and saved["ema"]["decay"] == 0.99
    before = json.loads((run / "history.json").read_text())
    assert len(before) == 2 and "ema_val_loss" in before[0]

    # Resumed in-process (the command's code path is the same; one TensorFlow start-up fewer).
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "--out", "run", "--set", "train.epochs=3", "--no-plots", *TINY]) == 0
    capsys.readouterr()
    after = json.loads((run / "history.json").read_text())
    assert len(after) == 3
    assert after[:2] == before  # resumed: the first two epochs are the saved ones

    # Another recipe on the same folder is refused.
    assert cli.main(["train", "--out", "run", *TINY, "--set", "model.hidden_units=[4]"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "holds a run of a different recipe (differs in model.hidden_units)" in line
    assert len(json.loads((run / "history.json").read_text())) == 3  # left as it was


@pytest.mark.slow
def test_sigterm_saves_mid_epoch_writes_the_history_and_exits_143_then_resumes(
    tmp_path, capsys, monkeypatch
):
    train = ["train", "--out", "run", "--no-plots", *TINY, "--set", "train.epochs=3"]
    every = ["--set", "train.checkpoint_every=1"]
    result = tftrain("--import", "tests._sigterm_on_save", *train, *every, cwd=tmp_path)
    assert result.returncode == 143, result.stderr
    run = tmp_path / "run"
    # 3 batches an epoch: SIGTERM after the save at step 4 (epoch 1, batch 1); the run
    # stops after its next execution and saves there, inside the epoch.
    assert result.stderr.splitlines()[-1] == (
        f"tftrain: Stopped by SIGTERM at step 5; saved {Path('run', 'checkpoints', 'ckpt-5')}; "
        "run the same command again to resume"
    )
    assert "Traceback" not in result.stderr
    saved = json.loads((run / "history.json").read_text())
    assert len(saved) == 1  # the epochs finished by the last save
    assert (run / "history.csv").read_text().count("\n") == 2

    # Resumed in-process: the saved epoch is kept and the run ends normally.
    monkeypatch.chdir(tmp_path)
    assert cli.main([*train, *every]) == 0
    capsys.readouterr()
    after = json.loads((run / "history.json").read_text())
    assert len(after) == 3 and after[0] == saved[0]


class _Recorded(logging.Handler):
    """Keeps what TensorFlow's Python logger says at WARNING or above."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.mark.filterwarnings("default::tftrain.training.DamagedCheckpointWarning")
def test_a_damaged_newest_checkpoint_is_one_warning_line_and_the_run_resumes(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    train = ["train", "--out", "run", "--no-plots", *TINY]
    assert cli.main([*train, "--set", "train.epochs=2"]) == 0  # ckpt-3, ckpt-6
    capsys.readouterr()
    data = tmp_path / "run" / "checkpoints" / "ckpt-6.data-00000-of-00001"
    with open(data, "r+b") as f:
        f.truncate(data.stat().st_size // 2)  # what a full disk or a cut copy leaves
    tensorflow_says = _Recorded()
    logging.getLogger("tensorflow").addHandler(tensorflow_says)
    try:
        assert cli.main([*train, "--set", "train.epochs=3"]) == 0
    finally:
        logging.getLogger("tensorflow").removeHandler(tensorflow_says)
    # No deprecation notice on the user's screen. (Other TensorFlow warnings depend on what
    # this test process ran before, such as retracing counts over earlier fits.)
    assert [m for m in tensorflow_says.messages if "deprecated" in m] == []
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert warnings == [
        f"tftrain: warning: Skipping the damaged checkpoint {Path('run', 'checkpoints', 'ckpt-6')} "
        "(IndexError: Read less bytes than requested); trying an older one."
    ]
    assert len(json.loads((tmp_path / "run" / "history.json").read_text())) == 3

    # Every checkpoint damaged: one error line that says how to start afresh, exit 2.
    for index in (tmp_path / "run" / "checkpoints").glob("*.index"):
        index.unlink()
    assert cli.main([*train, "--set", "train.epochs=4"]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("tftrain: error: No checkpoint in run")
    assert "restores completely" in errors[0] and "move or delete" in errors[0]


def test_bad_recipe_gives_one_line_per_problem_and_exit_2(tmp_path):
    recipe = tmp_path / "bad.toml"
    recipe.write_text(
        '[model]\nname = "mlp"\n[data]\nname = "spirals"\n[loss]\nname = "mse"\n'
        '[schedule]\nname = "exponential_decay"\ninitial_learning_rate = 0.1\n'
        "decay_steps = 0\ndecay_rat = 0.5\n"
    )
    result = tftrain("check", "bad.toml", "--set", "train.epoch=3", cwd=tmp_path)
    assert result.returncode == 2
    # Nothing else: TensorFlow's start-up lines are kept off stderr by default.
    assert (
        result.stderr.splitlines()
        == errors(result)
        == [
            "tftrain: error: bad.toml: schedule.decay_rat: unknown key; did you mean decay_rate? "
            "Accepted by schedule 'exponential_decay': initial_learning_rate, decay_steps, "
            "decay_rate, staircase, transition_begin, end_value.",
            "tftrain: error: bad.toml: schedule.decay_steps: Argument `decay_steps` must be > 0. "
            "Received: decay_steps=0",
            "tftrain: error: bad.toml: train.epoch: unknown key; did you mean epochs? Accepted: "
            + ", ".join(config._recipe._train_parameters())
            + ".",
        ]
    )


def test_missing_recipe_file_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "missing.toml"]) == 2
    assert capsys.readouterr().err == "tftrain: error: missing.toml: no such recipe file\n"
    assert not (tmp_path / "runs").exists()


def test_check_prints_the_resolved_recipe(capsys):
    assert cli.main(["check", "--set", "train.epochs=7"]) == 0
    out = capsys.readouterr().out
    resolved = tomllib.loads(out)
    assert resolved["train"]["epochs"] == 7
    assert resolved["schedule"]["staircase"] is True
    assert (
        config.load(resolved).to_dict()
        == config.default_recipe(overrides=["train.epochs=7"]).to_dict()
    )
    assert cli.main(["check", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"]["activation"] == "swish"


def test_bad_override_is_reported_without_traceback(capsys):
    overrides = ["--set", "schedule.decay_rate", "--set", "model.hidden_units=[0]"]
    assert cli.main(["check", *overrides]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(
        "tftrain: error: default recipe: override 'schedule.decay_rate': expected KEY=VALUE"
    )
    assert err[1].startswith(
        "tftrain: error: default recipe: model.hidden_units: "
        "Argument `hidden_units[0]` must be >= 1"
    )


@pytest.mark.parametrize("family", list(cli.FAMILIES))
def test_list_prints_every_registered_name_with_a_description(family, capsys):
    from tftrain.families import family as registry_of

    assert cli.main(["list", family]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{family}:"
    registry = registry_of(cli.FAMILIES[family])
    assert len(lines) == 1 + len(registry.names())
    for name, line in zip(registry.names(), lines[1:], strict=True):
        assert line.split()[0] == name
        assert len(line.split(maxsplit=1)[1]) > 10  # a description follows


def test_list_refuses_an_unknown_family(capsys):
    assert cli.main(["list", "widgets"]) == 2
    assert "unknown family 'widgets'; choose one of schedules" in capsys.readouterr().err


def test_plot_schedule_from_a_recipe_and_from_an_inline_spec(tmp_path, capsys):
    recipe = ROOT / "examples" / "sales_mse.toml"
    out = tmp_path / "s.png"
    assert cli.main(["plot", "schedule", str(recipe), "--steps", "300", "--out", str(out)]) == 0
    assert out.stat().st_size > 0
    inline = '{name = "cosine_decay", initial_learning_rate = 0.1, decay_steps = 50}'
    out2 = tmp_path / "c.png"
    assert cli.main(["plot", "schedule", inline, "--steps", "60", "--out", str(out2)]) == 0
    assert out2.stat().st_size > 0
    assert cli.main(["plot", "schedule", "cosine_decay", "--steps", "5"]) == 2
    assert "needs the argument" in capsys.readouterr().err


def test_plot_activations_and_unknown_names(tmp_path, capsys):
    out = tmp_path / "a.png"
    args = ["plot", "activations", "relu", "swish", '{name="leaky_relu", alpha=0.2}']
    assert cli.main([*args, "--out", str(out)]) == 0
    assert out.stat().st_size > 0
    assert cli.main(["plot", "activations", "rleu", "--out", str(out)]) == 2
    assert "Did you mean 'relu'" in capsys.readouterr().err


def test_plot_history_of_a_missing_folder(tmp_path, capsys):
    assert cli.main(["plot", "history", str(tmp_path / "nothing")]) == 2
    assert "no such history file" in capsys.readouterr().err


def test_plot_history_of_a_run_folder(tmp_path, capsys):
    epochs = [
        {"loss": 1.0, "accuracy": 0.5, "learning_rate": 0.1, "val_loss": 1.1, "ema_val_loss": 1.2},
        {"loss": 0.5, "accuracy": 0.7, "learning_rate": 0.05, "val_loss": 0.6, "ema_val_loss": 0.5},
    ]
    (tmp_path / "history.json").write_text(json.dumps(epochs))
    assert cli.main(["plot", "history", str(tmp_path), "--out", str(tmp_path / "plots")]) == 0
    written = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert written == ["accuracy.png", "learning_rate.png", "loss.png"]


def test_a_non_finite_loss_stops_the_run_with_one_line_and_exit_1(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["train", *TINY, "--set", "schedule.initial_learning_rate=1e35", "--no-plots"]
    assert cli.main([*args, "--set", "train.epochs=3"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("tftrain: error: ")
    assert "non-finite" in err[0].lower() or "nan" in err[0].lower()


def test_version_prints_the_package_version(capsys):
    import tftrain

    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"tftrain {tftrain.__version__}"


@pytest.mark.parametrize(
    ("args", "environment", "hidden"),
    [
        (["list", "models"], {}, True),
        (["--verbose", "list", "models"], {}, False),
        (["list", "models"], {"TF_CPP_MIN_LOG_LEVEL": "0"}, False),
    ],
)
def test_native_lines_are_hidden_unless_verbose_or_the_user_sets_the_log_level(
    args, environment, hidden, monkeypatch, capsys
):
    # The filter itself is tested in tests/test_native_logs.py; here, when it is used.
    entered = []

    @contextlib.contextmanager
    def recording():
        entered.append(True)
        yield

    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(cli, "native_logs_hidden", recording)
    assert cli.main(args) == 0
    assert entered == ([True] if hidden else [])
    assert capsys.readouterr().out.startswith("models:\n")


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_answer_without_importing_tensorflow(flag):
    program = (
        "import sys\n"
        "from tftrain.cli import main\n"
        "try:\n"
        f"    main([{flag!r}])\n"
        "except SystemExit as exit_:\n"
        "    assert exit_.code == 0, exit_.code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "[]"
    assert ("usage: tftrain" if flag == "--help" else "tftrain ") in result.stdout
