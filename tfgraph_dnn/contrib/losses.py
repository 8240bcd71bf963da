"""``tfgraph_dnn.contrib.losses``: TF1's ``tf.contrib.losses`` (also ``slim.losses``).

``tf.contrib.losses`` predates ``tf.losses`` and puts the *model output first*:
``softmax_cross_entropy(logits, onehot_labels)``,
``mean_squared_error(predictions, labels)`` — the reverse of
``tf.losses.softmax_cross_entropy(onehot_labels, logits)``.  Slim code
(``slim.losses.sparse_softmax_cross_entropy(logits, labels)``) depends on that
order, so these functions keep it and call ``tf.compat.v1.losses`` underneath
wherever the arithmetic is the same.

Contrib's reduction, kept here: the weighted sum of the per-element losses
divided by the number of elements with a non-zero weight.  ``weights`` may be a
scalar, ``[batch_size]`` (or ``[batch_size, 1]``), or the losses' own shape; a
``[batch_size]`` weight applies to every element of its example, however many
dimensions the loss has (``tf.losses`` would broadcast it over the *last*
axis instead).  Every loss except :func:`hinge_loss` (unweighted and unreduced,
as in contrib) is added to ``GraphKeys.LOSSES``, so :func:`get_total_loss`
sums them with the regularization losses.  Build inside a graph
(``tfgraph_dnn.tf1`` or ``with tf.Graph().as_default():``).

Not provided: ``metric_learning`` (triplet / contrastive / n-pairs losses).
"""
from __future__ import annotations

from typing import Optional

import tensorflow as tf

from ._loss_collection import (LOSSES, add_loss, get_losses,  # noqa: F401 (LOSSES)
                               get_regularization_losses,
                               get_total_loss)

__all__ = [
    "absolute_difference", "add_loss", "compute_weighted_loss", "cosine_distance",
    "get_losses", "get_regularization_losses", "get_total_loss", "hinge_loss", "log_loss",
    "mean_pairwise_squared_error", "mean_squared_error", "sigmoid_cross_entropy",
    "softmax_cross_entropy", "sparse_softmax_cross_entropy",
]

_v1 = tf.compat.v1

_NOT_PROVIDED = {
    "metric_learning": ("tf.contrib.losses.metric_learning (triplet, contrastive, lifted-struct "
                        "and n-pairs losses) is not provided by tfgraph_dnn"),
}


def __getattr__(name: str):
    if name in _NOT_PROVIDED:
        raise AttributeError(_NOT_PROVIDED[name])
    raise AttributeError(f"tf.contrib.losses.{name} is not provided by tfgraph_dnn "
                         f"(provided: {', '.join(__all__)})")


def _require(value, what: str, function: str) -> None:
    if value is None:
        raise ValueError(f"{function}: {what} must be given (it defaults to None only "
                         "for TF1's argument order)")


def _contrib_weights(weights, losses_rank: Optional[int]) -> tf.Tensor:
    """``weights`` as float32, shaped to broadcast over losses of rank ``losses_rank``.

    Contrib's rule: a trailing size-1 dimension is squeezed, then a weight of
    lower rank applies to all trailing dimensions of the losses.
    """
    weights = tf.cast(tf.convert_to_tensor(weights), tf.float32)
    rank = weights.shape.ndims
    if rank is None:
        raise ValueError("weights.get_shape().ndims cannot be None")
    if rank > 1 and weights.shape.dims[-1].is_compatible_with(1):
        weights = tf.squeeze(weights, [-1])
        rank -= 1
    if rank == 0:
        return weights
    if losses_rank is None:
        raise ValueError("the losses' rank must be known to apply non-scalar weights")
    for _ in range(losses_rank - rank):
        weights = tf.expand_dims(weights, -1)
    return weights


def _rank(tensor) -> Optional[int]:
    return tf.convert_to_tensor(tensor).shape.ndims


