"""``tfgraph_dnn.contrib.metrics``: TF1's ``tf.contrib.metrics`` (streaming metrics).

Contrib's streaming metrics put the *model output first* —
``streaming_accuracy(predictions, labels)``, ``streaming_auc(predictions, labels)`` —
the reverse of ``tf.metrics.accuracy(labels, predictions)``.  TF1 code (and
``tf.contrib.learn.MetricSpec``) depends on that order, so these functions keep it
and call ``tf.compat.v1.metrics`` underneath wherever the arithmetic is the same.
:func:`confusion_matrix` is the exception, as in TF 1.15: labels first.

Each ``streaming_*`` function returns ``(value, update_op)``: run ``update_op`` once
per batch, then read ``value``.  Its state lives in local variables (collections
``LOCAL_VARIABLES`` and ``METRIC_VARIABLES``), so ``tf.local_variables_initializer()``
resets it.  Parameters shared by all of them:

weights : Tensor, optional
    Rank 0 or the rank of ``labels`` (broadcastable to it); 0 masks an entry.
metrics_collections, updates_collections : list of str, optional
    Collections that ``value`` / ``update_op`` are added to.
name : str, optional
    Variable scope of the metric's variables (each metric has its own default).

Build inside a graph (``tfgraph_dnn.tf1`` or ``with tf.Graph().as_default():``).
Not provided (reading them raises an ``AttributeError`` saying so):
``streaming_dynamic_auc``, ``streaming_curve_points``, ``auc_using_histogram``,
``auc_with_confidence_intervals``, ``cohen_kappa``, ``f1_score``, ``count``,
``precision_recall_at_equal_thresholds``, ``streaming_false_positive_rate`` & co.,
``streaming_true_positives_at_thresholds`` & co., ``recall_at_precision``,
``precision_at_recall``, ``streaming_sparse_average_precision_at_top_k``.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import tensorflow as tf

from ._metrics_extra import (  # noqa: F401  (no tf.metrics counterpart: own code)
    accuracy, aggregate_metric_map, aggregate_metrics, streaming_concat,
    streaming_covariance, streaming_pearson_correlation)

_v1 = tf.compat.v1
Metric = Tuple[tf.Tensor, tf.Tensor]
Collections = Optional[Sequence[str]]

__all__ = [
    "accuracy", "aggregate_metric_map", "aggregate_metrics", "confusion_matrix",
    "set_difference", "set_intersection", "set_size", "set_union", "streaming_accuracy",
    "streaming_auc", "streaming_concat", "streaming_covariance",
    "streaming_false_negatives", "streaming_false_positives", "streaming_mean",
    "streaming_mean_absolute_error", "streaming_mean_cosine_distance", "streaming_mean_iou",
    "streaming_mean_relative_error", "streaming_mean_squared_error", "streaming_mean_tensor",
    "streaming_pearson_correlation", "streaming_percentage_less", "streaming_precision",
    "streaming_precision_at_thresholds", "streaming_recall", "streaming_recall_at_k",
    "streaming_recall_at_thresholds", "streaming_root_mean_squared_error",
    "streaming_sensitivity_at_specificity", "streaming_sparse_average_precision_at_k",
    "streaming_sparse_precision_at_k", "streaming_sparse_precision_at_top_k",
    "streaming_sparse_recall_at_k", "streaming_specificity_at_sensitivity",
    "streaming_true_negatives", "streaming_true_positives",
]


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(f"tf.contrib.metrics.{name} is not provided by tfgraph_dnn "
                         "(tf.metrics, labels first, may have it; see "
                         "tfgraph_dnn.contrib.metrics.__all__)")


def __dir__():
    return list(__all__)


def _swap(metric, predictions, labels, weights, metrics_collections, updates_collections,
          name, **kwargs) -> Metric:
    """``tf.compat.v1.metrics.<metric>`` called with contrib's predictions-first arguments."""
    return getattr(_v1.metrics, metric)(
        labels=labels, predictions=predictions, weights=weights,
        metrics_collections=metrics_collections, updates_collections=updates_collections,
        name=name, **kwargs)


