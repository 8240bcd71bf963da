"""The directory layout shared by model directories and checkpoint directories.

Both kinds look alike::

    tfgraph_dnn.json        {"library": "tfgraph_dnn", "kind": "model", "format": 2}
    latest                  {"epoch": 12, "dir": "save-000007"}, replaced atomically
    save-000007/
        model.ckpt.index    tf.compat.v1.train.Saver (V2) of every variable
        model.ckpt.data-*
        estimator.json      (kind "model") or state.json (+ arrays.npz) (kind "checkpoints")

The marker file ``tfgraph_dnn.json`` says the directory is ours, of which kind,
in which format (model directories: format 2; checkpoint directories: format 3,
whose fits live in ``fit-<key>/`` subdirectories, see :mod:`.fits`; the marker
of such a subdirectory names its fit: ``"fit": "<key>"``).  Directories of
format 1 (the previous version) have no marker; their kind is read off their
``save-N`` directories, and the marker is added the
next time one is written to.  A directory is written to only if it is absent,
empty (but for temporary files of ours) or ours of the same kind: anything else
is refused, so that nothing of a user's (or of the other kind) is ever removed.

Every write holds the directory's lock (:mod:`.locks`).  A save is written to a
temporary directory, flushed and renamed to a new
``save-N`` (never over an existing one); only then is ``latest`` replaced and
are older saves removed.  A crash therefore leaves ``latest`` pointing at a
complete save -- or, when it struck between the rename of a first save and its
``latest``, no ``latest`` but a complete ``save-N``, which
:func:`latest_save_dir` recovers.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional

from ..exceptions import CheckpointError, ForeignDirectoryError
from .files import (atomic_write_json, fsync_dir, fsync_file, is_leftover, is_write_failure,
                    read_json, remove_leftovers, temp_prefix, write_failure)
from .locks import LOCK_FILE, directory_lock

MODEL = "model"
CHECKPOINTS = "checkpoints"
# The format each kind of directory is written in (and the newest this version reads).
FORMATS = {MODEL: 2, CHECKPOINTS: 3}
FORMAT_VERSION = max(FORMATS.values())
MARKER_FILE = "tfgraph_dnn.json"
LATEST = "latest"
MODEL_PREFIX = "model.ckpt"
CONTENT_FILE = {MODEL: "estimator.json", CHECKPOINTS: "state.json"}
DESCRIPTION = {MODEL: "model directory written by save()",
               CHECKPOINTS: "checkpoint directory (checkpoint_dir)"}
_SAVE_DIR = re.compile(r"^save-(\d{6})$")
_FIT_KEY = re.compile(r"^[0-9a-f]{16}$")


@dataclass
class Directory:
    """What is at a path, as far as the storage layer is concerned.

    Attributes
    ----------
    path : str
    exists, is_dir : bool
    kind : {"model", "checkpoints"} or None
        ``None``: absent, empty, or not ours.
    format : int or None
        Of the marker; 1 for a directory of the previous version (no marker).
    fit : str or None
        The key of the fit whose checkpoints a ``fit-<key>/`` directory holds.
    foreign : list of str
        Entries that are neither ours nor temporary files of ours.
    """

    path: str
    exists: bool
    is_dir: bool
    kind: Optional[str] = None
    format: Optional[int] = None
    foreign: List[str] = field(default_factory=list)
    fit: Optional[str] = None

    @property
    def empty(self) -> bool:
        """An existing directory holding nothing but our temporary files."""
        return self.is_dir and self.kind is None and not self.foreign


def save_indices(directory: str) -> List[int]:
    """The ``N`` of every ``save-N`` entry of ``directory``, ascending."""
    return sorted(int(m.group(1)) for m in map(_SAVE_DIR.match, os.listdir(directory)) if m)


def _complete_saves(directory: str, kind: Optional[str]) -> Dict[str, List[int]]:
    """``{kind: [N, ...]}`` of the complete ``save-N`` directories (weights and JSON there)."""
    found: Dict[str, List[int]] = {}
    for index in save_indices(directory):
        save_dir = os.path.join(directory, f"save-{index:06d}")
        if not os.path.exists(os.path.join(save_dir, MODEL_PREFIX + ".index")):
            continue
        for candidate, content in CONTENT_FILE.items():
            if kind in (None, candidate) and os.path.isfile(os.path.join(save_dir, content)):
                found.setdefault(candidate, []).append(index)
    return found


def _read_marker(path: str) -> Dict[str, Any]:
    marker_path = os.path.join(path, MARKER_FILE)
    marker = read_json(marker_path, "directory marker")
    if not isinstance(marker, dict) or marker.get("library") != "tfgraph_dnn" \
            or not isinstance(marker.get("kind"), str) or marker["kind"] not in CONTENT_FILE \
            or not isinstance(marker.get("format"), int) or isinstance(marker["format"], bool) \
            or marker["format"] < 1:
        raise CheckpointError(f"{marker_path} is not a tfgraph_dnn directory marker.")
    supported = FORMATS[marker["kind"]]
    if marker["format"] > supported:
        raise CheckpointError(
            f"{path} was written by a newer tfgraph_dnn (format {marker['format']} > supported "
            f"{supported}); upgrade tfgraph_dnn to read it.")
    fit = marker.get("fit")
    if fit is not None and (marker["kind"] != CHECKPOINTS or not isinstance(fit, str)
                            or not _FIT_KEY.match(fit)):
        raise CheckpointError(f"{marker_path}: 'fit' must be the 16-hex-digit key of a fit, "
                              f"got {fit!r}.")
    return marker


def inspect(path: str) -> Directory:
    """Describe ``path``: absent, a file, empty, ours (which kind, which format) or foreign.

    Raises
    ------
    CheckpointError
        The marker file is unreadable or of a newer format.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        return Directory(path, exists=False, is_dir=False)
    if not os.path.isdir(path):
        return Directory(path, exists=True, is_dir=False)
    names = [name for name in os.listdir(path) if not is_leftover(name) and name != LOCK_FILE]
    if MARKER_FILE in names:
        marker = _read_marker(path)
        return Directory(path, True, True, marker["kind"], marker["format"],
                         fit=marker.get("fit"))
    saves = _complete_saves(path, None)
    if len(saves) == 1:  # format 1: the kind is what its saves hold
        return Directory(path, True, True, next(iter(saves)), 1)
    return Directory(path, True, True, foreign=sorted(names))


