"""Canned DNNClassifier through tf.estimator.train_and_evaluate: TrainSpec hooks, EvalSpec with a LatestExporter, tf.data input_fn."""
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

tf.logging.set_verbosity(tf.logging.ERROR)

digits = load_digits()
images = (digits.data / 16.0).astype(np.float32)
targets = digits.target.astype(np.int32)


def train_input_fn():
    dataset = tf.data.Dataset.from_tensor_slices(({"pixels": images[:1400]}, targets[:1400]))
    return dataset.shuffle(1400).repeat().batch(64)


def eval_input_fn():
    dataset = tf.data.Dataset.from_tensor_slices(({"pixels": images[1400:]}, targets[1400:]))
    return dataset.batch(128)


def serving_input_fn():
    pixels = tf.placeholder(tf.float32, [None, 64], name="pixels")
    return tf.estimator.export.ServingInputReceiver({"pixels": pixels}, {"pixels": pixels})


model_dir = tempfile.mkdtemp()
config = tf.estimator.RunConfig(model_dir=model_dir, save_checkpoints_steps=100,
                                keep_checkpoint_max=3, tf_random_seed=1234)
classifier = tf.estimator.DNNClassifier(
    feature_columns=[tf.feature_column.numeric_column("pixels", shape=(64,))],
    hidden_units=[64], n_classes=10, dropout=0.1, config=config,
    optimizer=tf.train.ProximalAdagradOptimizer(learning_rate=0.1,
                                                l1_regularization_strength=0.0001))

stop_hook = tf.train.StopAtStepHook(last_step=300)
exporter = tf.estimator.LatestExporter("digits", serving_input_fn, exports_to_keep=2)
train_spec = tf.estimator.TrainSpec(input_fn=train_input_fn, max_steps=400, hooks=[stop_hook])
eval_spec = tf.estimator.EvalSpec(input_fn=eval_input_fn, steps=None, name="validation",
                                  exporters=[exporter], start_delay_secs=0, throttle_secs=0)
metrics, export_results = tf.estimator.train_and_evaluate(classifier, train_spec, eval_spec)

export_root = os.path.join(model_dir, "export", "digits")
assert metrics["global_step"] == 300, metrics
assert metrics["accuracy"] > 0.85, metrics
assert os.path.isdir(os.path.join(model_dir, "eval_validation"))
assert len(export_results) == 1 and os.path.isdir(export_results[0]), export_results
assert len(os.listdir(export_root)) <= 2, os.listdir(export_root)
assert tf.train.latest_checkpoint(model_dir).endswith("model.ckpt-300")
shutil.rmtree(model_dir)
print("canned_train_and_evaluate_exporter_hooks OK: accuracy %.3f" % metrics["accuracy"])
