"""Model directories written by ``save()``: ``estimator.json``, validation, ``preprocessing.json``.

A model's ``save-N`` holds the weights and ``estimator.json``::

    {"library": "tfgraph_dnn", "format": 1, "version": "0.1.0", "class": "DNNClassifier",
     "params": {...}, "fitted": {...}, "fingerprint": {...}, "graph_seed": 7,
     "n_train": 400, "history": [...], "rng_state": [...]}

(parameters and fitted attributes encoded by :mod:`~tfgraph_dnn.storage.codec`).
Reading checks the file before anything is built from it: the keys and their
types, the parameters against the architecture fingerprint, and both against
the shapes of the checkpoint's ``hiddenK/kernel`` and ``logits/kernel``.

Writing over a *different* model is refused unless asked for
(:mod:`~tfgraph_dnn.storage.identity`).

``search --save`` adds ``preprocessing.json`` (a fitted StandardScaler) next to
``latest``; it names the save it belongs to, and a later save removes it.
"""
from __future__ import annotations

import os
import re
from typing import Any, Callable, Dict, Optional

import numpy as np

from ..exceptions import CheckpointError
from .codec import decode
from .files import atomic_write_json, read_json
from .identity import check_replacement, model_identity
from .layout import (CHECKPOINTS, LATEST, MODEL, MODEL_PREFIX, check_writable, inspect,
                     latest_save_dir, read_lock, write_save)
from .locks import directory_lock
from .meta import META_FILE, META_FORMAT, architecture, read_meta
from .reading import checkpoint_shapes

PREPROCESSING_FILE = "preprocessing.json"
_HIDDEN_KERNEL = re.compile(r"^hidden(\d+)/kernel$")


def write_model(path: str, write_weights: Callable[[str], None], meta: Dict[str, Any],
                version: str, overwrite: bool = False) -> str:
    """Write a model as a new save of directory ``path`` (see :func:`read_model`).

    Parameters
    ----------
    path : str
        Absent, empty, or a model directory: anything else is refused.
    write_weights : callable
        ``write_weights(prefix)`` writes every variable.
    meta : dict
        The keys of :data:`~.meta.META_KEYS`, JSON-encoded (``params`` and
        ``fitted`` by the caller; storage reads the ``fingerprint``).
    version : str
        The library version, recorded.
    overwrite : bool, default=False
        Replace a different model saved in ``path`` (see
        :func:`~tfgraph_dnn.storage.identity.check_replacement`); without it
        that is refused before anything is written.

    Returns
    -------
    str
        The new ``save-N`` directory.  A ``preprocessing.json`` of an earlier
        save is removed (it described another model).

    Raises
    ------
    DifferentModelError
        ``path`` holds a different model and ``overwrite`` is False.
    DirectoryBusyError
        Another writer held the directory's lock too long.

    Notes
    -----
    The check against a different model and the write happen under the
    directory's lock (:mod:`~tfgraph_dnn.storage.locks`): concurrent saves to one
    path, from threads or processes, run one after the other, each sees the
    previous one's complete model, and the last one's model is what loads.
    """
    identity = model_identity(meta)
    check_writable(path, MODEL)
    with directory_lock(path):
        check_replacement(path, identity, overwrite)
        payload = {"library": "tfgraph_dnn", "format": META_FORMAT, "version": version, **meta}
        save_dir = write_save(path, MODEL, write_weights, {META_FILE: payload},
                              epoch=len(meta["history"]), keep=1, what="the model")
        stale = os.path.join(path, PREPROCESSING_FILE)
        if os.path.exists(stale):
            os.unlink(stale)
    return save_dir


def _locate(path: str) -> str:
    """The ``save-N`` directory of model directory ``path``, with clear errors."""
    directory = inspect(path)
    if not directory.exists:
        raise FileNotFoundError(f"No saved model at {path}: no such directory.")
    if not directory.is_dir:
        raise CheckpointError(f"{path} is not a directory written by save().")
    if directory.kind == CHECKPOINTS:
        raise CheckpointError(f"{path} is a checkpoint directory, not a model directory "
                              "written by save(); resume from it with checkpoint_dir and "
                              "resume=True, or pass it as warm_start_from.")
    save_dir = latest_save_dir(path, MODEL) if directory.kind == MODEL else None
    if save_dir is None:
        raise CheckpointError(f"{path} is not a model directory written by save() (no "
                              f"complete save with an {META_FILE}).")
    return save_dir


