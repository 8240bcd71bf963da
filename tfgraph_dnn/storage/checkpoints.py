"""Training checkpoint directories (``checkpoint_dir``): writing saves, reading them to resume.

A checkpoint's ``save-N`` holds, besides the weights (every global variable:
optimizer slots, global step, learning rate)::

    state.json      epoch, history, NumPy RNG state, hooks' state, architecture
                    fingerprint, whether a hook stopped training
    arrays.npz      hooks' arrays (early stopping's best weights), never pickled

Everything read back is checked before the estimator sees it: a missing key, a
wrong type or a truncated archive is a :class:`CheckpointError` naming the file.
Each fit writes into its own ``fit-<key>/`` directory (:mod:`.fits`);
:func:`resuming` is how a fit reads its own checkpoint back, under the lock.
"""
from __future__ import annotations

import contextlib
import os
import zipfile
import zlib
from typing import Any, Callable, Dict, Iterator, Optional

import numpy as np

from ..exceptions import CheckpointError
from .codec import rng_from_json, rng_to_json
from .files import describe_error, read_json
from .fits import adopt_legacy, fit_directory, prepare_fit_dir, single_fit
from .layout import (CHECKPOINTS, MODEL, MODEL_PREFIX, claim, inspect, latest_save_dir,
                     read_lock, write_save)

STATE_FILE = "state.json"
ARRAYS_FILE = "arrays.npz"
# Every key of state.json and the type its value must have.
STATE_KEYS = {"epoch": int, "history": list, "hooks": dict, "rng_state": list,
              "fingerprint": dict, "stopped": bool}


def prepare_checkpoint_dir(path: str, fit: Optional[Dict[str, Any]] = None) -> str:
    """Create, or check and clean, a checkpoint directory before training writes to it.

    Parameters
    ----------
    path : str
        The ``checkpoint_dir``.
    fit : dict, optional
        The fit's fingerprint (:func:`~tfgraph_dnn.storage.fits.fit_fingerprint`):
        its own ``fit-<key>/`` directory is prepared and returned.

    Returns
    -------
    str
        The directory checkpoints are written to.

    Raises
    ------
    ForeignDirectoryError
        ``path`` is a file, a ``save()`` directory or a non-empty directory that
        is not a checkpoint directory: nothing in it is touched.
    CheckpointError
        ``path`` is the ``fit-<key>/`` directory of another fit.
    """
    if fit is None:
        claim(path, CHECKPOINTS)
        return path
    return prepare_fit_dir(path, fit)


def _split_arrays(hook_states: Dict[str, Dict[str, Any]]):
    arrays, plain = {}, {}
    for key, state in hook_states.items():
        state = dict(state)
        for name, value in (state.pop("arrays", None) or {}).items():
            arrays[f"{key}::{name}"] = value
        plain[key] = state
    return plain, arrays


def write_checkpoint(path: str, write_weights: Callable[[str], None], *, epoch: int,
                     history: list, hook_states: Dict[str, Dict[str, Any]],
                     rng: np.random.RandomState, fingerprint: Dict[str, Any], stopped: bool,
                     keep: int = 2, fit: Optional[str] = None) -> str:
    """Write one checkpoint atomically and point ``latest`` at it.

    Parameters
    ----------
    path : str
        The checkpoint directory.
    write_weights : callable
        ``write_weights(prefix)`` (see :func:`tfgraph_dnn.storage.saver_writer`).
    epoch, history, rng, fingerprint, stopped
        The loop's state; ``fingerprint`` describes the architecture.
    hook_states : dict
        ``{hook name: state_dict}``; a state's ``"arrays"`` go to ``arrays.npz``.
    keep : int
        Complete checkpoints kept (the newest ones).
    fit : str, optional
        The key of the fit (recorded in ``state.json``).

    Returns
    -------
    str
        The new ``save-N`` directory.
    """
    hooks, arrays = _split_arrays(hook_states)
    state = {"epoch": epoch, "history": history, "hooks": hooks, "rng_state": rng_to_json(rng),
             "fingerprint": fingerprint, "stopped": bool(stopped)}
    if fit is not None:
        state["fit"] = fit

    def write_arrays(save_dir: str) -> None:
        if arrays:
            np.savez(os.path.join(save_dir, ARRAYS_FILE), **arrays)

    return write_save(path, CHECKPOINTS, write_weights, {STATE_FILE: state}, extra=write_arrays,
                      epoch=epoch, keep=keep, what="a checkpoint")


