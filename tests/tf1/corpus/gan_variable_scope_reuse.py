"""GAN: generator/discriminator in tf.variable_scope(..., reuse=...), separate var_lists from get_collection(TRAINABLE_VARIABLES, scope=...)."""
import numpy as np
import tensorflow as tf

REAL_MEAN, REAL_STD = 4.0, 0.5
NOISE_DIM = 4
BATCH = 64


def generator(z, reuse=None):
    with tf.variable_scope("generator", reuse=reuse):
        h = tf.layers.dense(z, 16, activation=tf.nn.relu, name="g_h1")
        return tf.layers.dense(h, 1, name="g_out")


def discriminator(x, reuse=None):
    with tf.variable_scope("discriminator", reuse=reuse):
        h = tf.layers.dense(x, 16, activation=tf.nn.leaky_relu, name="d_h1")
        return tf.layers.dense(h, 1, name="d_out")


tf.set_random_seed(2018)
rng = np.random.RandomState(2018)

real_x = tf.placeholder(tf.float32, [None, 1], name="real_x")
z = tf.placeholder(tf.float32, [None, NOISE_DIM], name="z")

G = generator(z)
D_real_logits = discriminator(real_x)
D_fake_logits = discriminator(G, reuse=True)

d_loss_real = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
    logits=D_real_logits, labels=tf.ones_like(D_real_logits)))
d_loss_fake = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
    logits=D_fake_logits, labels=tf.zeros_like(D_fake_logits)))
d_loss = d_loss_real + d_loss_fake
g_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
    logits=D_fake_logits, labels=tf.ones_like(D_fake_logits)))

t_vars = tf.trainable_variables()
d_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="discriminator")
g_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="generator")
assert len(d_vars) == 4 and len(g_vars) == 4, (d_vars, g_vars)
assert len(t_vars) == 8, "reuse=True must not create a second discriminator"
assert set(v.name for v in d_vars).isdisjoint(v.name for v in g_vars)
assert all(v.name.startswith("discriminator/d_") for v in d_vars)
assert [v.name for v in g_vars] == ["generator/g_h1/kernel:0", "generator/g_h1/bias:0",
                                    "generator/g_out/kernel:0", "generator/g_out/bias:0"]

d_optim = tf.train.AdamOptimizer(0.01, beta1=0.5).minimize(d_loss, var_list=d_vars)
g_optim = tf.train.AdamOptimizer(0.01, beta1=0.5).minimize(g_loss, var_list=g_vars)


def sample_z(n):
    return rng.uniform(-1.0, 1.0, size=(n, NOISE_DIM)).astype(np.float32)


with tf.Session() as sess:
    tf.global_variables_initializer().run()
    fixed_z = sample_z(500)
    g_before = sess.run(G, {z: fixed_z})
    d_snapshot = sess.run(d_vars)
    # a generator step must leave the discriminator untouched
    sess.run(g_optim, {z: sample_z(BATCH)})
    for before, after in zip(d_snapshot, sess.run(d_vars)):
        assert np.array_equal(before, after)
    for step in range(300):
        batch_real = rng.normal(REAL_MEAN, REAL_STD, size=(BATCH, 1)).astype(np.float32)
        sess.run(d_optim, {real_x: batch_real, z: sample_z(BATCH)})
        sess.run(g_optim, {z: sample_z(BATCH)})
    g_after = sess.run(G, {z: fixed_z})

gap_before = abs(g_before.mean() - REAL_MEAN)
gap_after = abs(g_after.mean() - REAL_MEAN)
assert gap_after < 0.5 * gap_before, (g_before.mean(), g_after.mean())
print("gan_variable_scope_reuse OK: generated mean %.2f -> %.2f (target %.1f)"
      % (g_before.mean(), g_after.mean(), REAL_MEAN))
