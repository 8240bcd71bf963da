"""TF-Slim CNN: slim.arg_scope over conv2d/fully_connected with weights_regularizer, slim.losses (logits first) + slim.losses.get_total_loss()."""
import numpy as np
import tensorflow as tf
import tensorflow.contrib.slim as slim
from sklearn.datasets import load_digits


def digits_net(images, num_classes, is_training):
    with slim.arg_scope([slim.conv2d, slim.fully_connected],
                        activation_fn=tf.nn.relu,
                        weights_initializer=slim.initializers.xavier_initializer(),
                        weights_regularizer=slim.l2_regularizer(5e-4)):
        with slim.arg_scope([slim.conv2d], padding="SAME"):
            net = slim.conv2d(images, 16, [3, 3], scope="conv1")
            net = slim.max_pool2d(net, [2, 2], scope="pool1")
            net = slim.conv2d(net, 32, [3, 3], scope="conv2")
            net = slim.max_pool2d(net, [2, 2], scope="pool2")
        net = slim.flatten(net, scope="flatten")
        net = slim.fully_connected(net, 64, scope="fc3")
        net = slim.dropout(net, 0.8, is_training=is_training, scope="dropout3")
        logits = slim.fully_connected(net, num_classes, activation_fn=None, scope="logits")
    return logits


digits = load_digits()
X = (digits.images / 16.0).astype(np.float32)[..., np.newaxis]
y = digits.target.astype(np.int64)
X_train, y_train, X_test, y_test = X[:1400], y[:1400], X[1400:], y[1400:]

tf.reset_default_graph()
tf.set_random_seed(3)
images = tf.placeholder(tf.float32, [None, 8, 8, 1], name="images")
labels = tf.placeholder(tf.int64, [None], name="labels")
is_training = tf.placeholder_with_default(False, [], name="is_training")

logits = digits_net(images, 10, is_training)
onehot = slim.one_hot_encoding(labels, 10)
slim.losses.softmax_cross_entropy(logits, onehot, label_smoothing=0.05)
total_loss = slim.losses.get_total_loss()
tf.summary.scalar("losses/total_loss", total_loss)

global_step = slim.get_or_create_global_step()
optimizer = tf.train.AdamOptimizer(learning_rate=0.005)
train_op = optimizer.minimize(total_loss, global_step=global_step)
correct = tf.equal(tf.argmax(logits, 1), labels)
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

names = [v.op.name for v in slim.get_model_variables()]
assert names == ["conv1/weights", "conv1/biases", "conv2/weights", "conv2/biases",
                 "fc3/weights", "fc3/biases", "logits/weights", "logits/biases"], names
assert slim.get_variables_by_name("weights")[0].get_shape().as_list() == [3, 3, 1, 16]
assert len(slim.losses.get_losses()) == 1
assert len(slim.losses.get_regularization_losses()) == 4  # one per weights variable
n_params, n_bytes = slim.model_analyzer.analyze_vars(slim.get_model_variables())
assert n_params == 160 + 4640 + 8256 + 650 and n_bytes == 4 * n_params, n_params

rng = np.random.RandomState(0)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    feed_all = {images: X_train, labels: y_train}
    first = sess.run(total_loss, feed_all)
    for step in range(80):
        batch = rng.choice(len(X_train), 128, replace=False)
        sess.run(train_op, {images: X_train[batch], labels: y_train[batch], is_training: True})
    last = sess.run(total_loss, feed_all)
    acc = sess.run(accuracy, {images: X_test, labels: y_test})
    steps = sess.run(global_step)

assert steps == 80, steps
assert last < 0.5 * first, (first, last)
assert acc > 0.85, acc
print("slim_cnn_arg_scope OK: total loss %.3f -> %.3f, test accuracy %.3f" % (first, last, acc))
