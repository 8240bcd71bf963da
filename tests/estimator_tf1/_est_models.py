"""model_fns and data shared by the core Estimator tests (written as a TF1 user would)."""
import json
import os

import numpy as np
import tensorflow as tf

from tfgraph_dnn import estimator_tf1 as est
from tfgraph_dnn import layers

v1 = tf.compat.v1
REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference")


def reference():
    """The TF 2.15 reference: expected outputs and the model directory's path."""
    with open(os.path.join(REFERENCE, "expected.json")) as handle:
        expected = json.load(handle)
    return expected, os.path.join(REFERENCE, "model_dir")


def classifier_fn(features, labels, mode, params):
    """The reference's model_fn, with tfgraph_dnn.layers in place of tf.compat.v1.layers."""
    hidden = layers.dense(features["x"], params["hidden"], activation=tf.nn.relu)
    logits = layers.dense(hidden, 2)
    class_ids = tf.argmax(logits, 1)
    predictions = {"class_ids": class_ids, "probabilities": tf.nn.softmax(logits),
                   "logits": logits}
    if mode == est.ModeKeys.PREDICT:
        return est.EstimatorSpec(mode, predictions=predictions)
    loss = v1.losses.sparse_softmax_cross_entropy(labels, logits)
    train_op = v1.train.AdamOptimizer(0.05).minimize(loss, global_step=v1.train.get_global_step())
    metrics = {"accuracy": v1.metrics.accuracy(labels, class_ids)}
    return est.EstimatorSpec(mode, predictions=predictions, loss=loss, train_op=train_op,
                             eval_metric_ops=metrics)


def regression_fn(features, labels, mode):
    """A linear regression whose loss is NaN when a feature is NaN."""
    out = tf.squeeze(layers.dense(features["x"], 1, name="linear"), 1)
    if mode == est.ModeKeys.PREDICT:
        return est.EstimatorSpec(mode, predictions=out)
    loss = v1.losses.mean_squared_error(labels, out)
    train_op = v1.train.GradientDescentOptimizer(0.1).minimize(
        loss, global_step=v1.train.get_global_step())
    return est.EstimatorSpec(mode, loss=loss, train_op=train_op)


def reference_data():
    expected, _ = reference()
    return (np.array(expected["x"], dtype=np.float32), np.array(expected["y"], dtype=np.int32))


def regression_data(rows=32):
    rng = np.random.RandomState(1)
    x = rng.randn(rows, 3).astype(np.float32)
    return x, (x @ np.array([1.0, -2.0, 0.5], np.float32) + 0.3).astype(np.float32)
