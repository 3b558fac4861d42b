"""Choosing the checkpoint to resume from: the newest one that restores completely.

A run folder can be damaged in ways a resume must survive: a data file cut
short by a full disk or an interrupted copy, an index that is missing or
corrupt, a ``checkpoint`` state file that names a checkpoint no longer there
or that cannot be parsed. :func:`restore_newest` tries the checkpoints newest
first, skips each unreadable one with a :class:`DamagedCheckpointWarning`
naming it, and restores the first that reads completely. A checkpoint that
reads but belongs to another model is not damage: it stops the resume with a
``ValueError`` instead of silently falling back.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import tensorflow as tf

#: Errors with which TensorFlow reports an unreadable checkpoint: a truncated data
#: file (``IndexError: Read less bytes than requested``), a bad checksum
#: (``DataLossError``), a missing or corrupt index (``NotFoundError``, ``OpError``).
_UNREADABLE = (IndexError, OSError, tf.errors.OpError)


class DamagedCheckpointWarning(UserWarning):
    """A checkpoint could not be read and was skipped; an older one is used."""


class NoRestorableCheckpointError(ValueError):
    """Every checkpoint of a folder is damaged; the run cannot resume.

    Attributes:
        directory: the checkpoint folder.
        skipped: ``(checkpoint path, reason)`` for each checkpoint tried.
    """

    def __init__(self, directory: str, skipped: list[tuple[str, str]]):
        self.directory = directory
        self.skipped = skipped
        tried = "; ".join(f"{Path(path).name}: {why}" for path, why in skipped)
        super().__init__(
            f"No checkpoint in {directory} restores completely ({tried}). To start the run "
            f"afresh, move or delete {directory} (or train into another folder)."
        )


@dataclass(frozen=True)
class Resumed:
    """What :func:`restore_newest` did.

    Attributes:
        path: the checkpoint restored, or ``None`` when the folder holds none.
        skipped: ``(checkpoint path, reason)`` of the newer, unreadable ones.
    """

    path: str | None
    skipped: list[tuple[str, str]] = field(default_factory=list)


def checkpoint_number(path: str) -> int:
    """The ``N`` of a ``PREFIX-N`` checkpoint path (-1 for another name)."""
    match = re.search(r"-(\d+)$", path)
    return int(match.group(1)) if match else -1


def checkpoint_candidates(directory: str | os.PathLike[str], prefix: str = "ckpt") -> list[str]:
    """The checkpoint paths of ``directory``, newest (highest number) first.

    Both the ``checkpoint`` state file and the ``PREFIX-N.index`` files are
    read, so a state file that cannot be parsed, or that names a checkpoint
    whose files are gone, still leaves the checkpoints that are there. A
    candidate is only a name: :func:`restore_newest` reads it before using it.

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> for n in (9, 23, 46):
        ...     Path(folder, f"ckpt-{n}.index").touch()
        >>> [os.path.basename(p) for p in checkpoint_candidates(folder)]
        ['ckpt-46', 'ckpt-23', 'ckpt-9']
    """
    directory = os.fspath(directory)
    names: set[str] = set()
    try:
        state = tf.train.get_checkpoint_state(directory)
    except (OSError, ValueError, tf.errors.OpError):  # unreadable: the index files remain
        state = None
    if state is not None:
        # By name, in this folder: a folder copied elsewhere keeps its old absolute paths.
        names.update(
            os.path.basename(path)
            for path in [*state.all_model_checkpoint_paths, state.model_checkpoint_path]
            if path
        )
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)\.index$")
    if tf.io.gfile.isdir(directory):
        names.update(
            name[: -len(".index")] for name in tf.io.gfile.listdir(directory) if pattern.match(name)
        )
    paths = [os.path.join(directory, name) for name in names]
    return sorted(paths, key=checkpoint_number, reverse=True)


def unreadable(path: str) -> str | None:
    """Why the checkpoint ``path`` cannot be read completely, or ``None`` if it can.

    Every tensor is read, which checks its length and checksum: a restore alone
    would fail only at the first bad tensor, after assigning the ones before it.
    """
    try:
        reader = tf.train.load_checkpoint(path)
        for name in reader.get_variable_to_shape_map():
            reader.get_tensor(name)
    except _UNREADABLE as error:
        return _reason(error)
    return None


def _reason(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    # TensorFlow prefixes op errors with the op's internal function name.
    text = re.sub(r"^\{\{function_node [^}]*\}\}\s*", "", text)
    return f"{type(error).__name__}: {text}"


def _mismatch(path: str, error: BaseException) -> ValueError:
    return ValueError(
        f"The checkpoint {path} does not match this model, optimizer and EMA (it was "
        f"written by another run): {str(error).splitlines()[0]} Train into another folder, "
        "or resume with the model the folder was trained with."
    )


def restore_newest(
    checkpoint: tf.train.Checkpoint, directory: str | os.PathLike[str], prefix: str = "ckpt"
) -> Resumed:
    """Restores the newest checkpoint of ``directory`` that reads completely.

    Each candidate (:func:`checkpoint_candidates`) is first read in full
    (:func:`unreadable`); an unreadable one is skipped with a
    :class:`DamagedCheckpointWarning` naming it and the reason. The first
    readable one is restored into ``checkpoint``, and every object of
    ``checkpoint`` must find its value there.

    Args:
        checkpoint: the ``tf.train.Checkpoint`` to restore into.
        directory: the folder ``tf.train.CheckpointManager`` writes.
        prefix: the manager's checkpoint name.

    Returns:
        A :class:`Resumed` with the path restored (``None`` if the folder holds
        no checkpoint) and the skipped ones.

    Raises:
        ValueError: the newest readable checkpoint belongs to another model (a
            variable of another shape: the message names it and both shapes; or
            objects without a value in it).
        NoRestorableCheckpointError: there are checkpoints, and none reads.

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> v = tf.Variable(1.0)
        >>> manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=v), folder, 3)
        >>> _ = manager.save(checkpoint_number=5)
        >>> _ = v.assign(7.0)
        >>> resumed = restore_newest(tf.train.Checkpoint(v=v), folder)
        >>> print(os.path.basename(resumed.path), float(v.numpy()), resumed.skipped)
        ckpt-5 1.0 []
    """
    directory = os.fspath(directory)
    skipped: list[tuple[str, str]] = []
    for path in checkpoint_candidates(directory, prefix):
        why = unreadable(path)
        if why is None:
            try:
                checkpoint.restore(path).assert_existing_objects_matched()
            except (AssertionError, ValueError) as error:
                raise _mismatch(path, error) from error
            except _UNREADABLE as error:  # read a moment ago; gone or changed since
                why = _reason(error)
            else:
                return Resumed(path, skipped)
        skipped.append((path, why))
        warnings.warn(
            f"Skipping the damaged checkpoint {path} ({why}); trying an older one.",
            DamagedCheckpointWarning,
            stacklevel=2,
        )
    if skipped:
        raise NoRestorableCheckpointError(directory, skipped)
    return Resumed(None)