def _architecture(meta: Dict[str, Any], meta_path: str):
    """``(sizes, n_inputs, n_outputs, described)`` of the description, checked."""
    try:
        sizes, n_inputs, n_outputs = architecture(meta)
        n_features = int(decode(meta["fitted"].get("n_features_in_", n_inputs)))
    except (KeyError, TypeError, ValueError, OverflowError, AttributeError,
            RecursionError) as error:
        raise CheckpointError(f"{meta_path}: inconsistent model description ({error}).") \
            from error
    described = f"its fingerprint's hidden_layer_sizes={sizes!r}"
    if n_features != n_inputs:
        raise CheckpointError(f"{meta_path}: n_features_in_={n_features} but its "
                              f"fingerprint says n_inputs={n_inputs}.")
    return sizes, n_inputs, n_outputs, described


def check_against_checkpoint(meta: Dict[str, Any], meta_path: str, prefix: str) -> None:
    """Refuse an ``estimator.json`` whose architecture is not the checkpoint's.

    The architecture the estimator described (its ``fingerprint``: input,
    hidden and output sizes) and the shapes of ``hiddenK/kernel`` and
    ``logits/kernel`` in the checkpoint must agree.  The parameters are the
    estimator's business (it checks them against the fingerprint on load).

    Raises
    ------
    CheckpointError
        Naming ``meta_path``, the checkpoint and every mismatch.
    """
    sizes, n_inputs, n_outputs, described = _architecture(meta, meta_path)
    shapes = checkpoint_shapes(prefix)
    widths = [n_inputs] + sizes
    expected = {f"hidden{k}/kernel": (widths[k - 1], widths[k]) for k in range(1, len(widths))}
    expected["logits/kernel"] = (widths[-1], n_outputs)
    problems = []
    for name, shape in expected.items():
        if name not in shapes:
            problems.append(f"{name} {shape} is not in the checkpoint")
        elif shapes[name] != shape:
            problems.append(f"{name} is {shapes[name]} in the checkpoint but {META_FILE} "
                            f"says {shape}")
    for name, shape in shapes.items():
        if _HIDDEN_KERNEL.match(name) and name not in expected:
            problems.append(f"the checkpoint has {name} {shape}, a layer {META_FILE} does "
                            "not have")
    if problems:
        raise CheckpointError(f"{meta_path} contradicts the checkpoint {prefix} ({described}): "
                              + "; ".join(problems) + ".")


def read_model(path: str, class_name: Optional[str] = None) -> Dict[str, Any]:
    """Read and check the model description of directory ``path``.

    Parameters
    ----------
    path : str
    class_name : str, optional
        The estimator class expected; another one is refused.

    Returns
    -------
    dict
        ``estimator.json``'s content (still encoded) plus ``model_prefix`` (the
        Saver prefix of the weights) and ``meta_path``.

    Raises
    ------
    FileNotFoundError
        Nothing at ``path``.
    CheckpointError
        Not a model directory, an unreadable or inconsistent ``estimator.json``,
        or one that contradicts the checkpoint.
    """
    path = os.fspath(path)
    with read_lock(path):
        return _read_model_locked(path, class_name)


def _read_model_locked(path: str, class_name: Optional[str]) -> Dict[str, Any]:
    save_dir = _locate(path)
    meta_path = os.path.join(save_dir, META_FILE)
    meta = read_meta(meta_path)
    if class_name is not None and meta["class"] != class_name:
        raise CheckpointError(f"{path} holds a {meta['class']}; load it with "
                              f"{meta['class']}.load().")
    prefix = os.path.join(save_dir, MODEL_PREFIX)
    check_against_checkpoint(meta, meta_path, prefix)
    return dict(meta, model_prefix=prefix, meta_path=meta_path)


