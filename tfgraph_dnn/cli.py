"""Command line: ``tfgraph-dnn`` / ``python -m tfgraph_dnn`` (room: ``cli``).

The outermost layer: parses flags, loads data, drives the estimator and
prints results.  Errors in files or flags end with a one-line message and a
non-zero exit code, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import List, Optional

import numpy as np

from .datasets import DATASETS, load_dataset, load_file

EXIT_USAGE = 2


class CliError(Exception):
    """A user-facing error: printed as one line, exit code 2."""


def _hidden_layers(text: str):
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}")
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def _add_data_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", default="digits", choices=sorted(DATASETS),
                        help="offline data set to use when --data is not given (default: digits)")
    parser.add_argument("--data", help="CSV (with --target) or NPZ (arrays X, y) file")
    parser.add_argument("--target", help="name of the label column of a CSV file")
    parser.add_argument("--test-size", type=float, default=0.2,
                        help="fraction held out for the test score (default: 0.2)")


def _add_model_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("hyper-parameters")
    group.add_argument("--hidden-layers", type=_hidden_layers, default=(100,) * 5,
                       help="comma-separated layer sizes (default: 100,100,100,100,100)")
    group.add_argument("--activation", default="elu")
    group.add_argument("--initializer", default="he_normal")
    group.add_argument("--optimizer", default="adam")
    group.add_argument("--learning-rate", type=float, default=0.001)
    group.add_argument("--batch-size", type=int, default=50)
    group.add_argument("--epochs", type=int, default=30)
    group.add_argument("--batch-norm-momentum", type=float, default=None)
    group.add_argument("--dropout-rate", type=float, default=None)
    group.add_argument("--l1", type=float, default=0.0)
    group.add_argument("--l2", type=float, default=0.0)
    group.add_argument("--max-norm", type=float, default=None)
    group.add_argument("--lr-schedule", default=None,
                       help="exponential, piecewise, power, performance or 1cycle")
    group.add_argument("--early-stopping", action="store_true",
                       help="hold out 10%% of the training data and stop on its loss")
    group.add_argument("--patience", type=int, default=10)
    group.add_argument("--checkpoint-dir", default=None,
                       help="save checkpoints here; with --resume, continue from them")
    group.add_argument("--resume", action="store_true")
    group.add_argument("--random-state", type=int, default=42)
    group.add_argument("--log-dir", default="logs",
                       help="where run directories are written (default: logs)")


def _estimator_params(args) -> dict:
    return dict(hidden_layer_sizes=args.hidden_layers, activation=args.activation,
                initializer=args.initializer, optimizer=args.optimizer,
                learning_rate=args.learning_rate, batch_size=args.batch_size,
                n_epochs=args.epochs, batch_norm_momentum=args.batch_norm_momentum,
                dropout_rate=args.dropout_rate, l1=args.l1, l2=args.l2,
                max_norm=args.max_norm, lr_schedule=args.lr_schedule,
                early_stopping=args.early_stopping, patience=args.patience,
                checkpoint_dir=args.checkpoint_dir, resume=args.resume,
                log_dir=args.log_dir, random_state=args.random_state)


def _load_training_data(args):
    if args.data:
        X, y = load_file(args.data, args.target)
        if y is None:
            raise CliError(f"{args.data}: no labels; give --target for a CSV file "
                           "or store an array 'y' in the NPZ file")
        return X, y, args.data
    return (*load_dataset(args.dataset), args.dataset)


def cmd_train(args) -> int:
    from sklearn.model_selection import train_test_split

    from .estimator import DNNClassifier

    X, y, source = _load_training_data(args)
    if not 0.0 < args.test_size < 1.0:
        raise CliError(f"--test-size must be in (0, 1), got {args.test_size}")
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=args.test_size, random_state=args.random_state, stratify=y)
    print(f"data: {source}  train {X_train.shape}  test {X_test.shape}  "
          f"classes {len(np.unique(y))}", flush=True)
    clf = DNNClassifier(verbose=1, run_name="train", **_estimator_params(args))
    clf.fit(X_train, y_train)
    accuracy = float(clf.score(X_test, y_test))
    run_dir = clf.log_dir_
    with open(os.path.join(run_dir, "metrics.json"), "w", encoding="utf-8") as handle:
        json.dump({"source": source, "test_accuracy": accuracy, "params": {
            k: (list(v) if isinstance(v, tuple) else v) for k, v in clf.get_params().items()
            if not callable(v)}, "history": clf.history_}, handle, indent=2)
    print(f"test accuracy: {accuracy:.4f}")
    print(f"files: {os.path.abspath(run_dir)} (TensorBoard events, metrics.json)")
    return 0


def cmd_datasets(args) -> int:
    for name, (_, description) in sorted(DATASETS.items()):
        print(f"{name:10s} {description}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tfgraph-dnn", description=(
        "Train TF1-graph deep nets (Hands-On ML chapter 11) from the command line."))
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a DNNClassifier and report test accuracy")
    _add_data_flags(train)
    _add_model_flags(train)
    train.set_defaults(func=cmd_train)
    datasets = commands.add_parser("datasets", help="list the offline data sets")
    datasets.set_defaults(func=cmd_datasets)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    # TensorFlow's C++ start-up chatter hides the progress lines; keep warnings.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CliError, ValueError, OSError) as error:
        print(f"tfgraph-dnn {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
