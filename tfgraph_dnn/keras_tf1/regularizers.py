"""``tf.keras.regularizers``: ``l1``, ``l2``, ``l1_l2`` with Keras' formula.  Room: ``keras_tf1``.

Keras penalizes ``l2 * sum(x ** 2)`` (no one-half, unlike ``tf.nn.l2_loss`` and
``tf.contrib.layers.l2_regularizer``) and ``l1 * sum(|x|)``; default strength 0.01.
"""
from __future__ import annotations

from typing import Callable, Optional, Union

import tensorflow as tf


class Regularizer:
    """Base class: a callable from a weight tensor to a scalar loss."""

    def __call__(self, x):
        return 0.0


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x ** 2)``."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        terms = []
        if self.l1:
            terms.append(self.l1 * tf.reduce_sum(tf.abs(x)))
        if self.l2:
            terms.append(self.l2 * tf.reduce_sum(tf.square(x)))
        if not terms:
            return tf.constant(0.0, dtype=x.dtype.base_dtype)
        return terms[0] if len(terms) == 1 else tf.add_n(terms)

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


def l1(l: float = 0.01) -> L1L2:  # noqa: E741  (Keras' own parameter name)
    """``L1L2(l1=l)``."""
    return L1L2(l1=l)


def l2(l: float = 0.01) -> L1L2:  # noqa: E741
    """``L1L2(l2=l)``."""
    return L1L2(l2=l)


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:  # noqa: F811
    """``L1L2(l1, l2)``."""
    return L1L2(l1=l1, l2=l2)


_BY_NAME = {"l1": l1, "l2": l2, "l1_l2": l1_l2}


def get(identifier: Union[str, Callable, None]) -> Optional[Callable]:
    """A name (``'l2'`` = ``l2(0.01)``), a callable, or ``None``.

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    raise ValueError(f"Unknown regularizer: {identifier!r} (known: {sorted(_BY_NAME)})")
