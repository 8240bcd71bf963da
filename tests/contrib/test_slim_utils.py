"""``tf.contrib.slim.utils`` / ``tf.contrib.layers.utils``: TF1's layer helpers people called.

One test (or a few) per helper, against TF1's behaviour as written in
``tensorflow/contrib/layers/python/layers/utils.py`` (TF 1.15).
"""
import collections

import numpy as np
import pytest
import tensorflow as tf

from tfgraph_dnn import tf1_api
from tfgraph_dnn.contrib import layers as contrib_layers
from tfgraph_dnn.contrib import slim
from tfgraph_dnn.contrib.layers import utils

v1 = tf.compat.v1

HELPERS = ["append_tensor_alias", "collect_named_outputs", "constant_value",
           "convert_collection_to_dict", "gather_tensors_aliases", "get_tensor_aliases",
           "get_variable_collections", "last_dimension", "n_positive_integers", "smart_cond",
           "static_cond", "two_element_tuple"]


@pytest.mark.parametrize("name", HELPERS)
def test_served_as_slim_utils_and_contrib_layers_utils(name):
    assert slim.utils is contrib_layers.utils is utils
    assert getattr(slim.utils, name) is getattr(utils, name)
    assert tf1_api.resolve(["contrib", "slim", "utils", name]) is None
    assert tf1_api.resolve(["contrib", "layers", "utils", name]) is None
    assert "utils" in slim.__all__ and "utils" in contrib_layers.__all__


def test_a_missing_utils_name_is_reported_by_the_namespace():
    reason = tf1_api.resolve(["contrib", "slim", "utils", "no_such_helper"])
    assert reason == "tf.contrib.slim.utils.no_such_helper does not exist in TensorFlow 2"


# --------------------------------------------------------------- aliases & outputs
def test_convert_collection_to_dict_keys_slim_end_points_by_scope(graph):
    x = v1.placeholder(tf.float32, [None, 8, 8, 3])
    with v1.variable_scope("net"):
        net = slim.conv2d(x, 4, [3, 3], scope="conv1", outputs_collections="end_points")
        net = slim.max_pool2d(net, [2, 2], scope="pool1", outputs_collections="end_points")
        logits = slim.fully_connected(slim.flatten(net), 5, scope="logits",
                                      outputs_collections=["end_points"])
    end_points = slim.utils.convert_collection_to_dict("end_points")
    assert isinstance(end_points, collections.OrderedDict)
    assert list(end_points) == ["net/conv1", "net/pool1", "net/logits"]
    assert end_points["net/logits"] is logits
    kept = slim.utils.convert_collection_to_dict("end_points", clear_collection=True)
    assert list(kept) == list(end_points) and v1.get_collection("end_points") == []


def test_collect_named_outputs_tags_and_collects(graph):
    t = tf.constant(1.0, name="t")
    assert utils.collect_named_outputs(["a", "b"], "scope/out/", t) is t
    assert t.aliases == ["scope/out"]  # the trailing '/' removed
    assert v1.get_collection("a") == [t] and v1.get_collection("b") == [t]
    u = tf.constant(2.0, name="u")
    assert utils.collect_named_outputs(None, "ignored", u) is u
    assert not hasattr(u, "aliases")


def test_append_tensor_alias_appends(graph):
    t = tf.constant(1.0)
    assert utils.append_tensor_alias(t, "first/") is t
    utils.append_tensor_alias(t, "second")
    assert t.aliases == ["first", "second"]


def test_get_tensor_aliases_falls_back_to_op_or_tensor_name(graph):
    t = tf.constant([1.0, 2.0], name="const")
    first, second = tf.split(t, 2, name="parts")
    assert utils.get_tensor_aliases(t) == ["const"]
    assert utils.get_tensor_aliases(second) == ["parts:1"]
    utils.append_tensor_alias(first, "head")
    assert utils.get_tensor_aliases(first) == ["head"]


def test_gather_tensors_aliases_keeps_order(graph):
    a, b = tf.constant(1.0, name="a"), tf.constant(2.0, name="b")
    utils.append_tensor_alias(b, "x")
    utils.append_tensor_alias(b, "y")
    assert utils.gather_tensors_aliases([b, a]) == ["x", "y", "a"]


