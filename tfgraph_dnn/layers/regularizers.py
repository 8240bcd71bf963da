"""Weight regularizers (room: ``layers``; builds ops, touches graph collections).

``l1_regularizer`` / ``l2_regularizer`` / ``l1_l2_regularizer`` behave like
TF1 contrib layers': passed as ``kernel_regularizer`` their loss lands in
``GraphKeys.REGULARIZATION_LOSSES``.  ``max_norm_regularizer`` is the chapter's
trick: it returns no loss but adds a ``clip_by_norm`` assign op to a collection
that the training loop runs after every step (:func:`max_norm_ops`).
"""
from __future__ import annotations

import numbers
from typing import Callable, List, Optional

import tensorflow as tf

v1 = tf.compat.v1

MAX_NORM_COLLECTION = "max_norm"


def _check_scale(scale, what: str) -> float:
    if isinstance(scale, numbers.Integral) and not isinstance(scale, bool):
        raise ValueError(f"{what}: scale must be a float, got the integer {scale!r}")
    if not isinstance(scale, numbers.Real) or scale < 0.0:
        raise ValueError(f"{what}: scale must be a non-negative float, got {scale!r}")
    return float(scale)


def l1_regularizer(scale: float, scope: Optional[str] = None) -> Callable:
    """``scale * sum(|w|)``; a zero scale returns a regularizer that adds nothing."""
    scale = _check_scale(scale, "l1_regularizer")
    if scale == 0.0:
        return lambda weights: None

    def l1(weights):
        with v1.name_scope(scope, "l1_regularizer", [weights]) as name:
            factor = tf.constant(scale, dtype=weights.dtype.base_dtype)
            return tf.multiply(factor, tf.reduce_sum(tf.abs(weights)), name=name)

    return l1


def l2_regularizer(scale: float, scope: Optional[str] = None) -> Callable:
    """``scale * sum(w**2) / 2`` (``tf.nn.l2_loss``), as TF1 contrib did."""
    scale = _check_scale(scale, "l2_regularizer")
    if scale == 0.0:
        return lambda weights: None

    def l2(weights):
        with v1.name_scope(scope, "l2_regularizer", [weights]) as name:
            factor = tf.constant(scale, dtype=weights.dtype.base_dtype)
            return tf.multiply(factor, tf.nn.l2_loss(weights), name=name)

    return l2


def l1_l2_regularizer(scale_l1: float = 1.0, scale_l2: float = 1.0,
                      scope: Optional[str] = None) -> Callable:
    """Sum of an l1 and an l2 regularizer."""
    parts = [l1_regularizer(scale_l1), l2_regularizer(scale_l2)]

    def l1_l2(weights):
        with v1.name_scope(scope, "l1_l2_regularizer", [weights]) as name:
            losses = [loss for loss in (p(weights) for p in parts) if loss is not None]
            if not losses:
                return None
            return tf.add_n(losses, name=name)

    return l1_l2


def max_norm_regularizer(threshold: float, axes: int = 1, name: str = "max_norm",
                         collection: str = MAX_NORM_COLLECTION) -> Callable:
    """Max-norm "regularizer": clip each weight vector's l2 norm to ``threshold``.

    It returns no loss; it adds ``assign(w, clip_by_norm(w, threshold, axes))``
    to ``collection``.  Run :func:`max_norm_ops` after every training step.
    With ``axes=1`` (a dense kernel of shape ``(n_in, n_out)``) each row,
    i.e. the outgoing weights of one input unit, is clipped, as in the chapter.
    """
    if not threshold > 0:
        raise ValueError(f"max_norm_regularizer: threshold must be > 0, got {threshold!r}")

    clipped_variables = set()

    def max_norm(weights):
        # get_variable may call a regularizer more than once per variable (TF >= 2.x
        # evaluates it lazily): add one clipping op per variable, not per call.
        key = (id(weights.graph), weights.name)
        if key in clipped_variables:
            return None
        clipped_variables.add(key)
        clipped = tf.clip_by_norm(weights, clip_norm=threshold, axes=axes)
        clip_weights = v1.assign(weights, clipped, name=name)
        v1.add_to_collection(collection, clip_weights)
        return None  # no regularization loss term

    return max_norm


def max_norm_ops(collection: str = MAX_NORM_COLLECTION, graph: Optional[tf.Graph] = None) -> List:
    """The clipping ops to run after each training step (empty if none)."""
    graph = graph or v1.get_default_graph()
    return graph.get_collection(collection)
