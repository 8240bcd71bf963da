"""Crash-safe training checkpoints with resume (room: ``training``; files + Saver).

Layout of a checkpoint directory::

    latest                  JSON {"epoch": 12, "dir": "save-000007"}, replaced atomically
    save-000007/
        model.ckpt.index    tf.compat.v1.train.Saver (V2) of every global variable
        model.ckpt.data-*   (weights, optimizer slots, global step, learning rate)
        state.json          epoch counter, history, NumPy RNG state, hooks' state
        arrays.npz          hooks' arrays (early stopping's best weights)

Each save is first written to a temporary directory, flushed, then renamed to
a new ``save-N`` (never over an existing one); only then is ``latest``
replaced (write + fsync + ``os.replace``).  A crash at any moment therefore
leaves ``latest`` pointing at a complete save.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from typing import Any, Dict, List, Optional

import numpy as np

from .hooks import Hook

LATEST = "latest"
MODEL_PREFIX = "model.ckpt"
TMP_PREFIX = ".tmp-"  # what a crashed save can leave behind
_SAVE_DIR = re.compile(r"^save-(\d{6})$")


class CheckpointError(ValueError):
    """A checkpoint directory is missing, truncated or of another model."""


def describe_error(error: BaseException, limit: int = 400) -> str:
    """The informative part of a TensorFlow error, on one line.

    A Session's errors start with a generic "Graph execution error:" and end
    with where the op was created; the cause is in between.
    """
    lines = [line.strip() for line in str(getattr(error, "message", error)).splitlines()]
    useful = [line for line in lines if line and line != "Graph execution error:"
              and not line.startswith(("Detected at node", "File \"", "[[", "Traceback"))]
    text = " ".join(useful) or type(error).__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old or the new file, never a torn one."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=TMP_PREFIX, suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


def _split_arrays(hook_states: Dict[str, Dict[str, Any]]):
    arrays, plain = {}, {}
    for key, state in hook_states.items():
        state = dict(state)
        for name, value in (state.pop("arrays", None) or {}).items():
            arrays[f"{key}::{name}"] = value
        plain[key] = state
    return plain, arrays


def read_latest(checkpoint_dir: str) -> Optional[Dict[str, Any]]:
    """Load the latest complete checkpoint's state, or ``None`` if there is none yet.

    Returns
    -------
    dict with ``epoch``, ``history``, ``rng_state``, ``hooks``, ``fingerprint``,
    ``stopped`` and ``model_prefix`` (the Saver prefix to restore).
    """
    epoch_dir = latest_save_dir(checkpoint_dir)
    if epoch_dir is None:
        return None
    try:
        with open(os.path.join(epoch_dir, "state.json"), encoding="utf-8") as handle:
            state = json.load(handle)
        arrays_path = os.path.join(epoch_dir, "arrays.npz")
        if os.path.exists(arrays_path):
            with np.load(arrays_path, allow_pickle=False) as archive:
                for key in archive.files:
                    hook, name = key.split("::", 1)
                    state["hooks"].setdefault(hook, {}).setdefault("arrays", {})[name] = \
                        archive[key]
    except (OSError, ValueError, KeyError) as error:
        raise CheckpointError(f"Cannot read the latest checkpoint in {checkpoint_dir}: "
                              f"{error}") from error
    state["model_prefix"] = os.path.join(epoch_dir, MODEL_PREFIX)
    return state


class CheckpointHook(Hook):
    """Save every ``every`` epochs and at the end of training.

    Parameters
    ----------
    checkpoint_dir : str
    every : int
        Save after epochs ``every, 2*every, ...`` and after the last one.
    fingerprint : dict
        Describes the architecture; resuming refuses a different one.
    hooks : list of Hook
        Whose ``state_dict`` is saved alongside (keyed by class name).
    keep : int
        Complete epoch directories kept (the newest ones).
    """

    def __init__(self, checkpoint_dir: str, every: int, fingerprint: Dict[str, Any],
                 hooks: List[Hook], keep: int = 2):
        self.checkpoint_dir = checkpoint_dir
        self.every = every
        self.fingerprint = fingerprint
        self.hooks = hooks
        self.keep = keep

    def on_train_begin(self, state):
        os.makedirs(self.checkpoint_dir, exist_ok=True)
        remove_leftovers(self.checkpoint_dir)

    def on_epoch_end(self, state, logs):
        if logs["epoch"] % self.every == 0:
            self.save(state)

    def on_train_end(self, state):
        if state.history:  # after early stopping restored the best weights
            self.save(state)

    def save(self, state) -> str:
        """Write the current epoch atomically and point ``latest`` at it."""
        epoch = state.history[-1]["epoch"] if state.history else 0
        hook_states, arrays = _split_arrays(
            {type(hook).__name__: hook.state_dict() for hook in self.hooks})
        payload = {"epoch": epoch, "history": state.history, "hooks": hook_states,
                   "rng_state": _rng_to_json(state.rng), "fingerprint": self.fingerprint,
                   "stopped": bool(state.stop_training)}
        return write_save(self.checkpoint_dir, state.session, state.ops.saver,
                          {"state.json": payload}, arrays=arrays, epoch=epoch, keep=self.keep)


def remove_leftovers(directory: str) -> None:
    """Delete the temporary files of saves that crashed (``.tmp-*``).

    One writer per directory is assumed: a save running concurrently in
    another process would lose its temporary files (and fail, not corrupt).
    """
    for name in os.listdir(directory):
        if name.startswith(TMP_PREFIX):
            path = os.path.join(directory, name)
            shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else os.unlink(path)


def _save_indices(directory: str) -> List[int]:
    return sorted(int(m.group(1)) for m in map(_SAVE_DIR.match, os.listdir(directory)) if m)


def write_save(directory: str, session, saver, json_files: Dict[str, Any],
               arrays: Optional[Dict[str, np.ndarray]] = None, epoch: int = 0,
               keep: int = 2) -> str:
    """Write a Saver checkpoint plus JSON files as a new ``save-N`` and point ``latest`` at it.

    Everything is written to a temporary directory, flushed and renamed; only
    then is ``latest`` replaced atomically, and only then are saves older than
    the newest ``keep`` removed.  A crash at any moment leaves ``latest``
    pointing at a complete save.

    Returns
    -------
    str
        The new ``save-N`` directory.
    """
    os.makedirs(directory, exist_ok=True)
    indices = _save_indices(directory)
    final = os.path.join(directory, f"save-{(indices[-1] if indices else 0) + 1:06d}")
    tmp = tempfile.mkdtemp(dir=directory, prefix=TMP_PREFIX + "save-")
    try:
        with session.graph.as_default():  # the Saver refuses eager mode
            saver.save(session, os.path.join(tmp, MODEL_PREFIX),
                       write_meta_graph=False, write_state=False)
        for name, payload in json_files.items():
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as handle:
                json.dump(payload, handle)
        if arrays:
            np.savez(os.path.join(tmp, "arrays.npz"), **arrays)
        for name in os.listdir(tmp):
            with open(os.path.join(tmp, name), "rb") as handle:
                os.fsync(handle.fileno())
        _fsync_dir(tmp)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    atomic_write_text(os.path.join(directory, LATEST),
                      json.dumps({"epoch": epoch, "dir": os.path.basename(final)}))
    for index in _save_indices(directory)[:-keep]:
        shutil.rmtree(os.path.join(directory, f"save-{index:06d}"), ignore_errors=True)
    return final


def latest_save_dir(directory: str) -> Optional[str]:
    """The ``save-N`` directory that ``latest`` points at, or ``None`` without ``latest``."""
    pointer = os.path.join(directory, LATEST)
    if not os.path.exists(pointer):
        return None
    try:
        with open(pointer, encoding="utf-8") as handle:
            name = json.load(handle)["dir"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"Unreadable {pointer}: {error}") from error
    if not _SAVE_DIR.match(str(name)) or not os.path.isdir(os.path.join(directory, name)):
        raise CheckpointError(f"{pointer} points at {name!r}, which is not a complete save")
    return os.path.join(directory, name)


def _rng_to_json(rng: np.random.RandomState) -> list:
    kind, keys, pos, has_gauss, cached = rng.get_state()
    return [kind, keys.tolist(), int(pos), int(has_gauss), float(cached)]


def rng_from_json(saved: list) -> np.random.RandomState:
    """Rebuild the shuffling RNG exactly where the checkpoint left it."""
    rng = np.random.RandomState()
    kind, keys, pos, has_gauss, cached = saved
    rng.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    return rng
