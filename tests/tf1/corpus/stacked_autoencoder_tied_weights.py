"""Stacked autoencoder with tied weights: tf.get_variable encoder kernels reused transposed (tf.transpose) by the decoder."""
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

tf.reset_default_graph()
tf.set_random_seed(42)

X_np = (load_digits().data / 16.0).astype(np.float32)

n_inputs = 64
n_hidden1 = 32
n_hidden2 = 12  # codings
n_hidden3 = n_hidden1
n_outputs = n_inputs
learning_rate = 0.01
l2_reg = 0.0005

activation = tf.nn.elu
regularizer = tf.contrib.layers.l2_regularizer(l2_reg)
initializer = tf.contrib.layers.variance_scaling_initializer()

X = tf.placeholder(tf.float32, shape=[None, n_inputs])

with tf.variable_scope("autoencoder"):
    weights1 = tf.get_variable("weights1", shape=[n_inputs, n_hidden1],
                               initializer=initializer, regularizer=regularizer)
    weights2 = tf.get_variable("weights2", shape=[n_hidden1, n_hidden2],
                               initializer=initializer, regularizer=regularizer)
    weights3 = tf.transpose(weights2, name="weights3")  # tied weights
    weights4 = tf.transpose(weights1, name="weights4")  # tied weights

    biases1 = tf.get_variable("biases1", initializer=tf.zeros(n_hidden1))
    biases2 = tf.get_variable("biases2", initializer=tf.zeros(n_hidden2))
    biases3 = tf.get_variable("biases3", initializer=tf.zeros(n_hidden3))
    biases4 = tf.get_variable("biases4", initializer=tf.zeros(n_outputs))

hidden1 = activation(tf.matmul(X, weights1) + biases1)
hidden2 = activation(tf.matmul(hidden1, weights2) + biases2)
hidden3 = activation(tf.matmul(hidden2, weights3) + biases3)
outputs = tf.matmul(hidden3, weights4) + biases4

reconstruction_loss = tf.reduce_mean(tf.square(outputs - X))
reg_losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
loss = tf.add_n([reconstruction_loss] + reg_losses)

optimizer = tf.train.AdamOptimizer(learning_rate)
training_op = optimizer.minimize(loss)

init = tf.global_variables_initializer()

# the decoder owns no weight matrices: 2 kernels + 4 biases
trainable_names = [v.op.name for v in tf.trainable_variables()]
assert trainable_names == ["autoencoder/weights1", "autoencoder/weights2",
                           "autoencoder/biases1", "autoencoder/biases2",
                           "autoencoder/biases3", "autoencoder/biases4"], trainable_names
assert len(reg_losses) == 2, reg_losses
assert weights4.get_shape().as_list() == [n_hidden1, n_inputs]

# asking for the same name again without reuse is an error in TF1 ...
try:
    with tf.variable_scope("autoencoder"):
        tf.get_variable("weights1", shape=[n_inputs, n_hidden1])
    raise AssertionError("expected a ValueError for an existing variable")
except ValueError as err:
    assert "already exists" in str(err), err
# ... and with reuse=True returns the very same variable
with tf.variable_scope("autoencoder", reuse=True):
    assert tf.get_variable("weights1") is weights1

n_epochs = 15
batch_size = 150
with tf.Session() as sess:
    init.run()
    start_loss = reconstruction_loss.eval(feed_dict={X: X_np})
    for epoch in range(n_epochs):
        for it in range(len(X_np) // batch_size):
            X_batch = X_np[it * batch_size:(it + 1) * batch_size]
            sess.run(training_op, feed_dict={X: X_batch})
    end_loss = reconstruction_loss.eval(feed_dict={X: X_np})
    w1, w4 = sess.run([weights1, weights4])
    codings = hidden2.eval(feed_dict={X: X_np[:4]})

assert np.array_equal(w1.T, w4)
assert codings.shape == (4, n_hidden2)
assert end_loss < 0.6 * start_loss, (start_loss, end_loss)
print("stacked_autoencoder_tied_weights OK: reconstruction MSE %.4f -> %.4f" % (start_loss, end_loss))
