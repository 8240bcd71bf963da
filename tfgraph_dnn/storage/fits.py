"""Checkpoints tied to the fit they belong to: fit fingerprints and ``fit-<key>/`` directories.

A checkpoint directory (``checkpoint_dir``) holds one subdirectory per fit::

    tfgraph_dnn.json        {"library": "tfgraph_dnn", "kind": "checkpoints", "format": 3}
    fit-3f9a0c1d22b4e871/   the checkpoints of one fit (layout of :mod:`.layout`)
        tfgraph_dnn.json    {..., "fit": "3f9a0c1d22b4e871"}
        fit.json            what the key was computed from (parameters, data digest)
        latest, save-N/     state.json records the key too

A fit's key (:func:`fit_fingerprint`) is a digest of the estimator class, of
the parameters its caller says shape training (the estimator leaves out where
it writes, how verbose, how long -- ``n_epochs`` may grow on resume), of the
training rows and targets in training order (and the validation rows), and of
the key of the model a continued fit (``warm_start``) starts from.  So:

* ``resume=True`` continues ``checkpoint_dir/fit-<key>/`` -- this fit's own
  checkpoint -- and trains from scratch when there is none; never another
  fit's.  The folds of a cross-validation, fitted on different rows, get one
  directory each, and a re-run of the same cross-validation resumes each fold
  from its own.
* ``checkpoint_dir`` naming a ``fit-<key>/`` directory itself is an explicit
  request for that fit: another fit (other data or parameters) is refused with
  a :class:`~tfgraph_dnn.storage.files.CheckpointError` saying what differs.
* A checkpoint directory of an earlier version (``save-N/`` directly inside,
  no fingerprint) is resumed, on the user's word, by the first fit that asks
  with ``resume=True`` and a matching architecture; it is moved into that fit's
  directory under the lock, so no other fit resumes it again.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

from ..exceptions import CheckpointError
from .codec import decode, encode
from .files import atomic_write_json, read_json
from .layout import CHECKPOINTS, LATEST, claim, inspect, latest_save_dir, save_indices
from .locks import directory_lock

FIT_PREFIX = "fit-"
FIT_FILE = "fit.json"
_FIT_DIR = re.compile(r"^fit-([0-9a-f]{16})$")


def _described(value: Any) -> Any:
    """A parameter's value as JSON (a function or object: its qualified name)."""
    try:
        return encode(value, "parameter")
    except ValueError:
        kind = value if callable(value) else type(value)
        return {"__object__": f"{getattr(kind, '__module__', '?')}."
                              f"{getattr(kind, '__qualname__', repr(kind))}"}


def data_digest(arrays: Sequence[Any]) -> Dict[str, Any]:
    """``{"sha256": ..., "rows": n}`` of arrays (``None`` allowed), shapes and dtypes included."""
    digest = hashlib.sha256()
    rows = None
    for array in arrays:
        if array is None:
            digest.update(b"|none")
            continue
        array = np.ascontiguousarray(array)
        rows = len(array) if rows is None and array.ndim else rows
        digest.update(f"|{array.dtype.str}{array.shape}|".encode())
        if array.dtype.kind in "OUS":
            digest.update(json.dumps(array.astype(str).tolist()).encode())
        else:
            digest.update(memoryview(array).cast("B"))
    return {"sha256": digest.hexdigest(), "rows": rows}


def fit_fingerprint(class_name: str, params: Dict[str, Any], arrays: Sequence[Any],
                    previous: Optional[str] = None) -> Dict[str, Any]:
    """The fingerprint of one fit: its key and what the key was computed from.

    Parameters
    ----------
    class_name : str
    params : dict
        The parameters that shape training, as the caller chose them (opaque here:
        only encoded and digested).
    arrays : sequence of array-like or None
        The training rows and targets in training order, then the validation
        rows and targets (``None`` without them).
    previous : str, optional
        The key of the fit a continued fit starts from.

    Returns
    -------
    dict
        ``key`` (16 hex digits), ``class``, ``params``, ``data``, ``previous``.
    """
    shaping = {name: _described(value) for name, value in sorted(params.items())}
    description = {"class": class_name, "params": shaping, "data": data_digest(arrays),
                   "previous": previous}
    text = json.dumps(description, sort_keys=True, default=repr)
    return {"key": hashlib.sha256(text.encode()).hexdigest()[:16], **description}


def fit_dirs(path: str) -> List[str]:
    """The ``fit-<key>/`` directories of checkpoint directory ``path``, sorted."""
    if not os.path.isdir(path):
        return []
    return sorted(os.path.join(path, name) for name in os.listdir(path)
                  if _FIT_DIR.match(name) and os.path.isdir(os.path.join(path, name)))