@contextlib.contextmanager
def read_lock(path) -> Iterator[None]:
    """Hold ``path``'s lock for a read that must see one save whole (``load()``, a resume).

    The lock file is created (and kept: see :mod:`.locks`) only in a directory
    that is ours, whose writers create it too.  A directory that is not ours
    (an exported SavedModel, an empty or a user's folder, given by mistake) is
    read without the lock and left as it was: the read refuses it.  A writer
    that claims it meanwhile publishes whole saves only (renamed into place),
    so such a read finds nothing or one complete save (which only two more
    saves before the read ends could remove from under it).
    """
    path = os.path.abspath(os.fspath(path))
    if os.path.isdir(path) and not os.path.lexists(os.path.join(path, LOCK_FILE)):
        try:
            ours = inspect(path).kind is not None
        except (CheckpointError, OSError):  # a broken marker, an unlistable directory:
            ours = True                      # locked as before; the read reports it
        if not ours:
            yield
            return
    with directory_lock(path, write=False):
        yield


def refusal(directory: Directory, kind: str) -> Optional[str]:
    """Why a writer of ``kind`` must not write into ``directory`` (``None``: it may)."""
    path, wanted = directory.path, DESCRIPTION[kind]
    if directory.exists and not directory.is_dir:
        return f"{path} is a file, not a {wanted}"
    if directory.kind is not None and directory.kind != kind:
        return f"{path} is a {DESCRIPTION[directory.kind]}, not a {wanted}; refusing to " \
               "write into it"
    if directory.foreign:
        shown = ", ".join(directory.foreign[:3]) + (", ..." if len(directory.foreign) > 3
                                                     else "")
        return f"{path} exists and is not a {wanted} (it holds {shown}); refusing to write " \
               "into it"
    return None


def check_writable(path: str, kind: str) -> Directory:
    """Refuse (before any work) a directory a writer of ``kind`` must not write into.

    Raises
    ------
    ForeignDirectoryError
        ``path`` is a file, a non-empty directory that is not ours, or ours of
        the other kind.
    """
    directory = inspect(path)
    reason = refusal(directory, kind)
    if reason is not None:
        raise ForeignDirectoryError(reason)
    return directory


