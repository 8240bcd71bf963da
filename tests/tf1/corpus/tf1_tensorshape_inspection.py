"""TF1 TensorShape idioms: get_shape()[i].value, Dimension arithmetic, as_list(), dims sizing variables and reshapes."""
import numpy as np
import tensorflow as tf


def linear(x, n_out, scope):
    # the TF1 way to read the input width: a Dimension, unwrapped with .value
    n_in = x.get_shape()[1].value
    with tf.variable_scope(scope):
        w = tf.get_variable("w", [n_in, n_out], initializer=tf.random_normal_initializer(0.0, 0.1))
        b = tf.get_variable("b", [n_out], initializer=tf.constant_initializer(0.0))
    return tf.matmul(x, w) + b


def flatten_like_tf1(t):
    dims = t.get_shape().as_list()
    size = int(np.prod(dims[1:]))
    return tf.reshape(t, [-1, size]), size


images = tf.placeholder(tf.float32, [None, 8, 8, 3], name="images")
shape = images.get_shape()
assert shape.ndims == 4
assert shape[0].value is None
assert shape[1].value == 8 and shape[-1].value == 3
assert isinstance(shape[1], tf.Dimension)
assert shape[1] * shape[2] == tf.Dimension(64)
assert int(shape[3]) == 3
assert shape.as_list() == [None, 8, 8, 3]
assert images.shape.dims[2].value == 8
assert not shape.is_fully_defined()

conv = tf.layers.conv2d(images, 5, 3, padding="valid")
assert conv.get_shape().as_list() == [None, 6, 6, 5]
assert conv.shape[3].value == 5

flat, size = flatten_like_tf1(conv)
assert size == 180 and flat.get_shape()[1].value == 180
hidden = tf.nn.relu(linear(flat, 20, "fc1"))
out = linear(hidden, 4, "fc2")
assert out.get_shape().as_list() == [None, 4]

# dynamic shapes still come from tf.shape
batch = tf.shape(images)[0]
reshaped = tf.reshape(out, tf.stack([batch, 2, 2]))
assert reshaped.get_shape().as_list()[1:] == [2, 2]

weights = tf.get_default_graph().get_tensor_by_name("fc1/w:0")
assert weights.get_shape()[0].value == 180 and weights.get_shape()[1].value == 20

# static shape merges and TensorShape construction in TF1 spelling
partial = tf.TensorShape([None, 4])
assert partial.merge_with(tf.TensorShape([7, None])).as_list() == [7, 4]
assert tf.TensorShape([2, 3]).num_elements() == 6
placeholder_unknown = tf.placeholder(tf.float32)
assert placeholder_unknown.get_shape().ndims is None

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    value, n = sess.run([reshaped, batch], {images: np.ones([3, 8, 8, 3], np.float32)})
assert value.shape == (3, 2, 2) and n == 3
print("tf1_tensorshape_inspection OK: output shape %s" % (value.shape,))