def _shown(value: Any) -> str:
    """A described parameter as the user wrote it (``(32,)``, not its JSON encoding)."""
    try:
        text = repr(decode(value))
    except (TypeError, ValueError, OverflowError, RecursionError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _differences(saved: Any, fit: Dict[str, Any]) -> str:
    if not isinstance(saved, dict):
        return "its fingerprint is unreadable"
    found = []
    if saved.get("class") != fit["class"]:
        found.append(f"class {saved.get('class')!r} vs {fit['class']!r}")
    old = saved.get("params") if isinstance(saved.get("params"), dict) else {}
    for name in sorted(set(old) | set(fit["params"])):
        if old.get(name) != fit["params"].get(name):
            found.append(f"{name}={_shown(old.get(name))} vs {_shown(fit['params'].get(name))}")
    if saved.get("data") != fit["data"]:
        found.append("other training data (rows, order or validation set)")
    if saved.get("previous") != fit["previous"]:
        found.append("another starting model (warm_start)")
    return "; ".join(found) or "its fingerprint"


def fit_directory(path: str, fit: Dict[str, Any]) -> str:
    """Where the checkpoints of ``fit`` go: ``path/fit-<key>``, or ``path`` itself when it
    is that fit's directory.

    Raises
    ------
    CheckpointError
        ``path`` is the ``fit-<key>/`` directory of another fit (naming what
        differs); ``path``'s marker is unreadable.
    """
    path = os.fspath(path)
    directory = inspect(path)
    if directory.fit is None:
        return os.path.join(path, FIT_PREFIX + fit["key"])
    if directory.fit == fit["key"]:
        return path
    fit_file = os.path.join(path, FIT_FILE)
    try:
        saved = read_json(fit_file, "fit fingerprint")
    except CheckpointError:
        saved = None
    raise CheckpointError(
        f"{path} holds the checkpoints of another fit (fit {directory.fit}; this fit is "
        f"{fit['key']}: {_differences(saved, fit)}); a checkpoint is never continued by "
        "another fit. Give its parent directory as checkpoint_dir (each fit has its own "
        "fit-<key>/ there), or another directory.")


def prepare_fit_dir(path: str, fit: Dict[str, Any]) -> str:
    """Create (or check) the directory of ``fit``'s checkpoints in ``path``; return it.

    Raises
    ------
    ForeignDirectoryError
        ``path`` is not a checkpoint directory.
    CheckpointError
        ``path`` is another fit's directory.
    """
    path = os.fspath(path)
    leaf = fit_directory(path, fit)
    if leaf != path:
        claim(path, CHECKPOINTS)
    claim(leaf, CHECKPOINTS, fit=fit["key"])
    with directory_lock(leaf):
        if not os.path.exists(os.path.join(leaf, FIT_FILE)):
            atomic_write_json(os.path.join(leaf, FIT_FILE), fit)
    return leaf


def has_legacy_saves(path: str) -> bool:
    """Whether checkpoint directory ``path`` holds saves of an earlier version at its top."""
    directory = inspect(path)
    return directory.kind == CHECKPOINTS and directory.fit is None \
        and latest_save_dir(path, CHECKPOINTS) is not None


def adopt_legacy(path: str, fit: Dict[str, Any], check: Callable[[str], None]) -> Optional[str]:
    """Move an earlier version's checkpoints at the top of ``path`` into ``fit``'s directory.

    Under ``path``'s lock, so one fit only adopts them.  ``check(path)`` is
    called first (it raises if the checkpoint does not suit the fit, which
    leaves it where it was).

    Returns
    -------
    str or None
        The fit's directory, or ``None`` when there was nothing to adopt.
    """
    with directory_lock(path):
        if not has_legacy_saves(path):
            return None
        check(path)
        leaf = prepare_fit_dir(path, fit)
        with directory_lock(leaf):
            for index in save_indices(path):
                name = f"save-{index:06d}"
                os.rename(os.path.join(path, name), os.path.join(leaf, name))
            pointer = os.path.join(path, LATEST)
            if os.path.exists(pointer):
                os.replace(pointer, os.path.join(leaf, LATEST))
        return leaf


def single_fit(path: str) -> str:
    """``path``, or its one ``fit-<key>/`` directory when ``path`` holds fits and no save.

    Raises
    ------
    CheckpointError
        ``path`` holds the checkpoints of several fits (which one is meant
        cannot be told).
    """
    fits = fit_dirs(path)
    if not fits or inspect(path).fit is not None or latest_save_dir(path) is not None:
        return path
    if len(fits) == 1:
        return fits[0]
    names = ", ".join(os.path.basename(name) for name in fits[:4]) + \
        (", ..." if len(fits) > 4 else "")
    raise CheckpointError(f"{path} holds the checkpoints of {len(fits)} fits ({names}); "
                          "name the fit-<key>/ directory meant.")