def _check_state(state: Any, state_path: str) -> None:
    if not isinstance(state, dict):
        raise CheckpointError(f"{state_path} is not a checkpoint state (a JSON object).")
    for key, kind in STATE_KEYS.items():
        if key not in state:
            raise CheckpointError(f"{state_path} lacks {key!r}; it is not a complete "
                                  "checkpoint state.")
        value = state[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise CheckpointError(f"{state_path}: {key!r} must be a {kind.__name__}, got "
                                  f"{type(value).__name__}.")
    if not all(isinstance(row, dict) and isinstance(row.get("epoch"), int)
               for row in state["history"]):
        raise CheckpointError(f"{state_path}: 'history' must be a list of epoch records.")
    if not all(isinstance(hook, dict) for hook in state["hooks"].values()):
        raise CheckpointError(f"{state_path}: 'hooks' must map names to JSON objects.")
    try:
        rng_from_json(state["rng_state"])
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"{state_path}: 'rng_state' is not a NumPy RandomState state "
                              f"({describe_error(error)}).") from error
    if "fit" in state and not isinstance(state["fit"], str):
        raise CheckpointError(f"{state_path}: 'fit' must be a string, got "
                              f"{type(state['fit']).__name__}.")


def _read_arrays(arrays_path: str, hooks: Dict[str, Dict[str, Any]]) -> None:
    try:
        with np.load(arrays_path, allow_pickle=False) as archive:
            for key in archive.files:
                hook, name = key.split("::", 1)
                hooks.setdefault(hook, {}).setdefault("arrays", {})[name] = archive[key]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error,
            AttributeError, KeyError, TypeError) as error:
        raise CheckpointError(f"Unreadable {arrays_path}: {describe_error(error)} (the "
                              "checkpoint is truncated or corrupt).") from error


def read_latest(path: str) -> Optional[Dict[str, Any]]:
    """Load the latest complete checkpoint's state, or ``None`` if there is none yet.

    Returns
    -------
    dict or None
        ``epoch``, ``history``, ``rng_state``, ``hooks`` (with their arrays),
        ``fingerprint``, ``stopped`` and ``model_prefix`` (the Saver prefix to
        restore); ``None`` for an absent or empty directory.

    Raises
    ------
    CheckpointError
        ``path`` is not a checkpoint directory (a ``save()`` directory, a
        foreign one), or its latest checkpoint is incomplete or corrupt: the
        message names the file.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        path = single_fit(path)
    with read_lock(path):
        return _read_latest_locked(path)


def _read_latest_locked(path: str) -> Optional[Dict[str, Any]]:
    directory = inspect(path)
    if not directory.exists or directory.empty:
        return None
    if not directory.is_dir or directory.kind != CHECKPOINTS:
        what = "a model directory written by save()" if directory.kind == MODEL \
            else "not a directory" if not directory.is_dir else "not ours"
        raise CheckpointError(f"{path} is not a checkpoint directory ({what}); resume "
                              "needs a checkpoint_dir written by training.")
    save_dir = latest_save_dir(path, CHECKPOINTS)
    if save_dir is None:
        return None
    state_path = os.path.join(save_dir, STATE_FILE)
    state = read_json(state_path, "checkpoint state")
    _check_state(state, state_path)
    arrays_path = os.path.join(save_dir, ARRAYS_FILE)
    if os.path.exists(arrays_path):
        _read_arrays(arrays_path, state["hooks"])
    state["model_prefix"] = os.path.join(save_dir, MODEL_PREFIX)
    return state


@contextlib.contextmanager
def resuming(path: str, fit: Dict[str, Any],
             check: Callable[[Dict[str, Any]], None]) -> Iterator[Optional[Dict[str, Any]]]:
    """The checkpoint of ``fit`` in ``checkpoint_dir`` ``path`` (or ``None``), held locked.

    The block restores from it while no writer can replace it.

    Parameters
    ----------
    path : str
        The ``checkpoint_dir``.
    fit : dict
        This fit's fingerprint (:func:`~tfgraph_dnn.storage.fits.fit_fingerprint`).
    check : callable
        ``check(state)`` raises :class:`CheckpointError` if a checkpoint's state
        (its architecture ``fingerprint``) does not suit this estimator.  Called
        on this fit's checkpoint, and on an earlier version's checkpoint
        (without fit key) before this fit adopts it.

    Yields
    ------
    dict or None
        As :func:`read_latest`; ``None``: no checkpoint of this fit (train
        from scratch).

    Raises
    ------
    CheckpointError
        ``path`` is the ``fit-<key>/`` directory of another fit, or the
        checkpoint is unreadable, of another fit or of another architecture.
    """
    path = os.fspath(path)
    leaf = fit_directory(path, fit)
    if leaf != path and not os.path.isdir(leaf) and os.path.isdir(path):
        def check_legacy(root: str) -> None:
            state = _read_latest_locked(root)
            if state is not None:
                check(state)
        adopt_legacy(path, fit, check_legacy)
    with read_lock(leaf):
        saved = _read_latest_locked(leaf)
        if saved is not None:
            recorded = saved.get("fit")
            if recorded is not None and recorded != fit["key"]:
                raise CheckpointError(f"{saved['model_prefix']} belongs to fit {recorded}, not "
                                      f"to this fit ({fit['key']}); it is never continued by "
                                      "another fit.")
            check(saved)
        yield saved
