"""Transfer learning: get_variables_to_restore(exclude=...) + Saver(var_list), assign_from_checkpoint_fn, frozen lower layers via var_list."""
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf
from tensorflow.contrib.layers import fully_connected
from sklearn.datasets import load_digits

slim_framework = tf.contrib.framework


def body(x):
    with tf.variable_scope("body"):
        h = fully_connected(x, 64, scope="hidden1")
        return fully_connected(h, 32, scope="hidden2")


def pretrain(X, y, ckpt_path):
    """Train on digits 0-4 and save everything."""
    tf.reset_default_graph()
    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, [None, 64])
    t = tf.placeholder(tf.int32, [None])
    logits = fully_connected(body(x), 5, activation_fn=None, scope="old_head")
    loss = tf.losses.sparse_softmax_cross_entropy(t, logits)
    train = tf.train.AdamOptimizer(0.01).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(60):
            sess.run(train, {x: X, t: y})
        tf.train.Saver().save(sess, ckpt_path)
        return {v.op.name: sess.run(v) for v in tf.trainable_variables()}


def main():
    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int32)
    low, high = y < 5, y >= 5
    workdir = tempfile.mkdtemp(prefix="tf1_transfer_")
    try:
        ckpt = os.path.join(workdir, "pretrained.ckpt")
        pretrained = pretrain(X[low], y[low], ckpt)

        tf.reset_default_graph()
        x = tf.placeholder(tf.float32, [None, 64])
        t = tf.placeholder(tf.int32, [None])
        features = body(x)
        logits = fully_connected(features, 5, activation_fn=None, scope="new_head")
        loss = tf.losses.sparse_softmax_cross_entropy(t, logits)

        to_restore = slim_framework.get_variables_to_restore(exclude=["new_head"])
        assert sorted(v.op.name for v in to_restore) == [
            "body/hidden1/biases", "body/hidden1/weights",
            "body/hidden2/biases", "body/hidden2/weights"], to_restore
        head_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="new_head")
        assert len(head_vars) == 2
        train = tf.train.AdamOptimizer(0.03).minimize(loss, var_list=head_vars)
        restorer = tf.train.Saver(var_list=to_restore)
        init_fn = slim_framework.assign_from_checkpoint_fn(
            ckpt, slim_framework.get_variables("body/hidden1"))

        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            init_fn(sess)
            w1 = sess.run(slim_framework.get_variables_by_name("weights")[0])
            assert np.array_equal(w1, pretrained["body/hidden1/weights"])
            restorer.restore(sess, ckpt)
            for v in to_restore:
                assert np.array_equal(sess.run(v), pretrained[v.op.name]), v.op.name
            for _ in range(150):
                sess.run(train, {x: X[high], t: y[high] - 5})
            # the frozen body did not move
            for v in to_restore:
                assert np.array_equal(sess.run(v), pretrained[v.op.name]), v.op.name
            acc = np.mean(np.argmax(sess.run(logits, {x: X[high]}), 1) == y[high] - 5)
        assert acc > 0.7, acc
        print("transfer_contrib_framework_restore OK: accuracy on 5-9 with frozen body %.3f" % acc)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
