"""BaselineClassifier/BaselineRegressor as a floor, then a DNNRegressor with label_dimension=2 beating it."""
import shutil
import tempfile

import numpy as np
import tensorflow as tf

rng = np.random.RandomState(5)
X = rng.uniform(-1, 1, size=(500, 3)).astype(np.float32)
Y = np.stack([np.sin(2 * X[:, 0]) + X[:, 1], X[:, 2] ** 2 - 0.5 * X[:, 0]], axis=1).astype(np.float32)
classes = (X[:, 0] > 0.3).astype(np.int64)

dirs = [tempfile.mkdtemp() for _ in range(3)]
config = tf.estimator.RunConfig(tf_random_seed=11)  # the input shuffling and initial weights

baseline_cls = tf.estimator.BaselineClassifier(model_dir=dirs[0], n_classes=2, config=config)
baseline_cls.train(tf.estimator.inputs.numpy_input_fn({"x": X}, classes, batch_size=100,
                                                      num_epochs=None, shuffle=True), steps=150)
cls_eval = baseline_cls.evaluate(tf.estimator.inputs.numpy_input_fn({"x": X}, classes,
                                                                    shuffle=False))
prior = classes.mean()

baseline_reg = tf.estimator.BaselineRegressor(model_dir=dirs[1], label_dimension=2,
                                              optimizer=tf.train.FtrlOptimizer(1.0),
                                              config=config)
train_fn = tf.estimator.inputs.numpy_input_fn({"x": X}, Y, batch_size=50, num_epochs=None,
                                              shuffle=True)
eval_fn = tf.estimator.inputs.numpy_input_fn({"x": X}, Y, batch_size=100, shuffle=False)
baseline_reg.train(train_fn, steps=200)
base_eval = baseline_reg.evaluate(eval_fn)

regressor = tf.estimator.DNNRegressor(
    hidden_units=[32, 16], feature_columns=[tf.feature_column.numeric_column("x", shape=(3,))],
    label_dimension=2, model_dir=dirs[2], activation_fn=tf.nn.tanh, config=config,
    optimizer=lambda: tf.train.AdamOptimizer(learning_rate=0.02))
regressor.train(input_fn=train_fn, steps=400)
dnn_eval = regressor.evaluate(input_fn=eval_fn)
preds = np.array([p["predictions"] for p in regressor.predict(
    tf.estimator.inputs.numpy_input_fn({"x": X[:10]}, shuffle=False))])

bias = baseline_reg.get_variable_value("baseline/bias")
assert bias.shape == (2,), bias
assert np.allclose(bias, Y.mean(axis=0), atol=0.1), (bias, Y.mean(axis=0))
cls_bias = baseline_cls.get_variable_value("baseline/bias")
assert abs(1 / (1 + np.exp(-cls_bias[0])) - prior) < 0.05, (cls_bias, prior)
assert abs(cls_eval["accuracy"] - max(prior, 1 - prior)) < 1e-6, cls_eval
assert regressor.get_variable_value("dnn/logits/kernel").shape == (16, 2)
assert preds.shape == (10, 2)
assert dnn_eval["average_loss"] < 0.25 * base_eval["average_loss"], (dnn_eval, base_eval)
for d in dirs:
    shutil.rmtree(d)
print("baseline_vs_dnn_regressor_label_dimension OK: baseline mse %.3f dnn mse %.3f bias gap %.3f"
      % (base_eval["average_loss"], dnn_eval["average_loss"], abs(bias - Y.mean(axis=0)).max()))
