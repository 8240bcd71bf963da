"""TF 1.15's ``tf.estimator.LinearClassifier``, ``LinearRegressor`` and ``LinearEstimator`` (v1).

The model is ``tf.compat.v1.feature_column.linear_model`` under the ``linear`` variable scope
(one weight per feature column: ``linear/linear_model/<feature>/weights``, plus
``linear/linear_model/bias_weights``), trained by FTRL by default, with TF1's ``bias`` and
``fraction_of_zero_weights`` summaries.  The optimizer's slots are created inside the same
scope as in TF1, so a TF1 model directory (``.../weights/part_0/Ftrl``) restores here.
"""
from __future__ import annotations

import math

from ... import _tf
from ..estimator import Estimator
from .dnn import check_features
from .head import Head, _regression_head
from .head_classification import binary_or_multi_class_head
from ._quiet import quietly
from .optimizers import get_optimizer_instance

tf = _tf.tensorflow
v1 = tf.compat.v1

#: TF1's learning rate of the linear optimizer given by name.
LEARNING_RATE = 0.2


def default_optimizer(feature_columns):
    """TF1's optimizer when ``optimizer=None``: FTRL at ``min(0.2, 1/sqrt(n_columns))``."""
    return v1.train.FtrlOptimizer(
        learning_rate=min(LEARNING_RATE, 1.0 / math.sqrt(len(feature_columns))))


def _fraction_of_zero(variables):
    """The fraction of zero entries over all ``variables`` (0 for empty ones), as TF1 did."""
    with tf.name_scope("zero_fraction"):
        sizes = [tf.size(v, out_type=tf.int64) for v in variables]
        total = tf.cast(tf.add_n(sizes), tf.float32)
        zeros = tf.add_n([
            tf.cond(tf.equal(size, 0), lambda: tf.constant(0.0),
                    lambda v=v, size=size: tf.math.zero_fraction(v) * tf.cast(size, tf.float32))
            for v, size in zip(variables, sizes)])
        return tf.identity(zeros / total, name="zero_fraction_or_nan")


def linear_logits(features, units: int, feature_columns, sparse_combiner: str = "sum"):
    """The linear model's logits in the current variable scope, with TF1's summaries."""
    columns_to_variables = {}
    logits = v1.feature_column.linear_model(
        features=features, feature_columns=list(feature_columns), units=units,
        sparse_combiner=sparse_combiner, cols_to_vars=columns_to_variables)
    bias = columns_to_variables.pop("bias")
    weights = [part for parts in columns_to_variables.values() for part in parts]
    if units > 1:
        v1.summary.histogram("bias", bias)
    else:
        v1.summary.scalar("bias", bias[0][0])
    if weights:
        v1.summary.scalar("fraction_of_zero_weights", _fraction_of_zero(weights))
    return logits


def _linear_model_fn(features, labels, mode, head: Head, feature_columns, optimizer,
                     partitioner, config, sparse_combiner: str = "sum"):
    """TF1's linear ``model_fn``: the model and the head's spec, both under ``linear/``."""
    check_features(features)
    replicas = getattr(config, "num_ps_replicas", 0) if config is not None else 0
    partitioner = partitioner or v1.min_max_variable_partitioner(
        max_partitions=replicas, min_slice_size=64 << 20)
    with v1.variable_scope("linear", values=tuple(features.values()),
                           partitioner=partitioner):
        logits = linear_logits(features, head.logits_dimension, feature_columns,
                               sparse_combiner)
        optimizer = get_optimizer_instance(optimizer or default_optimizer(feature_columns),
                                           learning_rate=LEARNING_RATE)
        return head.create_estimator_spec(features=features, mode=mode, labels=labels,
                                          optimizer=optimizer, logits=logits)


def check_sparse_combiner(sparse_combiner: str) -> str:
    if sparse_combiner not in ("sum", "mean", "sqrtn"):
        raise ValueError(f"sparse_combiner must be one of 'sum', 'mean', 'sqrtn'; got "
                         f"{sparse_combiner!r}")
    return sparse_combiner


