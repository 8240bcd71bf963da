"""Weight penalties of the chapter: l1/l2 terms of the loss and max-norm clipping (room: ``model``).

:func:`regularization_loss` is the estimator's penalty, ``l1 * sum|w| + l2 *
sum(w**2) / 2`` with knob-held scales; :func:`max_norm_regularizer` and
:func:`max_norm_ops` are the chapter's TF1-style max-norm (clipping ops in a
collection, run after each training step).  TF1 contrib's
``l1_regularizer`` / ``l2_regularizer`` are :mod:`tfgraph_dnn.layers.regularizers`.
"""
from __future__ import annotations

from typing import Callable, List, Optional, Sequence

from .. import _tf  # noqa: F401  (TensorFlow, imported quietly: see _tf)
import tensorflow as tf

from .spec import NetworkSpec

v1 = tf.compat.v1

__all__ = ["MAX_NORM_COLLECTION", "max_norm_ops", "max_norm_regularizer", "regularization_loss"]

MAX_NORM_COLLECTION = "max_norm"


def regularization_loss(spec: NetworkSpec, knobs: dict,
                        kernels: Sequence[tf.Variable]) -> Optional[tf.Tensor]:
    """``l1 * sum|w| + l2 * sum(w**2) / 2`` over ``kernels`` (None without penalties)."""
    terms = []
    with v1.name_scope("regularization"):
        for kernel in kernels:
            if "l1" in knobs:
                terms.append(knobs["l1"] * tf.reduce_sum(tf.abs(kernel)))
            if "l2" in knobs:
                terms.append(knobs["l2"] * tf.nn.l2_loss(kernel))
        return tf.add_n(terms) if terms else None


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
