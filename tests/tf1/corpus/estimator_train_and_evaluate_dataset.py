"""tf.data input_fn, RunConfig, LoggingTensorHook and tf.estimator.train_and_evaluate."""
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

rng = np.random.RandomState(1)
X = rng.uniform(-1, 1, size=(256, 2)).astype(np.float32)
Y = (3 * X[:, 0] - 2 * X[:, 1] + 0.5).astype(np.float32)


def input_fn(batch_size, repeat):
    dataset = tf.data.Dataset.from_tensor_slices(({"x": X}, Y))
    if repeat:
        dataset = dataset.shuffle(256).repeat()
    return dataset.batch(batch_size)


def model_fn(features, labels, mode):
    with tf.variable_scope("linear_model"):
        w = tf.get_variable("w", [2, 1])
        b = tf.get_variable("b", [1], initializer=tf.zeros_initializer())
    prediction = tf.squeeze(tf.matmul(features["x"], w) + b, axis=1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": prediction})
    loss = tf.reduce_mean(tf.square(prediction - labels))
    train_op = tf.train.GradientDescentOptimizer(0.2).minimize(
        loss, global_step=tf.train.get_or_create_global_step())
    hook = tf.train.LoggingTensorHook({"loss": loss}, every_n_iter=50)
    return tf.estimator.EstimatorSpec(
        mode, loss=loss, train_op=train_op, training_hooks=[hook],
        eval_metric_ops={"rmse": tf.metrics.root_mean_squared_error(labels, prediction)})


model_dir = tempfile.mkdtemp()
config = tf.estimator.RunConfig(model_dir=model_dir, save_checkpoints_steps=100,
                                tf_random_seed=7)
estimator = tf.estimator.Estimator(model_fn, config=config)
train_spec = tf.estimator.TrainSpec(input_fn=lambda: input_fn(32, True), max_steps=300)
eval_spec = tf.estimator.EvalSpec(input_fn=lambda: input_fn(64, False), steps=None,
                                  throttle_secs=0)
metrics, _ = tf.estimator.train_and_evaluate(estimator, train_spec, eval_spec)
assert metrics["global_step"] == 300, metrics
assert metrics["rmse"] < 0.05, metrics
w = estimator.get_variable_value("linear_model/w")
assert np.allclose(w.ravel(), [3, -2], atol=0.05), w
assert os.path.isdir(os.path.join(model_dir, "eval"))
shutil.rmtree(model_dir)
print("estimator_train_and_evaluate_dataset OK: rmse %.4f" % metrics["rmse"])