def claim(path: str, kind: str, fit: Optional[str] = None) -> None:
    """Make ``path`` a directory of ``kind`` (marked, no stale leftovers), or refuse it.

    An absent or empty directory is created and marked (with ``fit``, the key
    of the fit a ``fit-<key>/`` checkpoint directory belongs to); one of ours of
    an earlier format gets the current marker; temporary files of crashed
    writes go (only provably stale ones: see
    :func:`~tfgraph_dnn.storage.files.remove_leftovers`).  Holds the
    directory's lock.
    """
    check_writable(path, kind)
    with directory_lock(path):
        directory = check_writable(path, kind)  # again: another writer may have been first
        remove_leftovers(path)
        fit = directory.fit if fit is None else fit
        if directory.format != FORMATS[kind] or directory.fit != fit:
            marker = {"library": "tfgraph_dnn", "kind": kind, "format": FORMATS[kind]}
            if fit is not None:
                marker["fit"] = fit
            atomic_write_json(os.path.join(path, MARKER_FILE), marker)


def latest_save_dir(path: str, kind: Optional[str] = None) -> Optional[str]:
    """The ``save-N`` directory ``latest`` points at; without ``latest``, the newest complete one.

    Returns ``None`` when there is no complete save.

    Raises
    ------
    CheckpointError
        ``latest`` is unreadable or does not name a ``save-N`` directory here.
    """
    pointer = os.path.join(path, LATEST)
    if not os.path.exists(pointer):  # no save yet, or a crash before the first pointer
        saves = _complete_saves(path, kind) if os.path.isdir(path) else {}
        newest = max((index for indices in saves.values() for index in indices), default=None)
        return None if newest is None else os.path.join(path, f"save-{newest:06d}")
    latest = read_json(pointer, "pointer")
    name = latest.get("dir") if isinstance(latest, dict) else None
    if not _SAVE_DIR.match(str(name)) or not os.path.isdir(os.path.join(path, name)):
        raise CheckpointError(f"{pointer} points at {name!r}, which is not a complete save")
    return os.path.join(path, name)


def write_save(path: str, kind: str, write_weights: Callable[[str], None],
               json_files: Dict[str, Any], extra: Optional[Callable[[str], None]] = None,
               epoch: int = 0, keep: int = 2, what: str = "a save") -> str:
    """Write a new ``save-N`` of ``kind`` into ``path`` and point ``latest`` at it.

    Parameters
    ----------
    path : str
        Claimed first (see :func:`claim`): a directory not ours is refused.
    write_weights : callable
        ``write_weights(prefix)`` writes the TensorFlow checkpoint ``prefix``.
    json_files : dict
        ``{file name: JSON payload}`` written next to the weights.
    extra : callable, optional
        ``extra(save_dir)`` writes further files into the temporary save.
    epoch : int
        Recorded in ``latest``.
    keep : int
        Complete saves kept (the newest ones); older ones are removed once
        ``latest`` points at the new one.
    what : str
        Names the write in errors ("the model", "a checkpoint").

    Returns
    -------
    str
        The new ``save-N`` directory.

    Raises
    ------
    StorageWriteError
        Writing failed (disk full, file too large...); the directory holds what
        it held before.
    DirectoryBusyError
        Another writer held the directory's lock too long.
    """
    check_writable(path, kind)
    with directory_lock(path):
        return _write_save_locked(path, kind, write_weights, json_files, extra, epoch, keep,
                                  what)


def _write_save_locked(path: str, kind: str, write_weights: Callable[[str], None],
                       json_files: Dict[str, Any], extra: Optional[Callable[[str], None]],
                       epoch: int, keep: int, what: str) -> str:
    claim(path, kind)
    indices = save_indices(path)
    final = os.path.join(path, f"save-{(indices[-1] if indices else 0) + 1:06d}")
    tmp = tempfile.mkdtemp(dir=path, prefix=temp_prefix("save"))
    try:
        write_weights(os.path.join(tmp, MODEL_PREFIX))
        for name, payload in json_files.items():
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as handle:
                json.dump(payload, handle)
        if extra is not None:
            extra(tmp)
        for name in os.listdir(tmp):
            fsync_file(os.path.join(tmp, name))
        fsync_dir(tmp)
        os.rename(tmp, final)
    except BaseException as error:
        shutil.rmtree(tmp, ignore_errors=True)
        if is_write_failure(error):
            raise write_failure(error, path, what) from error
        raise
    try:
        atomic_write_json(os.path.join(path, LATEST),
                          {"epoch": epoch, "dir": os.path.basename(final)})
    except OSError as error:
        raise write_failure(error, path, what) from error
    for index in save_indices(path)[:-keep]:
        shutil.rmtree(os.path.join(path, f"save-{index:06d}"), ignore_errors=True)
    return final
