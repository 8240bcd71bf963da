"""TF 1.15's ``tf.estimator.DNNLinearCombinedClassifier`` / ``...Regressor`` / ``...Estimator``
(v1): "wide & deep", the sum of a linear model's and a DNN's logits.

The DNN part lives under ``dnn/`` and the linear part under ``linear/`` with the same variable
names as :mod:`.dnn` and :mod:`.linear`; each part has its own optimizer (Adagrad at 0.001 and
FTRL at ``min(0.005, 1/sqrt(n_linear_columns))`` when given by name), both applied in one train
op that then increments the global step, as TF1 did.
"""
from __future__ import annotations

import math

from ... import _tf
from ..estimator import Estimator
from .dnn import _check_hidden_units, check_features, dnn_logits
from .head import Head, _regression_head
from .head_classification import binary_or_multi_class_head
from .linear import check_sparse_combiner, linear_logits
from ._quiet import quietly
from .optimizers import get_optimizer_instance

tf = _tf.tensorflow
v1 = tf.compat.v1

#: TF1's learning rates of the two parts' optimizers given by name.
DNN_LEARNING_RATE = 0.001
LINEAR_LEARNING_RATE = 0.005


def linear_learning_rate(num_linear_feature_columns: int) -> float:
    """TF1's linear learning rate: ``min(0.005, 1/sqrt(n))``."""
    return min(LINEAR_LEARNING_RATE, 1.0 / math.sqrt(num_linear_feature_columns))


def _check_not_sync_replicas(optimizer) -> None:
    if isinstance(optimizer, v1.train.SyncReplicasOptimizer):
        raise ValueError("SyncReplicasOptimizer does not support multi optimizers case. "
                         "Therefore, it is not supported in DNNLinearCombined model.")


def _add_layer_summary(value, tag: str) -> None:
    v1.summary.scalar(f"{tag}/fraction_of_zero_values", tf.math.zero_fraction(value))
    v1.summary.histogram(f"{tag}/activation", value)


def _dnn_linear_combined_model_fn(features, labels, mode, head: Head,
                                  linear_feature_columns=None, linear_optimizer="Ftrl",
                                  dnn_feature_columns=None, dnn_optimizer="Adagrad",
                                  dnn_hidden_units=None, dnn_activation_fn=tf.nn.relu,
                                  dnn_dropout=None, input_layer_partitioner=None, config=None,
                                  batch_norm: bool = False,
                                  linear_sparse_combiner: str = "sum"):
    """TF1's wide & deep ``model_fn``."""
    check_features(features)
    if not linear_feature_columns and not dnn_feature_columns:
        raise ValueError(
            "Either linear_feature_columns or dnn_feature_columns must be defined.")
    replicas = getattr(config, "num_ps_replicas", 0) if config is not None else 0
    input_layer_partitioner = input_layer_partitioner or v1.min_max_variable_partitioner(
        max_partitions=replicas, min_slice_size=64 << 20)
    values = tuple(features.values())
    parts = []  # (logits, optimizer, variable scope name)
    if dnn_feature_columns:
        dnn_optimizer = get_optimizer_instance(dnn_optimizer, learning_rate=DNN_LEARNING_RATE)
        _check_not_sync_replicas(dnn_optimizer)
        if not dnn_hidden_units:
            raise ValueError("dnn_hidden_units must be defined when dnn_feature_columns is "
                             "specified.")
        with v1.variable_scope("dnn", values=values,
                               partitioner=v1.min_max_variable_partitioner(
                                   max_partitions=replicas)) as scope:
            logits = dnn_logits(features, mode, head.logits_dimension, dnn_hidden_units,
                                dnn_feature_columns, dnn_activation_fn, dnn_dropout,
                                input_layer_partitioner, batch_norm)
            parts.append((logits, dnn_optimizer, scope.name))
    if linear_feature_columns:
        linear_optimizer = get_optimizer_instance(
            linear_optimizer, learning_rate=linear_learning_rate(len(linear_feature_columns)))
        _check_not_sync_replicas(linear_optimizer)
        with v1.variable_scope("linear", values=values,
                               partitioner=input_layer_partitioner) as scope:
            logits = linear_logits(features, head.logits_dimension, linear_feature_columns,
                                   linear_sparse_combiner)
            _add_layer_summary(logits, scope.name)
            parts.append((logits, linear_optimizer, scope.name))
    logits = parts[0][0] if len(parts) == 1 else parts[0][0] + parts[1][0]

    def _train_op_fn(loss):
        # Each optimizer trains its own part; the global step moves once, after both.
        updates = [optimizer.minimize(loss, var_list=v1.get_collection(
            v1.GraphKeys.TRAINABLE_VARIABLES, scope=scope_name))
            for _, optimizer, scope_name in parts]
        with tf.control_dependencies([tf.group(*updates)]):
            return v1.assign_add(v1.train.get_global_step(), 1).op

    return head.create_estimator_spec(features=features, mode=mode, labels=labels,
                                      train_op_fn=_train_op_fn, logits=logits)


