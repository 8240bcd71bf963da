"""TF1's whole-number float dimensions (``z_dim / 2 == 50.0``) in the ``tfgraph_dnn.tf1`` namespace.

The wrapper and its table (:mod:`tfgraph_dnn.tf1_dims`) are checked in this
(eager) process on ``tf.compat.v1``'s own functions inside a graph; the
namespace itself switches the process to TF1 mode, so it runs in a subprocess
(``float_dims_probe.py``, in the TF1-mode process several folders share).
"""
import math
import os

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from tfgraph_dnn import tf1_dims
from tfgraph_dnn.contrib import layers as contrib_layers
from tfgraph_dnn import layers

from _background import tf1_mode_script

v1 = tf.compat.v1
PROBE = os.path.join(os.path.dirname(__file__), "float_dims_probe.py")
PROCESS = tf1_mode_script(PROBE, order=2, module=__file__, fixture="probe")


def wrapped(dotted):
    module, _, name = dotted.rpartition(".")
    owner = getattr(v1, module) if module else v1
    return tf1_dims.accept_float_dimensions(getattr(owner, name),
                                            tf1_dims.SHAPE_ARGUMENTS[dotted])


# ------------------------------------------------------------ the TF1 rule
@pytest.mark.parametrize("value, expected", [
    (50.0, 50), (np.float32(3.0), 3), (np.float64(0.0), 0), (7, 7), (None, None),
    (np.int64(4), np.int64(4)), ("3", "3")])
def test_whole_floats_become_ints_and_the_rest_is_left_to_tensorflow(value, expected):
    result = tf1_dims.whole_dimension(value)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("value", [2.5, 1e-9, np.float32(0.5), math.nan, math.inf, -math.inf])
def test_non_whole_floats_raise_tf1s_ambiguous_dimension(value):
    with pytest.raises(ValueError, match=r"^Ambiguous dimension: "):
        tf1_dims.whole_dimension(value)


def test_shapes_of_every_kind():
    assert tf1_dims.whole_shape([None, 50.0]) == [None, 50]
    assert tf1_dims.whole_shape((2.0, 3)) == (2, 3)
    assert tf1_dims.whole_shape(np.array([4.0, 5.0])) == [4, 5]
    assert tf1_dims.whole_shape(6.0) == 6
    shape = [1, 2]
    assert tf1_dims.whole_shape(shape) is shape  # nothing to convert: the same object
    tensor_shape = tf.TensorShape([3, None])
    assert tf1_dims.whole_shape(tensor_shape) is tensor_shape


# -------------------------------------------------- the table, on real functions
def test_every_table_entry_is_a_tf_compat_v1_function_with_those_parameters():
    import inspect

    for dotted, parameters in tf1_dims.SHAPE_ARGUMENTS.items():
        module, _, name = dotted.rpartition(".")
        function = getattr(getattr(v1, module) if module else v1, name)
        assert set(parameters) <= set(inspect.signature(function).parameters), dotted


CALLS = {
    "placeholder": lambda f, s: f(tf.float32, s),
    "placeholder_with_default": lambda f, s: f(tf.zeros([d or 1 for d in map(int, s)]), s),
    "sparse_placeholder": lambda f, s: f(tf.float32, s),
    "get_variable": lambda f, s: f("v", s),
    "get_local_variable": lambda f, s: f("lv", s),
    "zeros": lambda f, s: f(s), "ones": lambda f, s: f(s),
    "constant": lambda f, s: f(0.0, shape=s),
    "reshape": lambda f, s: f(tf.zeros([int(np.prod(s))]), s),
    "fill": lambda f, s: f(s, 1.0),
    "random_normal": lambda f, s: f(s), "truncated_normal": lambda f, s: f(shape=s),
    "random_uniform": lambda f, s: f(s), "random_gamma": lambda f, s: f(s, 1.0),
    "random_poisson": lambda f, s: f(1.0, s),
    "random.normal": lambda f, s: f(s), "random.truncated_normal": lambda f, s: f(s),
    "random.uniform": lambda f, s: f(s), "random.gamma": lambda f, s: f(s, 1.0),
    "random.poisson": lambda f, s: f(1.0, s),
}


