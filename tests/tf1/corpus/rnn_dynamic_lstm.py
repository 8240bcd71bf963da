"""Sequence classifier with tf.nn.rnn_cell.LSTMCell + tf.nn.dynamic_rnn (sequence_length), final state into tf.layers.dense."""
import numpy as np
import tensorflow as tf

T, F, UNITS = 8, 2, 16

rng = np.random.RandomState(0)
X = rng.randn(200, T, F).astype(np.float32)
lengths = rng.randint(3, T + 1, 200).astype(np.int32)
mask = np.arange(T)[None, :] < lengths[:, None]
Y = ((X[:, :, 0] * mask).sum(axis=1) > 0).astype(np.int32)

tf.set_random_seed(0)
inputs = tf.placeholder(tf.float32, [None, T, F])
seq_len = tf.placeholder(tf.int32, [None])
labels = tf.placeholder(tf.int32, [None])

cell = tf.nn.rnn_cell.LSTMCell(UNITS)
outputs, state = tf.nn.dynamic_rnn(cell, inputs, sequence_length=seq_len, dtype=tf.float32)
logits = tf.layers.dense(state.h, 2)
loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
train_op = tf.train.AdamOptimizer(0.02).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.nn.in_top_k(logits, labels, 1), tf.float32))

assert outputs.get_shape().as_list() == [None, T, UNITS]
assert any("rnn/lstm_cell/kernel" in v.name for v in tf.trainable_variables())

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    feed = {inputs: X, seq_len: lengths, labels: Y}
    for _ in range(60):
        sess.run(train_op, feed)
    acc = sess.run(accuracy, feed)

assert acc > 0.8, acc
print("rnn_dynamic_lstm OK: training accuracy %.3f" % acc)