def _combined_estimator(self, head, model_dir, linear_feature_columns, linear_optimizer,
                        dnn_feature_columns, dnn_optimizer, dnn_hidden_units,
                        dnn_activation_fn, dnn_dropout, input_layer_partitioner, config,
                        warm_start_from, batch_norm, linear_sparse_combiner):
    linear_feature_columns = list(linear_feature_columns or [])
    dnn_feature_columns = list(dnn_feature_columns or [])
    if not linear_feature_columns and not dnn_feature_columns:
        raise ValueError("Either linear_feature_columns or dnn_feature_columns must be "
                         "defined.")
    if dnn_feature_columns:
        if not dnn_hidden_units:
            raise ValueError("dnn_hidden_units must be defined when dnn_feature_columns is "
                             "specified.")
        dnn_hidden_units = _check_hidden_units(dnn_hidden_units)
    check_sparse_combiner(linear_sparse_combiner)
    self._feature_columns = linear_feature_columns + dnn_feature_columns

    def _model_fn(features, labels, mode, config):
        with quietly():
            return _dnn_linear_combined_model_fn(
                features=features, labels=labels, mode=mode, head=head,
                linear_feature_columns=linear_feature_columns, linear_optimizer=linear_optimizer,
                dnn_feature_columns=dnn_feature_columns, dnn_optimizer=dnn_optimizer,
                dnn_hidden_units=dnn_hidden_units, dnn_activation_fn=dnn_activation_fn,
                dnn_dropout=dnn_dropout, input_layer_partitioner=input_layer_partitioner,
                config=config, batch_norm=batch_norm,
                linear_sparse_combiner=linear_sparse_combiner)

    Estimator.__init__(self, model_fn=_model_fn, model_dir=model_dir, config=config,
                                warm_start_from=warm_start_from)


class DNNLinearCombinedClassifier(Estimator):
    """TF 1.15's ``tf.estimator.DNNLinearCombinedClassifier`` (v1), "wide & deep".

    Parameters
    ----------
    model_dir : str, optional
    linear_feature_columns, dnn_feature_columns : iterables of feature columns
        The wide part's (any columns) and the deep part's (dense columns); at least one.
    linear_optimizer : default 'Ftrl'; dnn_optimizer : default 'Adagrad'
        Names, optimizer instances or callables.
    dnn_hidden_units : list of int
    dnn_activation_fn : callable, default tf.nn.relu
    dnn_dropout : float, optional
    n_classes : int, default 2
    weight_column, label_vocabulary, input_layer_partitioner, config, warm_start_from
        As in :class:`~.dnn.DNNClassifier`.
    loss_reduction : str, default SUM
    batch_norm : bool, default False
    linear_sparse_combiner : {'sum', 'mean', 'sqrtn'}, default 'sum'
    """

    def __init__(self, model_dir=None, linear_feature_columns=None, linear_optimizer="Ftrl",
                 dnn_feature_columns=None, dnn_optimizer="Adagrad", dnn_hidden_units=None,
                 dnn_activation_fn=tf.nn.relu, dnn_dropout=None, n_classes: int = 2,
                 weight_column=None, label_vocabulary=None, input_layer_partitioner=None,
                 config=None, warm_start_from=None,
                 loss_reduction: str = v1.losses.Reduction.SUM, batch_norm: bool = False,
                 linear_sparse_combiner: str = "sum"):
        head = binary_or_multi_class_head(n_classes, weight_column, label_vocabulary,
                                          loss_reduction)
        _combined_estimator(self, head, model_dir, linear_feature_columns, linear_optimizer,
                            dnn_feature_columns, dnn_optimizer, dnn_hidden_units,
                            dnn_activation_fn, dnn_dropout, input_layer_partitioner, config,
                            warm_start_from, batch_norm, linear_sparse_combiner)


class DNNLinearCombinedRegressor(Estimator):
    """TF 1.15's ``tf.estimator.DNNLinearCombinedRegressor`` (v1).

    Parameters are :class:`DNNLinearCombinedClassifier`'s, with ``label_dimension`` (default
    1) instead of ``n_classes`` and ``label_vocabulary``.
    """

    def __init__(self, model_dir=None, linear_feature_columns=None, linear_optimizer="Ftrl",
                 dnn_feature_columns=None, dnn_optimizer="Adagrad", dnn_hidden_units=None,
                 dnn_activation_fn=tf.nn.relu, dnn_dropout=None, label_dimension: int = 1,
                 weight_column=None, input_layer_partitioner=None, config=None,
                 warm_start_from=None, loss_reduction: str = v1.losses.Reduction.SUM,
                 batch_norm: bool = False, linear_sparse_combiner: str = "sum"):
        head = _regression_head(label_dimension=label_dimension, weight_column=weight_column,
                                loss_reduction=loss_reduction)
        _combined_estimator(self, head, model_dir, linear_feature_columns, linear_optimizer,
                            dnn_feature_columns, dnn_optimizer, dnn_hidden_units,
                            dnn_activation_fn, dnn_dropout, input_layer_partitioner, config,
                            warm_start_from, batch_norm, linear_sparse_combiner)


class DNNLinearCombinedEstimator(Estimator):
    """TF 1.15's ``tf.estimator.DNNLinearCombinedEstimator`` (v1) with a given head."""

    def __init__(self, head, model_dir=None, linear_feature_columns=None,
                 linear_optimizer="Ftrl", dnn_feature_columns=None, dnn_optimizer="Adagrad",
                 dnn_hidden_units=None, dnn_activation_fn=tf.nn.relu, dnn_dropout=None,
                 input_layer_partitioner=None, config=None, linear_sparse_combiner="sum"):
        _combined_estimator(self, head, model_dir, linear_feature_columns, linear_optimizer,
                            dnn_feature_columns, dnn_optimizer, dnn_hidden_units,
                            dnn_activation_fn, dnn_dropout, input_layer_partitioner, config,
                            None, False, linear_sparse_combiner)
