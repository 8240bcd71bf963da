"""Saving, loading and exporting fitted estimators (room: ``estimator``).

What a model directory holds, how it is written atomically, validated and
recovered is :mod:`tfgraph_dnn.storage`'s; this module only moves an
estimator's state into :func:`tfgraph_dnn.storage.write_model` and back out
of :func:`tfgraph_dnn.storage.read_model`.  Nothing is ever unpickled.
``export_saved_model`` writes a TensorFlow 2 SavedModel instead (callable,
input scaling inside, float32 and float64 features).

What is saved or exported is the published model's
:class:`~tfgraph_dnn.estimator._description.ModelDescription` (the parameters its fit
ran with and its fitted attributes), never the estimator's current parameters:
``set_params`` after a fit changes nothing here until the next fit.  The
estimator is reached through exactly two functions, :func:`_fit_state` and
:func:`_restore_fit_state` (its published model, its plan for loaded
parameters, and publication); the rest talks to the
:class:`~tfgraph_dnn.estimator._model.FittedNetwork`'s public methods.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import warnings
from typing import Any, Dict, Iterator

import numpy as np
import tensorflow as tf
from sklearn.utils.validation import check_is_fitted

from .. import __version__, _tf, storage
from ..model import build_network
from ._description import is_fitted_attribute
from ._model import FittedNetwork
from ._scaling import check_scaling_attributes

v1 = tf.compat.v1

# Parameters that describe where a fit wrote things or who watched it, not the model.
_NOT_SAVED = ("callbacks",)


# --------------------------------------------------------------- the estimator interface
@contextlib.contextmanager
def _fit_state(estimator) -> Iterator[Dict[str, Any]]:
    """What a fit produced (its description), a writer of its variables (``save``) and
    the net with a reader of its weights (the export).

    The published model is held until the block ends, so a refit in another
    thread cannot mix two models into one save or export.  Everything comes
    from the :class:`~._model.FittedNetwork`'s public side.
    """
    with estimator._reading() as model:
        description = model.description
        yield {"network": model.plan.network,
               "classes": description.attributes.get("classes_")
               if description.task == "classification" else None,
               "read_weights": model.weights,
               "params": dict(description.params), "fitted": dict(description.attributes),
               "fingerprint": dict(model.plan.fingerprint),
               "graph_seed": description.graph_seed, "n_train": description.n_train,
               "history": model.history, "rng_state": storage.rng_to_json(model.rng),
               "write_weights": model.saver_writer()}


def _restore_fit_state(estimator, meta: Dict[str, Any], path: str) -> None:
    """Give a new estimator (its parameters and fitted attributes set from ``meta``,
    read by :func:`storage.read_model`) a model holding the saved weights."""
    try:
        estimator._validate_params()  # a hand-edited value (n_epochs=-1...) names the file
        check_scaling_attributes(vars(estimator), estimator.feature_scaling)
        classes = getattr(estimator, "classes_", None)
        if classes is not None and (len(np.unique(classes)) != len(classes)
                                    or list(np.sort(classes)) != list(classes)):
            raise ValueError(f"classes_ {list(classes)} are not distinct and sorted")
        attributes = {name: value for name, value in vars(estimator).items()
                      if is_fitted_attribute(name)}
        plan = estimator._plan(attributes, int(meta["graph_seed"]), int(meta["n_train"]),
                               quiet=True)
        history, rng = meta["history"], storage.rng_from_json(meta["rng_state"])
    except (TypeError, KeyError, ValueError, AttributeError) as error:
        raise storage.CheckpointError(f"{meta['meta_path']}: inconsistent model description "
                                      f"({error}).") from error
    if meta["fingerprint"] != dict(plan.fingerprint):
        raise storage.CheckpointError(f"{path}: the saved architecture {meta['fingerprint']} "
                                      f"does not match its parameters {dict(plan.fingerprint)}.")
    prefix = meta["model_prefix"]
    # The weights are read first and given to the new Session in place of its
    # initializers: one graph run fewer (and no initial weights drawn) before the
    # first predict.  Checksums are verified as the tensors are read.
    reader = storage.open_checkpoint(prefix)
    values = storage.read_tensors(prefix, {name: name for name in
                                           storage.checkpoint_shapes(prefix, reader)}, reader)
    try:
        model = FittedNetwork.open(plan, attributes, history, rng, values=values)
    except storage.CheckpointError:
        raise
    except (ValueError, RuntimeError, IndexError) as error:  # a variable missing or reshaped
        raise storage.CheckpointError(f"Cannot restore the weights in {prefix}: "
                                      f"{storage.describe_error(error)}") from error
    estimator._publish(model)


# --------------------------------------------------------------- save / load
def save(estimator, path, overwrite: bool = False) -> str:
    """Write ``estimator`` to directory ``path``; see ``BaseDNN.save``."""
    check_is_fitted(estimator)
    path = os.fspath(path)
    storage.check_writable(path, storage.MODEL)  # before any work
    with _fit_state(estimator) as state:
        write_weights = state.pop("write_weights")
        for served in ("network", "classes", "read_weights"):  # the export's
            del state[served]
        fit_params = state.pop("params")
        params = {name: storage.encode(value, f"parameter {name}") for name, value
                  in fit_params.items() if name not in _NOT_SAVED}
        if not isinstance(fit_params.get("random_state"), (int, np.integer, type(None))):
            params["random_state"] = None  # a RandomState object: its seed is unknown
        fitted = {name: storage.encode(value, f"attribute {name}") for name, value
                  in state.pop("fitted").items()
                  if name.endswith("_") and not name.startswith("_")}
        meta = {"class": type(estimator).__name__, "params": params, "fitted": fitted,
                **state}
        return storage.write_model(path, write_weights, meta, version=__version__,
                                   overwrite=overwrite)


def load(cls, path):
    """Rebuild the estimator saved in ``path``; see ``BaseDNN.load``."""
    path = os.fspath(path)
    with storage.read_lock(path):  # no save() replaces it meanwhile
        return _load(cls, path)


def _load(cls, path: str):
    meta = storage.read_model(path, None if cls.__name__ == "BaseDNN" else cls.__name__)
    try:
        estimator = cls(**storage.decode(meta["params"]))
        for name, value in storage.decode(meta["fitted"]).items():
            setattr(estimator, name, value)
    except (TypeError, KeyError, ValueError, AttributeError, OverflowError,
            RecursionError) as error:
        raise storage.CheckpointError(f"{meta['meta_path']}: inconsistent model description "
                                      f"({error}).") from error
    _restore_fit_state(estimator, meta, path)
    save_name = os.path.basename(os.path.dirname(meta["meta_path"]))
    preprocessing = storage.read_preprocessing(path, save_name)
    if preprocessing is not None and not preprocessing["stale"]:
        warnings.warn(
            f"{preprocessing['path']}: this model was trained on standardized features "
            "(tfgraph-dnn search); load() returns the classifier alone, so standardize X "
            "with that file's mean and scale first (tfgraph-dnn predict does).",
            UserWarning, stacklevel=3)
    return estimator


def export_saved_model(estimator, path) -> str:
    """Write a serving SavedModel; see ``BaseDNN.export_saved_model``.

    The net (input scaling included) is built in a TF1 graph holding the
    fitted weights and written as a TF1 SavedModel in a staging directory;
    TensorFlow 2 loads that, wraps its signature in a callable module taking
    float32 or float64 features, and saves it as ``path``.
    """
    check_is_fitted(estimator)
    path = os.fspath(path)
    if os.path.exists(path):
        raise FileExistsError(f"{path} already exists; export_saved_model never overwrites.")
    with _fit_state(estimator) as state:  # one model: weights, net and classes
        weights, spec, classes = state["read_weights"](), state["network"], state["classes"]
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(dir=parent, prefix=storage.TMP_PREFIX + "export-")
    export_dir = os.path.join(staging, "model")
    try:
        with _tensorflow_notices_hidden():
            _write_graph_saved_model(os.path.join(staging, "graph"), spec, weights, classes)
            _write_callable_saved_model(os.path.join(staging, "graph"), export_dir,
                                        spec.n_inputs)
        os.rename(export_dir, path)
    except BaseException as error:
        if storage.is_write_failure(error):
            raise storage.write_failure(error, parent, f"the SavedModel {path}") from error
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path


@contextlib.contextmanager
def _tensorflow_notices_hidden() -> Iterator[None]:
    """TensorFlow's Python logger at ERROR for the block (its deprecation notices about
    the TF1 SavedModel builder are not the user's business)."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(max(level, logging.ERROR))
    try:
        yield
    finally:
        logger.setLevel(level)


