"""TF 1.15's v1 classification heads: softmax cross entropy (n_classes > 2) and sigmoid cross
entropy (binary), with their predictions, serving signatures and ``evaluate()`` metrics.

Predictions hold ``logits``, ``probabilities``, ``class_ids`` (``[batch, 1]`` int64),
``classes`` (``[batch, 1]`` strings: the class id as text, or its ``label_vocabulary`` entry),
``all_class_ids`` and ``all_classes``; the binary head adds ``logistic``.
"""
from __future__ import annotations

from typing import Optional, Sequence

from ... import _tf
from ..export.export_output import ClassificationOutput, PredictOutput, RegressionOutput
from .head import (CLASSIFY_SERVING_KEY, DEFAULT_SERVING_KEY, PREDICT_SERVING_KEY,
                   REGRESS_SERVING_KEY, Head, LossSpec, call_loss_fn, check_labels, check_loss_fn,
                   example_weights, summary_key, weighted_mean)
from .metric_keys import MetricKeys, PredictionKeys

tf = _tf.tensorflow
v1 = tf.compat.v1


def _check_vocabulary(label_vocabulary, error=ValueError):
    if label_vocabulary is not None and not isinstance(label_vocabulary, (list, tuple)):
        raise error(f"label_vocabulary should be a list or a tuple. Given type: "
                    f"{type(label_vocabulary)}")
    return label_vocabulary


def _vocabulary_ids(labels, vocabulary: Sequence[str]):
    """Each string label's index in ``vocabulary`` (-1 when absent, caught by the range check)."""
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(
            tf.constant(list(vocabulary), dtype=tf.string),
            tf.range(len(vocabulary), dtype=tf.int64)),
        default_value=-1, name="class_id_lookup")
    return table.lookup(labels)


def _vocabulary_strings(class_ids, vocabulary: Sequence[str]):
    """The ``vocabulary`` entry of each class id."""
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(
            tf.range(len(vocabulary), dtype=tf.int64),
            tf.constant(list(vocabulary), dtype=tf.string)),
        default_value="UNK", name="class_string_lookup")
    return table.lookup(class_ids)


def _assert_range(labels, n_classes: int):
    with tf.name_scope("assert_range"):
        below = v1.debugging.assert_less_equal(
            labels, tf.cast(n_classes - 1, labels.dtype), message="Labels must <= n_classes - 1")
        non_negative = v1.debugging.assert_non_negative(labels, message="Labels must >= 0")
        with tf.control_dependencies([below, non_negative]):
            return tf.identity(labels)


def _class_names(n_classes: int, vocabulary):
    if vocabulary:
        return tf.constant(list(vocabulary), dtype=tf.string)
    return tf.strings.as_string(tf.range(n_classes))


def _tile_rows(row, logits):
    """``row`` repeated once per example of ``logits``."""
    return tf.tile(tf.expand_dims(row, 0), [tf.shape(logits)[0], 1])


def _class_predictions(logits, class_ids, n_classes: int, vocabulary) -> dict:
    keys = PredictionKeys
    class_ids = tf.expand_dims(class_ids, -1)
    if vocabulary:
        classes = _vocabulary_strings(class_ids, vocabulary)
    else:
        classes = tf.strings.as_string(class_ids, name="str_classes")
    return {keys.LOGITS: logits,
            keys.CLASS_IDS: class_ids,
            keys.CLASSES: classes,
            keys.ALL_CLASS_IDS: _tile_rows(tf.range(n_classes), logits),
            keys.ALL_CLASSES: _tile_rows(_class_names(n_classes, vocabulary), logits)}


