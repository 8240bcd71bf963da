"""``tfgraph-dnn predict`` and ``export``: use a model saved by ``--save`` (room: ``cli``).

A model trained by this version carries its input scaling (the estimator's
``feature_scaling``), so both take raw features.  A model directory written by
an earlier ``search --save`` has its scaler in ``preprocessing.json``:
``predict`` still applies it, and ``export`` copies it to
``OUT/assets.extra/`` (that SavedModel takes scaled features).  The model
directory, the file, its feature count and its column names (matched by name
to a model trained on named columns, see :func:`model_columns`) are checked
before TensorFlow is imported.
"""
from __future__ import annotations

import csv
import os
import sys
from typing import Optional

import numpy as np

from .. import storage
from ..exceptions import CliError
from .common import (PREPROCESSING_FILE, add_header_flag, add_verbose_flag, import_estimators,
                     write_json)
from ..data.features import column_order, declared_feature_names
from .data import PredictionData, read_prediction_data

ESTIMATOR_CLASSES = ("DNNClassifier", "DNNRegressor")


def model_info(model_dir: str) -> dict:
    """Class, feature count and save name of a ``--save`` directory, without TensorFlow.

    :func:`tfgraph_dnn.storage.model_info` reads it, for early and clear
    errors; ``load()`` then checks the model in full.
    """
    try:
        info = storage.model_info(model_dir)
    except (FileNotFoundError, storage.CheckpointError) as error:
        raise CliError(str(error).rstrip(".")) from error
    if info["class"] not in ESTIMATOR_CLASSES:
        raise CliError(f"{model_dir} holds a {info['class']}, which the CLI cannot load")
    return info


def load_model(model_dir: str, info: dict):
    """Load the estimator of ``model_dir`` (imports TensorFlow)."""
    import warnings

    with warnings.catch_warnings():  # load()'s note about preprocessing.json: handled here
        warnings.filterwarnings("ignore", message=".*standardize X.*", category=UserWarning)
        return getattr(import_estimators(), info["class"]).load(model_dir)


def read_preprocessing(model_dir: str, save_name: str) -> Optional[dict]:
    """The ``preprocessing.json`` of ``model_dir`` if it belongs to save ``save_name``.

    Parameters
    ----------
    model_dir : str
        A ``--save`` directory.
    save_name : str
        The ``save-N`` directory its ``latest`` points at.  A file written
        for another save is stale: a warning says it is ignored.

    Returns
    -------
    dict or None
        ``path``, ``mean``, ``scale`` (float64 arrays) and the raw ``payload``;
        ``None`` without a (current) file.
    """
    try:
        found = storage.read_preprocessing(model_dir, save_name)
    except storage.CheckpointError as error:
        raise CliError(str(error)) from error
    if found is not None and found["stale"]:
        print(f"warning: ignoring {found['path']}: it was written for another save of this "
              "model", file=sys.stderr)
        return None
    return found


def apply_preprocessing(X: np.ndarray, preprocessing: Optional[dict]) -> np.ndarray:
    """Standardize ``X`` exactly as ``StandardScaler.transform`` does on float32 data.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    preprocessing : dict or None
        From :func:`read_preprocessing`; ``None`` returns ``X`` unchanged.

    Returns
    -------
    ndarray
        A float32 copy: ``X -= mean; X /= scale``, rounded as the pipeline's.
    """
    if preprocessing is None:
        return X
    if preprocessing["mean"].shape[0] != np.shape(X)[1]:
        raise CliError(f"{preprocessing['path']} scales {preprocessing['mean'].shape[0]} "
                       f"features but the data has {np.shape(X)[1]}")
    X = np.array(X, dtype=np.float32)
    X -= preprocessing["mean"]
    X /= preprocessing["scale"]
    return X


def _format_column(values: np.ndarray) -> list:
    if values.dtype.kind != "f":
        return [str(value) for value in values]
    digits = ".9g" if values.dtype.itemsize <= 4 else ".17g"  # exact round trip
    return [format(float(value), digits) for value in values]


def _prediction_columns(model, X) -> dict:
    """``{"prediction": ..., "proba_<class>": ...}`` (regressors: ``prediction[_i]``)."""
    predictions = np.asarray(model.predict(X))
    if predictions.ndim == 2 and predictions.shape[1] > 1:
        columns = {f"prediction_{i}": predictions[:, i] for i in range(predictions.shape[1])}
    else:
        columns = {"prediction": predictions.reshape(len(X))}
    if hasattr(model, "predict_proba"):
        proba = model.predict_proba(X)
        columns.update({f"proba_{label}": proba[:, i] for i, label in enumerate(model.classes_)})
    return columns


