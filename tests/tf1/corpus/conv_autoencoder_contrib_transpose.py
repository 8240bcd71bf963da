"""Convolutional autoencoder from contrib conv2d / conv2d_transpose (strided), with xavier_initializer_conv2d."""
import numpy as np
import tensorflow as tf
from tensorflow.contrib.layers import conv2d, conv2d_transpose, xavier_initializer_conv2d
from sklearn.datasets import load_digits


def autoencoder(inputs):
    init = xavier_initializer_conv2d()
    # encoder: 8x8x1 -> 4x4x8 -> 2x2x16
    net = conv2d(inputs, 8, [3, 3], stride=2, weights_initializer=init, scope="enc1")
    code = conv2d(net, 16, [3, 3], stride=2, weights_initializer=init, scope="enc2")
    # decoder: 2x2x16 -> 4x4x8 -> 8x8x1
    net = conv2d_transpose(code, 8, [3, 3], stride=2, weights_initializer=init, scope="dec1")
    net = conv2d_transpose(net, 1, [3, 3], stride=2, activation_fn=tf.nn.sigmoid,
                           weights_initializer=init, scope="dec2")
    return code, net


def main():
    tf.set_random_seed(3)
    images = (load_digits().images / 16.0).astype(np.float32)[..., np.newaxis]

    x = tf.placeholder(tf.float32, [None, 8, 8, 1], name="x")
    code, reconstruction = autoencoder(x)
    loss = tf.reduce_mean(tf.square(reconstruction - x))
    step = tf.train.AdamOptimizer(0.01).minimize(loss)

    assert code.get_shape().as_list() == [None, 2, 2, 16], code.get_shape()
    assert reconstruction.get_shape().as_list() == [None, 8, 8, 1], reconstruction.get_shape()
    shapes = {v.op.name: v.get_shape().as_list() for v in tf.trainable_variables()}
    assert shapes["enc1/weights"] == [3, 3, 1, 8], shapes
    assert shapes["dec1/weights"] == [3, 3, 8, 16], shapes  # (h, w, out, in)
    assert shapes["dec2/weights"] == [3, 3, 1, 8], shapes
    assert shapes["dec2/biases"] == [1], shapes

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        start = sess.run(loss, {x: images})
        for i in range(80):
            batch = images[(i * 100) % 1700:(i * 100) % 1700 + 100]
            sess.run(step, {x: batch})
        end = sess.run(loss, {x: images})
        out = sess.run(reconstruction, {x: images[:10]})

    assert out.min() >= 0.0 and out.max() <= 1.0
    assert end < start * 0.7, (start, end)
    print("conv_autoencoder_contrib_transpose OK: MSE %.4f -> %.4f" % (start, end))


if __name__ == "__main__":
    main()
