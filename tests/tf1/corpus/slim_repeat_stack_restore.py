"""slim = tf.contrib.slim: slim.repeat / slim.stack scopes, get_variables_to_restore(exclude=...), Saver restore of a pretrained trunk under a new head."""
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

slim = tf.contrib.slim

TRUNK = ["conv/conv_1/biases", "conv/conv_1/weights", "conv/conv_2/biases",
         "conv/conv_2/weights", "fc/fc_1/biases", "fc/fc_1/weights",
         "fc/fc_2/biases", "fc/fc_2/weights"]


def trunk(images):
    net = slim.repeat(images, 2, slim.conv2d, 8, [3, 3], scope="conv")
    net = slim.max_pool2d(net, [2, 2], scope="pool")
    net = slim.flatten(net)
    return slim.stack(net, slim.fully_connected, [64, 32], scope="fc")


def build(num_classes, head_scope):
    images = tf.placeholder(tf.float32, [None, 8, 8, 1])
    labels = tf.placeholder(tf.int32, [None])
    logits = slim.fully_connected(trunk(images), num_classes, activation_fn=None,
                                  scope=head_scope)
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    return images, labels, logits, loss


def pretrain(X, y, checkpoint):
    """Digits 0-4 with the head "logits"; returns the trained trunk values."""
    tf.reset_default_graph()
    tf.set_random_seed(7)
    images, labels, _, loss = build(5, "logits")
    names = sorted(v.op.name for v in slim.get_model_variables())
    assert names == sorted(TRUNK + ["logits/biases", "logits/weights"]), names
    train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(50):
            sess.run(train_op, {images: X, labels: y})
        saver.save(sess, checkpoint)
        trunk_vars = slim.get_model_variables("conv") + slim.get_model_variables("fc")
        return {v.op.name: sess.run(v) for v in trunk_vars}


def main():
    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float32)[..., None]
    y = digits.target.astype(np.int32)
    low, high = y < 5, y >= 5
    workdir = tempfile.mkdtemp(prefix="slim_restore_")
    try:
        checkpoint = os.path.join(workdir, "trunk.ckpt")
        pretrained = pretrain(X[low], y[low], checkpoint)
        assert sorted(pretrained) == TRUNK, sorted(pretrained)

        tf.reset_default_graph()
        tf.set_random_seed(8)
        images, labels, logits, loss = build(5, "new_logits")
        variables_to_restore = slim.get_variables_to_restore(exclude=["new_logits"])
        assert sorted(v.op.name for v in variables_to_restore) == TRUNK
        convs_only = slim.get_variables_to_restore(include=["conv"], exclude=["conv/conv_2"])
        assert sorted(v.op.name for v in convs_only) == TRUNK[:2]
        head_vars = slim.get_trainable_variables("new_logits")
        assert sorted(v.op.name for v in head_vars) == ["new_logits/biases", "new_logits/weights"]
        train_op = tf.train.AdamOptimizer(0.03).minimize(loss, var_list=head_vars)
        restorer = tf.train.Saver(variables_to_restore)

        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            restorer.restore(sess, checkpoint)
            for var in variables_to_restore:
                assert np.array_equal(sess.run(var), pretrained[var.op.name]), var.op.name
            feed = {images: X[high], labels: y[high] - 5}
            before = sess.run(loss, feed)
            for _ in range(200):
                sess.run(train_op, feed)
            after = sess.run(loss, feed)
            for var in variables_to_restore:  # the trunk stayed frozen
                assert np.array_equal(sess.run(var), pretrained[var.op.name]), var.op.name
            acc = np.mean(np.argmax(sess.run(logits, feed), 1) == y[high] - 5)
        assert after < before, (before, after)
        assert acc > 0.7, acc
        print("slim_repeat_stack_restore OK: new head on 5-9 over the restored trunk, "
              "loss %.3f -> %.3f, accuracy %.3f" % (before, after, acc))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