def _contrib_order(v1_name: str, **extra: str):
    """Complete a wrapper's one-line docstring with the shared numpydoc sections."""
    def decorate(function):
        params = "".join(f"    {key} : {kind}\n" for key, kind in extra.items())
        function.__doc__ = (
            f"{function.__doc__}\n\n    ``tf.metrics.{v1_name}`` with contrib's argument order: "
            "predictions first.\n\n    Parameters\n    ----------\n"
            f"    predictions, labels : Tensor\n{params}"
            "    weights, metrics_collections, updates_collections, name\n"
            "        See the module docstring.\n\n    Returns\n    -------\n"
            "    (value, update_op) : (Tensor, Tensor)\n")
        return function
    return decorate


def _pairwise(v1_name: str, doc: str):
    """``streaming_<v1_name>(predictions, labels, ...)``: ``tf.metrics.<v1_name>`` reordered."""
    def metric(predictions, labels, weights=None, metrics_collections: Collections = None,
               updates_collections: Collections = None, name: Optional[str] = None) -> Metric:
        return _swap(v1_name, predictions, labels, weights, metrics_collections,
                     updates_collections, name)

    metric.__name__ = metric.__qualname__ = f"streaming_{v1_name}"
    metric.__doc__ = doc
    return _contrib_order(v1_name)(metric)


streaming_accuracy = _pairwise("accuracy", "How often ``predictions`` equals ``labels``.")
streaming_precision = _pairwise(
    "precision", "Precision ``tp / (tp + fp)`` of boolean predictions.")
streaming_recall = _pairwise("recall", "Recall ``tp / (tp + fn)`` of boolean predictions.")
streaming_true_positives = _pairwise("true_positives", "Weighted count of true positives.")
streaming_true_negatives = _pairwise("true_negatives", "Weighted count of true negatives.")
streaming_false_positives = _pairwise("false_positives", "Weighted count of false positives.")
streaming_false_negatives = _pairwise("false_negatives", "Weighted count of false negatives.")
streaming_mean_absolute_error = _pairwise(
    "mean_absolute_error", "Mean of ``|predictions - labels|``.")
streaming_mean_squared_error = _pairwise(
    "mean_squared_error", "Mean of ``(predictions - labels) ** 2``.")
streaming_root_mean_squared_error = _pairwise(
    "root_mean_squared_error", "Square root of the streaming mean squared error.")


@_contrib_order("mean_relative_error", normalizer="Tensor, same shape as labels")
def streaming_mean_relative_error(predictions, labels, normalizer, weights=None,
                                  metrics_collections: Collections = None,
                                  updates_collections: Collections = None,
                                  name: Optional[str] = None) -> Metric:
    """Mean of ``|predictions - labels| / normalizer``."""
    return _swap("mean_relative_error", predictions, labels, weights, metrics_collections,
                 updates_collections, name, normalizer=normalizer)


@_contrib_order("mean_cosine_distance", dim="int, the axis of the cosine")
def streaming_mean_cosine_distance(predictions, labels, dim: int, weights=None,
                                   metrics_collections: Collections = None,
                                   updates_collections: Collections = None,
                                   name: Optional[str] = None) -> Metric:
    """``1 -`` the mean of ``sum(predictions * labels, dim)`` (unit-normalized inputs)."""
    return _swap("mean_cosine_distance", predictions, labels, weights, metrics_collections,
                 updates_collections, name, dim=dim)


@_contrib_order("auc", num_thresholds="int, default=200", curve="{'ROC', 'PR'}")
def streaming_auc(predictions, labels, weights=None, num_thresholds: int = 200,
                  metrics_collections: Collections = None,
                  updates_collections: Collections = None, curve: str = "ROC",
                  name: Optional[str] = None) -> Metric:
    """Area under the ROC or PR curve (trapezoidal rule over ``num_thresholds`` thresholds)."""
    return _swap("auc", predictions, labels, weights, metrics_collections,
                 updates_collections, name, num_thresholds=num_thresholds, curve=curve)


