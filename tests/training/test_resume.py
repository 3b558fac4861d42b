"""Resuming from a damaged run folder: the newest checkpoint that reads, or a clear error."""

from __future__ import annotations

import os
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.training.conftest import sparse_ce
from tftrain.training import (
    Callback,
    CheckpointSaveError,
    DamagedCheckpointWarning,
    NoRestorableCheckpointError,
    fit,
    saved_history,
)
from tftrain.training._resume import checkpoint_candidates, restore_newest, unreadable


def _folder_with_checkpoints(folder: Path, values=(1.0, 2.0, 3.0)) -> tf.Variable:
    """Checkpoints ckpt-1, ckpt-2, ... of one variable, holding ``values`` in turn."""
    variable = tf.Variable(tf.zeros([64]))
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=variable), folder, max_to_keep=5)
    for number, value in enumerate(values, start=1):
        variable.assign(tf.fill([64], value))
        manager.save(checkpoint_number=number)
    return variable


def _restore(folder: Path) -> tuple[str | None, float]:
    variable = tf.Variable(tf.fill([64], -1.0))
    resumed = restore_newest(tf.train.Checkpoint(v=variable), folder)
    values = variable.numpy()
    assert np.all(values == values[0])  # restored in full, not partly
    name = os.path.basename(resumed.path) if resumed.path else None
    return name, float(values[0])


def _truncate(path: Path) -> None:
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size // 2)


def _flip_bytes(path: Path) -> None:
    with open(path, "r+b") as f:
        f.seek(path.stat().st_size // 2)
        f.write(b"\x5a" * 8)


DAMAGES = {
    "truncated data file": lambda d: _truncate(d / "ckpt-3.data-00000-of-00001"),
    "flipped data bytes": lambda d: _flip_bytes(d / "ckpt-3.data-00000-of-00001"),
    "missing index": lambda d: (d / "ckpt-3.index").unlink(),
    "corrupt index": lambda d: _flip_bytes(d / "ckpt-3.index"),
    "state names a missing checkpoint": lambda d: [p.unlink() for p in d.glob("ckpt-3.*")],
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_newest_checkpoint_is_skipped_with_a_warning_naming_it(tmp_path, damage):
    _folder_with_checkpoints(tmp_path)
    DAMAGES[damage](tmp_path)
    with pytest.warns(DamagedCheckpointWarning, match=r"ckpt-3 \(") as caught:
        assert _restore(tmp_path) == ("ckpt-2", 2.0)
    assert len(caught) == 1


def test_a_checkpoint_is_read_in_full_not_only_the_values_restored(tmp_path):
    # A damaged tensor that this restore would not even read still disqualifies the
    # checkpoint: bytes in the middle of "zz" (the only run of 1024 zero bytes) are changed.
    v, zz = tf.Variable(tf.fill([64], 1.0)), tf.Variable(tf.zeros([256]))
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=v, zz=zz), tmp_path, 5)
    manager.save(checkpoint_number=1)
    v.assign(tf.fill([64], 2.0))
    manager.save(checkpoint_number=2)
    data = tmp_path / "ckpt-2.data-00000-of-00001"
    start = data.read_bytes().find(bytes(1024))
    assert start >= 0
    with open(data, "r+b") as f:
        f.seek(start + 512)
        f.write(b"\x5a" * 8)
    with pytest.warns(DamagedCheckpointWarning, match="ckpt-2"):
        assert _restore(tmp_path) == ("ckpt-1", 1.0)


def test_two_damaged_checkpoints_fall_back_to_the_third(tmp_path):
    _folder_with_checkpoints(tmp_path)
    _truncate(tmp_path / "ckpt-3.data-00000-of-00001")
    (tmp_path / "ckpt-2.index").unlink()
    with pytest.warns(DamagedCheckpointWarning) as caught:
        assert _restore(tmp_path) == ("ckpt-1", 1.0)
    assert ["ckpt-3 (" in str(w.message) for w in caught] == [True, False]
    assert "ckpt-2 (" in str(caught[1].message)


def test_an_unparsable_state_file_still_finds_the_checkpoints(tmp_path):
    _folder_with_checkpoints(tmp_path)
    (tmp_path / "checkpoint").write_text("this is { not a checkpoint state")
    assert [os.path.basename(p) for p in checkpoint_candidates(tmp_path)] == [
        "ckpt-3",
        "ckpt-2",
        "ckpt-1",
    ]
    assert _restore(tmp_path) == ("ckpt-3", 3.0)


def test_an_intact_folder_restores_the_newest_without_a_warning(tmp_path, recwarn):
    _folder_with_checkpoints(tmp_path)
    assert _restore(tmp_path) == ("ckpt-3", 3.0)
    assert not [w for w in recwarn if issubclass(w.category, DamagedCheckpointWarning)]


def test_an_empty_folder_restores_nothing(tmp_path):
    assert _restore(tmp_path) == (None, -1.0)


