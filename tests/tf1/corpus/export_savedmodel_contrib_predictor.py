"""LinearRegressor exported with build_raw_serving_input_receiver_fn, served by tf.contrib.predictor."""
import shutil
import tempfile

import numpy as np
import tensorflow as tf
from tensorflow.contrib import predictor

rng = np.random.RandomState(4)
X = rng.uniform(-2, 2, size=(300, 3)).astype(np.float32)
y = (X.dot([1.5, -2.0, 0.5]) + 1.0 + 0.01 * rng.randn(300)).astype(np.float32)

feature_columns = [tf.feature_column.numeric_column("x", shape=[3])]
model_dir, export_base = tempfile.mkdtemp(), tempfile.mkdtemp()
regressor = tf.estimator.LinearRegressor(feature_columns=feature_columns, model_dir=model_dir,
                                         optimizer=tf.train.GradientDescentOptimizer(0.01))
regressor.train(tf.estimator.inputs.numpy_input_fn({"x": X}, y, batch_size=30, num_epochs=None,
                                                   shuffle=True), steps=400)


def serving_input_receiver_fn():
    inputs = {"x": tf.placeholder(dtype=tf.float32, shape=[None, 3], name="x")}
    return tf.estimator.export.ServingInputReceiver(inputs, inputs)


export_dir = regressor.export_savedmodel(export_base, serving_input_receiver_fn)
# A float receiver cannot feed the regress signature, so TF1 exported "predict" only.
predict_fn = predictor.from_saved_model(export_dir, signature_def_key="predict")
served = predict_fn({"x": X[:25]})["predictions"]

raw_fn = tf.estimator.export.build_raw_serving_input_receiver_fn(
    {"x": tf.placeholder(tf.float32, [None, 3])})
from_estimator = tf.contrib.predictor.from_estimator(regressor, raw_fn,
                                                     output_key="predict")
estimated = from_estimator({"x": X[:25]})["predictions"]

expected = np.array([p["predictions"][0] for p in regressor.predict(
    tf.estimator.inputs.numpy_input_fn({"x": X[:25]}, shuffle=False))])
weights = regressor.get_variable_value("linear/linear_model/x/weights").ravel()
try:
    predict_fn({"inputs": X[:2]})
    raise AssertionError("an unknown key was accepted")
except ValueError as error:
    assert "unexpected keys" in str(error)
assert sorted(predict_fn.feed_tensors) == ["x"], predict_fn.feed_tensors
assert np.allclose(served.ravel(), expected, atol=1e-5)
assert np.allclose(estimated.ravel(), expected, atol=1e-5)
assert np.allclose(weights, [1.5, -2.0, 0.5], atol=0.05), weights
shutil.rmtree(model_dir)
shutil.rmtree(export_base)
print("export_savedmodel_contrib_predictor OK: weights %s" % np.round(weights, 2))
