"""Saving, loading and exporting fitted estimators (room: ``estimator``).

A model directory written by ``save()`` has the crash-safe layout of training
checkpoints (:func:`tfgraph_dnn.training.checkpoint.write_save`)::

    latest                   JSON pointer, replaced atomically
    save-000003/
        model.ckpt.index     tf.compat.v1.train.Saver (V2): every variable
        model.ckpt.data-*
        estimator.json       class, parameters, fitted attributes, architecture

Nothing is ever unpickled: parameters and fitted attributes are JSON, arrays
are JSON lists with their dtype.  ``export_saved_model`` writes a TF
SavedModel with a serving signature instead.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import Any, Dict

import numpy as np
import tensorflow as tf
from sklearn.utils.validation import check_is_fitted

from .. import __version__
from ..model import build_network
from ..training.checkpoint import (MODEL_PREFIX, TMP_PREFIX, CheckpointError, latest_save_dir,
                                   remove_leftovers, rng_from_json, write_save, _rng_to_json)
from ..training.transfer import WarmStartSettings

v1 = tf.compat.v1

FORMAT = 1
META_FILE = "estimator.json"
# Parameters that describe where a fit wrote things or who watched it, not the model.
_NOT_SAVED = ("callbacks",)


def _encode(value: Any, what: str) -> Any:
    """JSON-safe form of a parameter or fitted attribute (arrays keep their dtype)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            if not all(isinstance(item, str) for item in value.ravel()):
                raise ValueError(f"Cannot save {what}: an object array of non-strings.")
            value = value.astype(str)
        if value.dtype.kind not in "biufU":
            raise ValueError(f"Cannot save {what}: arrays of dtype {value.dtype} are not "
                             "supported.")
        return {"__ndarray__": value.tolist(), "dtype": value.dtype.str}
    if isinstance(value, WarmStartSettings):
        return {"__warm_start__": {
            "ckpt_to_initialize_from": os.fspath(value.ckpt_to_initialize_from),
            "vars_to_warm_start": _encode(value.vars_to_warm_start, what),
            "var_name_to_prev_var_name": dict(value.var_name_to_prev_var_name)}}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(item, what) for item in value]}
    if isinstance(value, list):
        return [_encode(item, what) for item in value]
    if isinstance(value, dict):
        return {str(key): _encode(item, what) for key, item in value.items()}
    raise ValueError(f"Cannot save {what}={value!r}: only names, numbers, strings and "
                     "arrays are saved (e.g. pass activation='relu' rather than a function).")


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return np.asarray(value["__ndarray__"], dtype=np.dtype(value["dtype"]))
        if "__tuple__" in value:
            return tuple(_decode(item) for item in value["__tuple__"])
        if "__warm_start__" in value:
            return WarmStartSettings(**value["__warm_start__"])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def _check_target_directory(path: str) -> None:
    """Refuse to write into anything but an empty directory or an earlier save()."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise FileExistsError(f"{path} is a file; save() needs a directory.")
    if os.path.isdir(path) and any(not name.startswith(TMP_PREFIX) for name in os.listdir(path)):
        save_dir = latest_save_dir(path)
        if save_dir is None or not os.path.exists(os.path.join(save_dir, META_FILE)):
            raise FileExistsError(f"{path} exists and is not a model directory written by "
                                  "save(); refusing to write into it.")


def save(estimator, path) -> str:
    """Write ``estimator`` to directory ``path``; see ``BaseDNN.save``."""
    check_is_fitted(estimator)
    estimator._ensure_session()
    path = os.fspath(path)
    _check_target_directory(path)
    if os.path.isdir(path):
        remove_leftovers(path)  # of an earlier save() that was killed
    params = {name: _encode(value, f"parameter {name}") for name, value
              in estimator.get_params(deep=False).items() if name not in _NOT_SAVED}
    if not isinstance(estimator.random_state, (int, np.integer, type(None))):
        params["random_state"] = None  # a RandomState object: its seed is unknown
    fitted = {name: _encode(value, f"attribute {name}") for name, value
              in vars(estimator).items() if name.endswith("_") and not name.startswith("_")}
    meta = {"library": "tfgraph_dnn", "format": FORMAT, "version": __version__,
            "class": type(estimator).__name__, "params": params, "fitted": fitted,
            "fingerprint": estimator._fingerprint(), "graph_seed": estimator._graph_seed,
            "n_train": estimator._n_train, "history": estimator._history,
            "rng_state": _rng_to_json(estimator._rng)}
    return write_save(path, estimator._session, estimator._ops.saver, {META_FILE: meta},
                      epoch=len(estimator._history), keep=1)


def _read_meta(path: str) -> Dict[str, Any]:
    if not os.path.exists(path):
        raise FileNotFoundError(f"No saved model at {path}: no such directory.")
    if not os.path.isdir(path):
        raise CheckpointError(f"{path} is not a directory written by save().")
    save_dir = latest_save_dir(path)
    meta_path = None if save_dir is None else os.path.join(save_dir, META_FILE)
    if meta_path is None or not os.path.exists(meta_path):
        raise CheckpointError(f"{path} is not a model directory written by save() "
                              f"(no 'latest' pointer to an {META_FILE}).")
    try:
        with open(meta_path, encoding="utf-8") as handle:
            meta = json.load(handle)
    except (OSError, ValueError) as error:
        raise CheckpointError(f"Unreadable {meta_path}: {error}") from error
    if not isinstance(meta, dict) or meta.get("library") != "tfgraph_dnn" \
            or meta.get("format") != FORMAT:
        raise CheckpointError(f"{meta_path} is not a tfgraph_dnn model description "
                              f"(format {FORMAT}).")
    meta["model_prefix"] = os.path.join(save_dir, MODEL_PREFIX)
    return meta


def load(cls, path):
    """Rebuild the estimator saved in ``path``; see ``BaseDNN.load``."""
    path = os.fspath(path)
    meta = _read_meta(path)
    if meta["class"] != cls.__name__ and cls.__name__ != "BaseDNN":
        raise CheckpointError(f"{path} holds a {meta['class']}; load it with "
                              f"{meta['class']}.load().")
    try:
        estimator = cls(**_decode(meta["params"]))
        for name, value in _decode(meta["fitted"]).items():
            setattr(estimator, name, value)
        estimator._history = meta["history"]
        estimator._rng = rng_from_json(meta["rng_state"])
        estimator._hook_states, estimator._resumed = {}, None
        expected = estimator._fingerprint()
    except (TypeError, KeyError, ValueError, AttributeError) as error:
        raise CheckpointError(f"{path}: inconsistent model description ({error}).") from error
    if meta["fingerprint"] != expected:
        raise CheckpointError(f"{path}: the saved architecture {meta['fingerprint']} does not "
                              f"match its parameters {expected}.")
    estimator._build(int(meta["graph_seed"]), int(meta["n_train"]))
    estimator._restore_saved_variables(meta["model_prefix"])
    return estimator


def export_saved_model(estimator, path) -> str:
    """Write a serving SavedModel; see ``BaseDNN.export_saved_model``."""
    check_is_fitted(estimator)
    path = os.fspath(path)
    if os.path.exists(path):
        raise FileExistsError(f"{path} already exists; export_saved_model never overwrites.")
    weights = estimator.get_weights()
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(dir=parent, prefix=".tmp-export-")
    export_dir = os.path.join(staging, "model")
    try:
        graph = tf.Graph()
        with graph.as_default():
            endpoints = build_network(estimator._network_spec(seed=0))
            if estimator._task == "classification":
                classes = estimator.classes_
                if classes.dtype == object:
                    classes = classes.astype(str)
                label_index = tf.argmax(endpoints.outputs, axis=1)
                outputs = {"probabilities": endpoints.outputs,
                           "classes": tf.gather(tf.constant(classes), label_index)}
            else:
                outputs = {"predictions": endpoints.outputs}
            signature = v1.saved_model.signature_def_utils.predict_signature_def(
                inputs={"features": endpoints.X}, outputs=outputs)
            with v1.Session(graph=graph) as session:
                session.run(v1.global_variables_initializer())
                for variable in endpoints.variables:  # feeds the initializer: no new ops
                    session.run(variable.initializer,
                                {variable.initial_value: weights[variable.op.name]})
                builder = v1.saved_model.Builder(export_dir)
                builder.add_meta_graph_and_variables(
                    session, [v1.saved_model.tag_constants.SERVING],
                    signature_def_map={"serving_default": signature}, strip_default_attrs=True)
                builder.save()
        os.rename(export_dir, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path
