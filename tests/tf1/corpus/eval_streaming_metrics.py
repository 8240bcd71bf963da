"""MLP evaluated batch by batch with tf.contrib.metrics streaming_accuracy / streaming_auc (local variables), plus tf.contrib.learn.MetricSpec."""
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits
from tensorflow.contrib.metrics import streaming_auc

digits = load_digits()
X_all = (digits.data / 16.0).astype(np.float32)
y_all = digits.target.astype(np.int64)
rng = np.random.RandomState(42)
order = rng.permutation(len(X_all))
X_train, y_train = X_all[order[:1300]], y_all[order[:1300]]
X_test, y_test = X_all[order[1300:]], y_all[order[1300:]]

tf.reset_default_graph()
tf.set_random_seed(42)

X = tf.placeholder(tf.float32, shape=(None, 64), name="X")
y = tf.placeholder(tf.int64, shape=(None), name="y")

with tf.name_scope("dnn"):
    hidden1 = tf.layers.dense(X, 64, activation=tf.nn.relu, name="hidden1")
    hidden2 = tf.layers.dense(hidden1, 32, activation=tf.nn.relu, name="hidden2")
    logits = tf.layers.dense(hidden2, 10, name="outputs")

with tf.name_scope("loss"):
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.reduce_mean(xentropy, name="loss")

training_op = tf.train.AdamOptimizer(0.01).minimize(loss)

predictions = {
    "classes": tf.argmax(logits, axis=1),
    "probabilities": tf.nn.softmax(logits),
}

with tf.name_scope("eval"):
    accuracy, accuracy_update = tf.contrib.metrics.streaming_accuracy(predictions["classes"], y)
    # "is it a zero?" as a binary problem: probability of class 0 against y == 0
    auc, auc_update = streaming_auc(predictions["probabilities"][:, 0], tf.equal(y, 0))
    names_to_values, names_to_updates = tf.contrib.metrics.aggregate_metric_map({
        "accuracy": (accuracy, accuracy_update),
        "auc_zero": (auc, auc_update),
    })

m = tf.contrib.learn.MetricSpec(metric_fn=tf.contrib.metrics.streaming_accuracy,
        prediction_key=tf.contrib.learn.prediction_key.PredictionKey.CLASSES)
with tf.variable_scope("metric_spec"):
    spec_accuracy, spec_update = m.create_metric_ops({"X": X}, y, predictions)

init = tf.global_variables_initializer()
local_init = tf.local_variables_initializer()

with tf.Session() as sess:
    init.run()
    for epoch in range(5):
        for start in range(0, len(X_train), 100):
            sess.run(training_op, feed_dict={X: X_train[start:start + 100],
                                             y: y_train[start:start + 100]})
    local_init.run()
    classes, probas = [], []
    for start in range(0, len(X_test), 128):
        batch = {X: X_test[start:start + 128], y: y_test[start:start + 128]}
        _, _, batch_classes, batch_probas = sess.run(
            [list(names_to_updates.values()), spec_update, predictions["classes"],
             predictions["probabilities"]], feed_dict=batch)
        classes.append(batch_classes)
        probas.append(batch_probas)
    values = sess.run(names_to_values)
    acc_spec = sess.run(spec_accuracy)
    local_names = sorted(v.op.name for v in tf.local_variables())

classes = np.concatenate(classes)
probas = np.concatenate(probas)
numpy_accuracy = np.mean(classes == y_test)
positives = probas[y_test == 0, 0]
negatives = probas[y_test != 0, 0]
numpy_auc = np.mean(positives[:, None] > negatives[None, :])

assert len(X_test) > 3 * 128  # several batches were accumulated
assert np.isclose(values["accuracy"], numpy_accuracy, atol=1e-6), (values, numpy_accuracy)
assert np.isclose(acc_spec, numpy_accuracy, atol=1e-6), (acc_spec, numpy_accuracy)
assert numpy_accuracy > 0.85, numpy_accuracy
assert abs(values["auc_zero"] - numpy_auc) < 0.02, (values, numpy_auc)
assert "eval/accuracy/count" in local_names and "metric_spec/accuracy/total" in local_names
assert not [v for v in tf.trainable_variables() if "accuracy" in v.op.name]
print("eval_streaming_metrics OK: streaming accuracy %.3f (NumPy %.3f), AUC(0 vs rest) %.3f"
      % (values["accuracy"], numpy_accuracy, values["auc_zero"]))
