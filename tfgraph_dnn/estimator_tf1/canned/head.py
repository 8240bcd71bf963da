"""The canned estimators' heads (TF 1.15's v1 heads): logits in, an ``EstimatorSpec`` out.

A head turns a network's logits into what each mode needs: predictions and serving signatures
(PREDICT), the loss and metrics (EVAL), the loss and a train op (TRAIN).  This module holds
what every head shares (label/weight/logit checks, the loss reduction, the mode logic, the
``loss``/``average_loss`` summaries) and the regression head; the classification heads live in
:mod:`.head_classification`.  Loss reduction is TF1's v1 default, ``SUM`` over the batch.
"""
from __future__ import annotations

import collections
import inspect
from typing import Callable, Optional

from ... import _tf
from ..export.export_output import PredictOutput, RegressionOutput
from ..model_fn import EstimatorSpec, ModeKeys
from .metric_keys import MetricKeys, PredictionKeys

tf = _tf.tensorflow
v1 = tf.compat.v1

DEFAULT_SERVING_KEY = tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY
CLASSIFY_SERVING_KEY = "classification"
REGRESS_SERVING_KEY = "regression"
PREDICT_SERVING_KEY = "predict"

#: What ``create_loss`` returns: the reduced loss, the per-example loss, the weights and the
#: labels as the loss saw them.
LossSpec = collections.namedtuple(
    "LossSpec", ["training_loss", "unreduced_loss", "weights", "processed_labels"])


def summary_key(head_name: Optional[str], key: str) -> str:
    """A metric key, suffixed with the head's name when it has one (``loss/head``)."""
    return f"{key}/{head_name}" if head_name else key


def check_loss_reduction(loss_reduction: str) -> str:
    """``loss_reduction``, checked to be a ``tf.losses.Reduction`` other than NONE."""
    reductions = v1.losses.Reduction
    if loss_reduction not in reductions.all() or loss_reduction == reductions.NONE:
        raise ValueError(f"Invalid loss_reduction: {loss_reduction}")
    return loss_reduction


def check_labels(labels, logits, expected_dimension: int):
    """Labels as a ``[batch, ..., expected_dimension]`` tensor (a missing last axis is added).

    Raises ``ValueError`` for missing or sparse labels or a static last dimension that does not
    match; a dynamic mismatch fails when the graph runs.
    """
    if labels is None:
        raise ValueError("You must provide a labels Tensor. Given: None. Check that your "
                         "input_fn returns (features, labels) and that labels is not None.")
    with tf.name_scope("labels"):
        labels = v1.convert_to_tensor_or_sparse_tensor(labels)
        if isinstance(labels, tf.SparseTensor):
            raise ValueError(
                f"SparseTensor labels are not supported. labels must be a Tensor of shape "
                f"[D0, D1, ..., DN, {expected_dimension}]; use tf.sparse.to_dense in your "
                f"input_fn.")
        if (labels.shape.ndims is not None and logits.shape.ndims is not None
                and labels.shape.ndims == logits.shape.ndims - 1):
            labels = tf.expand_dims(labels, -1)
        message = (f"labels shape must be [D0, D1, ... DN, {expected_dimension}]. Check your "
                   f"n_classes (or label_dimension) argument and the shape of your labels.")
        if labels.shape.ndims is not None and labels.shape.ndims >= 1:
            last = labels.shape[-1]
            if last is not None and last != expected_dimension:
                raise ValueError(f"Mismatched label shape. Expected labels dimension="
                                 f"{expected_dimension}.  Received {last}. {message}")
        rank = v1.debugging.assert_rank_at_least(labels, 2, message=message)
        expected_shape = tf.concat([tf.shape(logits)[:-1], [expected_dimension]], axis=0)
        with tf.control_dependencies([rank]):
            same = v1.debugging.assert_equal(expected_shape, tf.shape(labels), message=message)
        with tf.control_dependencies([same]):
            return tf.identity(labels)


