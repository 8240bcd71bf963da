"""Run in a subprocess by test_float_dimensions.py: TF1's float dimensions in ``tfgraph_dnn.tf1``.

Importing the namespace switches the process to TF1 mode, hence the
subprocess.  Prints one JSON line: ``{check: [ok, detail]}``.
"""
import json

import numpy as np
import tensorflow as real_tf

import tfgraph_dnn.tf1 as tf

results = {}


def check(name):
    def record(function):
        try:
            ok, detail = function()
        except Exception as error:  # the failure is the check's detail
            ok, detail = False, f"{type(error).__name__}: {error}"
        results[name] = [bool(ok), str(detail)]
        return function
    return record


Z_DIM = 100


@check("gan_program_with_half_dimensions")
def _():
    tf.reset_default_graph()
    z = tf.placeholder(tf.float32, [None, Z_DIM / 2], name="z")
    w1 = tf.get_variable("w1", [Z_DIM / 2, Z_DIM / 4], initializer=tf.zeros_initializer())
    b1 = tf.Variable(tf.zeros([Z_DIM / 4]))
    w2 = tf.Variable(tf.random_normal([Z_DIM / 4, 10.0], stddev=0.1))
    w3 = tf.Variable(tf.truncated_normal(shape=(10.0, Z_DIM / 20)))
    h = tf.nn.relu(tf.matmul(z, w1) + b1)
    out = tf.reshape(tf.matmul(tf.matmul(h, w2), w3), [-1, Z_DIM / 20])
    dense = tf.layers.dense(out, Z_DIM / 25, name="d")
    ones = tf.ones([2, Z_DIM / 50]) + tf.compat.v1.random.uniform([2.0, 2.0])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        value = sess.run(dense, {z: np.ones((3, 50), np.float32)})
        ones_value = sess.run(ones)
    shapes = [z.shape.as_list(), w1.shape.as_list(), w2.shape.as_list(),
              w3.shape.as_list(), dense.shape.as_list(), list(value.shape),
              list(ones_value.shape)]
    return shapes == [[None, 50], [50, 25], [25, 10], [10, 5], [None, 4], [3, 4], [2, 2]], shapes


@check("non_whole_dimension_is_tf1s_error")
def _():
    messages = []
    for make in (lambda: tf.placeholder(tf.float32, [None, 2.5]),
                 lambda: tf.zeros([3, 7 / 2]),
                 lambda: tf.get_variable("bad", [1.5]),
                 lambda: tf.random_normal([2, 0.5])):
        try:
            make()
            messages.append("accepted")
        except ValueError as error:
            messages.append(str(error))
    expected = ["Ambiguous dimension: 2.5", "Ambiguous dimension: 3.5",
                "Ambiguous dimension: 1.5", "Ambiguous dimension: 0.5"]
    return messages == expected, messages


@check("tensorflow_itself_is_unchanged")
def _():
    tf.reset_default_graph()
    try:
        real_tf.compat.v1.placeholder(real_tf.float32, [None, 50.0])
        accepted = True
    except TypeError:
        accepted = False
    same = tf.placeholder is real_tf.compat.v1.placeholder
    return not accepted and not same and tf.compat.v1.placeholder is tf.placeholder, \
        (accepted, same)


@check("wrapped_functions_keep_name_and_docs")
def _():
    return (tf.placeholder.__name__ == "placeholder"
            and tf.get_variable.__doc__ == real_tf.compat.v1.get_variable.__doc__
            and tf.random.normal.__wrapped__ is real_tf.compat.v1.random.normal
            and tf.random.uniform is tf.compat.v1.random.uniform), tf.placeholder.__name__


print(json.dumps(results))
