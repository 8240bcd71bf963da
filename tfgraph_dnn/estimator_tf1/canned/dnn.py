"""TF 1.15's ``tf.estimator.DNNClassifier``, ``DNNRegressor`` and ``DNNEstimator`` (v1).

The network is TF1's: feature columns through ``input_layer`` under
``dnn/input_from_feature_columns``, then ``dnn/hiddenlayer_<i>`` dense layers (Glorot-uniform
kernels, optional dropout and batch norm) and ``dnn/logits``, built with this package's
``tf.layers`` inside the same variable scopes and partitioners, so checkpoints carry TF1's
variable names (``dnn/hiddenlayer_0/kernel``, ``dnn/logits/bias``, Adagrad slots
``dnn/hiddenlayer_0/kernel/t_0/Adagrad``) and a model directory written by TF1 restores here.
"""
from __future__ import annotations

from typing import Callable, Optional

from ... import _tf
from ... import layers as tf_layers
from ..estimator import Estimator
from ..model_fn import ModeKeys
from .head import Head, _regression_head
from .head_classification import binary_or_multi_class_head
from ._quiet import quietly
from .optimizers import get_optimizer_instance

tf = _tf.tensorflow
v1 = tf.compat.v1

#: TF1's default learning rate of the DNN optimizer given by name.
LEARNING_RATE = 0.05


def check_features(features) -> None:
    if not isinstance(features, dict):
        raise ValueError(f"features should be a dictionary of `Tensor`s. Given type: "
                         f"{type(features)}")


def add_layer_summary(value, tag: str) -> None:
    """TF1's per-layer summaries: the fraction of zeros and a histogram of the activations."""
    v1.summary.scalar(f"{tag}/fraction_of_zero_values", tf.math.zero_fraction(value))
    v1.summary.histogram(f"{tag}/activation", value)


def dnn_logits(features, mode, units: int, hidden_units, feature_columns,
               activation_fn: Callable, dropout: Optional[float], input_layer_partitioner,
               batch_norm: bool):
    """The DNN's logits, built in the current variable scope (``dnn`` in the canned models)."""
    if not isinstance(units, int):
        raise ValueError(f"units must be an int.  Given type: {type(units)}")
    training = mode == ModeKeys.TRAIN
    scope_name = v1.get_variable_scope().name
    with v1.variable_scope("input_from_feature_columns",
                           partitioner=input_layer_partitioner):
        net = v1.feature_column.input_layer(features=features,
                                            feature_columns=list(feature_columns))
    for index, width in enumerate(hidden_units):
        with v1.variable_scope(f"hiddenlayer_{index}") as scope:
            net = tf_layers.dense(net, units=width, activation=activation_fn,
                                  kernel_initializer=v1.glorot_uniform_initializer(),
                                  name=scope)
            if dropout is not None and training:
                net = tf_layers.dropout(net, rate=dropout, training=True)
            if batch_norm:
                # dnn/hiddenlayer_<i>/batchnorm_<i>/gamma, with a slow moving average.
                net = tf_layers.batch_normalization(net, momentum=0.999, training=training,
                                                    name=f"batchnorm_{index}")
        add_layer_summary(net, f"{scope_name}/hiddenlayer_{index}")
    with v1.variable_scope("logits") as scope:
        logits = tf_layers.dense(net, units=units, activation=None,
                                 kernel_initializer=v1.glorot_uniform_initializer(),
                                 name=scope)
    add_layer_summary(logits, f"{scope_name}/logits")
    return logits


def default_partitioners(config):
    """TF1's partitioners: by parameter servers (one part here), inputs in 64 MB slices."""
    replicas = getattr(config, "num_ps_replicas", 0) if config is not None else 0
    return (v1.min_max_variable_partitioner(max_partitions=replicas),
            v1.min_max_variable_partitioner(max_partitions=replicas, min_slice_size=64 << 20))


def _dnn_model_fn(features, labels, mode, head: Head, hidden_units, feature_columns,
                  optimizer="Adagrad", activation_fn=tf.nn.relu, dropout=None,
                  input_layer_partitioner=None, config=None, batch_norm: bool = False):
    """TF1's DNN ``model_fn``: the network under ``dnn/`` and ``head``'s spec."""
    optimizer = get_optimizer_instance(optimizer, learning_rate=LEARNING_RATE)
    check_features(features)
    partitioner, input_partitioner = default_partitioners(config)
    # The head (and so the optimizer's slots) is built inside the 'dnn' scope, as in TF1:
    # that is where the slot names 'dnn/hiddenlayer_0/kernel/t_0/Adagrad' come from.
    with v1.variable_scope("dnn", values=tuple(features.values()), partitioner=partitioner):
        logits = dnn_logits(features, mode, head.logits_dimension, hidden_units,
                            feature_columns, activation_fn, dropout,
                            input_layer_partitioner or input_partitioner, batch_norm)
        return head.create_estimator_spec(features=features, mode=mode, labels=labels,
                                          optimizer=optimizer, logits=logits)


def _check_hidden_units(hidden_units):
    try:
        units = [int(u) for u in hidden_units]
    except TypeError:
        raise ValueError(f"hidden_units must be a list of layer widths, e.g. [64, 32]; got "
                         f"{hidden_units!r}") from None
    if any(u < 1 for u in units):
        raise ValueError(f"hidden_units must be positive layer widths; got {hidden_units!r}")
    return units