class MultiClassHead(Head):
    """TF1's ``_multi_class_head_with_softmax_cross_entropy_loss``."""

    def __init__(self, n_classes: int, weight_column=None, label_vocabulary=None,
                 loss_reduction: str = v1.losses.Reduction.SUM, loss_fn=None,
                 name: Optional[str] = None) -> None:
        if n_classes is None:
            raise ValueError("n_classes cannot be None")
        if not isinstance(n_classes, int) or n_classes <= 2:
            raise ValueError(f"n_classes must be > 2: {n_classes}.")
        super().__init__(weight_column, loss_reduction, name)
        self._n_classes = n_classes
        self._label_vocabulary = _check_vocabulary(label_vocabulary)
        if label_vocabulary is not None and len(label_vocabulary) != n_classes:
            raise ValueError(f"label_vocabulary has {len(label_vocabulary)} entries but "
                             f"n_classes is {n_classes}.")
        self._loss_fn = check_loss_fn(loss_fn) if loss_fn is not None else None

    @property
    def logits_dimension(self) -> int:
        return self._n_classes

    def _label_ids(self, labels):
        if self._label_vocabulary is None:
            if not labels.dtype.is_integer:
                raise ValueError(f"Labels dtype should be integer. Instead got {labels.dtype}.")
            ids = labels
        else:
            if labels.dtype != tf.string:
                raise ValueError(f"Labels dtype should be string if there is a vocabulary. "
                                 f"Instead got {labels.dtype}")
            ids = _vocabulary_ids(labels, self._label_vocabulary)
        return _assert_range(ids, self._n_classes)

    def create_loss(self, features, mode, logits, labels) -> LossSpec:
        del mode
        logits = tf.convert_to_tensor(logits)
        label_ids = self._label_ids(check_labels(labels, logits, 1))
        if self._loss_fn is not None:
            unweighted = call_loss_fn(self._loss_fn, label_ids, logits, features)
        else:
            unweighted = tf.expand_dims(v1.losses.sparse_softmax_cross_entropy(
                labels=label_ids, logits=logits, reduction=v1.losses.Reduction.NONE), -1)
        weights = example_weights(features, self._weight_column, logits)
        return LossSpec(self._reduce(unweighted, weights), unweighted, weights, label_ids)

    def _predictions(self, logits):
        class_ids = tf.argmax(logits, axis=-1, name=PredictionKeys.CLASS_IDS)
        predictions = _class_predictions(logits, class_ids, self._n_classes,
                                         self._label_vocabulary)
        probabilities = tf.nn.softmax(logits, name=PredictionKeys.PROBABILITIES)
        predictions[PredictionKeys.PROBABILITIES] = probabilities
        output = ClassificationOutput(
            scores=probabilities,
            classes=_tile_rows(_class_names(self._n_classes, self._label_vocabulary), logits))
        export_outputs = {DEFAULT_SERVING_KEY: output, CLASSIFY_SERVING_KEY: output,
                          PREDICT_SERVING_KEY: PredictOutput(predictions)}
        return predictions, export_outputs, {"class_ids": predictions[PredictionKeys.CLASS_IDS]}

    def _eval_metric_ops(self, labels, weights, unreduced_loss, regularization_loss,
                         class_ids) -> dict:
        keys = MetricKeys
        metrics = {
            summary_key(self._name, keys.LOSS_MEAN): weighted_mean(
                unreduced_loss, weights, keys.LOSS_MEAN),
            summary_key(self._name, keys.ACCURACY): v1.metrics.accuracy(
                labels=labels, predictions=class_ids, weights=_or_none(weights),
                name=keys.ACCURACY),
        }
        return self._regularization_metric(metrics, regularization_loss)


def _or_none(weights):
    """TF1 passed weight 1.0 when there was no weight column; ``None`` means the same."""
    return None if isinstance(weights, float) else weights


