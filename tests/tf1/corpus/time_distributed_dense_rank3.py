"""Dense layers on rank-3 [batch, time, features] inputs (tf.layers.dense and contrib fully_connected), xavier_initializer as kernel_initializer, sequence masks."""
import numpy as np
import tensorflow as tf

T, F, H, C = 7, 5, 12, 3

rng = np.random.RandomState(0)
X = rng.randn(120, T, F).astype(np.float32)
lengths = rng.randint(2, T + 1, 120).astype(np.int32)
Y = (np.argmax(X[:, :, :C], axis=2)).astype(np.int32)  # per-step label

tf.set_random_seed(0)
inputs = tf.placeholder(tf.float32, [None, T, F], name="inputs")
targets = tf.placeholder(tf.int32, [None, T], name="targets")
seq_len = tf.placeholder(tf.int32, [None], name="seq_len")

hidden = tf.layers.dense(inputs, H, activation=tf.nn.relu,
                         kernel_initializer=tf.contrib.layers.xavier_initializer(),
                         name="per_step_hidden")
hidden2 = tf.contrib.layers.fully_connected(hidden, H, scope="per_step_fc")
logits = tf.layers.dense(hidden2, C, name="per_step_logits")

assert hidden.get_shape().as_list() == [None, T, H], hidden.get_shape()
assert hidden2.get_shape().as_list() == [None, T, H], hidden2.get_shape()
assert logits.get_shape().as_list() == [None, T, C], logits.get_shape()
kernel = tf.get_default_graph().get_tensor_by_name("per_step_hidden/kernel:0")
assert kernel.get_shape().as_list() == [F, H]
fc_w = tf.get_default_graph().get_tensor_by_name("per_step_fc/weights:0")
assert fc_w.get_shape().as_list() == [H, H]

mask = tf.sequence_mask(seq_len, maxlen=T, dtype=tf.float32)
step_loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
loss = tf.reduce_sum(step_loss * mask) / tf.reduce_sum(mask)
train_op = tf.train.AdamOptimizer(0.02).minimize(loss)
predictions = tf.argmax(logits, axis=-1, output_type=tf.int32)
masked_acc = tf.reduce_sum(tf.cast(tf.equal(predictions, targets), tf.float32) * mask) / \
    tf.reduce_sum(mask)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    feed = {inputs: X, targets: Y, seq_len: lengths}
    first = sess.run(loss, feed)
    for _ in range(80):
        sess.run(train_op, feed)
    last, acc = sess.run([loss, masked_acc], feed)

assert last < 0.5 * first, (first, last)
assert acc > 0.8, acc
print("time_distributed_dense_rank3 OK: masked accuracy %.3f" % acc)
