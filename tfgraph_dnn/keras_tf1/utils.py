"""``tf.keras.utils`` helpers TF1 programs used: ``to_categorical``, ``normalize``.

Room: ``keras_tf1``; NumPy only.
"""
from __future__ import annotations

from typing import Optional

import numpy as np


def to_categorical(y, num_classes: Optional[int] = None, dtype: str = "float32") -> np.ndarray:
    """One-hot encode integer labels (a trailing axis of size 1 is dropped first).

    Raises
    ------
    ValueError
        If a label is negative or not below ``num_classes``.
    """
    y = np.array(y, dtype="int")
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    y = y.ravel()
    if y.size and y.min() < 0:
        raise ValueError(f"to_categorical: labels must be non-negative, got {y.min()}")
    if num_classes is None:
        num_classes = int(np.max(y)) + 1 if y.size else 0
    if y.size and y.max() >= num_classes:
        raise ValueError(f"to_categorical: label {y.max()} is out of range for "
                         f"num_classes={num_classes}")
    categorical = np.zeros((y.shape[0], num_classes), dtype=dtype)
    categorical[np.arange(y.shape[0]), y] = 1
    return categorical.reshape(shape + (num_classes,))


def normalize(x, axis: int = -1, order: int = 2) -> np.ndarray:
    """``x`` divided by its ``order``-norm along ``axis`` (zero norms left as they are)."""
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
