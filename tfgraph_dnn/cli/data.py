"""Data of the commands (room: ``cli``): ``--data`` / ``--dataset`` and the test split.

``train`` and ``search`` read labelled data (a file or an offline data set, raw:
a data set also says how it should be scaled, which becomes the model's
``feature_scaling``) and hold out ``--test-size``; ``predict`` reads features
and optional labels, after checking that ``--out`` cannot overwrite its input.
File rules are those of :func:`tfgraph_dnn.data.files.load_file`; MNIST idx
files (an images file with its labels found beside it or given by
``--labels``, or a directory of the four official files: ``--data DIR`` or
``--dataset mnist --mnist-dir DIR``) are read by
:func:`tfgraph_dnn.data.idx.load_mnist_idx`, raw with the scaling ``(0, 255)``; a
directory brings its official test split, used instead of ``--test-size``.
"""
from __future__ import annotations

import argparse
import os
from typing import NamedTuple, Optional, Tuple

import numpy as np

from ..exceptions import CliError
from ..data.files import describe_csv_columns, read_data_file
from ..data.datasets import DATASETS, load_raw_dataset
from ..data.idx import SCALING as IDX_SCALING
from ..data.idx import is_idx_path, load_mnist_idx


class TrainingData(NamedTuple):
    """Labelled data of ``train`` / ``search``: features, labels, source name, scaling.

    ``scaling`` is the data set's ``(offset, scale)`` (for a file: the one its
    reader suggests, ``(0, 255)`` for uint8 NPZ pixels, else ``None``);
    ``test`` is ``(X_test, y_test)`` when the data comes with its own test
    split (an MNIST idx directory), else ``None``; ``feature_names`` are a CSV
    file's column names (its header, without the target), which the model
    records as ``feature_names_in_`` (``None``: the columns have no names).
    """

    X: np.ndarray
    y: np.ndarray
    source: str
    scaling: Optional[Tuple[float, float]]
    test: Optional[Tuple[np.ndarray, np.ndarray]] = None
    feature_names: Optional[Tuple[str, ...]] = None


class PredictionData(NamedTuple):
    """Features of ``predict --data``, labels if it has them, and its column names.

    ``feature_names`` is ``None`` for data without column names (a header-less
    CSV file, an NPZ or idx file): its columns are taken by position.
    """

    X: np.ndarray
    y: Optional[np.ndarray]
    feature_names: Optional[Tuple[str, ...]] = None


def csv_target(args: argparse.Namespace):
    """``--target`` as :func:`~tfgraph_dnn.data.files.read_data_file` takes it: a column
    position (an int) for a header-less file (``--no-header``), else the column's name."""
    target = getattr(args, "target", None)
    if target is not None and getattr(args, "header", None) is False:
        if not target.strip().isdigit():
            raise CliError(f"--target {target!r}: with --no-header the label column is given "
                           "by its position (0 = first column)")
        return int(target)
    return target


def split_train_test(args, X, y, source: str, test=None):
    """Hold out ``--test-size`` of the rows (stratified) and say what was loaded.

    Parameters
    ----------
    args : argparse.Namespace
        With ``test_size`` and ``random_state``.
    X, y : ndarray
    source : str
        For the printed summary.
    test : (ndarray, ndarray), optional
        The data's own test split (an MNIST directory's): used as given, and
        ``--test-size`` is ignored.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray
    """
    if test is not None:
        X_train, y_train, (X_test, y_test) = X, y, test
        how = "its own test files"
    else:
        from sklearn.model_selection import train_test_split  # after the cheap checks: 1-2 s

        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=args.test_size, random_state=args.random_state, stratify=y)
        how = f"--test-size {args.test_size:g}"
    print(f"data: {source}  train {X_train.shape}  test {X_test.shape} ({how})  "
          f"classes {len(np.unique(y))}", flush=True)
    return X_train, X_test, y_train, y_test


