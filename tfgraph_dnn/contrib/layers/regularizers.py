"""Weight regularizers of TF1's ``tf.contrib.layers``.

A regularizer is ``fn(weights) -> scalar Tensor or None``.  Passed to a layer
(``weights_regularizer=...``) it runs once per created variable and its loss
joins ``GraphKeys.REGULARIZATION_LOSSES``.  :func:`apply_regularization` sums
a regularizer over a list of weights (by default the ``GraphKeys.WEIGHTS``
collection, which layers only fill when given ``variables_collections``) and
adds that sum to ``REGULARIZATION_LOSSES`` too.

Differences with :mod:`tfgraph_dnn.layers.regularizers` that follow TF1
contrib: ``scale`` may be a tensor, ``sum_regularizer`` of nothing is ``None``,
and ``l1_l2_regularizer`` is a ``sum_regularizer`` named ``l1_l2_regularizer``.
"""
from __future__ import annotations

import logging
import numbers
from typing import Callable, Optional, Sequence

import tensorflow as tf

v1 = tf.compat.v1
_LOG = logging.getLogger(__name__)

__all__ = ["apply_regularization", "l1_l2_regularizer", "l1_regularizer", "l2_regularizer",
           "sum_regularizer"]


def _check_scale(scale, what: str) -> bool:
    """Validate a scale; return True when it is a number equal to zero (regularizer disabled)."""
    if isinstance(scale, numbers.Integral):
        raise ValueError(f"{what}: scale cannot be an integer, got {scale!r}; use a float")
    if isinstance(scale, numbers.Real):
        if scale < 0.0:
            raise ValueError(f"{what}: scale must be >= 0, got {scale!r}")
        if scale == 0.0:
            _LOG.info("Scale of 0 disables regularizer.")
            return True
    elif not isinstance(scale, (tf.Tensor, tf.Variable)):
        raise ValueError(f"{what}: scale must be a float or a scalar tensor, got {scale!r}")
    return False


def _scaled(scale, weights, penalty_fn: Callable, scope: Optional[str], default_name: str):
    with v1.name_scope(scope, default_name, [weights]) as name:
        factor = tf.convert_to_tensor(scale, dtype=weights.dtype.base_dtype, name="scale")
        return tf.multiply(factor, penalty_fn(weights), name=name)


def l1_regularizer(scale, scope: Optional[str] = None) -> Callable:
    """``scale * sum(|w|)``.

    Parameters
    ----------
    scale : float or scalar Tensor
        Multiplier; ``0.0`` returns a regularizer that adds nothing.
    scope : str, optional
        Name of the loss op (default ``'l1_regularizer'``).

    Raises
    ------
    ValueError
        If ``scale`` is an integer or negative.
    """
    if _check_scale(scale, "l1_regularizer"):
        return lambda _: None

    def l1(weights, name=None):
        return _scaled(scale, weights, lambda w: tf.reduce_sum(tf.abs(w)), scope,
                       "l1_regularizer")

    return l1


def l2_regularizer(scale, scope: Optional[str] = None) -> Callable:
    """``scale * sum(w ** 2) / 2`` (``tf.nn.l2_loss``).

    Parameters
    ----------
    scale : float or scalar Tensor
        Multiplier; ``0.0`` returns a regularizer that adds nothing.
    scope : str, optional
        Name of the loss op (default ``'l2_regularizer'``).

    Raises
    ------
    ValueError
        If ``scale`` is an integer or negative.
    """
    if _check_scale(scale, "l2_regularizer"):
        return lambda _: None

    def l2(weights):
        return _scaled(scale, weights, tf.nn.l2_loss, scope, "l2_regularizer")

    return l2


def sum_regularizer(regularizer_list: Sequence[Optional[Callable]],
                    scope: Optional[str] = None) -> Optional[Callable]:
    """A regularizer returning the sum of ``regularizer_list``'s losses.

    ``None`` entries are dropped; if none is left the result is ``None``
    (no regularizer), as in TF1.
    """
    regularizer_list = [reg for reg in regularizer_list if reg is not None]
    if not regularizer_list:
        return None

    def sum_reg(weights):
        with v1.name_scope(scope, "sum_regularizer", [weights]) as name:
            losses = [reg(weights) for reg in regularizer_list]
            losses = [loss for loss in losses if loss is not None]
            if not losses:
                return None
            return tf.add_n(losses, name=name)

    return sum_reg


def l1_l2_regularizer(scale_l1=1.0, scale_l2=1.0, scope: Optional[str] = None) -> Callable:
    """``l1_regularizer(scale_l1) + l2_regularizer(scale_l2)``, named ``l1_l2_regularizer``."""
    return sum_regularizer([l1_regularizer(scale_l1), l2_regularizer(scale_l2)],
                           scope=scope or "l1_l2_regularizer")


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
