"""arg_scope over contrib conv2d/fully_connected/max_pool2d with weights_regularizer, then tf.losses.get_regularization_loss()."""
import numpy as np
import tensorflow as tf
from tensorflow.contrib.framework import arg_scope
from sklearn.datasets import load_digits

layers = tf.contrib.layers


def net_arg_scope(weight_decay=1e-3):
    with arg_scope([layers.conv2d, layers.fully_connected],
                   activation_fn=tf.nn.relu,
                   weights_initializer=layers.xavier_initializer(),
                   weights_regularizer=layers.l2_regularizer(weight_decay),
                   biases_initializer=tf.zeros_initializer()):
        with arg_scope([layers.conv2d], padding="SAME"):
            with arg_scope([layers.max_pool2d], padding="SAME") as sc:
                return sc


def small_net(images, num_classes=10):
    net = layers.conv2d(images, 16, [3, 3], scope="conv1")
    net = layers.max_pool2d(net, [2, 2], scope="pool1")
    net = layers.conv2d(net, 32, [3, 3], padding="VALID", scope="conv2")
    net = layers.flatten(net, scope="flatten")
    net = layers.fully_connected(net, 32, scope="fc1")
    logits = layers.fully_connected(net, num_classes, activation_fn=None, scope="logits")
    return logits


digits = load_digits()
X_np = (digits.images / 16.0).astype(np.float32)[:, :, :, None]
y_np = digits.target.astype(np.int64)

images = tf.placeholder(tf.float32, [None, 8, 8, 1])
labels = tf.placeholder(tf.int64, [None])

with arg_scope(net_arg_scope()):
    logits = small_net(images)

reg_losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
assert len(reg_losses) == 4, reg_losses  # conv1, conv2, fc1, logits weights (biases unregularized)

data_loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
reg_loss = tf.losses.get_regularization_loss()
total_loss = tf.losses.get_total_loss()
train_op = tf.train.AdamOptimizer(0.01).minimize(total_loss)

graph = tf.get_default_graph()
conv1_out = graph.get_tensor_by_name("conv1/Relu:0")
conv2_w = [v for v in tf.global_variables() if v.op.name == "conv2/weights"][0]
assert conv1_out.get_shape().as_list() == [None, 8, 8, 16]
assert conv2_w.get_shape().as_list() == [3, 3, 16, 32]
names = [v.op.name for v in tf.trainable_variables()]
assert names == ["conv1/weights", "conv1/biases", "conv2/weights", "conv2/biases",
                 "fc1/weights", "fc1/biases", "logits/weights", "logits/biases"], names
# pool1 runs SAME: 8x8 -> 4x4; conv2 VALID: 4x4 -> 2x2; flatten -> 128
assert graph.get_tensor_by_name("fc1/weights:0").get_shape().as_list() == [128, 32]

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    weights = sess.run([conv2_w])[0]
    reg_value, data_value, total_value = sess.run([reg_loss, data_loss, total_loss],
                                                  {images: X_np, labels: y_np})
    expected_conv2 = 1e-3 * np.sum(weights ** 2) / 2.0
    conv2_reg = [r for r in reg_losses if r.op.name.startswith("conv2/")][0]
    assert np.isclose(sess.run(conv2_reg), expected_conv2, rtol=1e-4)
    assert reg_value > 0
    assert np.isclose(total_value, reg_value + data_value, rtol=1e-5)
    for step in range(40):
        batch = np.random.RandomState(step).randint(0, len(X_np), 128)
        sess.run(train_op, {images: X_np[batch], labels: y_np[batch]})
    final_total = sess.run(total_loss, {images: X_np, labels: y_np})

assert final_total < total_value, (total_value, final_total)
print("arg_scope_contrib_regularizers OK: total loss %.3f -> %.3f" % (total_value, final_total))
