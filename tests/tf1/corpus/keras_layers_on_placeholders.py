"""tf.keras layers on TF1 placeholders, trained by a hand-written Session loop with a shared tower."""
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

K = tf.keras.backend
layers = tf.keras.layers

digits = load_digits()
images = (digits.images / 16.0).astype(np.float32)[..., None]
labels = digits.target

tf.reset_default_graph()
tf.set_random_seed(0)
x = tf.placeholder(tf.float32, [None, 8, 8, 1], name='x')
y = tf.placeholder(tf.int64, [None], name='y')
x_eval = tf.placeholder(tf.float32, [None, 8, 8, 1], name='x_eval')

inputs = tf.keras.Input(tensor=x)
h = layers.Conv2D(16, 3, padding='same', activation='relu')(inputs)
h = layers.BatchNormalization()(h)
h = layers.MaxPooling2D()(h)
h = layers.Flatten()(h)
logits = layers.Dense(10)(h)
net = tf.keras.Model(inputs=inputs, outputs=logits)

loss = tf.losses.sparse_softmax_cross_entropy(labels=y, logits=net.output)
train_op = tf.group(tf.train.AdamOptimizer(0.01).minimize(loss), *net.updates)
n_variables = len(tf.global_variables())
eval_logits = net(x_eval)  # the same weights, a second tower
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(eval_logits, 1), y), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    first_loss = None
    for step in range(60):
        batch = np.random.RandomState(step).choice(1500, 100, replace=False)
        _, value = sess.run([train_op, loss], {x: images[batch], y: labels[batch],
                                               K.learning_phase(): 1})
        first_loss = value if first_loss is None else first_loss
    test_accuracy = sess.run(accuracy, {x_eval: images[1500:], y: labels[1500:]})
    moving_mean = sess.run(net.layers[2].moving_mean)

assert value < 0.5 * first_loss, (first_loss, value)
assert test_accuracy > 0.8, test_accuracy
assert np.any(moving_mean != 0)
assert len(tf.global_variables()) == n_variables  # the eval tower made no new variables
assert [v.name for v in net.trainable_weights] == [
    'conv2d/kernel:0', 'conv2d/bias:0', 'batch_normalization/gamma:0',
    'batch_normalization/beta:0', 'dense/kernel:0', 'dense/bias:0']
assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []  # tf.keras kept its updates apart
print("keras_layers_on_placeholders OK: test accuracy %.3f" % test_accuracy)