def compute_weighted_loss(losses, weights=1.0, scope: Optional[str] = None) -> tf.Tensor:
    """The weighted mean of ``losses`` over the elements with a non-zero weight.

    Parameters
    ----------
    losses : Tensor
        ``[batch_size, d1, ... dN]``, rank known.
    weights : float or Tensor, default=1.0
        Scalar, ``[batch_size]``, ``[batch_size, 1]`` or ``[batch_size, d1, ... dK]``
        (``K <= N``); a lower-rank weight covers all trailing dimensions.
    scope : str, optional
        Name scope (default ``weighted_loss``).

    Returns
    -------
    Tensor
        A scalar of ``losses``' dtype, also added to ``GraphKeys.LOSSES``;
        0 when all weights are zero.
    """
    with _v1.name_scope(scope, "weighted_loss", [losses, weights]) as scope:
        losses = tf.convert_to_tensor(losses)
        if losses.shape.ndims is None:
            raise ValueError("losses.get_shape().ndims cannot be None")
        weights = _contrib_weights(weights, losses.shape.ndims)
        return _v1.losses.compute_weighted_loss(losses, weights, scope=scope)


def absolute_difference(predictions, labels=None, weights=1.0,
                        scope: Optional[str] = None) -> tf.Tensor:
    """Weighted mean of ``|predictions - labels|`` (contrib order: predictions first).

    Parameters
    ----------
    predictions, labels : Tensor
        Same shape.
    weights : float or Tensor, default=1.0
        See :func:`compute_weighted_loss`.
    scope : str, optional

    Returns
    -------
    Tensor
        Scalar loss, added to ``GraphKeys.LOSSES``.
    """
    _require(labels, "labels", "absolute_difference")
    weights = _contrib_weights(weights, _rank(predictions))
    return _v1.losses.absolute_difference(labels, predictions, weights, scope=scope)


def mean_squared_error(predictions, labels=None, weights=1.0,
                       scope: Optional[str] = None) -> tf.Tensor:
    """Weighted mean of ``(predictions - labels) ** 2`` (contrib order: predictions first).

    Parameters
    ----------
    predictions, labels : Tensor
        Same shape.
    weights : float or Tensor, default=1.0
        See :func:`compute_weighted_loss`.
    scope : str, optional

    Returns
    -------
    Tensor
        Scalar loss, added to ``GraphKeys.LOSSES``.
    """
    _require(labels, "labels", "mean_squared_error")
    weights = _contrib_weights(weights, _rank(predictions))
    return _v1.losses.mean_squared_error(labels, predictions, weights, scope=scope)


def log_loss(predictions, labels=None, weights=1.0, epsilon: float = 1e-7,
             scope: Optional[str] = None) -> tf.Tensor:
    """Weighted mean of ``-l log(p + eps) - (1 - l) log(1 - p + eps)``.

    Parameters
    ----------
    predictions : Tensor
        Probabilities in [0, 1].
    labels : Tensor
        Same shape, 0/1 (or soft) targets.
    weights : float or Tensor, default=1.0
        See :func:`compute_weighted_loss`.
    epsilon : float, default=1e-7
        Added inside both logarithms.
    scope : str, optional

    Returns
    -------
    Tensor
        Scalar loss, added to ``GraphKeys.LOSSES``.
    """
    _require(labels, "labels", "log_loss")
    weights = _contrib_weights(weights, _rank(predictions))
    return _v1.losses.log_loss(labels, predictions, weights, epsilon=epsilon, scope=scope)