class BinaryLogisticHead(Head):
    """TF1's ``_binary_logistic_head_with_sigmoid_cross_entropy_loss`` (one logit)."""

    def __init__(self, weight_column=None, thresholds=None, label_vocabulary=None,
                 loss_reduction: str = v1.losses.Reduction.SUM, loss_fn=None,
                 name: Optional[str] = None) -> None:
        super().__init__(weight_column, loss_reduction, name)
        self._thresholds = tuple(thresholds) if thresholds else ()
        for threshold in self._thresholds:
            if not 0.0 < threshold < 1.0:
                raise ValueError(f"thresholds not in (0, 1): {self._thresholds}.")
        self._label_vocabulary = _check_vocabulary(label_vocabulary, TypeError)
        if label_vocabulary is not None and len(label_vocabulary) != 2:
            raise ValueError(f"label_vocabulary of a binary classifier needs 2 entries; got "
                             f"{len(label_vocabulary)}.")
        self._loss_fn = check_loss_fn(loss_fn) if loss_fn is not None else None

    @property
    def logits_dimension(self) -> int:
        return 1

    def create_loss(self, features, mode, logits, labels) -> LossSpec:
        del mode
        logits = tf.convert_to_tensor(logits)
        labels = check_labels(labels, logits, 1)
        if self._label_vocabulary is not None:
            if labels.dtype != tf.string:
                raise ValueError(f"Labels dtype should be string if there is a vocabulary. "
                                 f"Instead got {labels.dtype}")
            labels = _vocabulary_ids(labels, self._label_vocabulary)
        elif labels.dtype == tf.string:
            raise ValueError("Labels are strings: give label_vocabulary to map them to "
                             "classes 0 and 1.")
        labels = _assert_range(tf.cast(labels, tf.float32), 2)
        if self._loss_fn is not None:
            unweighted = call_loss_fn(self._loss_fn, labels, logits, features)
        else:
            unweighted = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
        weights = example_weights(features, self._weight_column, logits)
        return LossSpec(self._reduce(unweighted, weights), unweighted, weights, labels)

    def _predictions(self, logits):
        keys = PredictionKeys
        logistic = tf.sigmoid(logits, name=keys.LOGISTIC)
        two_class_logits = tf.concat([tf.zeros_like(logits), logits], axis=-1,
                                     name="two_class_logits")
        probabilities = tf.nn.softmax(two_class_logits, name=keys.PROBABILITIES)
        class_ids = tf.argmax(two_class_logits, axis=-1, name=keys.CLASS_IDS)
        predictions = _class_predictions(logits, class_ids, 2, self._label_vocabulary)
        predictions[keys.LOGISTIC] = logistic
        predictions[keys.PROBABILITIES] = probabilities
        output = ClassificationOutput(
            scores=probabilities,
            classes=_tile_rows(_class_names(2, self._label_vocabulary), logits))
        export_outputs = {DEFAULT_SERVING_KEY: output, CLASSIFY_SERVING_KEY: output,
                          REGRESS_SERVING_KEY: RegressionOutput(value=logistic),
                          PREDICT_SERVING_KEY: PredictOutput(predictions)}
        return predictions, export_outputs, {
            "logistic": logistic, "class_ids": predictions[keys.CLASS_IDS]}

    def _eval_metric_ops(self, labels, weights, unreduced_loss, regularization_loss,
                         logistic, class_ids) -> dict:
        keys = MetricKeys
        key = lambda name: summary_key(self._name, name)  # noqa: E731
        given = _or_none(weights)
        labels_mean = weighted_mean(labels, weights, keys.LABEL_MEAN)
        with tf.name_scope("accuracy_baseline"):
            value, update = labels_mean
            baseline = (tf.maximum(value, 1.0 - value, name="value"),
                        tf.maximum(update, 1.0 - update, name="update_op"))
        metrics = {
            key(keys.LOSS_MEAN): weighted_mean(unreduced_loss, weights, keys.LOSS_MEAN),
            key(keys.ACCURACY): v1.metrics.accuracy(
                labels=labels, predictions=class_ids, weights=given, name=keys.ACCURACY),
            key(keys.PRECISION): v1.metrics.precision(
                labels=labels, predictions=class_ids, weights=given, name=keys.PRECISION),
            key(keys.RECALL): v1.metrics.recall(
                labels=labels, predictions=class_ids, weights=given, name=keys.RECALL),
            key(keys.PREDICTION_MEAN): weighted_mean(logistic, weights, keys.PREDICTION_MEAN),
            key(keys.LABEL_MEAN): labels_mean,
            key(keys.ACCURACY_BASELINE): baseline,
            key(keys.AUC): _auc(labels, logistic, weights, "ROC", keys.AUC),
            key(keys.AUC_PR): _auc(labels, logistic, weights, "PR", keys.AUC_PR),
        }
        self._regularization_metric(metrics, regularization_loss)
        for threshold in self._thresholds:
            above = tf.cast(tf.greater_equal(logistic, threshold), tf.float32)
            metrics[key(keys.ACCURACY_AT_THRESHOLD % threshold)] = v1.metrics.accuracy(
                labels=labels, predictions=above, weights=given,
                name=keys.ACCURACY_AT_THRESHOLD % threshold)
            for metric_key, metric in ((keys.PRECISION_AT_THRESHOLD,
                                        v1.metrics.precision_at_thresholds),
                                       (keys.RECALL_AT_THRESHOLD,
                                        v1.metrics.recall_at_thresholds)):
                value, update = metric(labels=labels, predictions=logistic,
                                       thresholds=(threshold,), weights=given,
                                       name=metric_key % threshold)
                metrics[key(metric_key % threshold)] = (tf.squeeze(value), tf.squeeze(update))
        return metrics


def _auc(labels, predictions, weights, curve: str, name: str):
    with tf.name_scope(name):
        predictions = tf.cast(predictions, tf.float32)
        if not isinstance(weights, float):
            weights = weights * tf.ones_like(predictions)
        else:
            weights = None
        return v1.metrics.auc(labels=labels, predictions=predictions, weights=weights,
                              curve=curve, name=name)


def _binary_logistic_head_with_sigmoid_cross_entropy_loss(
        weight_column=None, thresholds=None, label_vocabulary=None,
        loss_reduction: str = v1.losses.Reduction.SUM, loss_fn=None,
        name: Optional[str] = None) -> BinaryLogisticHead:
    """TF1's binary head factory (``tf.contrib.estimator.binary_classification_head``)."""
    return BinaryLogisticHead(weight_column, thresholds, label_vocabulary, loss_reduction,
                              loss_fn, name)


def _multi_class_head_with_softmax_cross_entropy_loss(
        n_classes: int, weight_column=None, label_vocabulary=None,
        loss_reduction: str = v1.losses.Reduction.SUM, loss_fn=None,
        name: Optional[str] = None) -> MultiClassHead:
    """TF1's multi-class head factory (``tf.contrib.estimator.multi_class_head``)."""
    return MultiClassHead(n_classes, weight_column, label_vocabulary, loss_reduction, loss_fn,
                          name)


def binary_or_multi_class_head(n_classes: int, weight_column, label_vocabulary,
                               loss_reduction: str) -> Head:
    """The head a canned classifier uses: binary logistic for 2 classes, softmax above."""
    if n_classes == 2:
        return BinaryLogisticHead(weight_column=weight_column,
                                  label_vocabulary=label_vocabulary,
                                  loss_reduction=loss_reduction)
    return MultiClassHead(n_classes, weight_column=weight_column,
                          label_vocabulary=label_vocabulary, loss_reduction=loss_reduction)
