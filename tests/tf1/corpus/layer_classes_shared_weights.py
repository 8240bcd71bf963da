"""tf.layers class API (Conv2D, MaxPooling2D, Flatten, Dense objects) applied to two inputs, sharing weights."""
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits


class Tower(object):
    """A small convolutional tower whose layer objects are created once and called twice."""

    def __init__(self):
        self.conv = tf.layers.Conv2D(8, (3, 3), padding="same", activation=tf.nn.relu,
                                     name="tower_conv")
        self.pool = tf.layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2))
        self.flatten = tf.layers.Flatten()
        self.fc = tf.layers.Dense(16, activation=tf.nn.tanh, name="tower_fc")

    def __call__(self, x):
        return self.fc(self.flatten(self.pool(self.conv(x))))


d = load_digits()
imgs = (d.images / 16.0).astype(np.float32)[..., None]
labels = d.target

rng = np.random.RandomState(3)
n_pairs = 256
left_idx = rng.randint(0, len(imgs), n_pairs)
same = rng.rand(n_pairs) < 0.5
right_idx = np.empty(n_pairs, dtype=np.int64)
for i in range(n_pairs):
    pool = np.where((labels == labels[left_idx[i]]) == same[i])[0]
    right_idx[i] = rng.choice(pool)
pair_labels = same.astype(np.float32)

tf.set_random_seed(7)
left = tf.placeholder(tf.float32, [None, 8, 8, 1], name="left")
right = tf.placeholder(tf.float32, [None, 8, 8, 1], name="right")
target = tf.placeholder(tf.float32, [None], name="same")

tower = Tower()
emb_left = tower(left)
emb_right = tower(right)

distance = tf.sqrt(tf.reduce_sum(tf.square(emb_left - emb_right), axis=1) + 1e-6)
margin = 2.0
contrastive = target * tf.square(distance) + (1.0 - target) * tf.square(
    tf.maximum(margin - distance, 0.0))
loss = tf.reduce_mean(contrastive)
train_op = tf.train.GradientDescentOptimizer(0.05).minimize(loss)

trainable = tf.trainable_variables()
assert len(trainable) == 4, [v.name for v in trainable]
assert sorted(v.name for v in trainable) == ["tower_conv/bias:0", "tower_conv/kernel:0",
                                              "tower_fc/bias:0", "tower_fc/kernel:0"]
assert tower.conv.kernel.get_shape().as_list() == [3, 3, 1, 8]
assert tower.fc.kernel.get_shape().as_list() == [128, 16]
assert len(tower.fc.trainable_weights) == 2
assert set(tower.conv.variables) == {tower.conv.kernel, tower.conv.bias}

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    a, b = sess.run([emb_left, emb_right], {left: imgs[:10], right: imgs[:10]})
    feed = {left: imgs[left_idx], right: imgs[right_idx], target: pair_labels}
    loss_before = sess.run(loss, feed)
    for _ in range(40):
        sess.run(train_op, feed)
    loss_after = sess.run(loss, feed)

assert np.allclose(a, b), "the two towers must share their weights"
assert loss_after < loss_before, (loss_before, loss_after)
print("layer_classes_shared_weights OK: contrastive loss %.3f -> %.3f" % (loss_before, loss_after))