def sigmoid_cross_entropy(logits, multi_class_labels, weights=1.0, label_smoothing: float = 0,
                          scope: Optional[str] = None) -> tf.Tensor:
    """Weighted mean sigmoid cross-entropy (contrib order: logits first).

    Parameters
    ----------
    logits : Tensor
        ``[batch_size, num_classes]``.
    multi_class_labels : Tensor
        Same shape, in [0, 1].
    weights : float or Tensor, default=1.0
        Scalar, ``[batch_size]`` or ``[batch_size, num_classes]``.
    label_smoothing : float, default=0
        If > 0, labels become ``labels * (1 - label_smoothing) + 0.5 * label_smoothing``.
    scope : str, optional

    Returns
    -------
    Tensor
        Scalar loss, added to ``GraphKeys.LOSSES``.
    """
    weights = _contrib_weights(weights, _rank(logits))
    return _v1.losses.sigmoid_cross_entropy(multi_class_labels, logits, weights,
                                            label_smoothing=label_smoothing, scope=scope)


def softmax_cross_entropy(logits, onehot_labels, weights=1.0, label_smoothing: float = 0,
                          scope: Optional[str] = None) -> tf.Tensor:
    """Weighted mean softmax cross-entropy (contrib order: logits first).

    Parameters
    ----------
    logits : Tensor
        ``[batch_size, num_classes]``.
    onehot_labels : Tensor
        Same shape, one-hot (or a distribution).
    weights : float or Tensor, default=1.0
        Scalar, ``[batch_size]`` or ``[batch_size, 1]`` (one weight per example).
    label_smoothing : float, default=0
        If > 0, labels become ``labels * (1 - label_smoothing) + label_smoothing / num_classes``.
    scope : str, optional

    Returns
    -------
    Tensor
        Scalar loss, added to ``GraphKeys.LOSSES``.
    """
    weights = _contrib_weights(weights, 1)
    return _v1.losses.softmax_cross_entropy(onehot_labels, logits, weights,
                                            label_smoothing=label_smoothing, scope=scope)


def sparse_softmax_cross_entropy(logits, labels, weights=1.0,
                                 scope: Optional[str] = None) -> tf.Tensor:
    """Weighted mean softmax cross-entropy with integer labels (contrib order: logits first).

    Parameters
    ----------
    logits : Tensor
        ``[batch_size, num_classes]``.
    labels : Tensor
        ``[batch_size]`` or ``[batch_size, 1]`` class ids (int32/int64).
    weights : float or Tensor, default=1.0
        Scalar, ``[batch_size]`` or ``[batch_size, 1]``.
    scope : str, optional

    Returns
    -------
    Tensor
        Scalar loss, added to ``GraphKeys.LOSSES``.
    """
    labels = tf.convert_to_tensor(labels)
    labels = tf.reshape(labels, [tf.shape(labels)[0]])
    weights = _contrib_weights(weights, 1)
    return _v1.losses.sparse_softmax_cross_entropy(labels, logits, weights, scope=scope)


def hinge_loss(logits, labels=None, scope: Optional[str] = None) -> tf.Tensor:
    """Element-wise hinge loss ``max(0, 1 - (2 labels - 1) * logits)``, unreduced.

    As in contrib it is neither weighted, reduced nor added to ``GraphKeys.LOSSES``.

    Parameters
    ----------
    logits : Tensor
    labels : Tensor
        Same shape, 0/1.
    scope : str, optional

    Returns
    -------
    Tensor
        Same shape as ``logits``.
    """
    _require(labels, "labels", "hinge_loss")
    with _v1.name_scope(scope, "hinge_loss", [logits, labels]):
        logits = tf.convert_to_tensor(logits)
        labels = tf.cast(labels, logits.dtype)
        logits.shape.assert_is_compatible_with(labels.shape)
        signs = 2.0 * labels - 1.0
        return tf.nn.relu(1.0 - signs * logits)


