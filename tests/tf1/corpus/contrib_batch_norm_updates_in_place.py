"""contrib batch_norm with updates_collections=None (in-place moving-average updates), incl. the tf.cond + reuse=True idiom."""
import numpy as np
import tensorflow as tf
import tensorflow.contrib.layers as layers


def bn_switch(x, is_training, scope):
    # an idiom from TF1 code: one branch per mode, sharing variables through reuse
    return tf.cond(is_training,
                   lambda: layers.batch_norm(x, is_training=True, center=True, scale=True,
                                             updates_collections=None, decay=0.5,
                                             scope=scope, reuse=None),
                   lambda: layers.batch_norm(x, is_training=False, center=True, scale=True,
                                             updates_collections=None, decay=0.5,
                                             scope=scope, reuse=True))


def build(images, is_training):
    net = layers.conv2d(images, 8, [3, 3], normalizer_fn=layers.batch_norm,
                        normalizer_params={"is_training": is_training, "decay": 0.5,
                                           "updates_collections": None},
                        scope="conv1")
    net = layers.max_pool2d(net, [2, 2], scope="pool1")
    net = layers.flatten(net)
    net = layers.fully_connected(net, 32, activation_fn=None, scope="fc1")
    net = tf.nn.relu(bn_switch(net, is_training, "fc1_bn"))
    return layers.fully_connected(net, 1, activation_fn=None, scope="out")


np.random.seed(0)
images_np = (np.random.randn(200, 6, 6, 1) * 3.0 + 5.0).astype(np.float32)
targets_np = images_np.reshape(200, -1).mean(axis=1, keepdims=True)

images = tf.placeholder(tf.float32, [None, 6, 6, 1])
targets = tf.placeholder(tf.float32, [None, 1])
is_training = tf.placeholder(tf.bool, [])
pred = build(images, is_training)
loss = tf.reduce_mean(tf.square(pred - targets))
train_op = tf.train.AdamOptimizer(0.01).minimize(loss)

assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == [], tf.get_collection(tf.GraphKeys.UPDATE_OPS)
gvars = {v.op.name: v for v in tf.global_variables()}
for name in ["conv1/weights", "conv1/BatchNorm/beta", "conv1/BatchNorm/moving_mean",
             "conv1/BatchNorm/moving_variance", "fc1/weights", "fc1/biases",
             "fc1_bn/beta", "fc1_bn/gamma", "fc1_bn/moving_mean", "out/weights"]:
    assert name in gvars, (name, sorted(gvars))
assert "conv1/BatchNorm/gamma" not in gvars  # contrib batch_norm: scale=False by default
assert len([n for n in gvars if n.startswith("fc1_bn/") and "Adam" not in n]) == 4, sorted(gvars)

sess = tf.Session()
sess.run(tf.global_variables_initializer())
conv_mm = gvars["conv1/BatchNorm/moving_mean"]
fc_mm = gvars["fc1_bn/moving_mean"]
# a forward pass in training mode alone moves the averages: no UPDATE_OPS to run
sess.run(pred, {images: images_np, is_training: True})
conv_mm_1 = sess.run(conv_mm)
assert not np.allclose(conv_mm_1, 0.0)
# inference leaves them alone
sess.run(pred, {images: images_np, is_training: False})
assert np.allclose(sess.run(conv_mm), conv_mm_1)
first = sess.run(loss, {images: images_np, targets: targets_np, is_training: False})
for _ in range(60):
    sess.run(train_op, {images: images_np, targets: targets_np, is_training: True})
last = sess.run(loss, {images: images_np, targets: targets_np, is_training: False})
fc_mm_value = sess.run(fc_mm)
sess.close()

assert not np.allclose(fc_mm_value, 0.0)
assert last < first, (first, last)
print("contrib_batch_norm_updates_in_place OK: eval loss %.3f -> %.3f" % (first, last))
