"""Custom model_fn with tf.contrib.layers, tf.metrics, tf.summary.scalar, RunConfig checkpoints and a LoggingTensorHook."""
import glob
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf
from tensorflow.contrib import layers
from sklearn.datasets import load_digits

tf.logging.set_verbosity(tf.logging.INFO)


def cnn_model_fn(features, labels, mode, params):
    """Model function for a small digits CNN."""
    input_layer = tf.reshape(features["x"], [-1, 8, 8, 1])
    conv = layers.conv2d(input_layer, num_outputs=16, kernel_size=3, scope="conv1")
    pool = layers.max_pool2d(conv, kernel_size=2, scope="pool1")
    flat = layers.flatten(pool)
    dense = layers.fully_connected(flat, 64, scope="fc1")
    dense = layers.dropout(dense, keep_prob=0.9, is_training=mode == tf.estimator.ModeKeys.TRAIN)
    logits = layers.fully_connected(dense, params["n_classes"], activation_fn=None, scope="logits")

    predictions = {
        "classes": tf.argmax(input=logits, axis=1),
        "probabilities": tf.nn.softmax(logits, name="softmax_tensor"),
    }
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode=mode, predictions=predictions)

    onehot_labels = tf.one_hot(indices=tf.cast(labels, tf.int32), depth=params["n_classes"])
    loss = tf.losses.softmax_cross_entropy(onehot_labels=onehot_labels, logits=logits)
    accuracy = tf.metrics.accuracy(labels=labels, predictions=predictions["classes"])
    tf.summary.scalar("train_accuracy", accuracy[1])

    if mode == tf.estimator.ModeKeys.TRAIN:
        global_step = tf.train.get_global_step()
        learning_rate = tf.train.exponential_decay(params["learning_rate"], global_step,
                                                   decay_steps=100, decay_rate=0.9)
        tf.summary.scalar("learning_rate", learning_rate)
        optimizer = tf.train.MomentumOptimizer(learning_rate, momentum=0.9)
        train_op = optimizer.minimize(loss=loss, global_step=global_step)
        return tf.estimator.EstimatorSpec(mode=mode, loss=loss, train_op=train_op)

    eval_metric_ops = {"accuracy": accuracy,
                       "mean_per_class_accuracy": tf.metrics.mean_per_class_accuracy(
                           labels, predictions["classes"], params["n_classes"])}
    return tf.estimator.EstimatorSpec(mode=mode, loss=loss, eval_metric_ops=eval_metric_ops)


digits = load_digits()
train_data = (digits.data[:1400] / 16.0).astype(np.float32)
train_labels = digits.target[:1400].astype(np.int32)
eval_data = (digits.data[1400:] / 16.0).astype(np.float32)
eval_labels = digits.target[1400:].astype(np.int32)

model_dir = tempfile.mkdtemp()
config = tf.estimator.RunConfig(save_checkpoints_steps=100, keep_checkpoint_max=2,
                                save_summary_steps=20, log_step_count_steps=50)
mnist_classifier = tf.estimator.Estimator(model_fn=cnn_model_fn, model_dir=model_dir,
                                          config=config,
                                          params={"n_classes": 10, "learning_rate": 0.05})
tensors_to_log = {"probabilities": "softmax_tensor"}
logging_hook = tf.train.LoggingTensorHook(tensors=tensors_to_log, every_n_iter=100)
train_input_fn = tf.estimator.inputs.numpy_input_fn(
    x={"x": train_data}, y=train_labels, batch_size=100, num_epochs=None, shuffle=True)
mnist_classifier.train(input_fn=train_input_fn, steps=300, hooks=[logging_hook])

eval_input_fn = tf.estimator.inputs.numpy_input_fn(
    x={"x": eval_data}, y=eval_labels, num_epochs=1, shuffle=False)
eval_results = mnist_classifier.evaluate(input_fn=eval_input_fn, name="holdout")

names = mnist_classifier.get_variable_names()
assert "conv1/weights" in names and "fc1/biases" in names and "logits/weights" in names, names
assert mnist_classifier.get_variable_value("global_step") == 300
index_files = sorted(glob.glob(os.path.join(model_dir, "model.ckpt-*.index")))
assert [os.path.basename(p) for p in index_files] == ["model.ckpt-200.index",
                                                      "model.ckpt-300.index"], index_files
assert os.path.isfile(os.path.join(model_dir, "graph.pbtxt"))
assert glob.glob(os.path.join(model_dir, "eval_holdout", "events.out.tfevents.*"))
tags = set()
for event_file in glob.glob(os.path.join(model_dir, "events.out.tfevents.*")):
    for event in tf.train.summary_iterator(event_file):
        tags.update(value.tag for value in event.summary.value)
assert {"loss", "train_accuracy", "learning_rate", "global_step/sec"} <= tags, tags
assert eval_results["accuracy"] > 0.85, eval_results
assert 0.8 < eval_results["mean_per_class_accuracy"] <= 1.0, eval_results
shutil.rmtree(model_dir)
print("model_fn_contrib_layers_summaries_hooks OK: accuracy %.3f" % eval_results["accuracy"])
