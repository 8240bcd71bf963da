"""Command line: ``tfgraph-dnn`` / ``python -m tfgraph_dnn`` (room: ``cli``).

The outermost layer: parses flags, loads data, drives the estimator and
prints results.  Commands: ``train``, ``search`` (in :mod:`.cli_search`),
``predict``, ``export``, ``datasets`` and ``migrate`` (in :mod:`.cli_migrate`).
Errors in files or flags end with a one-line message and exit code 2, never a
traceback.  TensorFlow is imported only once the flags and files have been
checked, so mistakes are reported at once.
"""
from __future__ import annotations

import csv
import os
import sys
from typing import List, Optional

import numpy as np

from . import cli_migrate, cli_search, storage
from .cli_common import (PREPROCESSING_FILE, CliError, Parser, add_data_flags, add_model_flags,
                         add_run_flags, apply_preprocessing, check_checkpoint_target,
                         check_save_target, import_estimators, read_preprocessing,
                         write_json)
from .cli_data import load_prediction_data, load_training_data, split_train_test
from .datasets import DATASETS

EXIT_USAGE = 2
_ESTIMATOR_CLASSES = ("DNNClassifier", "DNNRegressor")


def _estimator_params(args) -> dict:
    return dict(n_hidden=args.n_hidden, n_neurons=args.n_neurons,
                hidden_layer_sizes=args.hidden_layers, activation=args.activation,
                initializer=args.initializer, optimizer=args.optimizer,
                learning_rate=args.learning_rate, beta1=args.beta1, beta2=args.beta2,
                momentum=args.momentum, batch_size=args.batch_size, n_epochs=args.n_epochs,
                batch_norm_momentum=args.batch_norm_momentum, dropout_rate=args.dropout_rate,
                l1=args.l1, l2=args.l2, max_norm=args.max_norm,
                gradient_clip_value=args.gradient_clip_value,
                gradient_clip_norm=args.gradient_clip_norm,
                gradient_clip_global_norm=args.gradient_clip_global_norm,
                lr_schedule=args.lr_schedule, early_stopping=args.early_stopping,
                patience=args.patience, validation_fraction=args.validation_fraction,
                checkpoint_dir=args.checkpoint_dir, checkpoint_every=args.checkpoint_every,
                resume=args.resume, warm_start_from=args.warm_start_from,
                n_frozen=args.n_frozen, n_threads=args.n_threads, log_dir=args.log_dir,
                log_histograms=args.log_histograms, random_state=args.random_state)


def cmd_train(args) -> int:
    """``train``: fit a DNNClassifier, report test accuracy, write metrics (and --save).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed flags of ``train``.

    Returns
    -------
    int
        0; errors raise (``main`` turns them into exit code 2).
    """
    if args.resume and not args.checkpoint_dir:
        raise CliError("--resume needs --checkpoint-dir")
    check_save_target(args.save)
    check_checkpoint_target(args.checkpoint_dir)
    X, y, source = load_training_data(args)
    X_train, X_test, y_train, y_test = split_train_test(args, X, y, source)
    clf = import_estimators().DNNClassifier(verbose=1, run_name="train",
                                            **_estimator_params(args))
    clf.fit(X_train, y_train)
    accuracy = float(clf.score(X_test, y_test))
    run_dir = clf.log_dir_
    write_json(os.path.join(run_dir, "metrics.json"), {
        "source": source, "test_accuracy": accuracy,
        "params": {k: v for k, v in clf.get_params().items() if not callable(v)},
        "history": clf.history_})
    print(f"test accuracy: {accuracy:.4f}")
    print(f"files: {os.path.abspath(run_dir)} (TensorBoard events, metrics.json)")
    if args.save:
        clf.save(args.save)  # also removes an earlier `search --save`'s preprocessing.json
        print(f"saved: {os.path.abspath(args.save)} (use with predict --model / export --model)")
    return 0


def _model_info(model_dir: str) -> dict:
    """Class, feature count and save name of a ``--save`` directory, without TensorFlow.

    :func:`tfgraph_dnn.storage.model_info` reads it, for early and clear
    errors; ``load()`` then checks the model in full.
    """
    try:
        info = storage.model_info(model_dir)
    except (FileNotFoundError, storage.CheckpointError) as error:
        raise CliError(str(error).rstrip(".")) from error
    if info["class"] not in _ESTIMATOR_CLASSES:
        raise CliError(f"{model_dir} holds a {info['class']}, which the CLI cannot load")
    return info


def _load_model(model_dir: str, info: dict):
    return getattr(import_estimators(), info["class"]).load(model_dir)


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