def model_columns(data: PredictionData, info: dict, args) -> np.ndarray:
    """``data.X`` with its columns in the order of the model's features.

    A file with column names (a CSV header) given to a model fitted on named
    features is matched by name: its columns are reordered to the model's;
    unknown or missing names are one error naming the file and the names.
    Otherwise columns are taken by position (a model fitted without names, as
    on ``digits``, ``mnist`` or an NPZ file, takes any CSV header, or none),
    and only their count must match; a file without names given to a model
    with names gets a warning saying so.

    Parameters
    ----------
    data : PredictionData
        What :func:`~tfgraph_dnn.cli.data.read_prediction_data` read.
    info : dict
        :func:`model_info` of ``--model`` (``n_features``, ``feature_names``).
    args : argparse.Namespace
        ``data``, ``model`` and ``target`` (for the messages).

    Returns
    -------
    ndarray of shape (n_samples, n_features)

    Raises
    ------
    CliError
        The names or the column count do not match.
    """
    X, names, fitted = data.X, data.feature_names, info.get("feature_names")
    if fitted is not None and names is not None:
        try:
            order = column_order(names, fitted, f"{args.data}")
        except ValueError as error:
            unknown = [name for name in names if name not in set(fitted)]
            hint = ""
            if len(unknown) == 1 and len(names) == len(fitted) + 1 and args.target is None:
                hint = f" (is {unknown[0]!r} the label? name it with --target)"
            raise CliError(f"{str(error).rstrip('.')}{hint}") from error
        return X if order is None else X[:, order]
    if X.shape[1] != info["n_features"]:
        hint = ""
        if X.shape[1] == info["n_features"] + 1 and args.target is None:
            hint = " (is one column the label? name it with --target)"
        raise CliError(f"{args.data} has {X.shape[1]} feature columns but the model in "
                       f"{args.model} expects {info['n_features']}{hint}")
    if fitted is not None:
        print(f"warning: {args.data} has no column names; its {X.shape[1]} columns are taken "
              f"in the order of the model's features ({', '.join(fitted[:3])}"
              f"{', ...' if len(fitted) > 3 else ''})", file=sys.stderr)
    return X


def cmd_predict(args) -> int:
    """``predict``: run a saved model on a CSV/NPZ file and write a predictions CSV.

    Parameters
    ----------
    args : argparse.Namespace
        ``model``, ``data``, ``target`` and ``out``.

    Returns
    -------
    int
        0; errors raise (``main`` turns them into exit code 2).
    """
    info = model_info(args.model)
    data = read_prediction_data(args)
    X, y = model_columns(data, info, args), data.y
    preprocessing = read_preprocessing(args.model, info["save"])
    X = apply_preprocessing(X, preprocessing)
    model = load_model(args.model, info)
    with declared_feature_names(info.get("feature_names")):  # X is in the model's order
        columns = _prediction_columns(model, X)
    with open(args.out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(columns))
        writer.writerows(zip(*(_format_column(values) for values in columns.values())))
    scaled = f", scaled with {PREPROCESSING_FILE}" if preprocessing else ""
    print(f"predictions: {len(X)} rows of {args.data} -> {os.path.abspath(args.out)}"
          f" ({info['class']}{scaled})")
    if y is not None:
        name = "accuracy" if info["class"] == "DNNClassifier" else "R^2"
        with declared_feature_names(info.get("feature_names")):
            score = float(model.score(X, y))
        print(f"{name} on {args.data}: {score:.4f}")
    return 0


def cmd_export(args) -> int:
    """``export``: write a saved model as a TensorFlow SavedModel for serving.

    Parameters
    ----------
    args : argparse.Namespace
        ``model`` and ``saved_model`` (which must not exist).

    Returns
    -------
    int
        0; errors raise (``main`` turns them into exit code 2).
    """
    if os.path.exists(args.saved_model):
        raise CliError(f"{args.saved_model} already exists; export never overwrites")
    info = model_info(args.model)
    preprocessing = read_preprocessing(args.model, info["save"])
    model = load_model(args.model, info)
    model.export_saved_model(args.saved_model)
    outputs = "probabilities, classes" if info["class"] == "DNNClassifier" else "predictions"
    print(f"SavedModel: {os.path.abspath(args.saved_model)} (signature serving_default: "
          f"features (None, {info['n_features']}) -> {outputs})")
    if preprocessing is not None:
        extra = os.path.join(args.saved_model, "assets.extra")
        os.makedirs(extra, exist_ok=True)
        write_json(os.path.join(extra, PREPROCESSING_FILE), preprocessing["payload"])
        print(f"note: this model expects scaled features: (x - mean) / scale with "
              f"mean and scale from {os.path.join(extra, PREPROCESSING_FILE)}")
    return 0


def add_parsers(commands) -> None:
    """Add ``predict`` and ``export`` to the sub-commands of ``tfgraph-dnn``."""
    predict = commands.add_parser("predict", help="predict with a model saved by --save")
    predict.add_argument("--model", required=True, metavar="DIR", help="a --save directory")
    predict.add_argument("--data", required=True, metavar="FILE",
                         help="CSV, NPZ (array X) or an MNIST idx images file (labels beside "
                         "it are scored) or directory (its test files): raw features as the "
                         "model was trained on (it scales them). A CSV header is matched by "
                         "name to the names of a model trained on a CSV (columns reordered; "
                         "unknown or missing names refused); otherwise columns are taken by "
                         "position")
    predict.add_argument("--target", help="label column of the CSV (its name, or its position "
                         "with --no-header): dropped from the features and, if present, used "
                         "to print the score")
    add_header_flag(predict)
    predict.add_argument("--out", default="predictions.csv", metavar="FILE",
                         help="CSV written: prediction (and proba_<class>) columns "
                         "(default: predictions.csv)")
    add_verbose_flag(predict)
    predict.set_defaults(func=cmd_predict)
    export = commands.add_parser("export", help="export a saved model as a TF SavedModel")
    export.add_argument("--model", required=True, metavar="DIR", help="a --save directory")
    export.add_argument("--saved-model", required=True, metavar="OUT",
                        help="SavedModel directory to create (must not exist)")
    add_verbose_flag(export)
    export.set_defaults(func=cmd_export)
