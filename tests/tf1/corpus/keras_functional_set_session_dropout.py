"""tf.keras functional layers on placeholders in a Session loop: set_session, learning_phase for Dropout, BatchNormalization updates."""
import numpy as np
import tensorflow as tf
from tensorflow.keras import backend as K
from tensorflow.keras.layers import Dense, Dropout, BatchNormalization
from sklearn.datasets import load_digits

digits = load_digits()
X = (digits.data / 16.0).astype(np.float32)
Y = np.eye(10, dtype=np.float32)[digits.target]

tf.reset_default_graph()
tf.set_random_seed(2)
sess = tf.Session()
K.set_session(sess)

images = tf.placeholder(tf.float32, shape=(None, 64), name="images")
labels = tf.placeholder(tf.float32, shape=(None, 10), name="labels")
x = Dense(128, activation="relu")(images)
bn = BatchNormalization()
x = bn(x)
x = Dropout(0.5)(x)
preds = Dense(10, activation="softmax")(x)

loss = tf.reduce_mean(tf.keras.losses.categorical_crossentropy(labels, preds))
update_ops = bn.updates
with tf.control_dependencies(update_ops):
    train_step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
acc_value = tf.reduce_mean(tf.keras.metrics.categorical_accuracy(labels, preds))

sess.run(tf.global_variables_initializer())
moving_mean_before = sess.run(bn.moving_mean)
first_loss = None
rng = np.random.RandomState(0)
for step in range(300):
    idx = rng.randint(0, 1500, size=50)
    _, l = sess.run([train_step, loss], feed_dict={images: X[idx], labels: Y[idx],
                                                  K.learning_phase(): 1})
    if first_loss is None:
        first_loss = l
test_acc = sess.run(acc_value, feed_dict={images: X[1500:], labels: Y[1500:],
                                          K.learning_phase(): 0})
# Dropout is off at test time: two evaluations agree exactly.
p1, p2 = sess.run(preds, {images: X[:5], K.learning_phase(): 0}), sess.run(preds, {images: X[:5], K.learning_phase(): 0})

names = sorted(v.name for v in tf.global_variables())
assert "dense/kernel:0" in names and "dense_1/bias:0" in names, names
assert "batch_normalization/moving_mean:0" in names, names
assert len(update_ops) == 2, update_ops
assert not np.allclose(sess.run(bn.moving_mean), moving_mean_before)
assert np.array_equal(p1, p2)
assert l < first_loss
assert test_acc > 0.85, test_acc
sess.close()
print("keras_functional_set_session_dropout OK: test accuracy %.3f" % test_acc)
