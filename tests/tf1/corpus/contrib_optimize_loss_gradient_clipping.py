"""contrib optimize_loss (optimizer by name, clip_gradients, learning_rate_decay_fn, summaries) next to the manual compute_gradients/clip_by_global_norm/apply_gradients."""
import numpy as np
import tensorflow as tf


def regression_net(x, scope):
    with tf.variable_scope(scope):
        h = tf.contrib.layers.fully_connected(x, 16, activation_fn=tf.nn.tanh)
        return tf.contrib.layers.fully_connected(h, 1, activation_fn=None)


rng = np.random.RandomState(10)
X = rng.uniform(-2, 2, size=(256, 2)).astype(np.float32)
Y = (np.sin(X[:, :1]) + 0.5 * X[:, 1:] ** 2).astype(np.float32)

tf.set_random_seed(10)
x = tf.placeholder(tf.float32, [None, 2])
y = tf.placeholder(tf.float32, [None, 1])

# 1) contrib's one-call training op
global_step = tf.train.get_or_create_global_step()
pred_a = regression_net(x, "net_a")
loss_a = tf.losses.mean_squared_error(y, pred_a)
train_a = tf.contrib.layers.optimize_loss(
    loss_a, global_step=global_step, learning_rate=0.05, optimizer="Adam",
    clip_gradients=1.0,
    learning_rate_decay_fn=lambda lr, step: tf.train.exponential_decay(lr, step, 20, 0.9),
    summaries=["loss", "learning_rate"],
    variables=tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="net_a"))

# 2) the same by hand
pred_b = regression_net(x, "net_b")
loss_b = tf.losses.mean_squared_error(y, pred_b)
optimizer = tf.train.AdamOptimizer(0.05)
grads_and_vars = optimizer.compute_gradients(
    loss_b, var_list=tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="net_b"))
grads, variables = zip(*grads_and_vars)
clipped, global_norm = tf.clip_by_global_norm(grads, 1.0)
train_b = optimizer.apply_gradients(zip(clipped, variables))

summary_names = [s.op.name for s in tf.get_collection(tf.GraphKeys.SUMMARIES)]
assert any("loss" in n for n in summary_names), summary_names
assert any("learning_rate" in n for n in summary_names), summary_names
merged = tf.summary.merge_all()

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    start_a, start_b = sess.run([loss_a, loss_b], {x: X, y: Y})
    for i in range(60):
        sess.run([train_a, train_b], {x: X, y: Y})
    end_a, end_b, step, norm = sess.run([loss_a, loss_b, global_step, global_norm], {x: X, y: Y})
    summary_bytes = sess.run(merged, {x: X, y: Y})

assert step == 60, step
assert end_a < 0.5 * start_a, (start_a, end_a)
assert end_b < 0.5 * start_b, (start_b, end_b)
assert np.isfinite(norm)
assert isinstance(summary_bytes, bytes) and len(summary_bytes) > 0
print("contrib_optimize_loss_gradient_clipping OK: mse %.4f -> %.4f (by hand %.4f -> %.4f)"
      % (start_a, end_a, start_b, end_b))
