"""Functional tf.layers sharing weights by name: reuse=True, reuse_variables(), tf.AUTO_REUSE, and default layer-name uniquification."""
import numpy as np
import tensorflow as tf


def tower(x, reuse=None):
    h = tf.layers.dense(x, 8, activation=tf.nn.relu, name="shared_h", reuse=reuse)
    return tf.layers.dense(h, 2, name="shared_out", reuse=reuse)


def encoder(x):
    with tf.variable_scope("encoder", reuse=tf.AUTO_REUSE):
        return tf.layers.conv2d(x, 4, 3, padding="same", name="conv")


tf.set_random_seed(0)
a = tf.placeholder(tf.float32, [None, 5])
b = tf.placeholder(tf.float32, [None, 5])
c = tf.placeholder(tf.float32, [None, 5])

# 1) reuse passed to the layer function
out_a = tower(a)
out_b = tower(b, reuse=True)

# 2) reuse through the enclosing variable scope
with tf.variable_scope("siamese") as scope:
    left = tf.layers.dense(a, 3, name="proj")
    scope.reuse_variables()
    right = tf.layers.dense(c, 3, name="proj")

# 3) AUTO_REUSE: first call creates, later calls share
img1 = tf.placeholder(tf.float32, [None, 6, 6, 1])
img2 = tf.placeholder(tf.float32, [None, 6, 6, 1])
enc1 = encoder(img1)
enc2 = encoder(img2)

# 4) unnamed layers get fresh names each call: dense, dense_1, ...
un1 = tf.layers.dense(a, 2)
un2 = tf.layers.dense(a, 2)

names = [v.op.name for v in tf.trainable_variables()]
assert names == ["shared_h/kernel", "shared_h/bias", "shared_out/kernel", "shared_out/bias",
                 "siamese/proj/kernel", "siamese/proj/bias",
                 "encoder/conv/kernel", "encoder/conv/bias",
                 "dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"], names

# reusing a name that does not exist yet is an error in TF1
try:
    tf.layers.dense(a, 2, name="never_created", reuse=True)
    raise AssertionError("reuse=True on a new name should fail")
except ValueError:
    pass

x_np = np.random.RandomState(0).randn(4, 5).astype(np.float32)
im_np = np.random.RandomState(1).rand(2, 6, 6, 1).astype(np.float32)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    ra, rb, l, r, e1, e2, u1, u2 = sess.run(
        [out_a, out_b, left, right, enc1, enc2, un1, un2],
        {a: x_np, b: x_np, c: x_np, img1: im_np, img2: im_np})

assert np.array_equal(ra, rb)
assert np.array_equal(l, r)
assert np.array_equal(e1, e2)
assert not np.allclose(u1, u2)
print("tf_layers_reuse_variable_scope OK: %d shared variables" % len(names))
