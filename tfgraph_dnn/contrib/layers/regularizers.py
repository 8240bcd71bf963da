"""Weight regularizers of TF1's ``tf.contrib.layers``.

A regularizer is ``fn(weights) -> scalar Tensor or None``.  Passed to a layer
(``weights_regularizer=...``) it runs once per created variable and its loss
joins ``GraphKeys.REGULARIZATION_LOSSES``.  :func:`apply_regularization` sums
a regularizer over a list of weights (by default the ``GraphKeys.WEIGHTS``
collection, which layers only fill when given ``variables_collections``) and
adds that sum to ``REGULARIZATION_LOSSES`` too.  The regularizers themselves
are :mod:`tfgraph_dnn.layers.regularizers`' (one implementation).
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import tensorflow as tf

# One implementation, TF1 contrib's rules: tf.layers users passed these very functions.
from ...layers.regularizers import (
    l1_l2_regularizer,
    l1_regularizer,
    l2_regularizer,
    sum_regularizer,
)

v1 = tf.compat.v1

__all__ = ["apply_regularization", "l1_l2_regularizer", "l1_regularizer", "l2_regularizer",
           "sum_regularizer"]


def apply_regularization(regularizer: Callable, weights_list: Optional[Sequence] = None):
    """Sum ``regularizer`` over ``weights_list`` and add it to ``REGULARIZATION_LOSSES``.

    Parameters
    ----------
    regularizer : callable
        ``fn(weights) -> scalar Tensor or None``; ``None`` counts as 0.
    weights_list : list of Tensors or Variables, optional
        Defaults to the ``GraphKeys.WEIGHTS`` collection.

    Returns
    -------
    Tensor
        The scalar total penalty, named ``get_regularization_penalty``.

    Raises
    ------
    ValueError
        If there are no weights, or the regularizer returns a non-scalar.
    """
    if not callable(regularizer):
        raise TypeError(f"apply_regularization: regularizer must be callable, got "
                        f"{regularizer!r}")
    if not weights_list:
        weights_list = v1.get_collection(v1.GraphKeys.WEIGHTS)
    if not weights_list:
        raise ValueError("apply_regularization: no weights to regularize (weights_list is "
                         "empty and so is the GraphKeys.WEIGHTS collection)")
    with v1.name_scope("get_regularization_penalty", values=weights_list) as scope:
        penalties = []
        for weights in weights_list:
            penalty = regularizer(weights)
            penalty = tf.constant(0.0) if penalty is None else penalty
            if penalty.shape.rank != 0:
                raise ValueError("apply_regularization: regularizer must return a scalar, "
                                 f"got a tensor of shape {penalty.shape}")
            penalties.append(penalty)
        total = tf.add_n(penalties, name=scope)
    v1.add_to_collection(v1.GraphKeys.REGULARIZATION_LOSSES, total)
    return total
