"""Slim-style contrib: arg_scope sets batch_norm's is_training for normalizer_fn, layers.repeat / layers.stack naming, model variables."""
import numpy as np
import tensorflow as tf
import tensorflow.contrib.layers as layers
from tensorflow.contrib.framework import arg_scope
from sklearn.datasets import load_digits


def model(images, is_training):
    batch_norm_params = {"decay": 0.9, "epsilon": 1e-5, "scale": True,
                         "updates_collections": None}
    with arg_scope([layers.conv2d, layers.fully_connected],
                   normalizer_fn=layers.batch_norm, normalizer_params=batch_norm_params,
                   weights_regularizer=layers.l2_regularizer(1e-4)):
        with arg_scope([layers.batch_norm], is_training=is_training):
            net = layers.repeat(images, 2, layers.conv2d, 8, [3, 3], scope="conv1")
            net = layers.max_pool2d(net, [2, 2], scope="pool1")
            net = layers.flatten(net)
            net = layers.stack(net, layers.fully_connected, [48, 24], scope="fc")
    return layers.fully_connected(net, 10, activation_fn=None, scope="logits")


digits = load_digits()
X_np = (digits.images / 16.0).astype(np.float32)[..., None]
y_np = digits.target.astype(np.int32)

tf.set_random_seed(21)
images = tf.placeholder(tf.float32, [None, 8, 8, 1])
labels = tf.placeholder(tf.int32, [None])
is_training = tf.placeholder(tf.bool, [])
logits = model(images, is_training)

names = [v.op.name for v in tf.global_variables()]
for expected in ["conv1/conv1_1/weights", "conv1/conv1_2/weights",
                 "conv1/conv1_1/BatchNorm/moving_mean", "conv1/conv1_2/BatchNorm/gamma",
                 "fc/fc_1/weights", "fc/fc_2/weights", "fc/fc_2/BatchNorm/moving_variance",
                 "logits/weights", "logits/biases"]:
    assert expected in names, (expected, names)
assert "conv1/conv1_1/biases" not in names  # normalizer_fn replaces biases
model_vars = [v.op.name for v in tf.contrib.framework.get_model_variables()]
assert "conv1/conv1_1/BatchNorm/moving_mean" in model_vars, model_vars
assert len(tf.model_variables()) == len(model_vars)
assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []
assert len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) == 4

loss = tf.losses.sparse_softmax_cross_entropy(labels, logits) + tf.losses.get_regularization_loss()
train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.nn.in_top_k(logits, labels, 1), tf.float32))
moving_mean = tf.contrib.framework.get_variables("conv1/conv1_1/BatchNorm/moving_mean")[0]

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(80):
        idx = np.random.RandomState(step).randint(0, 1500, 64)
        sess.run(train_op, {images: X_np[idx], labels: y_np[idx], is_training: True})
    mm = sess.run(moving_mean)
    acc = sess.run(accuracy, {images: X_np[1500:], labels: y_np[1500:], is_training: False})

assert not np.allclose(mm, 0.0), "is_training from arg_scope must reach batch_norm"
assert acc > 0.8, acc
print("arg_scope_batch_norm_repeat_stack OK: test accuracy %.3f" % acc)
