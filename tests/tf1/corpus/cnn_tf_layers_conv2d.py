"""CNN with the functional tf.layers.conv2d / max_pooling2d / flatten / dense on 8x8 digits."""
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits


def load_data():
    d = load_digits()
    images = (d.images / 16.0).astype(np.float32)[..., np.newaxis]  # (n, 8, 8, 1)
    labels = d.target.astype(np.int64)
    return images[:1300], labels[:1300], images[1300:], labels[1300:]


def cnn_model(images, is_training):
    conv1 = tf.layers.conv2d(inputs=images, filters=16, kernel_size=[3, 3],
                             padding="same", activation=tf.nn.relu, name="conv1")
    pool1 = tf.layers.max_pooling2d(inputs=conv1, pool_size=[2, 2], strides=2)
    conv2 = tf.layers.conv2d(inputs=pool1, filters=32, kernel_size=3,
                             padding="same", activation=tf.nn.relu, name="conv2")
    pool2 = tf.layers.max_pooling2d(inputs=conv2, pool_size=2, strides=2)
    flat = tf.layers.flatten(pool2)
    dense = tf.layers.dense(inputs=flat, units=64, activation=tf.nn.relu)
    dropout = tf.layers.dropout(inputs=dense, rate=0.25, training=is_training)
    logits = tf.layers.dense(inputs=dropout, units=10)
    return conv1, pool1, pool2, flat, logits


def main():
    X_train, y_train, X_test, y_test = load_data()
    tf.set_random_seed(1)
    images = tf.placeholder(tf.float32, [None, 8, 8, 1], name="images")
    labels = tf.placeholder(tf.int64, [None], name="labels")
    is_training = tf.placeholder(tf.bool, name="is_training")

    conv1, pool1, pool2, flat, logits = cnn_model(images, is_training)
    loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    train_op = tf.train.AdamOptimizer(1e-2).minimize(loss)
    predictions = tf.argmax(logits, axis=1)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(predictions, labels), tf.float32))

    assert conv1.get_shape().as_list() == [None, 8, 8, 16]
    assert pool1.get_shape().as_list() == [None, 4, 4, 16]
    assert pool2.get_shape().as_list() == [None, 2, 2, 32]
    assert flat.get_shape().as_list() == [None, 128]
    assert logits.get_shape().as_list() == [None, 10]

    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    losses = []
    rng = np.random.RandomState(0)
    for step in range(60):
        idx = rng.randint(0, len(X_train), 64)
        _, l = sess.run([train_op, loss], {images: X_train[idx], labels: y_train[idx],
                                           is_training: True})
        losses.append(l)
    acc = sess.run(accuracy, {images: X_test, labels: y_test, is_training: False})
    sess.close()

    var_names = [v.name for v in tf.global_variables() if "Adam" not in v.name
                 and "power" not in v.name]
    assert var_names == ["conv1/kernel:0", "conv1/bias:0", "conv2/kernel:0", "conv2/bias:0",
                         "dense/kernel:0", "dense/bias:0", "dense_1/kernel:0",
                         "dense_1/bias:0"], var_names
    assert np.mean(losses[-10:]) < np.mean(losses[:10]), losses
    assert acc > 0.5, acc
    print("cnn_tf_layers_conv2d OK: accuracy %.3f" % acc)


if __name__ == "__main__":
    main()
