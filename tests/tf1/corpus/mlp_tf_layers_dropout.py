"""MNIST-style MLP: tf.layers.dense + tf.layers.dropout(training=placeholder), in_top_k accuracy."""
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

digits = load_digits()
X_all = (digits.data / 16.0).astype(np.float32)
y_all = digits.target.astype(np.int32)
rng = np.random.RandomState(0)
order = rng.permutation(len(X_all))
X_train, y_train = X_all[order[:1400]], y_all[order[:1400]]
X_test, y_test = X_all[order[1400:]], y_all[order[1400:]]

n_inputs = 64
n_hidden1 = 100
n_hidden2 = 50
n_outputs = 10
dropout_rate = 0.3
learning_rate = 0.005

tf.set_random_seed(42)

X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
y = tf.placeholder(tf.int32, shape=(None), name="y")
training = tf.placeholder_with_default(False, shape=(), name="training")

with tf.name_scope("dnn"):
    X_drop = tf.layers.dropout(X, 0.1, training=training)
    hidden1 = tf.layers.dense(X_drop, n_hidden1, activation=tf.nn.relu, name="hidden1")
    hidden1_drop = tf.layers.dropout(hidden1, dropout_rate, training=training)
    hidden2 = tf.layers.dense(hidden1_drop, n_hidden2, activation=tf.nn.relu, name="hidden2")
    hidden2_drop = tf.layers.dropout(hidden2, dropout_rate, training=training)
    logits = tf.layers.dense(hidden2_drop, n_outputs, name="outputs")

with tf.name_scope("loss"):
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.reduce_mean(xentropy, name="loss")

with tf.name_scope("train"):
    optimizer = tf.train.AdamOptimizer(learning_rate)
    training_op = optimizer.minimize(loss)

with tf.name_scope("eval"):
    correct = tf.nn.in_top_k(logits, y, 1)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

init = tf.global_variables_initializer()

n_epochs = 8
batch_size = 50

with tf.Session() as sess:
    init.run()
    first_loss = loss.eval(feed_dict={X: X_train, y: y_train})
    for epoch in range(n_epochs):
        for start in range(0, len(X_train), batch_size):
            X_batch = X_train[start:start + batch_size]
            y_batch = y_train[start:start + batch_size]
            sess.run(training_op, feed_dict={X: X_batch, y: y_batch, training: True})
    final_loss = loss.eval(feed_dict={X: X_train, y: y_train})
    acc_test = accuracy.eval(feed_dict={X: X_test, y: y_test})
    # dropout is inactive by default: two evaluations agree exactly
    out1 = sess.run(logits, feed_dict={X: X_test[:5]})
    out2 = sess.run(logits, feed_dict={X: X_test[:5]})
    # ... and active when training=True
    out3 = sess.run(logits, feed_dict={X: X_test[:5], training: True})

names = sorted(v.op.name for v in tf.trainable_variables())
assert names == ["hidden1/bias", "hidden1/kernel", "hidden2/bias", "hidden2/kernel",
                 "outputs/bias", "outputs/kernel"], names
assert final_loss < first_loss * 0.5, (first_loss, final_loss)
assert acc_test > 0.8, acc_test
assert np.array_equal(out1, out2)
assert not np.allclose(out1, out3)
print("mlp_tf_layers_dropout OK: test accuracy %.3f, loss %.3f -> %.3f" % (acc_test, first_loss, final_loss))