def _linear_estimator(self, head, feature_columns, model_dir, optimizer, config, partitioner,
                      warm_start_from, sparse_combiner):
    feature_columns = tuple(feature_columns or [])
    if not feature_columns:
        raise ValueError("feature_columns must be given (a non-empty list of feature columns).")
    check_sparse_combiner(sparse_combiner)

    def _model_fn(features, labels, mode, config):
        with quietly():
            return _linear_model_fn(features=features, labels=labels, mode=mode, head=head,
                                    feature_columns=feature_columns, optimizer=optimizer,
                                    partitioner=partitioner, config=config,
                                    sparse_combiner=sparse_combiner)

    Estimator.__init__(self, model_fn=_model_fn, model_dir=model_dir, config=config,
                                warm_start_from=warm_start_from)


class LinearClassifier(Estimator):
    """TF 1.15's ``tf.estimator.LinearClassifier`` (v1).

    Parameters
    ----------
    feature_columns : iterable of feature columns
        Categorical columns (vocabulary, identity, hash bucket, crossed, bucketized) get one
        weight per category; dense columns one weight per value.
    model_dir : str, optional
    n_classes : int, default 2
    weight_column : str or numeric_column, optional
    label_vocabulary : list of str, optional
    optimizer : str, Optimizer or callable, default 'Ftrl'
        A name uses learning rate 0.2; ``None`` means FTRL at ``min(0.2, 1/sqrt(n_columns))``.
    config : RunConfig, optional
    partitioner : partitioner, optional
    warm_start_from : str or WarmStartSettings, optional
    loss_reduction : str, default tf.compat.v1.losses.Reduction.SUM
    sparse_combiner : {'sum', 'mean', 'sqrtn'}, default 'sum'
        How several values of one categorical feature in an example combine.
    """

    def __init__(self, feature_columns, model_dir=None, n_classes: int = 2,
                 weight_column=None, label_vocabulary=None, optimizer="Ftrl", config=None,
                 partitioner=None, warm_start_from=None,
                 loss_reduction: str = v1.losses.Reduction.SUM, sparse_combiner: str = "sum"):
        head = binary_or_multi_class_head(n_classes, weight_column, label_vocabulary,
                                          loss_reduction)
        _linear_estimator(self, head, feature_columns, model_dir, optimizer, config,
                          partitioner, warm_start_from, sparse_combiner)


class LinearRegressor(Estimator):
    """TF 1.15's ``tf.estimator.LinearRegressor`` (v1): mean squared error, SUM reduction.

    Parameters are :class:`LinearClassifier`'s, with ``label_dimension`` (default 1) instead of
    ``n_classes`` and ``label_vocabulary``.
    """

    def __init__(self, feature_columns, model_dir=None, label_dimension: int = 1,
                 weight_column=None, optimizer="Ftrl", config=None, partitioner=None,
                 warm_start_from=None, loss_reduction: str = v1.losses.Reduction.SUM,
                 sparse_combiner: str = "sum"):
        head = _regression_head(label_dimension=label_dimension, weight_column=weight_column,
                                loss_reduction=loss_reduction)
        _linear_estimator(self, head, feature_columns, model_dir, optimizer, config,
                          partitioner, warm_start_from, sparse_combiner)


class LinearEstimator(Estimator):
    """TF 1.15's ``tf.estimator.LinearEstimator`` (v1): the linear model with a given head."""

    def __init__(self, head, feature_columns, model_dir=None, optimizer="Ftrl", config=None,
                 partitioner=None, sparse_combiner: str = "sum"):
        _linear_estimator(self, head, feature_columns, model_dir, optimizer, config,
                          partitioner, None, sparse_combiner)


def linear_logit_fn_builder(units: int, feature_columns, sparse_combiner: str = "sum"):
    """TF1's ``tf.estimator.experimental.linear_logit_fn_builder``: a ``logit_fn(features)``
    building the linear model in the caller's variable scope (the canned models open
    ``linear``)."""
    check_sparse_combiner(sparse_combiner)

    def linear_logit_fn(features):
        with quietly():
            return linear_logits(features, units, feature_columns, sparse_combiner)

    return linear_logit_fn
