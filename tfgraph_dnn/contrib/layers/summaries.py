"""Contrib summary helpers: ``summarize_tensor(s)``, ``summarize_activation(s)``, collections.

TF1 contrib wrote old-style ``ScalarSummary``/``HistogramSummary`` ops whose
tag is exactly the given tag (by default the tensor's op name), added them to
``GraphKeys.SUMMARIES`` and refused a tag already in use.  Activations get a
histogram tagged ``<op>/activation`` plus, after ReLU-like ops, the fraction
of zeros (``<op>/zeros``) and, after ReLU6, of saturated sixes (``<op>/sixes``).
"""
from __future__ import annotations

import functools
import re
from typing import Callable, List, Optional

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1

__all__ = [
    "assert_summary_tag_unique", "is_summary_tag_unique", "summarize_activation",
    "summarize_activations", "summarize_biases", "summarize_collection", "summarize_tensor",
    "summarize_tensors", "summarize_variables", "summarize_weights",
]


def is_summary_tag_unique(tag: str) -> bool:
    """Whether no summary in ``GraphKeys.SUMMARIES`` already uses ``tag``."""
    existing = []
    for summary in v1.get_collection(v1.GraphKeys.SUMMARIES):
        value = tf.get_static_value(summary.op.inputs[0]) if summary.op.inputs else None
        existing.append(value.tolist() if isinstance(value, np.ndarray) else value)
    return tag.encode() not in existing


def assert_summary_tag_unique(tag: str) -> None:
    """``ValueError`` naming ``tag`` if a summary already uses it."""
    if not is_summary_tag_unique(tag):
        raise ValueError(f"Conflict with summary tag: {tag} already exists")


def _collect(summary):
    v1.add_to_collection(v1.GraphKeys.SUMMARIES, summary)
    return summary


def _scalar_summary(tensor, tag: Optional[str] = None):
    tensor.shape.assert_has_rank(0)
    tag = tag or tensor.op.name
    assert_summary_tag_unique(tag)
    return _collect(tf.raw_ops.ScalarSummary(tags=tag, values=tensor, name=f"{tag}_summary"))


def _histogram_summary(tensor, tag: Optional[str] = None):
    tag = tag or tensor.op.name
    assert_summary_tag_unique(tag)
    return _collect(tf.raw_ops.HistogramSummary(tag=tag, values=tensor, name=f"{tag}_summary"))


def _fraction(condition):
    return tf.reduce_mean(tf.cast(condition, tf.float32))


def summarize_activation(op):
    """Histogram of an activation tensor (plus zero/six fractions after ReLU-like ops).

    Parameters
    ----------
    op : Tensor
        A layer's activation.

    Returns
    -------
    The histogram summary op.
    """
    pre = op.op.inputs[0] if op.op.inputs else None
    if op.op.type in ("Relu", "Softplus", "Relu6"):
        _scalar_summary(_fraction(tf.less(pre, tf.cast(0.0, pre.dtype))),
                        f"{op.op.name}/zeros")
    if op.op.type == "Relu6":
        _scalar_summary(_fraction(tf.greater(pre, tf.cast(6.0, pre.dtype))),
                        f"{op.op.name}/sixes")
    return _histogram_summary(op, f"{op.op.name}/activation")


def summarize_tensor(tensor, tag: Optional[str] = None):
    """A scalar summary for a scalar, a histogram otherwise; ``None`` for string/bool tensors."""
    if tensor.dtype.base_dtype in (tf.string, tf.bool):
        return None
    if tensor.shape.rank == 0:
        return _scalar_summary(tensor, tag)
    return _histogram_summary(tensor, tag)


def summarize_tensors(tensors, summarizer: Callable = summarize_tensor) -> List:
    """``[summarizer(t) for t in tensors]``."""
    return [summarizer(tensor) for tensor in tensors]


def summarize_collection(collection: str, name_filter: Optional[str] = None,
                         summarizer: Callable = summarize_tensor) -> List:
    """Summarize the tensors of a collection whose op names match ``name_filter`` (a regex)."""
    tensors = [t for t in v1.get_collection(collection)
               if name_filter is None or re.match(name_filter, t.op.name)]
    return summarize_tensors(tensors, summarizer)


summarize_variables = functools.partial(summarize_collection, v1.GraphKeys.GLOBAL_VARIABLES)
summarize_weights = functools.partial(summarize_collection, v1.GraphKeys.WEIGHTS)
summarize_biases = functools.partial(summarize_collection, v1.GraphKeys.BIASES)


def summarize_activations(name_filter: Optional[str] = None,
                          summarizer: Callable = summarize_activation) -> List:
    """Summarize the ``GraphKeys.ACTIVATIONS`` collection with :func:`summarize_activation`."""
    return summarize_collection(v1.GraphKeys.ACTIVATIONS, name_filter, summarizer)