# ---------------------------------------------------------------- shapes & sizes
def test_last_dimension(graph):
    assert utils.last_dimension(tf.TensorShape([None, 3, 7])) == 7
    assert utils.last_dimension(tf.TensorShape([5]), min_rank=1) == 5
    with pytest.raises(ValueError, match="rank"):
        utils.last_dimension(tf.TensorShape(None))
    with pytest.raises(ValueError, match=">= 2"):
        utils.last_dimension(tf.TensorShape([4]), min_rank=2)
    with pytest.raises(ValueError, match="dimension -1 of the inputs must be known"):
        utils.last_dimension(tf.TensorShape([4, None]))


def test_two_element_tuple_converts_as_tf1_did():
    assert utils.two_element_tuple(3) == (3, 3)
    assert utils.two_element_tuple([2, 5]) == (2, 5)
    assert utils.two_element_tuple((2.0, 5.9)) == (2, 5)  # int() of each entry, like TF1
    assert utils.two_element_tuple(tf.TensorShape([4, 6])) == (4, 6)
    for bad in ([1, 2, 3], "ab", tf.TensorShape([1, 2, 3]), 2.0, None):
        with pytest.raises(ValueError, match="two_element_tuple"):
            utils.two_element_tuple(bad)


def test_n_positive_integers_converts_as_tf1_did():
    assert utils.n_positive_integers(3, 2) == (2, 2, 2)
    assert utils.n_positive_integers(2, [3, 4]) == (3, 4)
    assert utils.n_positive_integers(2, (3.0, "4")) == (3, 4)
    assert utils.n_positive_integers(2, tf.TensorShape([5, 6])) == (5, 6)
    assert utils.n_positive_integers(1.0, 7) == (7,)
    for n, value in ((2, [1, 2, 3]), (2, 0), (2, [1, -1]), (2, ["a", 1]), (2, None)):
        with pytest.raises(ValueError, match="n_positive_integers"):
            utils.n_positive_integers(n, value)
    for n in (0, 1.5, -2):
        with pytest.raises(ValueError, match="n must be a positive integer"):
            utils.n_positive_integers(n, 3)


def test_the_contrib_layers_keep_refusing_float_kernel_sizes(graph):
    """Our own layers validate strictly (positive_integers), unlike the TF1 helper."""
    x = v1.placeholder(tf.float32, [None, 8, 8, 3])
    with pytest.raises(ValueError, match="2.5"):
        contrib_layers.conv2d(x, 4, 2.5)


# ------------------------------------------------------------------- conditions
def test_static_cond_calls_the_branch_in_python(graph):
    calls = []
    assert utils.static_cond(True, lambda: calls.append(1) or "yes", lambda: "no") == "yes"
    assert utils.static_cond(0, lambda: "yes", lambda: calls.append(2) or "no") == "no"
    assert calls == [1, 2]
    with pytest.raises(TypeError, match="fn1 must be callable"):
        utils.static_cond(True, 1, lambda: 0)
    with pytest.raises(TypeError, match="fn2 must be callable"):
        utils.static_cond(True, lambda: 0, 2)


def test_smart_cond_is_static_for_constants_and_a_cond_otherwise(graph):
    ops_before = len(graph.get_operations())
    out = utils.smart_cond(tf.constant(False), lambda: tf.constant(1), lambda: tf.constant(2))
    assert tf.get_static_value(out) == 2
    assert not any(op.type in ("Switch", "If", "StatelessIf")
                   for op in graph.get_operations()[ops_before:])
    flag = v1.placeholder(tf.bool, [])
    dynamic = utils.smart_cond(flag, lambda: tf.constant(1), lambda: tf.constant(2))
    with v1.Session(graph=graph) as sess:
        assert sess.run(dynamic, {flag: True}) == 1 and sess.run(dynamic, {flag: False}) == 2


def test_constant_value(graph):
    assert utils.constant_value(3) == 3
    np.testing.assert_array_equal(utils.constant_value(tf.constant([1, 2])), [1, 2])
    assert utils.constant_value(v1.placeholder(tf.bool, [])) is None
    variable = v1.get_variable("v", [], dtype=tf.bool)
    assert utils.constant_value(variable) is None
    assert utils.constant_value(tf.constant(True), dtype=tf.bool) == np.True_
    with pytest.raises(ValueError, match="cannot be None"):
        utils.constant_value(None)
    with pytest.raises(ValueError, match="dtype"):
        utils.constant_value(tf.constant(1.0), dtype=tf.bool)


def test_get_variable_collections():
    by_name = {"weights": ["w_collection"], "biases": None}
    assert utils.get_variable_collections(by_name, "weights") == ["w_collection"]
    assert utils.get_variable_collections(by_name, "moving_mean") is None
    assert utils.get_variable_collections(["all"], "weights") == ["all"]
    assert utils.get_variable_collections(None, "weights") is None