def check_logits(logits, expected_dimension: int):
    """``logits`` as float32, checked to be ``[D0, ..., DN, expected_dimension]``."""
    with tf.name_scope("logits"):
        logits = tf.cast(logits, tf.float32)
        static = logits.shape
        if static.ndims is not None and static.ndims < 2:
            raise ValueError(f"logits shape must be [D0, D1, ... DN, logits_dimension="
                             f"{expected_dimension}], got {static}.")
        if static.ndims is not None and static[-1] is not None:
            if static[-1] != expected_dimension:
                raise ValueError(f"logits shape must be [D0, D1, ... DN, logits_dimension="
                                 f"{expected_dimension}], got {static}.")
            return logits
        same = v1.debugging.assert_equal(
            expected_dimension, tf.shape(logits)[-1],
            message=f"logits shape must be [D0, D1, ... DN, logits_dimension="
                    f"{expected_dimension}]")
        with tf.control_dependencies([same]):
            return tf.identity(logits)


def example_weights(features, weight_column, logits, allow_per_logit_weights: bool = False):
    """The weight of each example from ``weight_column`` (a key or a numeric column), or 1.0.

    Weights come out float32 with the logits' shape but a last dimension of 1 (or of the
    logits' dimension when ``allow_per_logit_weights``).
    """
    if weight_column is None:
        return 1.0
    if isinstance(weight_column, str):
        weight_column = v1.feature_column.numeric_column(key=weight_column, shape=(1,))
    if not hasattr(weight_column, "key") or not hasattr(weight_column, "dtype"):
        raise TypeError(f"weight_column must be either a string or a numeric_column. "
                        f"Given type: {type(weight_column)}.")
    if weight_column.key not in features:
        raise ValueError(f"weight_column {weight_column.key!r} is not among the features "
                         f"given by input_fn: {sorted(features)}")
    with tf.name_scope("weights"):
        raw = features[weight_column.key]
        if not (raw.dtype.is_floating or raw.dtype.is_integer):
            raise ValueError(f"Weight column should be castable to float. Given dtype: "
                             f"{raw.dtype}")
        weights = tf.cast(raw, tf.float32, name="weights")
        if weights.shape.ndims == 1 or (weights.shape.ndims is not None
                                        and weights.shape.ndims == logits.shape.ndims - 1):
            weights = tf.expand_dims(weights, -1)
        message = ("weights shape must be [D0, D1, ... DN], [D0, D1, ... DN, 1]"
                   + (" or [D0, D1, ... DN, logits_dimension]" if allow_per_logit_weights
                      else ""))
        logits_shape, weights_shape = tf.shape(logits), tf.shape(weights)
        one_per_example = tf.concat([logits_shape[:-1], [1]], axis=0)
        fits = tf.reduce_all(tf.equal(one_per_example, weights_shape))
        if allow_per_logit_weights:
            fits = tf.logical_or(fits, tf.reduce_all(tf.equal(logits_shape, weights_shape)))
        check = tf.debugging.Assert(fits, [message, "logits_shape: ", logits_shape,
                                           "weights_shape: ", weights_shape])
        with tf.control_dependencies([check]):
            return tf.identity(weights)


def check_loss_fn(loss_fn: Callable) -> Callable:
    """``loss_fn``, checked to take ``labels`` and ``logits`` (and optionally ``features``)."""
    arguments = set(inspect.signature(loss_fn).parameters)
    missing = {"labels", "logits"} - arguments
    if missing:
        raise ValueError(f"loss_fn must contain argument: {sorted(missing)[0]}. Given "
                         f"arguments: {sorted(arguments)}")
    unexpected = arguments - {"labels", "logits", "features"}
    if unexpected:
        raise ValueError(f"loss_fn has unexpected args: {sorted(unexpected)}")
    return loss_fn


def call_loss_fn(loss_fn: Callable, labels, logits, features):
    """``loss_fn(labels=..., logits=...[, features=...])``, as TF1's heads called a custom loss."""
    wants_features = "features" in inspect.signature(check_loss_fn(loss_fn)).parameters
    extra = {"features": features} if wants_features else {}
    return loss_fn(labels=labels, logits=logits, **extra)


def append_update_ops(train_op):
    """``train_op`` grouped with the graph's ``UPDATE_OPS`` (batch-norm moving averages)."""
    update_ops = v1.get_collection(v1.GraphKeys.UPDATE_OPS)
    return tf.group(train_op, *update_ops) if update_ops else train_op