@_contrib_order("mean_iou", num_classes="int")
def streaming_mean_iou(predictions, labels, num_classes: int, weights=None,
                       metrics_collections: Collections = None,
                       updates_collections: Collections = None,
                       name: Optional[str] = None) -> Metric:
    """Mean intersection-over-union of class ids; ``update_op`` is the confusion matrix."""
    return _swap("mean_iou", predictions, labels, weights, metrics_collections,
                 updates_collections, name, num_classes=num_classes)


@_contrib_order("precision_at_k", k="int", class_id="int, optional")
def streaming_sparse_precision_at_k(predictions, labels, k: int, class_id: Optional[int] = None,
                                    weights=None, metrics_collections: Collections = None,
                                    updates_collections: Collections = None,
                                    name: Optional[str] = None) -> Metric:
    """Precision@k of ``[batch, num_classes]`` scores against int64 label ids (float64 value)."""
    return _swap("precision_at_k", predictions, labels, weights, metrics_collections,
                 updates_collections, name, k=k, class_id=class_id)


@_contrib_order("recall_at_k", k="int", class_id="int, optional")
def streaming_sparse_recall_at_k(predictions, labels, k: int, class_id: Optional[int] = None,
                                 weights=None, metrics_collections: Collections = None,
                                 updates_collections: Collections = None,
                                 name: Optional[str] = None) -> Metric:
    """Recall@k of ``[batch, num_classes]`` scores against int64 label ids (float64 value)."""
    return _swap("recall_at_k", predictions, labels, weights, metrics_collections,
                 updates_collections, name, k=k, class_id=class_id)


@_contrib_order("average_precision_at_k", k="int")
def streaming_sparse_average_precision_at_k(predictions, labels, k: int, weights=None,
                                            metrics_collections: Collections = None,
                                            updates_collections: Collections = None,
                                            name: Optional[str] = None) -> Metric:
    """Mean average precision@k (float64 value)."""
    return _swap("average_precision_at_k", predictions, labels, weights, metrics_collections,
                 updates_collections, name, k=k)


@_contrib_order("precision_at_thresholds", thresholds="list of float")
def streaming_precision_at_thresholds(predictions, labels, thresholds: Sequence[float],
                                      weights=None, metrics_collections: Collections = None,
                                      updates_collections: Collections = None,
                                      name: Optional[str] = None) -> Metric:
    """Precision at each threshold."""
    return _swap("precision_at_thresholds", predictions, labels, weights, metrics_collections,
                 updates_collections, name, thresholds=thresholds)


@_contrib_order("recall_at_thresholds", thresholds="list of float")
def streaming_recall_at_thresholds(predictions, labels, thresholds: Sequence[float],
                                   weights=None, metrics_collections: Collections = None,
                                   updates_collections: Collections = None,
                                   name: Optional[str] = None) -> Metric:
    """Recall at each threshold."""
    return _swap("recall_at_thresholds", predictions, labels, weights, metrics_collections,
                 updates_collections, name, thresholds=thresholds)


@_contrib_order("sensitivity_at_specificity", specificity="float",
                num_thresholds="int, default=200")
def streaming_sensitivity_at_specificity(predictions, labels, specificity: float, weights=None,
                                         num_thresholds: int = 200,
                                         metrics_collections: Collections = None,
                                         updates_collections: Collections = None,
                                         name: Optional[str] = None) -> Metric:
    """Sensitivity where specificity reaches ``specificity``."""
    return _swap("sensitivity_at_specificity", predictions, labels, weights,
                 metrics_collections, updates_collections, name, specificity=specificity,
                 num_thresholds=num_thresholds)


