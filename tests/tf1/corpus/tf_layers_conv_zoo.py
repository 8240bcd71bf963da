"""The rest of tf.layers: conv1d/conv3d/separable_conv2d/average pooling functions and Conv2DTranspose/SeparableConv2D/BatchNormalization/Dropout classes."""
import numpy as np
import tensorflow as tf

tf.set_random_seed(0)
signal = tf.placeholder(tf.float32, [None, 16, 3], name="signal")
image = tf.placeholder(tf.float32, [None, 8, 8, 3], name="image")
volume = tf.placeholder(tf.float32, [None, 4, 6, 6, 2], name="volume")
training = tf.placeholder_with_default(False, [], name="training")

c1 = tf.layers.conv1d(signal, 4, 5, strides=2, padding="same", name="c1")
p1 = tf.layers.average_pooling1d(c1, 2, 2, name="p1")
sep = tf.layers.separable_conv2d(image, 6, 3, depth_multiplier=2, padding="same", name="sep")
ap = tf.layers.average_pooling2d(sep, pool_size=2, strides=2)
c3 = tf.layers.conv3d(volume, 5, (2, 3, 3), name="c3")
mp3 = tf.layers.max_pooling3d(c3, pool_size=(1, 2, 2), strides=(1, 2, 2))
ap3 = tf.layers.average_pooling3d(c3, 2, 2, padding="same")
up = tf.layers.Conv2DTranspose(4, 3, strides=2, padding="same", name="up")(ap)
sep_cls = tf.layers.SeparableConv2D(2, (3, 3), name="sep_cls")
out = sep_cls(up)
bn = tf.layers.BatchNormalization(momentum=0.5, name="bn")
normed = bn(out, training=training)
dropped = tf.layers.Dropout(rate=0.5)(normed, training=training)

assert c1.get_shape().as_list() == [None, 8, 4]
assert p1.get_shape().as_list() == [None, 4, 4]
assert sep.get_shape().as_list() == [None, 8, 8, 6]
assert ap.get_shape().as_list() == [None, 4, 4, 6]
assert c3.get_shape().as_list() == [None, 3, 4, 4, 5]
assert mp3.get_shape().as_list() == [None, 3, 2, 2, 5]
assert ap3.get_shape().as_list() == [None, 2, 2, 2, 5]
assert up.get_shape().as_list() == [None, 8, 8, 4]
assert out.get_shape().as_list() == [None, 6, 6, 2]

shapes = {v.op.name: v.get_shape().as_list() for v in tf.global_variables()}
assert shapes["c1/kernel"] == [5, 3, 4]
assert shapes["sep/depthwise_kernel"] == [3, 3, 3, 2]
assert shapes["sep/pointwise_kernel"] == [1, 1, 6, 6]
assert shapes["sep/bias"] == [6]
assert shapes["c3/kernel"] == [2, 3, 3, 2, 5]
assert shapes["up/kernel"] == [3, 3, 4, 6]
assert shapes["bn/moving_mean"] == [2]
assert len(bn.updates) == 2, bn.updates
assert len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)) == 2

target = tf.placeholder(tf.float32, [None, 6, 6, 2])
loss = tf.reduce_mean(tf.square(dropped - target)) + tf.reduce_mean(tf.square(p1)) + \
    tf.reduce_mean(tf.square(mp3)) + tf.reduce_mean(tf.square(ap3))
with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
    train_op = tf.train.AdamOptimizer(0.01).minimize(loss)

rng = np.random.RandomState(0)
feed = {signal: rng.randn(8, 16, 3), image: rng.randn(8, 8, 8, 3),
        volume: rng.randn(8, 4, 6, 6, 2), target: rng.randn(8, 6, 6, 2) * 0.1}
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    first = sess.run(loss, feed)
    train_feed = dict(feed)
    train_feed[training] = True
    for _ in range(30):
        sess.run(train_op, train_feed)
    last = sess.run(loss, feed)
    mm = sess.run(bn.moving_mean)

assert not np.allclose(mm, 0.0)
assert last < first, (first, last)
print("tf_layers_conv_zoo OK: loss %.4f -> %.4f" % (first, last))
