"""Separate train/test towers sharing weights via variable_scope(reuse=...), with tf.layers batch_normalization and dropout flags per tower."""
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

num_classes = 10
learning_rate = 0.01
batch_size = 64


def conv_net(x, n_classes, dropout, reuse, is_training):
    with tf.variable_scope("ConvNet", reuse=reuse):
        x = tf.reshape(x, shape=[-1, 8, 8, 1])
        conv1 = tf.layers.conv2d(x, 16, 3, padding="same", use_bias=False)
        conv1 = tf.layers.batch_normalization(conv1, momentum=0.9, training=is_training)
        conv1 = tf.nn.relu(conv1)
        conv1 = tf.layers.max_pooling2d(conv1, 2, 2)
        fc1 = tf.contrib.layers.flatten(conv1)
        fc1 = tf.layers.dense(fc1, 64)
        fc1 = tf.layers.batch_normalization(fc1, momentum=0.9, training=is_training)
        fc1 = tf.nn.relu(fc1)
        fc1 = tf.layers.dropout(fc1, rate=dropout, training=is_training)
        out = tf.layers.dense(fc1, n_classes)
    return out


digits = load_digits()
X_all = (digits.data / 16.0).astype(np.float32)
y_all = digits.target.astype(np.int32)

tf.set_random_seed(3)
X = tf.placeholder(tf.float32, [None, 64])
Y = tf.placeholder(tf.int32, [None])

logits_train = conv_net(X, num_classes, 0.25, reuse=False, is_training=True)
n_vars_after_train_tower = len(tf.global_variables())
logits_test = conv_net(X, num_classes, 0.25, reuse=True, is_training=False)
assert len(tf.global_variables()) == n_vars_after_train_tower, "the test tower must reuse"

names = sorted(v.op.name for v in tf.global_variables())
assert names == sorted([
    "ConvNet/conv2d/kernel",
    "ConvNet/batch_normalization/gamma", "ConvNet/batch_normalization/beta",
    "ConvNet/batch_normalization/moving_mean", "ConvNet/batch_normalization/moving_variance",
    "ConvNet/dense/kernel", "ConvNet/dense/bias",
    "ConvNet/batch_normalization_1/gamma", "ConvNet/batch_normalization_1/beta",
    "ConvNet/batch_normalization_1/moving_mean",
    "ConvNet/batch_normalization_1/moving_variance",
    "ConvNet/dense_1/kernel", "ConvNet/dense_1/bias"]), names

loss_op = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
    logits=logits_train, labels=Y))
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate)
update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
assert len(update_ops) == 4, update_ops  # only the training tower updates statistics
with tf.control_dependencies(update_ops):
    train_op = optimizer.minimize(loss_op, global_step=tf.train.get_or_create_global_step())

correct_pred = tf.equal(tf.argmax(logits_test, 1), tf.argmax(tf.one_hot(Y, num_classes), 1))
accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    rng = np.random.RandomState(0)
    for step in range(1, 101):
        idx = rng.randint(0, 1500, batch_size)
        sess.run(train_op, feed_dict={X: X_all[idx], Y: y_all[idx]})
    acc = sess.run(accuracy, feed_dict={X: X_all[1500:], Y: y_all[1500:]})
    t1 = sess.run(logits_test, {X: X_all[:5]})
    t2 = sess.run(logits_test, {X: X_all[:5]})
    r1 = sess.run(logits_train, {X: X_all[:5]})
    r2 = sess.run(logits_train, {X: X_all[:5]})

assert np.array_equal(t1, t2)
assert not np.allclose(r1, r2)  # training tower: dropout is on
assert acc > 0.85, acc
print("batch_norm_train_test_graphs_reuse OK: test accuracy %.3f" % acc)