def test_every_shape_function_of_the_table_is_exercised():
    assert set(CALLS) | {"eye", "one_hot"} == set(tf1_dims.SHAPE_ARGUMENTS)


def test_eye_and_one_hot_take_whole_float_sizes(graph):
    assert wrapped("eye")(3.0, num_columns=4.0).shape.as_list() == [3, 4]
    assert wrapped("one_hot")([0, 2], 5.0).shape.as_list() == [2, 5]
    with pytest.raises(ValueError, match="Ambiguous dimension: 4.5"):
        wrapped("one_hot")([0, 2], depth=4.5)


DIMS = st.lists(st.integers(1, 5), min_size=1, max_size=3)


@settings(max_examples=30, deadline=None)
@given(name=st.sampled_from(sorted(CALLS)), dims=DIMS,
       as_float=st.lists(st.booleans(), min_size=3, max_size=3),
       container=st.sampled_from([list, tuple, np.array]))
def test_whole_float_shapes_build_what_int_shapes_build(name, dims, as_float, container):
    shape = container([float(d) if f else d for d, f in zip(dims, as_float)])
    with tf.Graph().as_default():
        result = CALLS[name](wrapped(name), shape)
        static = (result.dense_shape if name == "sparse_placeholder" else result).shape
        if name == "sparse_placeholder":
            assert tf.get_static_value(result.dense_shape).tolist() == dims
        else:
            assert static.as_list() == dims


@settings(max_examples=30, deadline=None)
@given(name=st.sampled_from(sorted(CALLS)), dims=DIMS, index=st.integers(0, 2),
       fraction=st.floats(0.01, 0.99))
def test_a_non_whole_entry_raises_ambiguous_dimension(name, dims, index, fraction):
    shape = list(dims)
    shape[index % len(shape)] += fraction
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=r"^Ambiguous dimension: "):
            CALLS[name](wrapped(name), shape)


def test_the_wrapper_leaves_tensorflow_unchanged(graph):
    placeholder = wrapped("placeholder")
    assert placeholder.__wrapped__ is v1.placeholder and v1.placeholder is not placeholder
    with pytest.raises(TypeError):
        v1.placeholder(tf.float32, [None, 50.0])


# ---------------------------------------------------------- layers' units
def test_tf_layers_take_whole_float_units_and_filters(graph):
    x = v1.placeholder(tf.float32, [None, 8, 8, 3])
    conv = layers.conv2d(x, 4.0, 3)
    dense = layers.dense(layers.flatten(conv), 100 / 2)
    assert conv.shape.as_list() == [None, 6, 6, 4] and dense.shape.as_list() == [None, 50]
    assert layers.Dense(6.0).units == 6 and type(layers.Dense(6.0).units) is int


@pytest.mark.parametrize("units", [2.5, True, 0.0, -3.0, math.nan, "4"])
def test_tf_layers_refuse_other_units(graph, units):
    with pytest.raises(ValueError, match="`units` must be a positive integer"):
        layers.Dense(units)


def test_contrib_fully_connected_refuses_floats_as_tf1_did(graph):
    """TF1's ``fully_connected`` checked ``isinstance(num_outputs, six.integer_types)``."""
    x = v1.placeholder(tf.float32, [None, 8])
    with pytest.raises(ValueError, match="num_outputs"):
        contrib_layers.fully_connected(x, 4.0)


# ------------------------------------------------------------ the namespace
@pytest.fixture(scope="module")
def probe():
    return PROCESS.json_output("float_dims_probe")


@pytest.mark.parametrize("name", ["gan_program_with_half_dimensions",
                                  "non_whole_dimension_is_tf1s_error",
                                  "tensorflow_itself_is_unchanged",
                                  "wrapped_functions_keep_name_and_docs"])
def test_namespace(probe, name):
    ok, detail = probe[name]
    assert ok, detail
