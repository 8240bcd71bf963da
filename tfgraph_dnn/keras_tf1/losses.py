"""``tf.keras.losses`` of TF 1.15: per-sample loss functions ``fn(y_true, y_pred)``.

Room: ``keras_tf1``.  The cross-entropies follow TF 1.15's backend: given
probabilities they clip to ``[epsilon, 1 - epsilon]``, except that an output
made by a ``Softmax`` (``Sigmoid`` for the binary one) op is traced back to
its logits and the fused, stable op is used, as tf.keras did in graphs.
``compile`` averages the per-sample values over the batch.
"""
from __future__ import annotations

from typing import Callable, Union

import tensorflow as tf

from . import backend


def _eps(dtype):
    return tf.constant(backend.epsilon(), dtype=dtype.base_dtype)


def _logits_of(output, op_type: str):
    """The logits behind ``output`` if it is the output of an ``op_type`` op, else ``None``."""
    if tf.is_tensor(output) and hasattr(output, "op") and output.op.type == op_type:
        return output.op.inputs[0]
    return None


def _categorical_ce(target, output, from_logits: bool = False, axis: int = -1):
    logits = output if from_logits else _logits_of(output, "Softmax")
    if logits is None:
        output = output / tf.reduce_sum(output, axis, keepdims=True)
        output = tf.clip_by_value(output, _eps(output.dtype), 1.0 - _eps(output.dtype))
        return -tf.reduce_sum(target * tf.math.log(output), axis)
    return tf.nn.softmax_cross_entropy_with_logits(labels=target, logits=logits, axis=axis)


def _sparse_categorical_ce(target, output, from_logits: bool = False):
    logits = output if from_logits else _logits_of(output, "Softmax")
    if logits is None:
        clipped = tf.clip_by_value(output, _eps(output.dtype), 1.0 - _eps(output.dtype))
        logits = tf.math.log(clipped)
    classes = logits.shape.as_list()[-1]
    labels = tf.cast(tf.reshape(target, [-1]), tf.int64)
    flat = tf.reshape(logits, [-1, classes])
    result = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=flat)
    if logits.shape.rank is not None and logits.shape.rank >= 3:
        return tf.reshape(result, tf.shape(logits)[:-1])
    return result


def _binary_ce(target, output, from_logits: bool = False):
    logits = output if from_logits else _logits_of(output, "Sigmoid")
    if logits is None:
        eps = _eps(output.dtype)
        output = tf.clip_by_value(output, eps, 1.0 - eps)
        return -(target * tf.math.log(output + eps)
                 + (1.0 - target) * tf.math.log(1.0 - output + eps))
    return tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=logits)


def mean_squared_error(y_true, y_pred):
    """Mean over the last axis of ``(y_pred - y_true) ** 2``."""
    return tf.reduce_mean(tf.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Mean over the last axis of ``|y_pred - y_true|``."""
    return tf.reduce_mean(tf.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 times the mean relative absolute error."""
    diff = tf.abs((y_true - y_pred) / tf.maximum(tf.abs(y_true), backend.epsilon()))
    return 100.0 * tf.reduce_mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean squared difference of ``log(1 + y)``."""
    first = tf.math.log(tf.maximum(y_pred, backend.epsilon()) + 1.0)
    second = tf.math.log(tf.maximum(y_true, backend.epsilon()) + 1.0)
    return tf.reduce_mean(tf.square(first - second), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0):
    """Element-wise binary cross-entropy (logits behind a ``Sigmoid`` output are used)."""
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return tf.reduce_mean(_binary_ce(y_true, y_pred, from_logits), axis=-1)


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                             label_smoothing: float = 0):
    """Per-sample categorical cross-entropy (logits behind a ``Softmax`` output are used)."""
    if label_smoothing:
        classes = tf.cast(tf.shape(y_true)[-1], y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / classes
    return _categorical_ce(y_true, y_pred, from_logits)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False, axis: int = -1):
    """Per-sample cross-entropy of integer labels (logits behind a ``Softmax`` output are used)."""
    return _sparse_categorical_ce(y_true, y_pred, from_logits)


def hinge(y_true, y_pred):
    """Mean of ``max(1 - y_true * y_pred, 0)``."""
    return tf.reduce_mean(tf.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """Mean of ``max(1 - y_true * y_pred, 0) ** 2``."""
    return tf.reduce_mean(tf.square(tf.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def kullback_leibler_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred))`` (both clipped)."""
    y_true = tf.clip_by_value(y_true, backend.epsilon(), 1)
    y_pred = tf.clip_by_value(y_pred, backend.epsilon(), 1)
    return tf.reduce_sum(y_true * tf.math.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """Mean of ``y_pred - y_true * log(y_pred)``."""
    return tf.reduce_mean(y_pred - y_true * tf.math.log(y_pred + backend.epsilon()), axis=-1)


def logcosh(y_true, y_pred):
    """Mean of ``log(cosh(y_pred - y_true))``."""
    x = y_pred - y_true
    return tf.reduce_mean(x + tf.nn.softplus(-2.0 * x) - tf.math.log(2.0), axis=-1)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence

_BY_NAME = {name: fn for name, fn in globals().items()
            if callable(fn) and not name.startswith("_") and name not in ("get", "Callable",
                                                                           "Union", "backend")}


def get(identifier: Union[str, Callable]) -> Callable:
    """A loss name (``'mse'``, ``'categorical_crossentropy'``...) or callable.

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]
    raise ValueError(f"Unknown loss function: {identifier!r} (known: {sorted(_BY_NAME)})")
