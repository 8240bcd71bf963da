"""l2 kernel_regularizer into REGULARIZATION_LOSSES + a max-norm regularizer that returns None and files clip ops in a collection."""
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits


def max_norm_regularizer(threshold, axes=1, name="max_norm", collection="max_norm"):
    def max_norm(weights):
        clipped = tf.clip_by_norm(weights, clip_norm=threshold, axes=axes)
        clip_weights = tf.assign(weights, clipped, name=name)
        tf.add_to_collection(collection, clip_weights)
        return None  # no loss term
    return max_norm


data = load_digits()
X_train = (data.data[:1400] / 16.0).astype(np.float32)
y_train = data.target[:1400]
X_test = (data.data[1400:] / 16.0).astype(np.float32)
y_test = data.target[1400:]

tf.set_random_seed(42)
X = tf.placeholder(tf.float32, shape=(None, 64), name="X")
y = tf.placeholder(tf.int64, shape=(None), name="y")

threshold = 1.0
max_norm_reg = max_norm_regularizer(threshold=threshold)
l2_reg = tf.contrib.layers.l2_regularizer(scale=0.001)

with tf.name_scope("dnn"):
    hidden1 = tf.layers.dense(X, 100, activation=tf.nn.relu,
                              kernel_regularizer=max_norm_reg, name="hidden1")
    hidden2 = tf.layers.dense(hidden1, 50, activation=tf.nn.relu,
                              kernel_regularizer=max_norm_reg, name="hidden2")
    logits = tf.layers.dense(hidden2, 10, kernel_regularizer=l2_reg, name="outputs")

with tf.name_scope("loss"):
    base_loss = tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    reg_losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    loss = tf.add_n([base_loss] + reg_losses, name="loss")

with tf.name_scope("train"):
    training_op = tf.train.MomentumOptimizer(0.05, momentum=0.9).minimize(loss)

with tf.name_scope("eval"):
    correct = tf.nn.in_top_k(logits, y, 1)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")

clip_all_weights = tf.get_collection("max_norm")
assert len(clip_all_weights) == 2, clip_all_weights
assert len(reg_losses) == 1, reg_losses  # only the l2 term; max-norm returned None

hidden1_kernel = tf.get_default_graph().get_tensor_by_name("hidden1/kernel:0")
out_kernel = tf.get_default_graph().get_tensor_by_name("outputs/kernel:0")

with tf.Session() as sess:
    tf.global_variables_initializer().run()
    for epoch in range(5):
        for start in range(0, 1400, 50):
            sess.run(training_op, feed_dict={X: X_train[start:start + 50],
                                             y: y_train[start:start + 50]})
            sess.run(clip_all_weights)
    acc = accuracy.eval(feed_dict={X: X_test, y: y_test})
    w1, w_out, l2_value = sess.run([hidden1_kernel, out_kernel, reg_losses[0]])

row_norms = np.sqrt(np.sum(w1 ** 2, axis=1))
assert row_norms.max() <= threshold + 1e-4, row_norms.max()
assert np.isclose(l2_value, 0.001 * np.sum(w_out ** 2) / 2, rtol=1e-4)
assert acc > 0.75, acc
print("l2_and_max_norm_collections OK: accuracy %.3f, max row norm %.3f" % (acc, row_norms.max()))