def cmd_predict(args) -> int:
    """``predict``: run a saved model on a CSV/NPZ file and write a predictions CSV.

    The model directory, the file and its feature count are checked before
    TensorFlow is imported.  A current ``preprocessing.json`` (from
    ``search --save``) standardizes the features first.

    Parameters
    ----------
    args : argparse.Namespace
        ``model``, ``data``, ``target`` and ``out``.

    Returns
    -------
    int
        0; errors raise (``main`` turns them into exit code 2).
    """
    info = _model_info(args.model)
    X, y = load_prediction_data(args)
    if X.shape[1] != info["n_features"]:
        hint = ""
        if X.shape[1] == info["n_features"] + 1 and args.target is None:
            hint = " (is one column the label? name it with --target)"
        raise CliError(f"{args.data} has {X.shape[1]} feature columns but the model in "
                       f"{args.model} expects {info['n_features']}{hint}")
    preprocessing = read_preprocessing(args.model, info["save"])
    X = apply_preprocessing(X, preprocessing)
    model = _load_model(args.model, info)
    columns = _prediction_columns(model, X)
    with open(args.out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(columns))
        writer.writerows(zip(*(_format_column(values) for values in columns.values())))
    scaled = f", standardized with {PREPROCESSING_FILE}" if preprocessing else ""
    print(f"predictions: {len(X)} rows of {args.data} -> {os.path.abspath(args.out)}"
          f" ({info['class']}{scaled})")
    if y is not None:
        name = "accuracy" if info["class"] == "DNNClassifier" else "R^2"
        print(f"{name} on {args.data}: {float(model.score(X, y)):.4f}")
    return 0


def cmd_export(args) -> int:
    """``export``: write a saved model as a TensorFlow SavedModel for serving.

    A current ``preprocessing.json`` is copied to ``OUT/assets.extra/`` (the
    SavedModel itself takes standardized features).

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
    info = _model_info(args.model)
    preprocessing = read_preprocessing(args.model, info["save"])
    model = _load_model(args.model, info)
    model.export_saved_model(args.saved_model)
    outputs = "probabilities, classes" if info["class"] == "DNNClassifier" else "predictions"
    print(f"SavedModel: {os.path.abspath(args.saved_model)} (signature serving_default: "
          f"features float32 (None, {info['n_features']}) -> {outputs})")
    if preprocessing is not None:
        extra = os.path.join(args.saved_model, "assets.extra")
        os.makedirs(extra, exist_ok=True)
        write_json(os.path.join(extra, PREPROCESSING_FILE), preprocessing["payload"])
        print(f"note: the model expects standardized features: (x - mean) / scale with "
              f"mean and scale from {os.path.join(extra, PREPROCESSING_FILE)}")
    return 0


def cmd_datasets(args) -> int:
    """``datasets``: list the offline data sets."""
    for name, (_, description) in sorted(DATASETS.items()):
        print(f"{name:10s} {description}")
    return 0


def build_parser() -> Parser:
    """The ``tfgraph-dnn`` argument parser with its sub-commands."""
    parser = Parser(prog="tfgraph-dnn", description=(
        "Train TF1-graph deep nets (Hands-On ML chapter 11) from the command line."))
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train = commands.add_parser("train", help="train a DNNClassifier and report test accuracy")
    add_data_flags(train)
    add_model_flags(train)
    add_run_flags(train, n_epochs=30, early_stopping=False, patience=10)
    train.set_defaults(func=cmd_train)
    cli_search.add_parser(commands)
    cli_migrate.add_parser(commands)
    predict = commands.add_parser("predict", help="predict with a model saved by --save")
    predict.add_argument("--model", required=True, metavar="DIR", help="a --save directory")
    predict.add_argument("--data", required=True, metavar="FILE",
                         help="CSV (header row; every column a feature) or NPZ (array X)")
    predict.add_argument("--target", help="label column of the CSV: dropped from the features "
                         "and, if present, used to print the score")
    predict.add_argument("--out", default="predictions.csv", metavar="FILE",
                         help="CSV written: prediction (and proba_<class>) columns "
                         "(default: predictions.csv)")
    predict.set_defaults(func=cmd_predict)
    export = commands.add_parser("export", help="export a saved model as a TF SavedModel")
    export.add_argument("--model", required=True, metavar="DIR", help="a --save directory")
    export.add_argument("--saved-model", required=True, metavar="OUT",
                        help="SavedModel directory to create (must not exist)")
    export.set_defaults(func=cmd_export)
    datasets = commands.add_parser("datasets", help="list the offline data sets")
    datasets.set_defaults(func=cmd_datasets)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line; returns the exit code (2 for bad flags, files or models)."""
    # TensorFlow's C++ start-up chatter hides the progress lines; keep warnings.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CliError, ValueError, OSError, ArithmeticError) as error:
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"tfgraph-dnn {args.command}: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"tfgraph-dnn {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
