"""DNNLinearCombinedRegressor with tf.estimator.add_metrics and an early-stopping hook from tf.estimator.experimental."""
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

rng = np.random.RandomState(9)
N = 500
rooms = rng.randint(1, 6, size=N).astype(np.float32)
area = rng.uniform(20, 150, size=N).astype(np.float32)
city = rng.choice(["paris", "lyon", "lille"], size=N)
price = (0.02 * area + 0.3 * rooms + np.where(city == "paris", 1.5, 0.0)
         + 0.05 * rng.randn(N)).astype(np.float32)

rooms_col = tf.feature_column.numeric_column("rooms")
area_col = tf.feature_column.numeric_column("area", normalizer_fn=lambda a: (a - 85.0) / 40.0)
city_col = tf.feature_column.categorical_column_with_vocabulary_list("city",
                                                                     ["paris", "lyon", "lille"])


def my_metrics(labels, predictions):
    return {"mae": tf.metrics.mean_absolute_error(labels, predictions["predictions"])}


model_dir = tempfile.mkdtemp()
estimator = tf.estimator.DNNLinearCombinedRegressor(
    model_dir=model_dir,
    linear_feature_columns=[city_col, rooms_col],
    dnn_feature_columns=[area_col, rooms_col, tf.feature_column.indicator_column(city_col)],
    dnn_hidden_units=[16],
    linear_optimizer=tf.train.FtrlOptimizer(0.1),
    dnn_optimizer=tf.train.AdamOptimizer(0.01),
    config=tf.estimator.RunConfig(save_checkpoints_steps=50, tf_random_seed=3))
estimator = tf.estimator.add_metrics(estimator, my_metrics)

features = {"rooms": rooms, "area": area, "city": city}
train_fn = tf.estimator.inputs.numpy_input_fn(features, price, batch_size=50, num_epochs=None,
                                              shuffle=True)
eval_fn = tf.estimator.inputs.numpy_input_fn(features, price, batch_size=250, shuffle=False)
early_stop = tf.estimator.experimental.stop_if_no_decrease_hook(
    estimator, metric_name="average_loss", max_steps_without_decrease=10000,
    min_steps=100, run_every_secs=None, run_every_steps=50)
estimator.train(train_fn, hooks=[early_stop], max_steps=400)
metrics = estimator.evaluate(eval_fn)

names = estimator.get_variable_names()
assert "linear/linear_model/city/weights" in names, names
assert "dnn/hiddenlayer_0/kernel" in names, names
assert metrics["global_step"] == 400, metrics
assert metrics["mae"] < 0.3, metrics
assert abs(metrics["average_loss"] * 250 - metrics["loss"]) < 1e-3 * metrics["loss"], metrics
assert os.path.isdir(os.path.join(model_dir, "eval"))
shutil.rmtree(model_dir)
print("combined_regressor_add_metrics_early_stop OK: mae %.3f" % metrics["mae"])
