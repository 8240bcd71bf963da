"""Which model a model directory holds, and the rule against silently replacing it.

Room ``storage``.  Saving into a directory that already holds a model replaces
that model; that is what a refit of the same configuration wants, and what a
user who points ``--save`` at the wrong directory does not.  The rule, applied
by :func:`~tfgraph_dnn.storage.models.write_model` (so by ``save()``) and
available to the command line before it trains: a directory may be written
over only by the *same* model -- same estimator class, feature count and
names, classes (or number of targets), hidden layer sizes, activation, batch
normalization on or off and kind of input scaling (none, ``standard``,
``minmax`` or a fixed pair) -- unless the caller says ``overwrite``.  Weights,
training parameters and scaling values may differ: that is a refit.  The
architecture is read from the ``fingerprint`` the estimator writes, never
from its parameters (:mod:`.meta`).

An identity is a dict of some of :data:`IDENTITY_KEYS`; only the keys present
in the new model's identity are compared, so a caller that knows only part of
the model before training (the command line: class, features, classes) can
check early.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional

import numpy as np

from ..exceptions import CheckpointError, DifferentModelError
from .codec import decode
from .layout import MODEL, inspect, latest_save_dir
from .meta import META_FILE, read_meta

IDENTITY_KEYS = ("class", "n_features", "feature_names", "classes", "n_outputs",
                 "hidden_layer_sizes", "activation", "batch_norm", "feature_scaling")


def _listed(value: Any) -> Optional[list]:
    return None if value is None else np.asarray(value).tolist()


def model_identity(meta: Dict[str, Any]) -> Dict[str, Any]:
    """The identity of a model from its (JSON-encoded) description.

    Parameters
    ----------
    meta : dict
        ``estimator.json``'s content, or part of it: ``class``; ``fitted`` with
        ``n_features_in_`` (and ``feature_names_in_``, ``classes_`` or
        ``n_outputs_``: scikit-learn's fitted attributes, encoded with
        :func:`~tfgraph_dnn.storage.encode`); ``fingerprint``, the architecture
        the estimator describes (``hidden_layer_sizes``, ``activation``,
        ``batch_norm``, ``feature_scaling``: the kind of input scaling, absent
        for none).  The estimator's parameters are not read.  What cannot be
        told from the keys given is left out of the identity.

    Returns
    -------
    dict
        Some of :data:`IDENTITY_KEYS`.
    """
    identity: Dict[str, Any] = {}
    if "class" in meta:
        identity["class"] = meta["class"]
    fitted = meta.get("fitted") or {}
    if "n_features_in_" in fitted:
        identity["n_features"] = int(decode(fitted["n_features_in_"]))
        identity["feature_names"] = _listed(decode(fitted.get("feature_names_in_")))
        if "classes_" in fitted:
            identity["classes"] = _listed(decode(fitted["classes_"]))
        if "n_outputs_" in fitted:
            identity["n_outputs"] = int(decode(fitted["n_outputs_"]))
    fingerprint = meta.get("fingerprint") or {}
    if "hidden_layer_sizes" in fingerprint:
        identity["hidden_layer_sizes"] = [int(size) for size in
                                          fingerprint["hidden_layer_sizes"]]
    if "activation" in fingerprint:
        identity["activation"] = str(fingerprint["activation"])
    if "batch_norm" in fingerprint:
        identity["batch_norm"] = bool(fingerprint["batch_norm"])
    if "n_inputs" in fingerprint:  # a whole fingerprint: no "feature_scaling" means none
        identity["feature_scaling"] = fingerprint.get("feature_scaling")
    return identity


def _shown(key: str, value: Any) -> str:
    if isinstance(value, list) and len(value) > 12:
        return f"{len(value)} values [{', '.join(map(repr, value[:3]))}, ...]"
    return repr(value)


def saved_identity(path: str) -> Optional[Dict[str, Any]]:
    """The identity of the model saved in directory ``path``; ``None`` when ``path``
    holds no model (absent, empty, not a model directory, or one whose first
    save never completed).  Reads JSON only (no TensorFlow).

    Raises
    ------
    CheckpointError
        The saved description is unreadable.
    """

    if inspect(path).kind != MODEL:
        return None
    save_dir = latest_save_dir(path, MODEL)
    if save_dir is None:  # a first save killed midway: no model to replace
        return None
    meta_path = os.path.join(save_dir, META_FILE)
    meta = read_meta(meta_path)
    try:
        return model_identity(meta)
    except (KeyError, TypeError, ValueError, OverflowError, AttributeError,
            RecursionError) as error:
        raise CheckpointError(f"{meta_path}: inconsistent model description "
                              f"({error}).") from error


def model_differences(path: str, identity: Dict[str, Any]) -> List[str]:
    """How the model saved in ``path`` differs from ``identity`` (``[]``: none, or no
    model there).  An unreadable saved model counts as a difference."""
    path = os.fspath(path)
    try:
        saved = saved_identity(path)
    except CheckpointError as error:
        return [f"the saved model cannot be read ({error})"]
    if saved is None:
        return []
    differences = []
    for key in IDENTITY_KEYS:
        if key in identity and key in saved and saved[key] != identity[key]:
            differences.append(f"{key}: {_shown(key, saved[key])} saved, "
                               f"{_shown(key, identity[key])} now")
    return differences


def check_replacement(path, identity: Dict[str, Any], overwrite: bool = False) -> None:
    """Refuse to replace a different model saved in ``path`` unless ``overwrite``.

    Call it before writing (``save()`` does, through
    :func:`~tfgraph_dnn.storage.models.write_model`) or before training, with
    whatever part of the new model's identity is known
    (:func:`model_identity` of ``{"class": ..., "fitted": ..., "fingerprint": ...}``).

    Raises
    ------
    DifferentModelError
        Naming the directory and every difference.
    """
    if overwrite:
        return
    differences = model_differences(os.fspath(path), identity)
    if differences:
        raise DifferentModelError(
            f"{os.fspath(path)} holds a different model ({'; '.join(differences)}); refusing "
            "to replace it. Save elsewhere, or overwrite it explicitly (save(path, "
            "overwrite=True); --overwrite on the command line).")