def weighted_mean(values, weights, name: str):
    """``tf.compat.v1.metrics.mean`` of ``values`` cast to float32, weighted by ``weights``."""
    with tf.name_scope(name):
        values = tf.cast(values, tf.float32)
        if not isinstance(weights, float):
            weights = weights * tf.ones_like(values)
        else:
            weights = None
        return v1.metrics.mean(values, weights=weights, name=name)


class Head:
    """A TF 1.15 v1 head: ``create_loss`` and ``create_estimator_spec`` over given logits.

    Subclasses provide ``logits_dimension``, ``create_loss``, ``_predictions(logits)`` (the
    predictions dict, the export outputs and the tensors the metrics need) and
    ``_eval_metric_ops``.
    """

    def __init__(self, weight_column=None, loss_reduction: str = v1.losses.Reduction.SUM,
                 name: Optional[str] = None) -> None:
        self._weight_column = weight_column
        self._loss_reduction = check_loss_reduction(loss_reduction)
        self._name = name

    @property
    def name(self) -> Optional[str]:
        return self._name

    @property
    def logits_dimension(self) -> int:
        raise NotImplementedError

    def create_loss(self, features, mode, logits, labels) -> LossSpec:
        raise NotImplementedError

    def _predictions(self, logits):
        raise NotImplementedError

    def _eval_metric_ops(self, **tensors) -> dict:
        raise NotImplementedError

    def _reduce(self, unweighted_loss, weights):
        return v1.losses.compute_weighted_loss(unweighted_loss, weights=weights,
                                               reduction=self._loss_reduction)

    def create_estimator_spec(self, features, mode, logits, labels=None, optimizer=None,
                              train_op_fn=None, regularization_losses=None) -> EstimatorSpec:
        """The ``EstimatorSpec`` for ``mode``.

        In TRAIN exactly one of ``optimizer`` (its ``minimize`` increments the global step)
        and ``train_op_fn`` (called with the loss) must be given.
        """
        with tf.name_scope(self._name or "head"):
            logits = check_logits(logits, self.logits_dimension)
            with tf.name_scope("predictions"):
                predictions, export_outputs, metric_inputs = self._predictions(logits)
            if mode == ModeKeys.PREDICT:
                return EstimatorSpec(mode=ModeKeys.PREDICT, predictions=predictions,
                                     export_outputs=export_outputs)
            loss_spec = self.create_loss(features=features, mode=mode, logits=logits,
                                         labels=labels)
            regularization_loss = (tf.add_n(list(regularization_losses))
                                   if regularization_losses else None)
            loss = (tf.add_n([loss_spec.training_loss, regularization_loss])
                    if regularization_loss is not None else loss_spec.training_loss)
            if mode == ModeKeys.EVAL:
                with tf.name_scope("metrics"):
                    metrics = self._eval_metric_ops(
                        labels=loss_spec.processed_labels, weights=loss_spec.weights,
                        unreduced_loss=loss_spec.unreduced_loss,
                        regularization_loss=regularization_loss, **metric_inputs)
                return EstimatorSpec(mode=ModeKeys.EVAL, predictions=predictions, loss=loss,
                                     eval_metric_ops=metrics)
            train_op = self._train_op(loss, optimizer, train_op_fn)
            mean_loss = None
            if self._loss_reduction == v1.losses.Reduction.SUM:
                weight_sum = tf.reduce_sum(
                    loss_spec.weights * tf.ones_like(loss_spec.unreduced_loss))
                mean_loss = loss_spec.training_loss / weight_sum
        with tf.name_scope(""):
            v1.summary.scalar(summary_key(self._name, MetricKeys.LOSS), loss)
            if mean_loss is not None:
                v1.summary.scalar(summary_key(self._name, MetricKeys.LOSS_MEAN), mean_loss)
            if regularization_loss is not None:
                v1.summary.scalar(summary_key(self._name, MetricKeys.LOSS_REGULARIZATION),
                                  regularization_loss)
        return EstimatorSpec(mode=ModeKeys.TRAIN, predictions=predictions, loss=loss,
                             train_op=train_op)

    @staticmethod
    def _train_op(loss, optimizer, train_op_fn):
        if optimizer is not None:
            if train_op_fn is not None:
                raise ValueError("train_op_fn and optimizer cannot both be set.")
            train_op = optimizer.minimize(loss, global_step=v1.train.get_global_step())
        elif train_op_fn is not None:
            train_op = train_op_fn(loss)
        else:
            raise ValueError("train_op_fn and optimizer cannot both be None.")
        return append_update_ops(train_op)

    def _regularization_metric(self, metrics: dict, regularization_loss) -> dict:
        if regularization_loss is not None:
            metrics[summary_key(self._name, MetricKeys.LOSS_REGULARIZATION)] = v1.metrics.mean(
                regularization_loss, name=MetricKeys.LOSS_REGULARIZATION)
        return metrics


