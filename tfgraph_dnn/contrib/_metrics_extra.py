"""The part of ``tf.contrib.metrics`` that ``tf.metrics`` has no counterpart for.

:func:`streaming_covariance`, :func:`streaming_pearson_correlation` and
:func:`streaming_concat` keep their own local variables (``LOCAL_VARIABLES`` and
``METRIC_VARIABLES``, like ``tf.metrics``); :func:`accuracy` is contrib's plain
(non-streaming) accuracy; :func:`aggregate_metrics` / :func:`aggregate_metric_map`
regroup ``(value, update_op)`` pairs.  Re-exported by :mod:`tfgraph_dnn.contrib.metrics`,
whose module docstring describes the shared parameters.
"""
from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import tensorflow as tf

_v1 = tf.compat.v1
Metric = Tuple[tf.Tensor, tf.Tensor]
_COLLECTIONS = [_v1.GraphKeys.LOCAL_VARIABLES, _v1.GraphKeys.METRIC_VARIABLES]


def _metric_variable(name: str, initial_shape=(), dtype=tf.float32, **kwargs) -> tf.Variable:
    """A zero-initialized, non-trainable local variable in the metric collections."""
    return _v1.Variable(lambda: tf.zeros(initial_shape, dtype), dtype=dtype, trainable=False,
                        collections=list(_COLLECTIONS), name=name, **kwargs)


def _collect(value, update_op, metrics_collections, updates_collections) -> Metric:
    if metrics_collections:
        _v1.add_to_collections(metrics_collections, value)
    if updates_collections:
        _v1.add_to_collections(updates_collections, update_op)
    return value, update_op


def _sample_covariance(count: tf.Variable, comoment: tf.Variable, name: str) -> tf.Tensor:
    """``comoment / (count - 1)``, NaN while ``count <= 1`` (as contrib)."""
    n, c = count.read_value(), comoment.read_value()
    return tf.where(n <= 1.0, tf.fill(tf.shape(c), float("nan")),
                    c / tf.maximum(n - 1.0, 1e-12), name=name)


def streaming_covariance(predictions, labels, weights=None,
                         metrics_collections: Optional[Sequence[str]] = None,
                         updates_collections: Optional[Sequence[str]] = None,
                         name: Optional[str] = None) -> Metric:
    """Unbiased sample covariance of ``predictions`` and ``labels`` over all batches.

    Batches are merged with the pairwise co-moment update
    ``C = C_A + C_B + (mx_A - mx_B) (my_A - my_B) n_A n_B / n``; the value is
    ``C / (n - 1)`` (NaN until more than one example was seen).  ``weights`` are
    frequency weights: ``n`` is their sum.

    Parameters
    ----------
    predictions, labels : Tensor
        Same shape; cast to float32.
    weights, metrics_collections, updates_collections, name
        See :mod:`tfgraph_dnn.contrib.metrics`; the default scope is ``covariance``.

    Returns
    -------
    (value, update_op) : (Tensor, Tensor)
        Scalars.
    """
    with _v1.variable_scope(name, "covariance", [predictions, labels, weights]):
        x = tf.cast(predictions, tf.float32)
        y = tf.cast(labels, tf.float32)
        x.shape.assert_is_compatible_with(y.shape)
        count = _metric_variable("count")
        mean_x = _metric_variable("mean_prediction")
        mean_y = _metric_variable("mean_label")
        comoment = _metric_variable("comoment")
        w = tf.ones_like(y) if weights is None else tf.cast(weights, tf.float32) * tf.ones_like(y)

        n_b = tf.reduce_sum(w)
        mx_b = tf.math.divide_no_nan(tf.reduce_sum(w * x), n_b)
        my_b = tf.math.divide_no_nan(tf.reduce_sum(w * y), n_b)
        c_b = tf.reduce_sum(w * (x - mx_b) * (y - my_b))
        # Every old value is recovered from its own assign_add, so the order is fixed.
        n_ab = _v1.assign_add(count, n_b)
        n_a = n_ab - n_b
        step_x = tf.math.divide_no_nan((mx_b - mean_x) * n_b, n_ab)
        mx_a = _v1.assign_add(mean_x, step_x) - step_x
        step_y = tf.math.divide_no_nan((my_b - mean_y) * n_b, n_ab)
        my_a = _v1.assign_add(mean_y, step_y) - step_y
        cross = (mx_a - mx_b) * (my_a - my_b) * tf.math.divide_no_nan(n_a * n_b, n_ab)
        update_comoment = _v1.assign_add(comoment, c_b + cross)

        value = _sample_covariance(count, comoment, "covariance")
        with tf.control_dependencies([update_comoment]):
            update_op = _sample_covariance(count, comoment, "update_op")
    return _collect(value, update_op, metrics_collections, updates_collections)


def streaming_pearson_correlation(predictions, labels, weights=None,
                                  metrics_collections: Optional[Sequence[str]] = None,
                                  updates_collections: Optional[Sequence[str]] = None,
                                  name: Optional[str] = None) -> Metric:
    """Pearson's r: ``cov(p, l) / sqrt(var(p) var(l))`` from three streaming covariances.

    Parameters
    ----------
    predictions, labels : Tensor
        Same shape; cast to float32.
    weights, metrics_collections, updates_collections, name
        See :mod:`tfgraph_dnn.contrib.metrics`; the default scope is ``pearson_r``.

    Returns
    -------
    (value, update_op) : (Tensor, Tensor)
        Scalars.
    """
    with _v1.variable_scope(name, "pearson_r", [predictions, labels, weights]):
        x = tf.cast(predictions, tf.float32)
        y = tf.cast(labels, tf.float32)
        x.shape.assert_is_compatible_with(y.shape)
        if weights is not None:
            weights = tf.cast(weights, tf.float32) * tf.ones_like(y)
        cov, update_cov = streaming_covariance(x, y, weights, name="covariance")
        var_x, update_x = streaming_covariance(x, x, weights, name="variance_predictions")
        var_y, update_y = streaming_covariance(y, y, weights, name="variance_labels")
        value = tf.truediv(cov, tf.sqrt(var_x) * tf.sqrt(var_y), name="pearson_r")
        update_op = tf.truediv(update_cov, tf.sqrt(update_x) * tf.sqrt(update_y),
                               name="update_op")
    return _collect(value, update_op, metrics_collections, updates_collections)