def cosine_distance(predictions, labels=None, axis: Optional[int] = None, weights=1.0,
                    scope: Optional[str] = None, dim: Optional[int] = None) -> tf.Tensor:
    """Weighted mean of ``1 - sum(predictions * labels, axis)`` (inputs unit-normalized).

    Parameters
    ----------
    predictions, labels : Tensor
        Same shape, already unit-normalized along ``axis``.
    axis : int
        The dimension the cosine is taken along (required).
    weights : float or Tensor, default=1.0
        Scalar, ``[batch_size]`` or the shape of the losses (``axis`` removed).
    scope : str, optional
    dim : int, optional
        TF1's deprecated name of ``axis``.

    Returns
    -------
    Tensor
        Scalar loss, added to ``GraphKeys.LOSSES``.
    """
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    if axis is None:
        raise ValueError("`axis` and `dim` cannot both be None.")
    _require(labels, "labels", "cosine_distance")
    with _v1.name_scope(scope, "cosine_distance_loss", [predictions, labels, weights]) as scope:
        predictions = tf.cast(predictions, tf.float32)
        labels = tf.cast(labels, tf.float32)
        predictions.shape.assert_is_compatible_with(labels.shape)
        losses = 1.0 - tf.reduce_sum(predictions * labels, axis=[axis])
        return compute_weighted_loss(losses, weights, scope=scope)


def _safe_div(numerator: tf.Tensor, denominator: tf.Tensor) -> tf.Tensor:
    """``numerator / denominator``, 0 where the denominator is 0."""
    safe = tf.where(tf.equal(denominator, 0.0), tf.ones_like(denominator), denominator)
    return tf.where(denominator > 0.0, numerator / safe, tf.zeros_like(numerator))


def mean_pairwise_squared_error(predictions, labels=None, weights=1.0,
                                scope: Optional[str] = None) -> tf.Tensor:
    """Contrib's pairwise squared error: per example, the mean over all ordered pairs.

    For an example with differences ``d = predictions - labels`` over its
    ``n`` elements the loss is ``2 sum(d**2) / n - 2 sum(d)**2 / n**2`` (the
    mean of ``(d_j - d_k)**2`` over all ``n**2`` pairs); the result is the
    *sum* over the batch of these per-example values times their weight —
    contrib's arithmetic, which differs from ``tf.losses`` (``n - 1``
    denominators).

    Parameters
    ----------
    predictions, labels : Tensor
        ``[batch_size, d0, ... dN]``, same shape, rank known.
    weights : float or Tensor, default=1.0
        Scalar or ``[batch_size]`` (``[batch_size, 1]`` too); an example with
        weight 0 counts no elements.
    scope : str, optional

    Returns
    -------
    Tensor
        Scalar float32 loss, added to ``GraphKeys.LOSSES``.
    """
    _require(labels, "labels", "mean_pairwise_squared_error")
    with _v1.name_scope(scope, "mean_pairwise_squared_error",
                        [predictions, labels, weights]):
        predictions = tf.cast(predictions, tf.float32)
        labels = tf.cast(labels, tf.float32)
        predictions.shape.assert_is_compatible_with(labels.shape)
        diffs = predictions - labels
        if diffs.shape.ndims is None:
            raise ValueError("diffs.get_shape().ndims cannot be None")
        weights = _contrib_weights(weights, 1)
        if weights.shape.ndims > 1:
            raise ValueError("mean_pairwise_squared_error: weights must be a scalar or "
                             f"[batch_size], got shape {weights.shape}")
        axes = list(range(1, diffs.shape.ndims))
        per_example = tf.cast(tf.reduce_prod(tf.shape(diffs)[1:]), tf.float32)
        present = tf.where(tf.equal(weights, 0.0), tf.zeros_like(weights),
                           tf.ones_like(weights)) * per_example
        present = present * tf.ones([tf.shape(diffs)[0]])  # [batch_size] for a scalar too
        term1 = 2.0 * _safe_div(tf.reduce_sum(tf.square(diffs), axes), present)
        term2 = 2.0 * _safe_div(tf.square(tf.reduce_sum(diffs, axes)), tf.square(present))
        loss = tf.reduce_sum((term1 - term2) * weights)
        mean_loss = tf.where(tf.reduce_sum(present) > 0.0, loss, tf.zeros_like(loss),
                             name="value")
        add_loss(mean_loss)
        return mean_loss
