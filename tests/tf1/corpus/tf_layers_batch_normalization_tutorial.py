"""Tutorial-style tf.layers.batch_normalization via functools.partial, running the UPDATE_OPS next to the training op."""
from functools import partial

import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

tf.reset_default_graph()

digits = load_digits()
X_train = (digits.data[:1500] / 16.0).astype(np.float32)
y_train = digits.target[:1500].astype(np.int32)
X_test = (digits.data[1500:] / 16.0).astype(np.float32)
y_test = digits.target[1500:].astype(np.int32)

n_inputs = 8 * 8
n_hidden1 = 80
n_hidden2 = 40
n_outputs = 10
batch_norm_momentum = 0.9

X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
y = tf.placeholder(tf.int32, shape=(None), name="y")
training = tf.placeholder_with_default(False, shape=(), name="training")

with tf.name_scope("dnn"):
    he_init = tf.contrib.layers.variance_scaling_initializer()
    my_batch_norm_layer = partial(tf.layers.batch_normalization, training=training,
                                  momentum=batch_norm_momentum)
    my_dense_layer = partial(tf.layers.dense, kernel_initializer=he_init)

    hidden1 = my_dense_layer(X, n_hidden1, name="hidden1")
    bn1 = tf.nn.elu(my_batch_norm_layer(hidden1))
    hidden2 = my_dense_layer(bn1, n_hidden2, name="hidden2")
    bn2 = tf.nn.elu(my_batch_norm_layer(hidden2))
    logits_before_bn = my_dense_layer(bn2, n_outputs, name="outputs")
    logits = my_batch_norm_layer(logits_before_bn)

with tf.name_scope("loss"):
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.reduce_mean(xentropy, name="loss")

with tf.name_scope("train"):
    optimizer = tf.train.GradientDescentOptimizer(0.1)
    training_op = optimizer.minimize(loss)

with tf.name_scope("eval"):
    correct = tf.nn.in_top_k(logits, y, 1)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

init = tf.global_variables_initializer()
saver = tf.train.Saver()

extra_update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
assert len(extra_update_ops) == 6, extra_update_ops

bn_names = sorted(v.name for v in tf.global_variables() if "batch_normalization" in v.name)
assert bn_names == sorted(
    ["batch_normalization%s/%s:0" % (suffix, var)
     for suffix in ("", "_1", "_2")
     for var in ("gamma", "beta", "moving_mean", "moving_variance")]), bn_names
n_trainable_bn = len([v for v in tf.trainable_variables() if "batch_normalization" in v.name])
assert n_trainable_bn == 6, n_trainable_bn

n_epochs = 6
batch_size = 50
with tf.Session() as sess:
    init.run()
    acc_start = accuracy.eval(feed_dict={X: X_test, y: y_test})
    for epoch in range(n_epochs):
        for iteration in range(len(X_train) // batch_size):
            X_batch = X_train[iteration * batch_size:(iteration + 1) * batch_size]
            y_batch = y_train[iteration * batch_size:(iteration + 1) * batch_size]
            sess.run([training_op, extra_update_ops],
                     feed_dict={training: True, X: X_batch, y: y_batch})
        accuracy_val = accuracy.eval(feed_dict={X: X_test, y: y_test})
    moving_var = sess.run("batch_normalization/moving_variance:0")

assert accuracy_val > 0.8, accuracy_val
assert accuracy_val > acc_start
assert not np.allclose(moving_var, 1.0)
print("tf_layers_batch_normalization_tutorial OK: test accuracy %.3f" % accuracy_val)
