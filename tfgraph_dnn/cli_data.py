"""Data of the commands (room: ``cli``): ``--data`` / ``--dataset`` and the test split.

``train`` and ``search`` read labelled data (a file or an offline data set, raw:
a data set also says how it should be scaled, which becomes the model's
``feature_scaling``) and hold out ``--test-size``; ``predict`` reads features and optional labels, after
checking that ``--out`` cannot overwrite its input.  File rules are those of
:func:`tfgraph_dnn.datafiles.load_file`.
"""
from __future__ import annotations

import os
from typing import NamedTuple, Optional, Tuple

import numpy as np

from .cli_common import CliError
from .datafiles import describe_csv_columns, load_file
from .datasets import load_raw_dataset


class TrainingData(NamedTuple):
    """Labelled data of ``train`` / ``search``: features, labels, source name, scaling.

    ``scaling`` is the data set's ``(offset, scale)`` (``None`` for a file).
    """

    X: np.ndarray
    y: np.ndarray
    source: str
    scaling: Optional[Tuple[float, float]]


def split_train_test(args, X, y, source: str):
    """Hold out ``--test-size`` of the rows (stratified) and say what was loaded.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray
    """
    from sklearn.model_selection import train_test_split  # after the cheap checks: 1-2 s

    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=args.test_size, random_state=args.random_state, stratify=y)
    print(f"data: {source}  train {X_train.shape}  test {X_test.shape}  "
          f"classes {len(np.unique(y))}", flush=True)
    return X_train, X_test, y_train, y_test


def load_training_data(args):
    """Load the labelled data of ``train`` and ``search``.

    Parameters
    ----------
    args : argparse.Namespace
        With ``data``, ``target`` and ``dataset``.

    Returns
    -------
    TrainingData
        Raw ``X``, ``y``, ``source`` (the file or data set, for the printed
        summary) and ``scaling`` (the data set's; ``None`` for a file).

    Raises
    ------
    CliError, ValueError
        The file has no labels, or cannot be read.
    """
    if args.data:
        X, y = load_file(args.data, args.target)
        if y is None:
            if args.data.lower().endswith(".csv"):
                raise CliError(f"{args.data}: no labels; give --target with the label column "
                               f"({describe_csv_columns(args.data)})")
            raise CliError(f"{args.data}: no labels; store an array 'y' in the NPZ file")
        return TrainingData(X, y, args.data, None)
    X, y, scaling = load_raw_dataset(args.dataset)
    return TrainingData(X, y, args.dataset, scaling)


def load_prediction_data(args):
    """Load the features (and optional labels) of ``predict --data``.

    The file follows the rules of :func:`tfgraph_dnn.datafiles.load_file`, as
    for ``train``; a ``--target`` column the file lacks only means that there
    are no labels to score.  ``--out`` is checked first, so that a bad output
    path fails before TensorFlow is imported and the input is never
    overwritten.

    Parameters
    ----------
    args : argparse.Namespace
        With ``data``, ``target`` and ``out``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float32
    y : ndarray of shape (n_samples,) or None

    Raises
    ------
    CliError
        ``--out`` is the ``--data`` file, a directory, or in a missing directory.
    ValueError
        The file cannot be read (one line naming it, and the line and column).
    """
    out = args.out
    if os.path.isdir(out):
        raise CliError(f"--out {out}: is a directory; give a file name")
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        raise CliError(f"--out {out}: no such directory {parent}")
    if os.path.exists(out) and os.path.exists(args.data) and os.path.samefile(out, args.data):
        raise CliError(f"--out {out} is the --data file; predict never overwrites its input")
    return load_file(args.data, args.target, require_target=False)