class RegressionHead(Head):
    """TF1's ``_regression_head``: mean squared error per example, ``predictions`` key."""

    def __init__(self, label_dimension: int = 1, weight_column=None,
                 loss_reduction: str = v1.losses.Reduction.SUM, loss_fn=None,
                 inverse_link_fn=None, name: Optional[str] = None) -> None:
        if label_dimension < 1:
            raise ValueError(f"Invalid label_dimension {label_dimension}.")
        super().__init__(weight_column, loss_reduction, name)
        self._logits_dimension = label_dimension
        self._loss_fn = check_loss_fn(loss_fn) if loss_fn is not None else None
        self._inverse_link_fn = inverse_link_fn

    @property
    def logits_dimension(self) -> int:
        return self._logits_dimension

    def create_loss(self, features, mode, logits, labels) -> LossSpec:
        del mode
        logits = tf.convert_to_tensor(logits)
        labels = tf.cast(check_labels(labels, logits, self._logits_dimension), tf.float32)
        if self._loss_fn is not None:
            unweighted = call_loss_fn(self._loss_fn, labels, logits, features)
        else:
            unweighted = v1.losses.mean_squared_error(
                labels=labels, predictions=logits, reduction=v1.losses.Reduction.NONE)
        weights = example_weights(features, self._weight_column, logits,
                                  allow_per_logit_weights=True)
        return LossSpec(self._reduce(unweighted, weights), unweighted, weights, labels)

    def _predictions(self, logits):
        keys = PredictionKeys
        if self._inverse_link_fn is not None:
            value = self._inverse_link_fn(logits)
            predictions = {keys.PREDICTIONS: value, keys.LOGITS: logits}
        else:
            value = logits
            predictions = {keys.PREDICTIONS: value}
        output = RegressionOutput(value=value)
        export_outputs = {DEFAULT_SERVING_KEY: output, REGRESS_SERVING_KEY: output,
                          PREDICT_SERVING_KEY: PredictOutput(predictions)}
        return predictions, export_outputs, {"predicted_value": value}

    def _eval_metric_ops(self, labels, weights, unreduced_loss, regularization_loss,
                         predicted_value) -> dict:
        keys = MetricKeys
        metrics = {
            summary_key(self._name, keys.LOSS_MEAN): weighted_mean(
                unreduced_loss, weights, keys.LOSS_MEAN),
            summary_key(self._name, keys.PREDICTION_MEAN): weighted_mean(
                predicted_value, weights, keys.PREDICTION_MEAN),
            summary_key(self._name, keys.LABEL_MEAN): weighted_mean(
                labels, weights, keys.LABEL_MEAN),
        }
        return self._regularization_metric(metrics, regularization_loss)


def _regression_head(weight_column=None, label_dimension: int = 1,
                     loss_reduction: str = v1.losses.Reduction.SUM, loss_fn=None,
                     inverse_link_fn=None, name: Optional[str] = None) -> RegressionHead:
    """TF1's ``head._regression_head`` (``tf.contrib.estimator.regression_head``)."""
    return RegressionHead(label_dimension=label_dimension, weight_column=weight_column,
                          loss_reduction=loss_reduction, loss_fn=loss_fn,
                          inverse_link_fn=inverse_link_fn, name=name)


regression_head = _regression_head

