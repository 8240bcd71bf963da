"""slim.utils.convert_collection_to_dict end points, slim.utils.last_dimension, and a float dim from true division."""
from __future__ import division

import numpy as np
import tensorflow as tf

slim = tf.contrib.slim
utils = slim.utils


def encoder(inputs, code_dim, scope="encoder"):
    with tf.variable_scope(scope, "encoder", [inputs]) as sc:
        end_points_collection = sc.original_name_scope + "_end_points"
        with slim.arg_scope([slim.fully_connected], activation_fn=tf.nn.elu,
                            outputs_collections=end_points_collection):
            net = slim.fully_connected(inputs, code_dim * 2, scope="fc1")
            net = slim.fully_connected(net, code_dim, scope="fc2")
            code = slim.fully_connected(net, code_dim // 2, activation_fn=None, scope="code")
        end_points = utils.convert_collection_to_dict(end_points_collection)
        return code, end_points


tf.reset_default_graph()
x = tf.placeholder(tf.float32, [None, 12])
code, end_points = encoder(x, 8)
width = utils.last_dimension(code.get_shape(), min_rank=2)
code_dim = 8
hidden = tf.get_variable("decoder_w", [code_dim / 2, 12])  # 4.0: TF1 took it
decoded = tf.matmul(code, hidden)
loss = tf.reduce_mean(tf.square(decoded - x))
train_op = tf.train.AdamOptimizer(0.01).minimize(loss)

rng = np.random.RandomState(0)
basis = rng.randn(3, 12)
data = (rng.randn(256, 3).dot(basis)).astype(np.float32)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    first = sess.run(loss, {x: data})
    for _ in range(200):
        sess.run(train_op, {x: data})
    last = sess.run(loss, {x: data})

assert sorted(end_points) == ["encoder/code", "encoder/fc1", "encoder/fc2"], sorted(end_points)
assert end_points["encoder/fc1"].get_shape().as_list() == [None, 16]
assert width == 4 and isinstance(width, int)
assert hidden.get_shape().as_list() == [4, 12]
assert [v.op.name for v in slim.get_model_variables()][-2:] == ["encoder/code/weights",
                                                                "encoder/code/biases"]
assert last < 0.5 * first, (first, last)
print("slim_utils_end_points_half_dims OK: loss %.3f -> %.3f" % (first, last))
