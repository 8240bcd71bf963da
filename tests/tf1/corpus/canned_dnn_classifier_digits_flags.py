"""Canned tf.estimator.DNNClassifier on digits: tf.app.flags, numeric_column, numpy_input_fn, evaluate and predict."""
import shutil
import tempfile

import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

tf.logging.set_verbosity(tf.logging.INFO)

flags = tf.app.flags
flags.DEFINE_integer("train_steps", 300, "Number of training steps.")
flags.DEFINE_integer("batch_size", 64, "Batch size.")
flags.DEFINE_string("hidden_units", "64,32", "Comma separated hidden layer sizes.")
FLAGS = flags.FLAGS


def main(_):
    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int32)
    X_train, y_train, X_test, y_test = X[:1400], y[:1400], X[1400:], y[1400:]

    feature_columns = [tf.feature_column.numeric_column("x", shape=[64])]
    model_dir = tempfile.mkdtemp()
    classifier = tf.estimator.DNNClassifier(
        feature_columns=feature_columns,
        hidden_units=[int(u) for u in FLAGS.hidden_units.split(",")],
        n_classes=10,
        optimizer=tf.train.AdamOptimizer(learning_rate=0.01),
        model_dir=model_dir)

    train_input_fn = tf.estimator.inputs.numpy_input_fn(
        x={"x": X_train}, y=y_train, batch_size=FLAGS.batch_size, num_epochs=None, shuffle=True)
    classifier.train(input_fn=train_input_fn, steps=FLAGS.train_steps)

    test_input_fn = tf.estimator.inputs.numpy_input_fn(
        x={"x": X_test}, y=y_test, num_epochs=1, shuffle=False)
    eval_result = classifier.evaluate(input_fn=test_input_fn)
    accuracy_score = eval_result["accuracy"]

    predict_input_fn = tf.estimator.inputs.numpy_input_fn(
        x={"x": X_test[:50]}, num_epochs=1, shuffle=False)
    predictions = list(classifier.predict(input_fn=predict_input_fn))
    predicted_classes = [p["class_ids"][0] for p in predictions]
    probabilities = np.array([p["probabilities"] for p in predictions])

    names = classifier.get_variable_names()
    assert "dnn/hiddenlayer_0/kernel" in names and "dnn/logits/bias" in names, names
    assert classifier.get_variable_value("dnn/hiddenlayer_1/kernel").shape == (64, 32)
    assert eval_result["global_step"] == FLAGS.train_steps, eval_result
    assert accuracy_score > 0.85, eval_result
    assert set(["loss", "average_loss", "accuracy"]) <= set(eval_result), eval_result
    assert probabilities.shape == (50, 10)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert np.mean(np.array(predicted_classes) == y_test[:50]) > 0.8
    assert predictions[0]["classes"][0] == str(predicted_classes[0]).encode()
    shutil.rmtree(model_dir)
    print("canned_dnn_classifier_digits_flags OK: accuracy %.3f" % accuracy_score)


if __name__ == "__main__":
    tf.app.run()