def streaming_concat(values, axis: int = 0, max_size: Optional[int] = None,
                     metrics_collections: Optional[Sequence[str]] = None,
                     updates_collections: Optional[Sequence[str]] = None,
                     name: Optional[str] = None) -> Metric:
    """All ``values`` seen, concatenated along ``axis``.

    Parameters
    ----------
    values : Tensor
        Rank and every dimension but ``axis`` statically known.
    axis : int, default=0
    max_size : int, optional
        Keep at most this many entries along ``axis``; later updates are no-ops.
    metrics_collections, updates_collections, name
        See :mod:`tfgraph_dnn.contrib.metrics`; the default scope is ``streaming_concat``.

    Returns
    -------
    value : Tensor
        The concatenation so far (size 0 along ``axis`` after initialization).
    update_op : Tensor
        Appends a batch; its value is the new size along ``axis`` (int32).

    Raises
    ------
    ValueError
        If the rank or a dimension other than ``axis`` is unknown, or ``axis`` is
        out of range.
    """
    with _v1.variable_scope(name, "streaming_concat", [values]):
        values = tf.convert_to_tensor(values)
        if values.shape.rank is None:
            raise ValueError("`values` must have known statically known rank")
        ndim = values.shape.rank
        axis = axis + ndim if axis < 0 else axis
        if not 0 <= axis < ndim:
            raise ValueError(f"axis = {axis!r} not in [0, {ndim!r})")
        fixed = [dim for n, dim in enumerate(values.shape.as_list()) if n != axis]
        if any(dim is None for dim in fixed):
            raise ValueError("all dimensions of `values` other than the dimension to "
                             "concatenate along must have statically known size")
        # Stored with `axis` first, in a resource variable whose first dimension may grow.
        array = _metric_variable("array", [0] + fixed, values.dtype, validate_shape=False,
                                 shape=tf.TensorShape([None] + fixed), use_resource=True)
        to_front = [axis] + [n for n in range(ndim) if n != axis]
        back = [to_front.index(n) for n in range(ndim)]
        # (No transpose for axis 0: oneDNN's int64 transpose logs an error line.)
        value = tf.identity(array) if axis == 0 else tf.transpose(array, back)
        value = tf.identity(value, name="concat")

        stored = array.value()
        batch = values if axis == 0 else tf.transpose(values, to_front)
        if max_size is not None:
            batch = batch[:tf.maximum(max_size - tf.shape(stored)[0], 0)]
        grown = array.assign(tf.concat([stored, batch], 0))
        update_op = tf.identity(tf.shape(grown)[0], name="update_op")
    return _collect(value, update_op, metrics_collections, updates_collections)


def accuracy(predictions, labels, weights=None, name: Optional[str] = None) -> tf.Tensor:
    """The (weighted) fraction of ``predictions`` equal to ``labels`` — one batch, no state.

    Parameters
    ----------
    predictions : Tensor
        Same dtype as ``labels``.
    labels : Tensor
        bool, integer or string.
    weights : Tensor, optional
        Broadcastable to ``labels``; the result is ``sum(w * correct) / sum(w)``.
    name : str, optional
        Name scope (default ``accuracy``).

    Returns
    -------
    Tensor
        A float32 scalar.

    Raises
    ------
    ValueError
        If ``labels`` is not bool/integer/string or the dtypes differ.
    """
    predictions = tf.convert_to_tensor(predictions)
    labels = tf.convert_to_tensor(labels)
    if not (labels.dtype.is_integer or labels.dtype in (tf.bool, tf.string)):
        raise ValueError(f"Labels should have bool, integer, or string dtype, not "
                         f"{labels.dtype!r}")
    if not labels.dtype.is_compatible_with(predictions.dtype):
        raise ValueError("Dtypes of predictions and labels should match. Given: predictions "
                         f"({predictions.dtype!r}) and labels ({labels.dtype!r})")
    with _v1.name_scope(name, "accuracy", [predictions, labels]):
        correct = tf.cast(tf.equal(predictions, labels), tf.float32)
        if weights is None:
            return tf.reduce_mean(correct)
        weights = tf.cast(weights, tf.float32)
        return tf.truediv(tf.reduce_sum(correct * weights),
                          tf.reduce_sum(weights * tf.ones_like(correct)))


def aggregate_metrics(*value_update_tuples: Metric) -> Tuple[List, List]:
    """``(values, update_ops)`` lists from ``(value, update_op)`` pairs.

    Raises
    ------
    ValueError
        If no pair is given.
    """
    if not value_update_tuples:
        raise ValueError("Expected at least one value_tensor/update_op pair")
    values, updates = zip(*value_update_tuples)
    return list(values), list(updates)


def aggregate_metric_map(names_to_tuples: Mapping[str, Metric]) -> Tuple[Dict, Dict]:
    """``({name: value}, {name: update_op})`` from ``{name: (value, update_op)}``."""
    names = list(names_to_tuples)
    values = [names_to_tuples[key][0] for key in names]
    updates = [names_to_tuples[key][1] for key in names]
    return dict(zip(names, values)), dict(zip(names, updates))
