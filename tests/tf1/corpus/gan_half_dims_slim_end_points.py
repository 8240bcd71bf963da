"""GAN written for Python 2 (z_dim / 2 as a shape) with slim end points read via a slim alias."""
import numpy as np
import tensorflow as tf

slim = tf.contrib.slim

Z_DIM = 16
DATA_DIM = 8
BATCH = 32


def generator(z):
    with tf.variable_scope("generator"):
        w1 = tf.get_variable("w1", [Z_DIM, Z_DIM / 2],
                             initializer=tf.truncated_normal_initializer(stddev=0.1))
        b1 = tf.Variable(tf.zeros([Z_DIM / 2]), name="b1")
        h = tf.nn.relu(tf.matmul(z, w1) + b1)
        w2 = tf.Variable(tf.random_normal([Z_DIM / 2, DATA_DIM], stddev=0.1), name="w2")
        return tf.matmul(h, w2)


def discriminator(x, reuse=False):
    with tf.variable_scope("discriminator", reuse=reuse):
        collection = "discriminator_end_points"
        net = slim.fully_connected(x, 16, scope="fc1", outputs_collections=collection)
        logits = slim.fully_connected(net, 1, activation_fn=None, scope="logits",
                                      outputs_collections=collection)
        end_points = slim.utils.convert_collection_to_dict(collection, clear_collection=True)
        return logits, end_points


tf.set_random_seed(7)
rng = np.random.RandomState(7)
real_np = (rng.randn(512, DATA_DIM) * 0.5 + 2.0).astype(np.float32)

z = tf.placeholder(tf.float32, [None, Z_DIM], name="z")
real = tf.placeholder(tf.float32, [None, DATA_DIM], name="real")
fake = tf.reshape(generator(z), [-1, DATA_DIM * 1.0])
d_real, real_points = discriminator(real)
d_fake, fake_points = discriminator(fake, reuse=True)

d_loss = tf.reduce_mean(
    tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(d_real), logits=d_real)
    + tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros_like(d_fake), logits=d_fake))
g_loss = tf.reduce_mean(
    tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(d_fake), logits=d_fake))
g_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="generator")
d_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="discriminator")
d_step = tf.train.AdamOptimizer(0.01).minimize(d_loss, var_list=d_vars)
g_step = tf.train.AdamOptimizer(0.01).minimize(g_loss, var_list=g_vars)

assert list(real_points) == ["discriminator/fc1", "discriminator/logits"]
assert list(fake_points) == list(real_points)  # aliases are variable-scope names (sc.name)
assert fake_points["discriminator/logits"] is d_fake and real_points["discriminator/fc1"] is not \
    fake_points["discriminator/fc1"]  # cleared between the two calls
assert [v.shape.as_list() for v in g_vars] == [[16, 8], [8], [8, 8]]

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    feed = lambda: {z: rng.randn(BATCH, Z_DIM).astype(np.float32),
                    real: real_np[rng.randint(0, 512, BATCH)]}
    first = sess.run(d_loss, feed())
    for _ in range(60):
        sess.run(d_step, feed())
        sess.run(g_step, feed())
    last = sess.run(d_loss, feed())
    mean_fake = sess.run(fake, feed()).mean()

assert np.isfinite(first) and np.isfinite(last)
assert abs(mean_fake - 2.0) < abs(0.0 - 2.0)  # the generator moved towards the data
print("gan_half_dims_slim_end_points OK: d_loss %.3f -> %.3f, fake mean %.2f"
      % (first, last, mean_fake))
