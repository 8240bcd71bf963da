"""contrib fully_connected with normalizer_fn=batch_norm + normalizer_params, contrib dropout, UPDATE_OPS control_dependencies."""
import numpy as np
import tensorflow as tf
from tensorflow.contrib.layers import fully_connected, batch_norm, dropout
from sklearn.datasets import load_digits

data = load_digits()
X_data = (data.data / 16.0).astype(np.float32)
y_data = data.target.astype(np.int32)
X_train, y_train = X_data[:1500], y_data[:1500]
X_valid, y_valid = X_data[1500:], y_data[1500:]

tf.set_random_seed(0)

X = tf.placeholder(tf.float32, [None, 64], name="X")
y = tf.placeholder(tf.int32, [None], name="y")
is_training = tf.placeholder(tf.bool, shape=(), name="is_training")
keep_prob = 0.8

bn_params = {
    "is_training": is_training,
    "decay": 0.9,
    "updates_collections": tf.GraphKeys.UPDATE_OPS,
    "scale": True,
}

hidden1 = fully_connected(X, 128, normalizer_fn=batch_norm, normalizer_params=bn_params)
hidden1_drop = dropout(hidden1, keep_prob, is_training=is_training)
hidden2 = fully_connected(hidden1_drop, 64, normalizer_fn=batch_norm,
                          normalizer_params=bn_params)
hidden2_drop = dropout(hidden2, keep_prob, is_training=is_training)
logits = fully_connected(hidden2_drop, 10, activation_fn=None, scope="logits")

cross_entropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
loss = tf.reduce_mean(cross_entropy)

update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
with tf.control_dependencies(update_ops):
    train_step = tf.train.MomentumOptimizer(0.05, 0.9).minimize(loss)

correct = tf.nn.in_top_k(logits, y, 1)
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

all_names = [v.op.name for v in tf.global_variables()]
for expected in ["fully_connected/weights", "fully_connected/BatchNorm/beta",
                 "fully_connected/BatchNorm/gamma", "fully_connected/BatchNorm/moving_mean",
                 "fully_connected/BatchNorm/moving_variance", "fully_connected_1/weights",
                 "logits/weights", "logits/biases"]:
    assert expected in all_names, (expected, all_names)
# a normalizer replaces the bias
assert "fully_connected/biases" not in all_names, all_names
assert len(update_ops) == 4, update_ops
moving_mean = [v for v in tf.global_variables()
               if v.op.name == "fully_connected/BatchNorm/moving_mean"][0]
assert moving_mean not in tf.trainable_variables()

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    mm_before = sess.run(moving_mean)
    for epoch in range(5):
        perm = np.random.RandomState(epoch).permutation(len(X_train))
        for i in range(0, len(perm), 100):
            batch = perm[i:i + 100]
            sess.run(train_step, feed_dict={X: X_train[batch], y: y_train[batch],
                                            is_training: True})
    mm_after = sess.run(moving_mean)
    acc = sess.run(accuracy, feed_dict={X: X_valid, y: y_valid, is_training: False})
    # inference is deterministic (moving statistics, no dropout)
    p1 = sess.run(logits, {X: X_valid[:3], is_training: False})
    p2 = sess.run(logits, {X: X_valid[:3], is_training: False})

assert not np.allclose(mm_before, mm_after), "moving_mean was never updated"
assert np.allclose(mm_before, 0.0)
assert np.array_equal(p1, p2)
assert acc > 0.8, acc
print("contrib_fc_batch_norm_update_ops OK: validation accuracy %.3f" % acc)