@_contrib_order("specificity_at_sensitivity", sensitivity="float",
                num_thresholds="int, default=200")
def streaming_specificity_at_sensitivity(predictions, labels, sensitivity: float, weights=None,
                                         num_thresholds: int = 200,
                                         metrics_collections: Collections = None,
                                         updates_collections: Collections = None,
                                         name: Optional[str] = None) -> Metric:
    """Specificity where sensitivity reaches ``sensitivity``."""
    return _swap("specificity_at_sensitivity", predictions, labels, weights,
                 metrics_collections, updates_collections, name, sensitivity=sensitivity,
                 num_thresholds=num_thresholds)


def streaming_mean(values, weights=None, metrics_collections: Collections = None,
                   updates_collections: Collections = None, name: Optional[str] = None
                   ) -> Metric:
    """The (weighted) mean of all ``values`` seen: ``tf.metrics.mean``.

    Returns
    -------
    (value, update_op) : (Tensor, Tensor)
    """
    return _v1.metrics.mean(values, weights, metrics_collections, updates_collections, name)


def streaming_mean_tensor(values, weights=None, metrics_collections: Collections = None,
                          updates_collections: Collections = None,
                          name: Optional[str] = None) -> Metric:
    """The element-wise (weighted) mean of the ``values`` seen: ``tf.metrics.mean_tensor``.

    Returns
    -------
    (value, update_op) : (Tensor, Tensor)
        ``value`` has the shape of ``values``.
    """
    return _v1.metrics.mean_tensor(values, weights, metrics_collections, updates_collections,
                                   name)


def streaming_percentage_less(values, threshold, weights=None,
                              metrics_collections: Collections = None,
                              updates_collections: Collections = None,
                              name: Optional[str] = None) -> Metric:
    """The (weighted) fraction of ``values`` below ``threshold``: ``tf.metrics.percentage_below``.

    Returns
    -------
    (value, update_op) : (Tensor, Tensor)
    """
    return _v1.metrics.percentage_below(values, threshold, weights, metrics_collections,
                                        updates_collections, name)


def streaming_recall_at_k(predictions, labels, k: int, weights=None,
                          metrics_collections: Collections = None,
                          updates_collections: Collections = None,
                          name: Optional[str] = None) -> Metric:
    """How often the label is among the ``k`` highest scores (dense labels).

    Parameters
    ----------
    predictions : Tensor
        ``[batch_size, num_classes]`` float scores.
    labels : Tensor
        ``[batch_size]`` int32/int64 class ids.
    k : int
    weights, metrics_collections, updates_collections, name
        See the module docstring; the default scope is ``recall_at_<k>``.

    Returns
    -------
    (value, update_op) : (Tensor, Tensor)
    """
    hits = tf.cast(_v1.nn.in_top_k(predictions, labels, k), tf.float32)
    return streaming_mean(hits, weights, metrics_collections, updates_collections,
                          name or f"recall_at_{k}")


def streaming_sparse_precision_at_top_k(top_k_predictions, labels,
                                        class_id: Optional[int] = None, weights=None,
                                        metrics_collections: Collections = None,
                                        updates_collections: Collections = None,
                                        name: Optional[str] = None) -> Metric:
    """Precision@k of already-selected top-k class ids: ``tf.metrics.precision_at_top_k``.

    Returns
    -------
    (value, update_op) : (Tensor, Tensor)
        A float64 value.
    """
    return _v1.metrics.precision_at_top_k(
        labels, top_k_predictions, class_id=class_id, weights=weights,
        metrics_collections=metrics_collections, updates_collections=updates_collections,
        name=name)


#: Contrib's and TensorFlow's are the same functions (TF 1.15: labels first here too).
confusion_matrix = _v1.math.confusion_matrix
set_difference = _v1.sets.set_difference
set_intersection = _v1.sets.set_intersection
set_size = _v1.sets.set_size
set_union = _v1.sets.set_union

