"""contrib misc: apply_regularization, l1/l1_l2/sum regularizers, layer_norm, avg_pool2d, add_arg_scope on a custom op, contrib.framework global step."""
import numpy as np
import tensorflow as tf

arg_scope = tf.contrib.framework.arg_scope
add_arg_scope = tf.contrib.framework.add_arg_scope


@add_arg_scope
def scaled_tanh(x, scale=1.0, name=None):
    return tf.multiply(scale, tf.tanh(x), name=name)


tf.set_random_seed(4)
rng = np.random.RandomState(4)
images_np = rng.rand(64, 8, 8, 2).astype(np.float32)
targets_np = images_np.mean(axis=(1, 2, 3))[:, None].astype(np.float32)

images = tf.placeholder(tf.float32, [None, 8, 8, 2])
targets = tf.placeholder(tf.float32, [None, 1])

global_step = tf.contrib.framework.get_or_create_global_step()
assert global_step is tf.train.get_global_step()

net = tf.contrib.layers.conv2d(images, 6, [3, 3], activation_fn=None, scope="conv")
net = tf.contrib.layers.layer_norm(net, activation_fn=tf.nn.relu, scope="ln")
net = tf.contrib.layers.avg_pool2d(net, [2, 2], scope="avgpool")
assert net.get_shape().as_list() == [None, 4, 4, 6]
net = tf.contrib.layers.flatten(net)
with arg_scope([scaled_tanh], scale=2.0):
    squashed = scaled_tanh(net, name="squash")
    unscaled = scaled_tanh(net, scale=1.0)
prediction = tf.contrib.layers.fully_connected(squashed, 1, activation_fn=None, scope="head")

conv_w = tf.get_default_graph().get_tensor_by_name("conv/weights:0")
head_w = tf.get_default_graph().get_tensor_by_name("head/weights:0")
ln_vars = sorted(v.op.name for v in tf.trainable_variables() if v.op.name.startswith("ln/"))
assert ln_vars == ["ln/beta", "ln/gamma"], ln_vars

l1 = tf.contrib.layers.l1_regularizer(0.01)
l1_l2 = tf.contrib.layers.l1_l2_regularizer(scale_l1=0.01, scale_l2=0.02)
both = tf.contrib.layers.sum_regularizer([l1, tf.contrib.layers.l2_regularizer(0.02)])
before = len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
penalty = tf.contrib.layers.apply_regularization(l1_l2, [conv_w, head_w])
assert len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) == before + 1
l1_value = l1(conv_w)
both_value = both(conv_w)
l1_l2_value = l1_l2(conv_w)

mse = tf.losses.mean_squared_error(targets, prediction)
total = mse + penalty
train_op = tf.train.AdamOptimizer(0.01).minimize(total, global_step=global_step)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    w, a, b, c = sess.run([conv_w, l1_value, both_value, l1_l2_value])
    sq, un = sess.run([squashed, unscaled], {images: images_np[:2]})
    start = sess.run(total, {images: images_np, targets: targets_np})
    for _ in range(50):
        sess.run(train_op, {images: images_np, targets: targets_np})
    end = sess.run(total, {images: images_np, targets: targets_np})
    step = sess.run(global_step)

assert np.isclose(a, 0.01 * np.abs(w).sum(), rtol=1e-4)
assert np.isclose(b, a + 0.02 * np.sum(w ** 2) / 2, rtol=1e-4)
assert np.isclose(c, b, rtol=1e-4)  # l1_l2 == l1 + l2 with the same scales
assert np.allclose(sq, 2.0 * un, atol=1e-6)
assert step == 50
assert end < start, (start, end)
print("contrib_framework_regularizers_misc OK: loss %.4f -> %.4f" % (start, end))
