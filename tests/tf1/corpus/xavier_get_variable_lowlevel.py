"""Low-level layers from tf.get_variable with contrib xavier_initializer / xavier_initializer_conv2d / variance_scaling_initializer."""
import math

import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits


def conv_layer(x, name, out_channels, ksize=3):
    in_channels = x.get_shape()[-1].value
    with tf.variable_scope(name):
        W = tf.get_variable("W", shape=[ksize, ksize, in_channels, out_channels],
                            initializer=tf.contrib.layers.xavier_initializer_conv2d())
        b = tf.get_variable("b", shape=[out_channels], initializer=tf.constant_initializer(0.1))
        conv = tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding="SAME")
        return tf.nn.relu(tf.nn.bias_add(conv, b)), W


def fc_layer(x, name, n_out, initializer, activation=None):
    n_in = x.get_shape()[1].value
    with tf.variable_scope(name):
        W = tf.get_variable("W", [n_in, n_out], initializer=initializer)
        b = tf.get_variable("b", [n_out], initializer=tf.zeros_initializer())
        out = tf.matmul(x, W) + b
        return (activation(out) if activation else out), W


tf.set_random_seed(0)
digits = load_digits()
X_np = (digits.images / 16.0).astype(np.float32)[..., None]
y_np = digits.target.astype(np.int32)

x = tf.placeholder(tf.float32, [None, 8, 8, 1])
y = tf.placeholder(tf.int32, [None])
h_conv, W_conv = conv_layer(x, "conv1", 16)
h_pool = tf.nn.max_pool(h_conv, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
flat = tf.reshape(h_pool, [-1, 4 * 4 * 16])
h_fc, W_fc1 = fc_layer(flat, "fc1", 200, tf.contrib.layers.xavier_initializer(), tf.nn.relu)
h_fc2, W_fc2 = fc_layer(h_fc, "fc2", 300, tf.contrib.layers.xavier_initializer(uniform=False),
                        tf.nn.relu)
logits, W_out = fc_layer(h_fc2, "out", 10, tf.contrib.layers.variance_scaling_initializer())

loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
train = tf.train.AdamOptimizer(3e-3).minimize(loss)
acc = tf.reduce_mean(tf.cast(tf.nn.in_top_k(logits, y, 1), tf.float32))

assert [v.op.name for v in tf.trainable_variables()] == [
    "conv1/W", "conv1/b", "fc1/W", "fc1/b", "fc2/W", "fc2/b", "out/W", "out/b"]

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    wc, w1, w2, wo, b = sess.run([W_conv, W_fc1, W_fc2, W_out, "conv1/b:0"])
    for i in range(60):
        idx = np.arange(i * 25, i * 25 + 100) % 1500
        sess.run(train, {x: X_np[idx], y: y_np[idx]})
    test_acc = sess.run(acc, {x: X_np[1500:], y: y_np[1500:]})

# Glorot uniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)); for conv kernels
# the fans include the receptive field (3*3*1 in, 3*3*16 out)
conv_limit = math.sqrt(6.0 / (9 * 1 + 9 * 16))
assert np.abs(wc).max() <= conv_limit and np.abs(wc).max() > 0.8 * conv_limit
fc_limit = math.sqrt(6.0 / (256 + 200))
assert np.abs(w1).max() <= fc_limit
assert abs(w1.std() - fc_limit / math.sqrt(3.0)) < 0.1 * fc_limit
# Glorot normal (truncated): std close to sqrt(2 / (fan_in + fan_out))
assert abs(w2.std() - math.sqrt(2.0 / 500)) < 0.15 * math.sqrt(2.0 / 500), w2.std()
# He (variance scaling, factor 2, FAN_IN): std close to sqrt(2 / fan_in)
assert abs(wo.std() - math.sqrt(2.0 / 300)) < 0.2 * math.sqrt(2.0 / 300), wo.std()
assert np.allclose(b, 0.1)
assert test_acc > 0.7, test_acc
print("xavier_get_variable_lowlevel OK: accuracy %.3f" % test_acc)
