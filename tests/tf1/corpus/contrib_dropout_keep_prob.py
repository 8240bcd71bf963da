"""contrib dropout driven by a keep_prob placeholder and an is_training switch (classic keep_prob: 1.0 at eval)."""
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits


class Classifier(object):
    def __init__(self, n_inputs, n_classes, hidden=(96, 48)):
        self.x = tf.placeholder(tf.float32, [None, n_inputs], name="x")
        self.y = tf.placeholder(tf.int64, [None], name="y")
        self.keep_prob = tf.placeholder(tf.float32, name="keep_prob")
        self.is_training = tf.placeholder(tf.bool, name="is_training")

        h = self.x
        for i, units in enumerate(hidden):
            h = tf.contrib.layers.fully_connected(h, units, scope="fc%d" % i)
            h = tf.contrib.layers.dropout(h, keep_prob=self.keep_prob,
                                          is_training=self.is_training, scope="drop%d" % i)
        self.logits = tf.contrib.layers.fully_connected(h, n_classes, activation_fn=None,
                                                        scope="out")
        self.loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=self.y, logits=self.logits))
        self.train_op = tf.train.AdamOptimizer(1e-2).minimize(self.loss)
        self.accuracy = tf.reduce_mean(tf.to_float(tf.equal(tf.argmax(self.logits, 1), self.y)))


def main():
    tf.set_random_seed(5)
    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    y = digits.target
    model = Classifier(64, 10)

    # a bare dropout on ones shows the TF1 semantics directly
    ones = tf.ones([200, 50])
    dropped = tf.contrib.layers.dropout(ones, keep_prob=model.keep_prob,
                                        is_training=model.is_training)
    always_off = tf.contrib.layers.dropout(ones, keep_prob=0.5, is_training=False)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        train_out = sess.run(dropped, {model.keep_prob: 0.5, model.is_training: True})
        eval_out = sess.run(dropped, {model.keep_prob: 0.5, model.is_training: False})
        off = sess.run(always_off)

        for step in range(80):
            idx = np.random.RandomState(step).choice(1500, 100, replace=False)
            sess.run(model.train_op, {model.x: X[idx], model.y: y[idx],
                                      model.keep_prob: 0.7, model.is_training: True})
        acc = sess.run(model.accuracy, {model.x: X[1500:], model.y: y[1500:],
                                        model.keep_prob: 1.0, model.is_training: False})

    zero_fraction = np.mean(train_out == 0.0)
    assert 0.4 < zero_fraction < 0.6, zero_fraction
    assert np.allclose(train_out[train_out != 0.0], 2.0), "kept units are scaled by 1/keep_prob"
    assert np.array_equal(eval_out, np.ones([200, 50], np.float32))
    assert np.array_equal(off, np.ones([200, 50], np.float32))
    assert acc > 0.8, acc
    print("contrib_dropout_keep_prob OK: accuracy %.3f, zero fraction %.2f" % (acc, zero_fraction))


if __name__ == "__main__":
    main()
