"""Variational autoencoder with tf.layers.dense: reparameterization trick, KL term, decoder reused for sampling."""
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

LATENT = 4


def encoder(x):
    with tf.variable_scope("encoder"):
        h = tf.layers.dense(x, 48, activation=tf.nn.elu, name="h1")
        mean = tf.layers.dense(h, LATENT, name="mean")
        log_var = tf.layers.dense(h, LATENT, name="log_var")
    return mean, log_var


def decoder(z, reuse=False):
    with tf.variable_scope("decoder", reuse=reuse):
        h = tf.layers.dense(z, 48, activation=tf.nn.elu, name="h1")
        logits = tf.layers.dense(h, 64, name="logits")
    return logits


tf.set_random_seed(123)
x_np = (load_digits().data / 16.0).astype(np.float32)

x = tf.placeholder(tf.float32, [None, 64], name="x")
mean, log_var = encoder(x)
eps = tf.random_normal(tf.shape(mean), dtype=tf.float32)
z = mean + tf.exp(0.5 * log_var) * eps
logits = decoder(z)
reconstruction = tf.sigmoid(logits)

xent = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits), axis=1)
kl = -0.5 * tf.reduce_sum(1.0 + log_var - tf.square(mean) - tf.exp(log_var), axis=1)
loss = tf.reduce_mean(xent + kl)
train_op = tf.train.AdamOptimizer(learning_rate=0.003).minimize(loss)

# sampling from the prior through the same decoder weights
n_samples = tf.placeholder(tf.int32, [], name="n_samples")
z_prior = tf.random_normal([n_samples, LATENT])
samples = tf.sigmoid(decoder(z_prior, reuse=True))

decoder_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="decoder")
encoder_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="encoder")
assert [v.name for v in decoder_vars] == ["decoder/h1/kernel:0", "decoder/h1/bias:0",
                                          "decoder/logits/kernel:0", "decoder/logits/bias:0"]
assert len(encoder_vars) == 6
assert len(tf.trainable_variables()) == 10  # the prior sampler created nothing new

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    loss_start = sess.run(loss, {x: x_np})
    rng = np.random.RandomState(0)
    for step in range(150):
        batch = x_np[rng.randint(0, len(x_np), 100)]
        sess.run(train_op, {x: batch})
    loss_end, kl_values = sess.run([loss, kl], {x: x_np})
    generated = sess.run(samples, {n_samples: 7})

assert generated.shape == (7, 64)
assert generated.min() >= 0.0 and generated.max() <= 1.0
assert np.all(kl_values >= -1e-4), kl_values.min()
assert loss_end < loss_start * 0.8, (loss_start, loss_end)
print("vae_tf_layers_dense OK: ELBO loss %.2f -> %.2f" % (loss_start, loss_end))
