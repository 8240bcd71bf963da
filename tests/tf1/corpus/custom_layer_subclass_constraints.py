"""Subclassing tf.layers.Layer (build/add_variable/call), layer.apply, kernel_constraint enforced by the optimizer, activity_regularizer losses."""
import numpy as np
import tensorflow as tf


class ScaledResidual(tf.layers.Layer):
    """y = x + alpha * dense(x), alpha a learned per-feature scale."""

    def __init__(self, activation=None, **kwargs):
        super(ScaledResidual, self).__init__(**kwargs)
        self.activation = activation

    def build(self, input_shape):
        dim = input_shape[-1].value
        self.kernel = self.add_variable("kernel", shape=[dim, dim],
                                        initializer=tf.glorot_uniform_initializer())
        self.alpha = self.add_variable("alpha", shape=[dim],
                                       initializer=tf.constant_initializer(0.1))
        super(ScaledResidual, self).build(input_shape)

    def call(self, inputs):
        out = tf.matmul(inputs, self.kernel)
        if self.activation is not None:
            out = self.activation(out)
        return inputs + self.alpha * out


def unit_norm_columns(w):
    return tf.clip_by_norm(w, 1.0, axes=[0])


tf.set_random_seed(0)
rng = np.random.RandomState(0)
X = rng.randn(200, 6).astype(np.float32)
Y = (X.dot(rng.randn(6, 1)) > 0).astype(np.float32)

x = tf.placeholder(tf.float32, [None, 6])
y = tf.placeholder(tf.float32, [None, 1])

block = ScaledResidual(activation=tf.nn.tanh, name="residual")
h = block.apply(x)
h2 = block(h)  # called twice: same variables
head = tf.layers.Dense(1, kernel_constraint=unit_norm_columns,
                       activity_regularizer=lambda a: 0.01 * tf.reduce_mean(tf.square(a)),
                       kernel_initializer=tf.constant_initializer(3.0), name="head")
logits = head.apply(h2)

assert block.built and head.built
assert sorted(v.op.name for v in block.trainable_variables) == ["residual/alpha",
                                                                 "residual/kernel"]
assert len(tf.trainable_variables()) == 4, tf.trainable_variables()
assert len(head.losses) == 1, head.losses
assert head.kernel.constraint is not None

data_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
reg = tf.losses.get_regularization_loss()
train_op = tf.train.GradientDescentOptimizer(0.1).minimize(data_loss + reg)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    k0 = sess.run(head.kernel)
    assert np.allclose(k0, 3.0)  # the constraint is not applied at initialisation
    first = sess.run(data_loss, {x: X, y: Y})
    for _ in range(50):
        sess.run(train_op, {x: X, y: Y})
    last, k1, reg_value = sess.run([data_loss, head.kernel, reg], {x: X, y: Y})

assert np.linalg.norm(k1[:, 0]) <= 1.0 + 1e-5, np.linalg.norm(k1[:, 0])
assert reg_value > 0
assert last < first, (first, last)
print("custom_layer_subclass_constraints OK: loss %.3f -> %.3f, |head kernel| %.3f"
      % (first, last, np.linalg.norm(k1[:, 0])))
