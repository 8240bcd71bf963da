"""VAE written against tf.contrib.distributions: MultivariateNormalDiag posterior and prior, sample(), Independent(Bernoulli) log_prob, kl_divergence."""
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

ds = tf.contrib.distributions
LATENT = 3


def make_encoder(data):
    h = tf.layers.dense(data, 32, tf.nn.relu, name="enc_h")
    loc = tf.layers.dense(h, LATENT, name="enc_loc")
    scale = tf.layers.dense(h, LATENT, tf.nn.softplus, name="enc_scale") + 1e-4
    return ds.MultivariateNormalDiag(loc, scale)


def make_decoder(code):
    h = tf.layers.dense(code, 32, tf.nn.relu, name="dec_h")
    logits = tf.layers.dense(h, 64, name="dec_logits")
    return ds.Independent(ds.Bernoulli(logits=logits), reinterpreted_batch_ndims=1)


tf.set_random_seed(1)
images = (load_digits().data > 7).astype(np.float32)

data = tf.placeholder(tf.float32, [None, 64])
prior = ds.MultivariateNormalDiag(tf.zeros(LATENT), tf.ones(LATENT))
posterior = make_encoder(data)
code = posterior.sample()
likelihood = make_decoder(code).log_prob(data)
divergence = ds.kl_divergence(posterior, prior)
elbo = tf.reduce_mean(likelihood - divergence)
optimize = tf.train.AdamOptimizer(0.005).minimize(-elbo)

normal = ds.Normal(loc=0.0, scale=2.0)
log_p0 = normal.log_prob(0.0)

assert code.get_shape().as_list() == [None, LATENT]
assert likelihood.get_shape().as_list() == [None]

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    start = sess.run(elbo, {data: images})
    for step in range(100):
        batch = images[(step * 100) % 1700:(step * 100) % 1700 + 100]
        sess.run(optimize, {data: batch})
    end, kl_values, lp0 = sess.run([elbo, divergence, log_p0], {data: images})

assert np.isclose(lp0, -np.log(2.0 * np.sqrt(2.0 * np.pi)), atol=1e-5)
assert np.all(kl_values >= -1e-4)
assert end > start, (start, end)
print("vae_contrib_distributions OK: ELBO %.2f -> %.2f" % (start, end))
