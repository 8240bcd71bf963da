"""``tf.keras.metrics`` functions of TF 1.15 and how ``compile`` names and resolves them.

Room: ``keras_tf1``.  A metric is a per-sample function ``fn(y_true, y_pred)``;
``fit``/``evaluate`` report its mean over the epoch's samples.  As in TF 1.15
with TF1 behaviour, ``'accuracy'``/``'acc'`` is reported as ``acc`` and means
binary, sparse-categorical or categorical accuracy according to the loss and
the output's last dimension; other names report the function's name
(``'mae'`` -> ``mean_absolute_error``).
"""
from __future__ import annotations

from typing import Callable, Tuple, Union

import tensorflow as tf

from . import backend, losses
from .losses import (  # noqa: F401  (tf.keras.metrics re-exported the loss functions)
    binary_crossentropy, categorical_crossentropy, hinge, kullback_leibler_divergence,
    logcosh, mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
    mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy, squared_hinge,
)

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence


def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    """Mean over the last axis of ``y_true == (y_pred > threshold)``."""
    predicted = tf.cast(y_pred > threshold, y_pred.dtype)
    return tf.reduce_mean(tf.cast(tf.equal(y_true, predicted), backend.floatx()), axis=-1)


def categorical_accuracy(y_true, y_pred):
    """Whether the arg-max of ``y_pred`` is the one-hot label."""
    return tf.cast(tf.equal(tf.argmax(y_true, axis=-1), tf.argmax(y_pred, axis=-1)),
                   backend.floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    """Whether the arg-max of ``y_pred`` is the integer label."""
    if y_true.shape.rank is not None and y_true.shape.rank == y_pred.shape.rank:
        y_true = tf.squeeze(y_true, [-1])
    predicted = tf.cast(tf.argmax(y_pred, axis=-1), y_true.dtype)
    return tf.cast(tf.equal(y_true, predicted), backend.floatx())


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    """Whether the one-hot label is among the ``k`` largest predictions."""
    return tf.cast(tf.nn.in_top_k(y_pred, tf.argmax(y_true, axis=-1), k), backend.floatx())


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    """Whether the integer label is among the ``k`` largest predictions."""
    labels = tf.cast(tf.reshape(y_true, [-1]), tf.int32)
    return tf.cast(tf.nn.in_top_k(y_pred, labels, k), backend.floatx())


_BY_NAME = {name: fn for name, fn in globals().items()
            if callable(fn) and not name.startswith("_")
            and name not in ("get", "resolve", "Callable", "Tuple", "Union", "backend",
                             "losses")}


def get(identifier: Union[str, Callable]) -> Callable:
    """A metric name or callable.

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]
    raise ValueError(f"Unknown metric function: {identifier!r} (known: {sorted(_BY_NAME)})")


def resolve(metric, loss_fn: Callable, output) -> Tuple[str, Callable]:
    """``(reported name, function)`` of a ``compile(metrics=...)`` entry for one output."""
    if metric in ("accuracy", "acc"):
        last = output.shape.as_list()[-1] if output.shape.rank else None
        if last == 1 or loss_fn is losses.binary_crossentropy:
            return "acc", binary_accuracy
        if loss_fn is losses.sparse_categorical_crossentropy:
            return "acc", sparse_categorical_accuracy
        return "acc", categorical_accuracy
    if metric in ("crossentropy", "ce"):
        raise NotImplementedError("metrics=['crossentropy'] is not provided by "
                                  "tfgraph_dnn.keras_tf1; name the crossentropy function")
    fn = get(metric)
    return getattr(fn, "__name__", type(fn).__name__), fn
