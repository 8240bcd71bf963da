"""DCGAN-style: tf.layers.conv2d_transpose + batch_normalization generator, conv2d discriminator with reuse=tf.AUTO_REUSE."""
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

Z_DIM = 16
BATCH = 32


def lrelu(x, alpha=0.2):
    return tf.maximum(alpha * x, x)


def generator(z, training):
    with tf.variable_scope("generator"):
        net = tf.layers.dense(z, 2 * 2 * 32, name="project")
        net = tf.reshape(net, [-1, 2, 2, 32])
        net = tf.nn.relu(tf.layers.batch_normalization(net, training=training, name="bn0"))
        net = tf.layers.conv2d_transpose(net, 16, 4, strides=2, padding="same", name="deconv1")
        net = tf.nn.relu(tf.layers.batch_normalization(net, training=training, name="bn1"))
        net = tf.layers.conv2d_transpose(net, 1, 4, strides=(2, 2), padding="same",
                                         name="deconv2")
        return tf.nn.tanh(net)


def discriminator(images):
    with tf.variable_scope("discriminator", reuse=tf.AUTO_REUSE):
        net = lrelu(tf.layers.conv2d(images, 16, 3, strides=2, padding="same", name="conv1"))
        net = lrelu(tf.layers.conv2d(net, 32, 3, strides=2, padding="same", name="conv2"))
        net = tf.layers.flatten(net)
        return tf.layers.dense(net, 1, name="logit")


digits = load_digits()
real_images = (digits.images / 8.0 - 1.0).astype(np.float32)[..., None]  # in [-1, 1]

tf.set_random_seed(11)
z = tf.placeholder(tf.float32, [None, Z_DIM], name="z")
x = tf.placeholder(tf.float32, [None, 8, 8, 1], name="x")
training = tf.placeholder(tf.bool, [], name="training")

fake = generator(z, training)
d_real = discriminator(x)
d_fake = discriminator(fake)

bce = tf.nn.sigmoid_cross_entropy_with_logits
d_loss = tf.reduce_mean(bce(labels=tf.ones_like(d_real), logits=d_real)) + \
    tf.reduce_mean(bce(labels=tf.zeros_like(d_fake), logits=d_fake))
g_loss = tf.reduce_mean(bce(labels=tf.ones_like(d_fake), logits=d_fake))

g_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="generator")
d_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="discriminator")
g_updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS, scope="generator")
assert len(g_updates) == 4, g_updates
assert len(d_vars) == 6, [v.name for v in d_vars]
names = [v.name for v in g_vars]
assert "generator/deconv1/kernel:0" in names and "generator/bn1/gamma:0" in names, names

with tf.control_dependencies(g_updates):
    g_train = tf.train.AdamOptimizer(2e-3, beta1=0.5).minimize(g_loss, var_list=g_vars)
d_train = tf.train.AdamOptimizer(2e-3, beta1=0.5).minimize(d_loss, var_list=d_vars)

deconv1_kernel = [v for v in g_vars if v.name == "generator/deconv1/kernel:0"][0]
# conv2d_transpose kernels are (height, width, out_channels, in_channels)
assert deconv1_kernel.get_shape().as_list() == [4, 4, 16, 32]
assert fake.get_shape().as_list() == [None, 8, 8, 1]

rng = np.random.RandomState(0)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    fixed_z = rng.uniform(-1, 1, (BATCH, Z_DIM)).astype(np.float32)
    before = sess.run(fake, {z: fixed_z, training: False})
    for step in range(25):
        batch = real_images[rng.randint(0, len(real_images), BATCH)]
        noise = rng.uniform(-1, 1, (BATCH, Z_DIM)).astype(np.float32)
        dl, _ = sess.run([d_loss, d_train], {x: batch, z: noise, training: True})
        gl, _ = sess.run([g_loss, g_train], {z: noise, training: True})
    after = sess.run(fake, {z: fixed_z, training: False})
    moving_mean = sess.run("generator/bn0/moving_mean:0")

assert before.shape == after.shape == (BATCH, 8, 8, 1)
assert np.all(np.abs(after) <= 1.0)
assert np.isfinite(dl) and np.isfinite(gl)
assert not np.allclose(before, after)
assert not np.allclose(moving_mean, 0.0)
print("dcgan_conv2d_transpose OK: d_loss %.3f g_loss %.3f" % (dl, gl))