def _write_graph_saved_model(export_dir: str, spec, weights: Dict[str, np.ndarray],
                             classes) -> None:
    """The net of ``spec`` with ``weights`` as a TF1 SavedModel (signature
    ``serving_default``: float32 ``features`` -> the outputs)."""
    graph = tf.Graph()
    with graph.as_default():
        endpoints = build_network(spec)
        if classes is not None:
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
            endpoints.knobs.assign_all(session, {})  # the initializers read the seed
            session.run(v1.global_variables_initializer())
            for variable in endpoints.variables:  # feeds the initializer: no new ops
                session.run(variable.initializer,
                            {variable.initial_value: weights[variable.op.name]})
            builder = v1.saved_model.Builder(export_dir)
            builder.add_meta_graph_and_variables(
                session, [v1.saved_model.tag_constants.SERVING],
                signature_def_map={"serving_default": signature}, strip_default_attrs=True)
            builder.save()


def _write_callable_saved_model(graph_dir: str, export_dir: str, n_features: int) -> None:
    """Re-save the TF1 SavedModel ``graph_dir`` as a TF2 one: ``m(features)`` for
    float32 or float64 features, signatures ``serving_default`` (float32) and
    ``serving_float64``.  Runs eagerly even in a process switched to TF1 mode."""
    with _tf.eager_mode():  # a TF2 SavedModel is written eagerly, from TF1 mode too
        imported = tf.saved_model.load(graph_dir)
        module = _Served(imported)
        specs = {dtype: tf.TensorSpec((None, n_features), dtype, name="features")
                 for dtype in (tf.float32, tf.float64)}
        signatures = {"serving_default": module.__call__.get_concrete_function(
                          specs[tf.float32]),
                      "serving_float64": module.__call__.get_concrete_function(
                          specs[tf.float64])}
        tf.saved_model.save(module, export_dir, signatures=signatures)


class _Served(tf.Module):
    """The exported object: calling it runs the net on float32 or float64 features."""

    def __init__(self, imported):
        super().__init__()
        self.graph_model = imported  # tracked: its variables are saved with the module
        self._serve = imported.signatures["serving_default"]

    @tf.function
    def __call__(self, features):
        return self._serve(features=tf.cast(features, tf.float32))