def _dnn_estimator(self, head, hidden_units, feature_columns, model_dir, optimizer,
                   activation_fn, dropout, input_layer_partitioner, config, warm_start_from,
                   batch_norm):
    hidden_units = _check_hidden_units(hidden_units)
    feature_columns = tuple(feature_columns or [])

    def _model_fn(features, labels, mode, config):
        with quietly():
            return _dnn_model_fn(features=features, labels=labels, mode=mode, head=head,
                                 hidden_units=hidden_units, feature_columns=feature_columns,
                                 optimizer=optimizer, activation_fn=activation_fn,
                                 dropout=dropout, input_layer_partitioner=input_layer_partitioner,
                                 config=config, batch_norm=batch_norm)

    Estimator.__init__(self, model_fn=_model_fn, model_dir=model_dir, config=config,
                                warm_start_from=warm_start_from)


class DNNClassifier(Estimator):
    """TF 1.15's ``tf.estimator.DNNClassifier`` (v1): a feed-forward classifier.

    Parameters
    ----------
    hidden_units : list of int
        Width of each hidden layer, e.g. ``[64, 32]``.
    feature_columns : iterable of feature columns
        ``tf.feature_column`` dense columns (numeric, indicator, embedding, bucketized).
    model_dir : str, optional
        Where checkpoints and summaries go (and are restored from).
    n_classes : int, default 2
        2 uses a sigmoid (logistic) head; more a softmax head.
    weight_column : str or numeric_column, optional
        The feature holding each example's weight in the loss and metrics.
    label_vocabulary : list of str, optional
        String labels, in class-id order; without it labels are ids ``0..n_classes-1``.
    optimizer : str, Optimizer or callable, default 'Adagrad'
        A name uses learning rate 0.05.
    activation_fn : callable, default tf.nn.relu
    dropout : float, optional
        Probability of dropping a hidden unit while training.
    input_layer_partitioner : partitioner, optional
    config : RunConfig, optional
    warm_start_from : str or WarmStartSettings, optional
    loss_reduction : str, default tf.compat.v1.losses.Reduction.SUM
        How the per-example losses are reduced to the training loss (v1: a sum).
    batch_norm : bool, default False
        Batch-normalize after each hidden layer.
    """

    def __init__(self, hidden_units, feature_columns, model_dir=None, n_classes: int = 2,
                 weight_column=None, label_vocabulary=None, optimizer="Adagrad",
                 activation_fn=tf.nn.relu, dropout=None, input_layer_partitioner=None,
                 config=None, warm_start_from=None,
                 loss_reduction: str = v1.losses.Reduction.SUM, batch_norm: bool = False):
        head = binary_or_multi_class_head(n_classes, weight_column, label_vocabulary,
                                          loss_reduction)
        _dnn_estimator(self, head, hidden_units, feature_columns, model_dir, optimizer,
                       activation_fn, dropout, input_layer_partitioner, config,
                       warm_start_from, batch_norm)


class DNNRegressor(Estimator):
    """TF 1.15's ``tf.estimator.DNNRegressor`` (v1): mean squared error, SUM reduction.

    Parameters are :class:`DNNClassifier`'s, with ``label_dimension`` (default 1, the
    number of regression targets) instead of ``n_classes`` and ``label_vocabulary``.
    """

    def __init__(self, hidden_units, feature_columns, model_dir=None,
                 label_dimension: int = 1, weight_column=None, optimizer="Adagrad",
                 activation_fn=tf.nn.relu, dropout=None, input_layer_partitioner=None,
                 config=None, warm_start_from=None,
                 loss_reduction: str = v1.losses.Reduction.SUM, batch_norm: bool = False):
        head = _regression_head(label_dimension=label_dimension, weight_column=weight_column,
                                loss_reduction=loss_reduction)
        _dnn_estimator(self, head, hidden_units, feature_columns, model_dir, optimizer,
                       activation_fn, dropout, input_layer_partitioner, config,
                       warm_start_from, batch_norm)


class DNNEstimator(Estimator):
    """TF 1.15's ``tf.estimator.DNNEstimator`` (v1): the DNN network with a given ``head``."""

    def __init__(self, head, hidden_units, feature_columns, model_dir=None,
                 optimizer="Adagrad", activation_fn=tf.nn.relu, dropout=None,
                 input_layer_partitioner=None, config=None, warm_start_from=None,
                 batch_norm: bool = False):
        _dnn_estimator(self, head, hidden_units, feature_columns, model_dir, optimizer,
                       activation_fn, dropout, input_layer_partitioner, config,
                       warm_start_from, batch_norm)


def dnn_logit_fn_builder(units: int, hidden_units, feature_columns, activation_fn, dropout,
                         input_layer_partitioner, batch_norm: bool):
    """TF1's ``tf.estimator.experimental.dnn_logit_fn_builder``: a ``logit_fn(features, mode)``
    building the DNN in the caller's variable scope (the canned models open ``dnn``)."""
    if not isinstance(units, int):
        raise ValueError(f"units must be an int.  Given type: {type(units)}")
    hidden_units = _check_hidden_units(hidden_units)

    def dnn_logit_fn(features, mode):
        with quietly():
            return dnn_logits(features, mode, units, hidden_units, feature_columns,
                              activation_fn, dropout, input_layer_partitioner, batch_norm)

    return dnn_logit_fn
