"""TF 1.15's ``tf.estimator.BaselineClassifier`` and ``BaselineRegressor`` (v1).

A model that ignores its features: one learned bias per logit (``baseline/bias``), so it
learns the class prior (classifier) or the label mean (regressor) -- the yardstick other
models are compared with.  FTRL at 0.3 when the optimizer is given by name.
"""
from __future__ import annotations

from ... import _tf
from ..estimator import Estimator
from .head import Head, _regression_head
from .head_classification import binary_or_multi_class_head
from ._quiet import quietly
from .optimizers import get_optimizer_instance

tf = _tf.tensorflow
v1 = tf.compat.v1

#: TF1's learning rate of the baseline optimizer given by name.
LEARNING_RATE = 0.3


def _weight_column_key(weight_column):
    if weight_column is None or isinstance(weight_column, str):
        return weight_column
    if not hasattr(weight_column, "key"):
        raise TypeError(f"Weight column must be either a string or a numeric_column. "
                        f"Given type: {type(weight_column)}.")
    return weight_column.key


def baseline_logits(features, num_outputs: int, weight_column=None):
    """``baseline/bias`` repeated for each example (the batch size taken from the features)."""
    if not isinstance(features, dict) or not features:
        raise ValueError("features should be a non-empty dictionary of `Tensor`s (the "
                         "baseline reads only the batch size from them).")
    weight_key = _weight_column_key(weight_column)
    checks, batch_size = [], None
    for key, feature in features.items():
        if key == weight_key:
            continue
        rows = tf.shape(feature)[0] if not isinstance(feature, tf.SparseTensor) else \
            tf.cast(feature.dense_shape[0], tf.int32)
        if batch_size is None:
            batch_size = rows
        else:
            checks.append(v1.debugging.assert_equal(batch_size, rows))
    if batch_size is None:
        raise ValueError("features hold only the weight column; the baseline needs another "
                         "feature to know the batch size.")
    with tf.control_dependencies(checks):
        with v1.variable_scope("baseline"):
            bias = v1.get_variable("bias", shape=[num_outputs],
                                   initializer=v1.zeros_initializer())
            return tf.multiply(bias, tf.ones([batch_size, num_outputs]))


def _baseline_model_fn(features, labels, mode, head: Head, optimizer, weight_column=None,
                       config=None):
    """TF1's baseline ``model_fn``."""
    del config
    logits = baseline_logits(features, head.logits_dimension, weight_column)

    def train_op_fn(loss):
        opt = get_optimizer_instance(optimizer, learning_rate=LEARNING_RATE)
        return opt.minimize(loss, global_step=v1.train.get_global_step())

    return head.create_estimator_spec(features=features, mode=mode, logits=logits,
                                      labels=labels, train_op_fn=train_op_fn)


def _baseline_estimator(self, head, model_dir, optimizer, config, weight_column):
    def _model_fn(features, labels, mode, config):
        with quietly():
            return _baseline_model_fn(features=features, labels=labels, mode=mode, head=head,
                                      optimizer=optimizer, weight_column=weight_column,
                                      config=config)

    Estimator.__init__(self, model_fn=_model_fn, model_dir=model_dir, config=config)


class BaselineClassifier(Estimator):
    """TF 1.15's ``tf.estimator.BaselineClassifier`` (v1): predicts the class prior.

    Parameters
    ----------
    model_dir : str, optional
    n_classes : int, default 2
    weight_column : str or numeric_column, optional
    label_vocabulary : list of str, optional
    optimizer : str, Optimizer or callable, default 'Ftrl'
    config : RunConfig, optional
    loss_reduction : str, default tf.compat.v1.losses.Reduction.SUM
    """

    def __init__(self, model_dir=None, n_classes: int = 2, weight_column=None,
                 label_vocabulary=None, optimizer="Ftrl", config=None,
                 loss_reduction: str = v1.losses.Reduction.SUM):
        head = binary_or_multi_class_head(n_classes, weight_column, label_vocabulary,
                                          loss_reduction)
        _baseline_estimator(self, head, model_dir, optimizer, config, weight_column)


class BaselineRegressor(Estimator):
    """TF 1.15's ``tf.estimator.BaselineRegressor`` (v1): predicts the label mean.

    Parameters are :class:`BaselineClassifier`'s, with ``label_dimension`` (default 1)
    instead of ``n_classes`` and ``label_vocabulary``.
    """

    def __init__(self, model_dir=None, label_dimension: int = 1, weight_column=None,
                 optimizer="Ftrl", config=None, loss_reduction: str = v1.losses.Reduction.SUM):
        head = _regression_head(label_dimension=label_dimension, weight_column=weight_column,
                                loss_reduction=loss_reduction)
        _baseline_estimator(self, head, model_dir, optimizer, config, weight_column)


class BaselineEstimator(Estimator):
    """TF 1.15's ``tf.estimator.BaselineEstimator`` (v1) with a given head."""

    def __init__(self, head, model_dir=None, optimizer="Ftrl", config=None):
        _baseline_estimator(self, head, model_dir, optimizer, config, None)