def model_info(path: str) -> Dict[str, Any]:
    """Class, feature count and save name of a model directory, without TensorFlow.

    Returns
    -------
    dict
        ``class``, ``n_features``, ``save`` (the ``save-N`` name),
        ``feature_scaling`` (the parameter: ``None``, a name or an
        ``(offset, scale)`` pair; the model applies it to raw features itself)
        and ``feature_names`` (``feature_names_in_`` as a list of str, or ``None``).
    """
    path = os.fspath(path)
    with read_lock(path):
        save_dir = _locate(path)
        meta_path = os.path.join(save_dir, META_FILE)
        meta = read_meta(meta_path)
    try:
        n_features = int(decode(meta["fitted"]["n_features_in_"]))
    except (KeyError, TypeError, ValueError, OverflowError, RecursionError) as error:
        raise CheckpointError(f"{meta_path}: no feature count (n_features_in_).") from error
    try:
        scaling = decode(meta["params"].get("feature_scaling"))
    except (TypeError, ValueError, OverflowError, RecursionError) as error:
        raise CheckpointError(f"{meta_path}: unreadable feature_scaling ({error}).") from error
    try:  # the fitted column names (issue 19: predict matches a file's header to them)
        names = decode(meta["fitted"].get("feature_names_in_"))
        names = None if names is None else [str(name) for name in np.asarray(names).ravel()]
    except (TypeError, ValueError, OverflowError, RecursionError) as error:
        raise CheckpointError(f"{meta_path}: unreadable feature_names_in_ ({error}).") from error
    if names is not None and len(names) != n_features:
        raise CheckpointError(f"{meta_path}: {len(names)} feature names for {n_features} "
                              "features.")
    return {"class": meta["class"], "n_features": n_features,
            "save": os.path.basename(save_dir), "feature_scaling": scaling,
            "feature_names": names}


def write_preprocessing(model_dir: str, save_dir: str, mean, scale) -> str:
    """Record the StandardScaler that feeds the model saved as ``save_dir`` in ``model_dir``.

    Returns
    -------
    str
        The path of ``preprocessing.json`` (written atomically).
    """
    if os.path.dirname(os.path.abspath(save_dir)) != os.path.abspath(model_dir) \
            or not os.path.exists(os.path.join(model_dir, LATEST)):
        raise CheckpointError(f"{save_dir} is not a save of model directory {model_dir}.")
    path = os.path.join(model_dir, PREPROCESSING_FILE)
    with directory_lock(model_dir):
        _write_preprocessing_locked(path, save_dir, mean, scale)
    return path


def _write_preprocessing_locked(path: str, save_dir: str, mean, scale) -> None:
    atomic_write_json(path, {"library": "tfgraph_dnn", "save": os.path.basename(save_dir),
                             "standard_scaler": {"mean": np.asarray(mean).tolist(),
                                                 "scale": np.asarray(scale).tolist()}})


def read_preprocessing(model_dir: str, save_name: str) -> Optional[Dict[str, Any]]:
    """The ``preprocessing.json`` of ``model_dir``, if there is one.

    Returns
    -------
    dict or None
        ``path``, ``mean``, ``scale`` (float64 arrays), ``payload`` and
        ``stale`` (written for another save than ``save_name``: to be ignored).

    Raises
    ------
    CheckpointError
        The file is unreadable.
    """
    path = os.path.join(model_dir, PREPROCESSING_FILE)
    if not os.path.exists(path):
        return None
    payload = read_json(path, "preprocessing file")
    try:
        scaler = payload["standard_scaler"]
        mean, scale = (np.asarray(scaler[key], dtype=np.float64) for key in ("mean", "scale"))
    except (KeyError, TypeError, ValueError, OverflowError, RecursionError) as error:
        raise CheckpointError(f"Unreadable {path}: {error}") from error
    if mean.ndim != 1 or mean.shape != scale.shape or not np.all(np.isfinite(mean)) \
            or not np.all(np.isfinite(scale)) or not np.all(scale > 0):
        raise CheckpointError(f"{path}: the standard scaler must hold finite 'mean' and "
                              "positive 'scale' vectors of one length")
    return {"path": path, "mean": mean, "scale": scale, "payload": payload,
            "stale": payload.get("save") != save_name}
