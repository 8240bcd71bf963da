"""Probe of ``import tfgraph_dnn.tf1 as tf`` run in its own process (it switches TF to TF1 mode).

Each check records True/False (or an error) in a JSON report printed as the last line;
tests/tf1/test_namespace.py asserts on it.  Written in TF1 style on purpose.
"""
import json
import sys
import traceback

results = {}


def check(name):
    def decorate(fn):
        try:
            value = fn()
            results[name] = {"ok": bool(value), "value": repr(value)}
        except Exception:  # recorded, asserted on by the test
            results[name] = {"ok": False, "value": traceback.format_exc(limit=4)}
        return fn
    return decorate


import tfgraph_dnn.tf1 as tf  # noqa: E402
from estimator_fit import estimator_probabilities  # noqa: E402  (this script's folder)
import tfgraph_dnn.tf1.contrib.layers as contrib_layers  # noqa: E402
from tfgraph_dnn.tf1.contrib.framework import arg_scope  # noqa: E402
from tfgraph_dnn.tf1.contrib.layers import fully_connected  # noqa: E402
from tfgraph_dnn.tf1.layers import dense as dense_from_submodule  # noqa: E402


@check("graph_mode")
def _():
    return tf.executing_eagerly() is False


@check("reset_default_graph_top_level")
def _():
    tf.reset_default_graph()
    tf.placeholder(tf.float32, (None, 3), name="a")
    tf.reset_default_graph()
    return tf.get_default_graph().get_operations() == []


@check("reset_default_graph_nested_raises_like_tf1")
def _():
    with tf.Graph().as_default():
        try:
            tf.reset_default_graph()
        except AssertionError:
            return True
    return False


@check("tf1_tensorshape")
def _():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, (None, 784))
    return (x.get_shape()[1].value == 784 and x.shape.dims[1].value == 784
            and x.shape[0].value is None and x.shape.as_list() == [None, 784])


@check("same_module_objects")
def _():
    import tfgraph_dnn.contrib.layers
    import tfgraph_dnn.layers
    return (tf.contrib.layers is contrib_layers is tfgraph_dnn.contrib.layers
            and fully_connected is contrib_layers.fully_connected
            and tf.layers is tfgraph_dnn.layers
            and dense_from_submodule is tf.layers.dense
            and tf.compat.v1 is tf and tf.compat.v1.layers.dense is tf.layers.dense
            and tf.contrib.framework.arg_scope is arg_scope)


@check("tf_layers_and_contrib_names")
def _():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, (None, 8), name="X")
    training = tf.placeholder_with_default(False, (), name="training")
    h = tf.layers.dense(x, 4, activation=tf.nn.relu, name="hidden1")
    h = tf.layers.batch_normalization(h, training=training)
    with arg_scope([fully_connected], weights_regularizer=tf.contrib.layers.l2_regularizer(0.1)):
        out = fully_connected(h, 2, activation_fn=None)
    names = sorted(v.op.name for v in tf.global_variables())
    return (names == ["batch_normalization/beta", "batch_normalization/gamma",
                      "batch_normalization/moving_mean", "batch_normalization/moving_variance",
                      "fully_connected/biases", "fully_connected/weights",
                      "hidden1/bias", "hidden1/kernel"]
            and out.shape[1].value == 2
            and len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)) == 2
            and len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) == 1)


@check("global_step_and_in_top_k")
def _():
    tf.reset_default_graph()
    step = tf.train.get_or_create_global_step()
    logits = tf.constant([[0.1, 0.9], [0.8, 0.2]])
    hits = tf.nn.in_top_k(logits, tf.constant([1, 1]), 1)  # TF1 order: predictions, targets, k
    train_op = tf.assign_add(tf.train.get_global_step(), 1)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train_op)
        return bool(sess.run(step) == 1) and sess.run(hits).tolist() == [True, False]


@check("contrib_distributions")
def _():
    tf.reset_default_graph()
    normal = tf.contrib.distributions.Normal(loc=0.0, scale=1.0)
    with tf.Session() as sess:
        return abs(sess.run(normal.prob(0.0)) - 0.3989423) < 1e-6


@check("contrib_metrics_and_learn")
def _():
    import tfgraph_dnn.tf1.contrib.metrics as contrib_metrics
    tf.reset_default_graph()
    predictions = tf.placeholder(tf.int64, [None])
    labels = tf.placeholder(tf.int64, [None])
    spec = tf.contrib.learn.MetricSpec(
        tf.contrib.metrics.streaming_accuracy,
        prediction_key=tf.contrib.learn.prediction_key.PredictionKey.CLASSES)
    accuracy, update_accuracy = spec.create_metric_ops({}, labels, {"classes": predictions})
    seen, update_seen = contrib_metrics.streaming_concat(predictions)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        for batch_p, batch_l in (([1, 2, 3], [1, 2, 0]), ([4], [4])):
            sess.run([update_accuracy, update_seen], {predictions: batch_p, labels: batch_l})
        return (contrib_metrics is tf.contrib.metrics and sess.run(accuracy) == 0.75
                and sess.run(seen).tolist() == [1, 2, 3, 4])


@check("missing_contrib_is_a_clear_error")
def _():
    try:
        tf.contrib.seq2seq
    except AttributeError as error:
        return "tf.contrib.seq2seq" in str(error) and "not provide" in str(error)
    return False


@check("train_and_save_restore")
def _():
    import os
    import tempfile
    import numpy as np
    tf.reset_default_graph()
    rng = np.random.RandomState(0)
    X_data = rng.randn(64, 5).astype(np.float32)
    y_data = (X_data[:, 0] > 0).astype(np.int64)
    X = tf.placeholder(tf.float32, (None, 5))
    y = tf.placeholder(tf.int64, (None,))
    logits = tf.layers.dense(tf.layers.dense(X, 16, tf.nn.elu), 2)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    train_op = tf.train.AdamOptimizer(0.05).minimize(loss)
    saver = tf.train.Saver()
    path = os.path.join(tempfile.mkdtemp(), "model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {X: X_data, y: y_data})
        for _ in range(30):
            sess.run(train_op, {X: X_data, y: y_data})
        last = sess.run(loss, {X: X_data, y: y_data})
        saver.save(sess, path)
    with tf.Session() as sess:
        saver.restore(sess, path)
        restored = sess.run(loss, {X: X_data, y: y_data})
    return bool(last < 0.5 * first and abs(restored - last) < 1e-6)


if __name__ == "__main__":
    try:
        results["estimator_probabilities"] = {"ok": True, "value": estimator_probabilities()}
    except Exception:
        results["estimator_probabilities"] = {"ok": False, "value": traceback.format_exc(limit=4)}
    print(json.dumps(results))
    sys.exit(0)