def _load_idx(path: str, labels: Optional[str], source: Optional[str] = None) -> TrainingData:
    """An MNIST idx images file or directory as training data (raw, scaling ``(0, 255)``)."""
    data = load_mnist_idx(path, labels)
    return TrainingData(data.X, data.y, source or path, IDX_SCALING, data.test)


def load_training_data(args):
    """Load the labelled data of ``train`` and ``search``.

    Parameters
    ----------
    args : argparse.Namespace
        With ``data``, ``target`` and ``dataset`` (``labels`` and
        ``mnist_dir`` are optional).

    Returns
    -------
    TrainingData
        Raw ``X``, ``y``, ``source`` (the file or data set, for the printed
        summary), ``scaling`` (the data set's, ``(0, 255)`` for idx files;
        ``None`` for a CSV or NPZ file) and ``test`` (an MNIST directory's).

    Raises
    ------
    CliError, ValueError
        The file has no labels, or cannot be read; ``--labels`` without an idx
        ``--data``; ``--dataset mnist`` without ``--mnist-dir``.
    """
    labels, mnist_dir = getattr(args, "labels", None), getattr(args, "mnist_dir", None)
    if args.data and is_idx_path(args.data):
        return _load_idx(args.data, labels)
    if labels:
        raise CliError("--labels is for MNIST idx files (--data ...-images-idx3-ubyte[.gz]); "
                       "a CSV file names its label column with --target")
    if args.data:
        data = read_data_file(args.data, csv_target(args), header=getattr(args, "header", None))
        if data.y is None:
            if args.data.lower().endswith(".csv"):
                raise CliError(f"{args.data}: no labels; give --target with the label column "
                               f"({describe_csv_columns(args.data)})")
            raise CliError(f"{args.data}: no labels; store an array 'y' in the NPZ file")
        return TrainingData(data.X, data.y, args.data, data.scaling, None, data.feature_names)
    if DATASETS[args.dataset].needs_directory:
        if not mnist_dir:
            raise CliError(f"--dataset {args.dataset} reads the official idx files from a "
                           "directory: give --mnist-dir DIR (nothing is downloaded)")
        return _load_idx(mnist_dir, None, f"{args.dataset} ({mnist_dir})")
    if mnist_dir:
        raise CliError("--mnist-dir is for --dataset mnist")
    X, y, scaling = load_raw_dataset(args.dataset)
    return TrainingData(X, y, args.dataset, scaling)


def load_prediction_data(args):
    """``(X, y)`` of :func:`read_prediction_data` (same parameters and errors)."""
    data = read_prediction_data(args)
    return data.X, data.y


def read_prediction_data(args) -> PredictionData:
    """Load the features (optional labels, and column names) of ``predict --data``.

    The file follows the rules of :func:`tfgraph_dnn.data.files.load_file`, as
    for ``train``, or is an MNIST idx images file (its labels used when found
    beside it) or directory (its test files); a ``--target`` column the file
    lacks only means that there are no labels to score.  ``--out`` is checked
    first, so that a bad output path fails before TensorFlow is imported and
    the input is never overwritten.

    Parameters
    ----------
    args : argparse.Namespace
        With ``data``, ``target`` and ``out``.

    Returns
    -------
    PredictionData
        ``X`` (n_samples, n_features), float32 and raw; ``y`` or ``None``;
        ``feature_names`` (a CSV header without the target) or ``None``.

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
    if is_idx_path(args.data):
        return PredictionData(*_prediction_idx(args.data))
    data = read_data_file(args.data, csv_target(args), require_target=False,
                          header=getattr(args, "header", None))
    return PredictionData(data.X, data.y, data.feature_names)


def _prediction_idx(path: str):
    """Raw pixels (and labels, when there are any) of an idx file or directory to predict."""
    from ..data.idx import IMAGES_MAGIC, find_labels_file, read_idx

    if os.path.isdir(path):
        return load_mnist_idx(path).test
    try:
        find_labels_file(path)
    except ValueError:  # images only: nothing to score
        images = read_idx(path, IMAGES_MAGIC)
        return images.reshape(len(images), -1).astype(np.float32), None
    data = load_mnist_idx(path)
    return data.X, data.y