def test_no_readable_checkpoint_is_an_error_that_says_how_to_start_afresh(tmp_path):
    _folder_with_checkpoints(tmp_path, values=(1.0, 2.0))
    _truncate(tmp_path / "ckpt-2.data-00000-of-00001")
    (tmp_path / "ckpt-1.index").unlink()
    with pytest.warns(DamagedCheckpointWarning), pytest.raises(NoRestorableCheckpointError) as info:
        _restore(tmp_path)
    message = str(info.value)
    assert f"No checkpoint in {tmp_path} restores completely" in message
    assert "ckpt-2: IndexError" in message and "ckpt-1: NotFoundError" in message
    assert f"move or delete {tmp_path}" in message


def test_a_checkpoint_of_another_shape_names_the_variable_and_both_shapes(tmp_path, recwarn):
    _folder_with_checkpoints(tmp_path)
    other = tf.Variable(tf.zeros([32]), name="weights")
    with pytest.raises(ValueError, match=r"shape \(64,\).*shape \(32,\).*weights") as info:
        restore_newest(tf.train.Checkpoint(v=other), tmp_path)
    assert "ckpt-3 does not match this model" in str(info.value)
    assert not recwarn.list  # another model is not damage: no fallback to an older one


# ---------------------------------------------------------------------------- through fit
def _fit(model, data, **kwargs):
    kwargs.setdefault("loss", sparse_ce())
    kwargs.setdefault("optimizer", keras.optimizers.Adam(0.01))
    kwargs.setdefault("progress", False)
    return fit(model, data, batch_size=16, seed=3, **kwargs)


def test_fit_resumes_exactly_from_the_newest_intact_checkpoint(
    classification, make_model, tmp_path
):
    x, y = classification
    _fit(make_model(), (x, y), epochs=2, checkpoint_dir=tmp_path)  # ckpt-6, ckpt-12
    _truncate(tmp_path / "ckpt-12.data-00000-of-00001")
    resumed = make_model(seed=7)
    with pytest.warns(DamagedCheckpointWarning, match="ckpt-12"):
        history = _fit(resumed, (x, y), epochs=3, checkpoint_dir=tmp_path)
    straight = make_model()
    expected = _fit(straight, (x, y), epochs=3)
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert history.history == expected.history
    # The damaged checkpoint was rewritten by the resumed run's own save at step 12.
    assert tf.train.latest_checkpoint(tmp_path).endswith("ckpt-18")
    assert len(saved_history(tmp_path)) == 3


def test_fit_refuses_a_checkpoint_of_another_model_naming_the_variable(
    classification, make_model, tmp_path
):
    x, y = classification
    _fit(make_model(), (x, y), epochs=1, checkpoint_dir=tmp_path)
    wider = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match=r"shape \(6, 8\).*shape \(6, 5\) and name .*kernel"):
        _fit(wider, (x, y), epochs=2, checkpoint_dir=tmp_path)


def test_a_failed_save_names_the_folder_and_leaves_the_earlier_checkpoints_intact(
    classification, make_model, tmp_path
):
    x, y = classification
    folder = tmp_path / "checkpoints"

    class BreakTheFolder(Callback):
        """Puts a directory where the index of the third save must go, mid-run: TensorFlow
        writes the data file, then fails on the index (tests run as root, where
        permissions stop nothing)."""

        def on_step_end(self, step, logs):
            if step == 2:
                (folder / "ckpt-6.index").mkdir(parents=True)

    with pytest.raises(CheckpointSaveError) as info:
        _fit(
            make_model(),
            (x, y),
            epochs=2,
            checkpoint_dir=folder,
            checkpoint_every=2,
            steps_per_execution=2,
            callbacks=[BreakTheFolder()],
        )
    message = str(info.value)
    assert f"Could not save a checkpoint in {folder}" in message
    assert "ckpt-4" in message and "run again to resume" in message
    assert tf.train.latest_checkpoint(folder).endswith("ckpt-4")
    assert not list(folder.glob("ckpt-6.data*")) and not (folder / "ckpt-6_temp").exists()
    for path in tf.train.get_checkpoint_state(folder).all_model_checkpoint_paths:
        model = make_model(seed=1)
        optimizer = keras.optimizers.Adam(0.01)
        optimizer.build(model.trainable_variables)
        assert unreadable(path) is None, path
        status = tf.train.Checkpoint(model=model, optimizer=optimizer).restore(path)
        status.assert_existing_objects_matched().expect_partial()
    assert len(saved_history(folder)) == 0  # no epoch had finished

    (folder / "ckpt-6.index").rmdir()  # the folder is fixed: the run resumes to the end
    resumed = make_model(seed=5)
    _fit(
        resumed, (x, y), epochs=2, checkpoint_dir=folder, checkpoint_every=2, steps_per_execution=2
    )
    straight = make_model()
    _fit(straight, (x, y), epochs=2, steps_per_execution=2)
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
