"""Tests for ``tfgraph_dnn.contrib``: TF1's ``tf.contrib.layers`` / ``tf.contrib.framework``.

In the tf-slim manner, per layer: variable names and shapes, collections,
default-scope uniquification, reuse, outputs against NumPy formulas with
weights set by assignment, and errors.  Every graph is built inside
``with tf.Graph().as_default():``; one test runs a script in a subprocess
after ``tf.compat.v1.disable_v2_behavior()`` (``v1_layers_script.py``).
"""
from __future__ import annotations

import os

import numpy as np
import pytest
import tensorflow as tf

from tfgraph_dnn.contrib import framework as F
from tfgraph_dnn.contrib import layers as L

from _background import tf1_mode_script

v1 = tf.compat.v1
GK = v1.GraphKeys
RNG = np.random.RandomState(0)


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def sess(graph):
    with v1.Session(graph=graph) as session:
        yield session


def init(sess, **values):
    """Initialize all variables, then set the named ones (op name -> value)."""
    sess.run(v1.global_variables_initializer())
    for name, value in values.items():
        var = F.get_unique_variable(name.replace("__", "/"))
        sess.run(var.assign(np.asarray(value, var.dtype.as_numpy_dtype)))


def names(collection=GK.GLOBAL_VARIABLES):
    return [v.op.name for v in v1.get_collection(collection)]


def const(shape, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype(np.float32)


def summary_tags():
    return [np.asarray(tf.get_static_value(s.op.inputs[0])).item()
            for s in v1.get_collection(GK.SUMMARIES)]


def np_conv(x, w, stride=1, rate=1):
    """Reference VALID N-D-agnostic 2-D convolution (NHWC, HWIO)."""
    n, h, wd, _ = x.shape
    kh, kw, _, o = w.shape
    eh, ew = (kh - 1) * rate + 1, (kw - 1) * rate + 1
    oh, ow = (h - eh) // stride + 1, (wd - ew) // stride + 1
    out = np.zeros((n, oh, ow, o), np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + eh:rate, j * stride:j * stride + ew:rate, :]
            out[:, i, j, :] = np.einsum("nhwc,hwco->no", patch, w)
    return out


# --------------------------------------------------------------------------- arg_scope
@F.add_arg_scope
def _op(a, b=1, c=2):
    return a, b, c


@F.add_arg_scope
def _other(a, b=10):
    return a, b


def test_arg_scope_sets_defaults_and_explicit_kwargs_win():
    assert _op(0) == (0, 1, 2)
    with F.arg_scope([_op], b=5, c=6):
        assert _op(0) == (0, 5, 6)
        assert _op(0, c=7) == (0, 5, 7)
        assert _other(0) == (0, 10)  # not listed: untouched
    assert _op(0) == (0, 1, 2)


def test_arg_scope_nesting_merges_and_restores():
    with F.arg_scope([_op, _other], b=3):
        with F.arg_scope([_op], c=4):
            assert _op(0) == (0, 3, 4)
            assert _other(0) == (0, 3)
            with F.arg_scope([_op], b=9):
                assert _op(0) == (0, 9, 4)
        assert _op(0) == (0, 3, 2)
    assert F.current_arg_scope() == {}


def test_arg_scope_reenters_a_saved_scope():
    with F.arg_scope([_op], b=8) as saved:
        pass
    assert _op(0) == (0, 1, 2)
    with F.arg_scope(saved):
        assert _op(0) == (0, 8, 2)
    with pytest.raises(ValueError, match="kwargs must be empty"):
        with F.arg_scope(saved, b=1):
            pass


def test_arg_scope_errors_name_the_argument_and_keep_the_stack():
    def plain(x, y=1):
        return x

    with F.arg_scope([_op], b=2):
        with pytest.raises(ValueError, match="plain is not decorated"):
            with F.arg_scope([plain], y=2):
                pass
        with pytest.raises(TypeError, match="list_ops_or_scope"):
            with F.arg_scope(_op, b=3):
                pass
        assert _op(0) == (0, 2, 2)  # the failed scopes did not pop this one


def test_arg_scope_introspection():
    assert F.has_arg_scope(_op) and F.has_arg_scope(L.conv2d)
    assert not F.has_arg_scope(lambda x: x)
    assert F.arg_scoped_arguments(_op) == ("b", "c")
    assert "normalizer_fn" in F.arg_scoped_arguments(L.fully_connected)
    with F.arg_scope([_op], b=1) as sc:
        assert F.current_arg_scope() is sc
        assert sc[F.arg_scope_func_key(_op)] == {"b": 1}


def test_arg_scope_drives_contrib_layers(graph, sess):
    x = const((2, 3))
    w = const((3, 4), 1)
    with F.arg_scope([L.fully_connected], activation_fn=None, biases_initializer=None,
                     weights_initializer=v1.constant_initializer(w)):
        y = L.fully_connected(x, 4)
        z = L.fully_connected(x, 4, activation_fn=tf.nn.relu)  # explicit wins
    assert names() == ["fully_connected/weights", "fully_connected_1/weights"]
    init(sess)
    np.testing.assert_allclose(sess.run(y), x @ w, rtol=1e-5)
    np.testing.assert_allclose(sess.run(z), np.maximum(x @ w, 0), rtol=1e-5)


# --------------------------------------------------------------------------- framework
def test_model_variable_collections_and_regularizer_applied_once(graph):
    reg = L.l2_regularizer(0.5)
    with v1.variable_scope("s"):
        w = F.model_variable("w", [2], initializer=v1.ones_initializer(), regularizer=reg,
                             collections=["mine"])
    with v1.variable_scope("s", reuse=True):
        assert F.model_variable("w", [2], regularizer=reg) is w
    with v1.variable_scope("t", reuse=v1.AUTO_REUSE):
        F.variable("u", [1], regularizer=reg)
        F.variable("u", [1], regularizer=reg)
    losses = v1.get_collection(GK.REGULARIZATION_LOSSES)
    assert [l.op.name for l in losses] == ["s/w/Regularizer/l2_regularizer",
                                           "t/u/Regularizer/l2_regularizer"]
    assert names(GK.MODEL_VARIABLES) == ["s/w"]
    assert names("mine") == ["s/w"] and "s/w" in names(GK.TRAINABLE_VARIABLES)
    assert "t/u" not in names(GK.MODEL_VARIABLES)
    assert w.dtype.base_dtype == tf.float32 and "Resource" not in type(w).__name__
    with v1.Session() as s:
        s.run(v1.global_variables_initializer())
        assert s.run(losses[0]) == pytest.approx(0.5 * 2 / 2)


def test_variable_filters_and_unique_lookup(graph):
    with v1.variable_scope("a"):
        F.model_variable("weights", [1])
        F.variable("bias", [1], trainable=False)
    with v1.variable_scope("ab"):
        F.variable("weights", [1])
    F.local_variable(1.0, name="counter")
    assert [v.op.name for v in F.get_variables("a/")] == ["a/weights", "a/bias"]
    assert [v.op.name for v in F.get_variables_by_name("weights")] == ["a/weights", "ab/weights"]
    assert [v.op.name for v in F.get_variables_by_suffix("bias")] == ["a/bias"]
    assert [v.op.name for v in F.get_trainable_variables()] == ["a/weights", "ab/weights"]
    assert [v.op.name for v in F.get_model_variables()] == ["a/weights"]
    assert [v.op.name for v in F.get_local_variables()] == ["counter"]
    restore = F.get_variables_to_restore(include=["a", "ab"], exclude=["ab"])
    assert [v.op.name for v in restore] == ["a/weights", "a/bias"]
    assert F.get_unique_variable("a/weights").op.name == "a/weights"
    with pytest.raises(ValueError, match="no variable named 'zz'"):
        F.get_unique_variable("zz")
    with pytest.raises(TypeError, match="include must be a list"):
        F.get_variables_to_restore(include="a")


def test_global_step(graph):
    assert F.get_global_step() is None
    step = F.get_or_create_global_step()
    assert F.get_or_create_global_step() is step
    assert step.op.name == "global_step" and step.dtype.base_dtype == tf.int64
    assert F.assert_or_get_global_step() is step
    with pytest.raises(ValueError):
        F.create_global_step()


def test_assign_from_values_and_checkpoint(graph, sess, tmp_path):
    w = F.model_variable("w", [2, 2], initializer=v1.zeros_initializer())
    op, feed = F.assign_from_values({"w": np.arange(4.0)})
    init(sess)
    sess.run(op, feed)
    np.testing.assert_array_equal(sess.run(w), [[0, 1], [2, 3]])
    path = v1.train.Saver().save(sess, str(tmp_path / "m"))
    sess.run(w.assign(np.zeros((2, 2), np.float32)))
    F.assign_from_checkpoint_fn(path, [w])(sess)
    np.testing.assert_array_equal(sess.run(w), [[0, 1], [2, 3]])
    extra = F.variable("extra", [1])
    F.assign_from_checkpoint_fn(path, [w, extra], ignore_missing_vars=True)(sess)
    with pytest.raises(ValueError, match="missing variable 'extra'"):
        F.assign_from_checkpoint(path, [extra])


# --------------------------------------------------------------------------- initializers
def _sample(init_fn, shape):
    with tf.Graph().as_default():
        var = v1.get_variable("v", shape, initializer=init_fn)
        with v1.Session() as s:
            s.run(v1.global_variables_initializer())
            return s.run(var)


def test_xavier_and_variance_scaling_initializers():
    values = _sample(L.xavier_initializer(seed=1), [200, 300])
    limit = np.sqrt(6.0 / 500)
    assert np.abs(values).max() <= limit and np.abs(values).max() > 0.95 * limit
    assert values.std() == pytest.approx(limit / np.sqrt(3), rel=0.02)
    # Contrib's truncated normal: stddev sqrt(1.3 * factor / fan_in) before truncation
    # at 2 sigma (std of the truncated normal = 0.8796 * that).
    he = _sample(L.variance_scaling_initializer(seed=2), [3, 3, 20, 50])
    sigma = np.sqrt(1.3 * 2.0 / (3 * 3 * 20))
    assert he.std() == pytest.approx(0.87962566 * sigma, rel=0.03)
    assert np.abs(he).max() <= 2 * sigma
    assert L.xavier_initializer_conv2d is L.xavier_initializer
    with pytest.raises(TypeError, match="mode"):
        L.variance_scaling_initializer(mode="fan_in")
    with pytest.raises(TypeError, match="dtype"):
        L.xavier_initializer(dtype=tf.int32)


# --------------------------------------------------------------------------- regularizers
def test_regularizer_values_names_and_errors(graph, sess):
    w = tf.constant([[1.0, -2.0], [3.0, -4.0]])
    l1 = L.l1_regularizer(0.5)(w)
    l2 = L.l2_regularizer(0.5)(w)
    both = L.l1_l2_regularizer(0.5, 0.5)(w)
    assert (l1.op.name, l2.op.name, both.op.name) == (
        "l1_regularizer", "l2_regularizer", "l1_l2_regularizer")
    assert sess.run([l1, l2, both]) == pytest.approx([5.0, 7.5, 12.5])
    assert L.l2_regularizer(tf.constant(2.0))(w) is not None  # tensor scale accepted
    assert L.l1_regularizer(0.0)(w) is None
    assert L.sum_regularizer([None]) is None
    with pytest.raises(ValueError, match="integer"):
        L.l2_regularizer(1)
    with pytest.raises(ValueError, match=">= 0"):
        L.l1_regularizer(-0.1)


def test_apply_regularization(graph, sess):
    with pytest.raises(ValueError, match="no weights"):
        L.apply_regularization(L.l1_regularizer(1.0))
    a, b = tf.constant([1.0, -1.0]), tf.constant([[2.0]])
    total = L.apply_regularization(L.l1_regularizer(1.0), [a, b])
    assert total.op.name == "get_regularization_penalty"
    assert v1.get_collection(GK.REGULARIZATION_LOSSES) == [total]
    assert sess.run(total) == pytest.approx(4.0)
    with pytest.raises(ValueError, match="scalar"):
        L.apply_regularization(lambda t: t * 2.0, [a])


# --------------------------------------------------------------------------- fully_connected
def test_fully_connected_variables_collections_and_uniquification(graph):
    x = tf.ones([2, 3])
    y = L.fully_connected(x, 4)
    L.fully_connected(x, 5)
    with v1.variable_scope("outer"):
        L.fully_connected(x, 6, trainable=False)
    assert names() == ["fully_connected/weights", "fully_connected/biases",
                       "fully_connected_1/weights", "fully_connected_1/biases",
                       "outer/fully_connected/weights", "outer/fully_connected/biases"]
    assert names(GK.MODEL_VARIABLES) == names()
    assert names(GK.TRAINABLE_VARIABLES) == names()[:4]
    assert [v.shape.as_list() for v in v1.global_variables()][:2] == [[3, 4], [4]]
    assert y.op.type == "Relu" and y.shape.as_list() == [2, 4]  # ReLU by default
    assert v1.get_collection(GK.REGULARIZATION_LOSSES) == []


def test_fully_connected_matches_numpy(graph, sess):
    x = const((5, 3))
    w, b = const((3, 2), 1), const((2,), 2)
    y = L.fully_connected(x, 2)
    lin = L.linear(x, 2, scope="lin")
    r6 = L.relu6(x * 10.0, 2, scope="r6")
    init(sess, fully_connected__weights=w, fully_connected__biases=b, lin__weights=w,
         lin__biases=b, r6__weights=w, r6__biases=b)
    np.testing.assert_allclose(sess.run(y), np.maximum(x @ w + b, 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sess.run(lin), x @ w + b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sess.run(r6), np.clip(10 * x @ w + b, 0, 6), rtol=1e-5,
                               atol=1e-5)


def test_fully_connected_rank3_inputs(graph, sess):
    x = const((2, 3, 4))
    w = const((4, 5), 1)
    y = L.fully_connected(x, 5, activation_fn=None, biases_initializer=None)
    assert y.shape.as_list() == [2, 3, 5]
    assert names() == ["fully_connected/weights"]
    init(sess, fully_connected__weights=w)
    np.testing.assert_allclose(sess.run(y), x @ w, rtol=1e-5, atol=1e-6)


def test_fully_connected_with_normalizer_has_no_biases(graph):
    x = tf.ones([4, 3])
    L.fully_connected(x, 2, normalizer_fn=L.batch_norm, normalizer_params={"decay": 0.9})
    assert names() == ["fully_connected/weights", "fully_connected/BatchNorm/beta",
                       "fully_connected/BatchNorm/moving_mean",
                       "fully_connected/BatchNorm/moving_variance"]


def test_fully_connected_reuse_and_regularizer_once(graph):
    x = tf.ones([2, 3])
    reg = L.l2_regularizer(0.01)
    a = L.fully_connected(x, 4, weights_regularizer=reg, biases_regularizer=reg, scope="fc")
    b = L.fully_connected(x, 4, weights_regularizer=reg, biases_regularizer=reg, scope="fc",
                          reuse=True)
    assert a is not b and names() == ["fc/weights", "fc/biases"]
    assert [l.op.name for l in v1.get_collection(GK.REGULARIZATION_LOSSES)] == [
        "fc/kernel/Regularizer/l2_regularizer", "fc/bias/Regularizer/l2_regularizer"]
    with pytest.raises(ValueError, match="already exists"):
        L.fully_connected(x, 4, scope="fc")


def test_fully_connected_collections_and_errors(graph):
    x = tf.ones([2, 3])
    y = L.fully_connected(x, 4, variables_collections=["all"], outputs_collections="outs",
                          scope="a")
    L.fully_connected(x, 4, variables_collections={"weights": ["w_only"]}, scope="b")
    assert names("all") == ["a/weights", "a/biases"]
    assert names("w_only") == ["b/weights"]
    assert v1.get_collection("outs") == [y] and y.aliases == ["a"]
    assert dict(L.convert_collection_to_dict("outs")) == {"a": y}
    with pytest.raises(ValueError, match="num_outputs"):
        L.fully_connected(x, 2.0)
    with pytest.raises(ValueError, match="dimension -1"):
        L.fully_connected(v1.placeholder(tf.float32, [None, None]), 2)
    with pytest.raises(ValueError, match="rank >= 2"):
        L.fully_connected(tf.ones([3]), 2)


# --------------------------------------------------------------------------- batch_norm
def test_batch_norm_variables_and_collections(graph):
    x = tf.ones([4, 2, 2, 3])
    L.batch_norm(x)
    L.batch_norm(x, scale=True, variables_collections={"gamma": ["g"]})
    assert names() == ["BatchNorm/beta", "BatchNorm/moving_mean", "BatchNorm/moving_variance",
                       "BatchNorm_1/beta", "BatchNorm_1/gamma", "BatchNorm_1/moving_mean",
                       "BatchNorm_1/moving_variance"]
    assert names(GK.MODEL_VARIABLES) == names()
    assert names(GK.TRAINABLE_VARIABLES) == ["BatchNorm/beta", "BatchNorm_1/beta",
                                             "BatchNorm_1/gamma"]
    assert names("g") == ["BatchNorm_1/gamma"]
    assert [u.op.name for u in v1.get_collection(GK.UPDATE_OPS)] == [
        "BatchNorm/AssignMovingAvg", "BatchNorm/AssignMovingAvg_1",
        "BatchNorm_1/AssignMovingAvg", "BatchNorm_1/AssignMovingAvg_1"]


@pytest.mark.parametrize("fused, shape", [(None, (6, 2, 2, 3)), (False, (6, 2, 2, 3)),
                                          (None, (8, 3)), (False, (8, 3))])
def test_batch_norm_training_output_and_update_ops(graph, sess, fused, shape):
    x = const(shape)
    y = L.batch_norm(x, decay=0.9, scale=True, fused=fused)
    init(sess, BatchNorm__gamma=[2.0, 3.0, 4.0], BatchNorm__beta=[0.5, 0.0, -0.5])
    flat = x.reshape(-1, 3)
    mean, var = flat.mean(0), flat.var(0)
    expected = (x - mean) / np.sqrt(var + 0.001) * [2.0, 3.0, 4.0] + [0.5, 0.0, -0.5]
    np.testing.assert_allclose(sess.run(y), expected, rtol=1e-4, atol=1e-5)
    sess.run(v1.get_collection(GK.UPDATE_OPS))
    # The fused kernel (TF1's default for 2-D/4-D inputs) feeds the unbiased variance
    # to the moving average; the plain path the biased one.
    n = flat.shape[0]
    batch_var = var * n / (n - 1) if fused is None else var
    moving_mean, moving_var = sess.run(F.get_variables("BatchNorm/moving"))
    np.testing.assert_allclose(moving_mean, 0.1 * mean, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(moving_var, 0.9 + 0.1 * batch_var, rtol=1e-4)


@pytest.mark.parametrize("fused, data_format", [(None, "NHWC"), (False, "NCHW"),
                                                (None, "NCHW")])
def test_batch_norm_in_place_updates(graph, sess, fused, data_format):
    x = const((5, 2, 2, 3))
    if data_format == "NCHW":
        x = x.transpose(0, 3, 1, 2)
    y = L.batch_norm(x, decay=0.5, updates_collections=None, fused=fused,
                     data_format=data_format)
    assert v1.get_collection(GK.UPDATE_OPS) == []
    init(sess)
    axes = (0, 2, 3) if data_format == "NCHW" else (0, 1, 2)
    mean = x.mean(axes)
    var = x.var(axes) * (20 / 19 if fused is None else 1.0)
    sess.run(y)
    sess.run(y)  # two in-place updates with decay 0.5: 0.75 of the batch statistics
    moving_mean, moving_var = sess.run(F.get_variables("BatchNorm/moving"))
    np.testing.assert_allclose(moving_mean, 0.75 * mean, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(moving_var, 0.25 + 0.75 * var, rtol=1e-4)


def test_batch_norm_inference_uses_moving_statistics(graph, sess):
    x = const((4, 3))
    y = L.batch_norm(x, is_training=False, center=False)
    assert v1.get_collection(GK.UPDATE_OPS) == []
    init(sess, BatchNorm__moving_mean=[1.0, 2.0, 3.0], BatchNorm__moving_variance=[4.0, 1.0, 9.0])
    expected = (x - [1.0, 2.0, 3.0]) / np.sqrt(np.array([4.0, 1.0, 9.0]) + 0.001)
    np.testing.assert_allclose(sess.run(y), expected, rtol=1e-5)
    assert names() == ["BatchNorm/moving_mean", "BatchNorm/moving_variance"]


@pytest.mark.parametrize("fused", [None, False])
def test_batch_norm_tensor_is_training(graph, sess, fused):
    x = const((6, 3))
    training = v1.placeholder(tf.bool, [])
    y = L.batch_norm(x, decay=0.5, is_training=training, fused=fused)
    updates = v1.get_collection(GK.UPDATE_OPS)
    init(sess, BatchNorm__moving_mean=[1.0, 1.0, 1.0])
    sess.run(updates, {training: False})  # decay 1 at inference: no change
    moving = F.get_variables("BatchNorm/moving")
    np.testing.assert_allclose(sess.run(moving), [[1, 1, 1], [1, 1, 1]])
    np.testing.assert_allclose(sess.run(y, {training: False}), (x - 1.0) / np.sqrt(1.001),
                               rtol=1e-5)
    sess.run(updates, {training: True})
    np.testing.assert_allclose(sess.run(moving[0]), 0.5 + 0.5 * x.mean(0), rtol=1e-5)


@pytest.mark.parametrize("fused", [False, None])
def test_batch_norm_zero_debias(graph, sess, fused):
    x = const((10, 3))
    y = L.batch_norm(x, decay=0.1, updates_collections=None, zero_debias_moving_mean=True,
                     fused=fused)
    # As in TF1, only the non-fused path (custom getter) made them model variables.
    assert ("BatchNorm/BatchNorm/moving_mean/biased" in names(GK.MODEL_VARIABLES)) is (
        fused is False)
    assert "BatchNorm/BatchNorm/moving_mean/local_step" in names()
    init(sess)
    for step in range(1, 4):
        sess.run(y)
        np.testing.assert_allclose(sess.run(F.get_unique_variable("BatchNorm/moving_mean")),
                                   x.mean(0), rtol=1e-5, atol=1e-6)
        assert sess.run(F.get_variables_by_name("local_step")[0]) == step


def test_batch_norm_reuse_regularizers_and_errors(graph):
    x = tf.ones([4, 3])
    reg = lambda t: 0.1 * tf.reduce_sum(t)  # noqa: E731
    L.batch_norm(x, scale=True, scope="bn", param_regularizers={"beta": reg, "gamma": reg})
    L.batch_norm(x, scale=True, scope="bn", reuse=True)
    assert len(names()) == 4 and len(v1.get_collection(GK.UPDATE_OPS)) == 4
    assert [l.op.name for l in v1.get_collection(GK.REGULARIZATION_LOSSES)] == [
        "bn/beta/Regularizer/mul", "bn/gamma/Regularizer/mul"]
    with pytest.raises(ValueError, match="undefined rank"):
        L.batch_norm(v1.placeholder(tf.float32))
    with pytest.raises(ValueError, match="data_format"):
        L.batch_norm(x, data_format="CHWN")
    with pytest.raises(ValueError, match="channels"):
        L.batch_norm(v1.placeholder(tf.float32, [5, 3, 3, None]))
    with pytest.raises(NotImplementedError, match="renorm"):
        L.batch_norm(x, renorm=True)


# --------------------------------------------------------------------------- dropout
def test_dropout_keep_prob_semantics(graph, sess):
    x = np.ones((100, 100), np.float32)
    y = L.dropout(x)  # contrib default: is_training=True, keep_prob=0.5 -> drops
    kept = L.dropout(x, keep_prob=0.9, is_training=False)
    training = v1.placeholder_with_default(False, [])
    switched = L.dropout(x, keep_prob=0.25, is_training=training, outputs_collections="o")
    assert switched.aliases == ["Dropout_2"]
    out = sess.run(y)
    assert set(np.unique(out)) == {0.0, 2.0} and (out == 0).mean() == pytest.approx(0.5, 0.05)
    np.testing.assert_array_equal(sess.run(kept), x)
    np.testing.assert_array_equal(sess.run(switched), x)
    dropped = sess.run(switched, {training: True})
    assert set(np.unique(dropped)) == {0.0, 4.0} and (dropped == 0).mean() == pytest.approx(
        0.75, abs=0.05)
    with pytest.raises(ValueError, match="keep_prob"):
        L.dropout(x, keep_prob=0.0)


# --------------------------------------------------------------------------- flatten & co
def test_flatten(graph, sess):
    x = v1.placeholder(tf.float32, [None, 2, 3, 4])
    y = L.flatten(x, outputs_collections="o")
    assert y.shape.as_list() == [None, 24] and y.aliases == ["Flatten"]
    value = const((5, 2, 3, 4))
    np.testing.assert_array_equal(sess.run(y, {x: value}), value.reshape(5, 24))
    assert L.flatten(v1.placeholder(tf.float32, [None, None, 3])).shape.as_list() == [None, None]
    with pytest.raises(ValueError, match="rank >= 2"):
        L.flatten(tf.ones([3]))


def test_bias_add_one_hot_softmax_unit_norm_maxout(graph, sess):
    x = const((2, 3, 1, 4))
    y = L.bias_add(x, initializer=v1.constant_initializer([1.0, 2.0, 3.0, 4.0]))
    nchw = L.bias_add(x.transpose(0, 3, 1, 2), data_format="NCHW", scope="nc")
    assert names() == ["BiasAdd/biases", "nc/biases"]
    hot = L.one_hot_encoding([0, 2], 3)
    logits = const((2, 3, 4), 1)
    probs = L.softmax(logits)
    unit = L.unit_norm(logits, 2)
    mo = L.maxout(tf.constant(logits), 2)
    init(sess, nc__biases=[1.0, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(sess.run(y), x + [1.0, 2.0, 3.0, 4.0], rtol=1e-6)
    np.testing.assert_allclose(sess.run(nchw), x.transpose(0, 3, 1, 2) + 1.0, rtol=1e-6)
    np.testing.assert_array_equal(sess.run(hot), [[1, 0, 0], [0, 0, 1]])
    e = np.exp(logits - logits.max(-1, keepdims=True))
    np.testing.assert_allclose(sess.run(probs), e / e.sum(-1, keepdims=True), rtol=1e-5)
    norm = np.sqrt(1e-7 + (logits ** 2).sum(2, keepdims=True))
    np.testing.assert_allclose(sess.run(unit), logits / norm, rtol=1e-5)
    np.testing.assert_allclose(sess.run(mo), logits.reshape(2, 3, 2, 2).max(-1), rtol=1e-6)
    with pytest.raises(ValueError, match="dim must be"):
        L.unit_norm(logits, 3)


def test_repeat_and_stack_scopes(graph):
    x = tf.ones([2, 3])
    L.repeat(x, 2, L.fully_connected, 3, scope="fc")
    L.stack(x, L.fully_connected, [4, (5,)], scope="st")
    L.stack(x, L.relu, [2])
    assert [n for n in names() if n.endswith("weights")] == [
        "fc/fc_1/weights", "fc/fc_2/weights", "st/st_1/weights", "st/st_2/weights",
        "Stack/fully_connected_1/weights"]
    with pytest.raises(ValueError, match="stack_args"):
        L.stack(x, L.fully_connected, 3)


# --------------------------------------------------------------------------- convolutions
def test_conv2d_variables_uniquification_and_collections(graph):
    x = tf.ones([1, 5, 5, 3])
    y = L.conv2d(x, 4, [3, 2])
    L.conv2d(x, 4, 3, normalizer_fn=L.batch_norm)
    L.convolution2d(x, 2, 1, weights_regularizer=L.l1_regularizer(0.1))
    assert names()[:2] == ["Conv/weights", "Conv/biases"]
    assert "Conv_1/biases" not in names() and "Conv_1/BatchNorm/moving_mean" in names()
    assert F.get_unique_variable("Conv/weights").shape.as_list() == [3, 2, 3, 4]
    assert y.op.type == "Relu" and y.shape.as_list() == [1, 5, 5, 4]
    assert [l.op.name for l in v1.get_collection(GK.REGULARIZATION_LOSSES)] == [
        "Conv_2/kernel/Regularizer/l1_regularizer"]
    assert set(names(GK.MODEL_VARIABLES)) == set(names())


@pytest.mark.parametrize("stride, rate, data_format", [(1, 1, None), (2, 1, None),
                                                       (1, 2, None), (2, 1, "NCHW")])
def test_conv2d_matches_numpy(graph, sess, stride, rate, data_format):
    x = const((2, 7, 7, 3))
    w, b = const((3, 3, 3, 4), 1), const((4,), 2)
    inputs = x.transpose(0, 3, 1, 2) if data_format else x
    y = L.conv2d(inputs, 4, 3, stride=stride, rate=rate, padding="VALID",
                 data_format=data_format, activation_fn=None)
    init(sess, Conv__weights=w, Conv__biases=b)
    expected = np_conv(x, w, stride, rate) + b
    out = sess.run(y)
    if data_format:
        out = out.transpose(0, 2, 3, 1)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_conv1d_conv3d_and_convolution_errors(graph):
    assert L.conv1d(tf.ones([2, 9, 3]), 4, 3, stride=2).shape.as_list() == [2, 5, 4]
    assert L.conv3d(tf.ones([1, 4, 4, 4, 2]), 3, 2).shape.as_list() == [1, 4, 4, 4, 3]
    assert F.get_unique_variable("Conv_1/weights").shape.as_list() == [2, 2, 2, 2, 3]
    with pytest.raises(ValueError, match="rank 4"):
        L.conv2d(tf.ones([2, 9, 3]), 4, 3)
    with pytest.raises(ValueError, match="data_format"):
        L.conv2d(tf.ones([1, 4, 4, 2]), 4, 3, data_format="HWCN")
    with pytest.raises(ValueError, match="cannot both be > 1"):
        L.conv2d(tf.ones([1, 8, 8, 2]), 4, 3, stride=2, rate=2)
    with pytest.raises(ValueError, match="padding"):
        L.conv2d(tf.ones([1, 8, 8, 2]), 4, 3, padding="FULL")
    with pytest.raises(ValueError, match="num_outputs"):
        L.conv2d(tf.ones([1, 8, 8, 2]), 2.5, 3)


@pytest.mark.parametrize("data_format", ["NHWC", "NCHW"])
def test_conv2d_transpose_shapes_and_values(graph, sess, data_format):
    x = const((1, 3, 3, 2))
    w = const((2, 2, 4, 2), 1)  # [kh, kw, out, in]
    inputs = x.transpose(0, 3, 1, 2) if data_format == "NCHW" else x
    y = L.conv2d_transpose(inputs, 4, 2, stride=2, padding="VALID", activation_fn=None,
                           biases_initializer=None, data_format=data_format)
    same = L.conv2d_transpose(tf.ones([2, 5, 5, 3]), 6, 3, stride=2)
    assert same.shape.as_list() == [2, 10, 10, 6]
    assert F.get_unique_variable("Conv2d_transpose_1/weights").shape.as_list() == [3, 3, 6, 3]
    init(sess, Conv2d_transpose__weights=w)
    expected = np.einsum("nijc,abOc->niajbO", x, w).reshape(1, 6, 6, 4)
    out = sess.run(y)
    if data_format == "NCHW":
        out = out.transpose(0, 2, 3, 1)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_separable_and_in_plane_convolutions(graph, sess):
    x = const((1, 4, 4, 2))
    L.separable_conv2d(x, 5, 3, depth_multiplier=2)
    depthwise = L.separable_conv2d(x, None, 3, depth_multiplier=3, scope="dw")
    assert {v.op.name: v.shape.as_list() for v in v1.global_variables()} == {
        "SeparableConv2d/depthwise_weights": [3, 3, 2, 2],
        "SeparableConv2d/pointwise_weights": [1, 1, 4, 5], "SeparableConv2d/biases": [5],
        "dw/depthwise_weights": [3, 3, 2, 3], "dw/biases": [6]}
    assert depthwise.shape.as_list() == [1, 4, 4, 6]
    grad = L.conv2d_in_plane(x, [2, 1], padding="VALID", activation_fn=None,
                             weights_initializer=v1.constant_initializer([1.0, -1.0]))
    assert F.get_unique_variable("ConvInPlane/weights").shape.as_list() == [2, 1, 1, 1]
    init(sess)
    np.testing.assert_allclose(sess.run(grad), x[:, :-1] - x[:, 1:], rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- pooling
@pytest.mark.parametrize("data_format", ["NHWC", "NCHW"])
def test_pooling_matches_numpy(graph, sess, data_format):
    x = const((2, 4, 6, 3))
    inputs = x.transpose(0, 3, 1, 2) if data_format == "NCHW" else x
    mx = L.max_pool2d(inputs, 2, data_format=data_format, outputs_collections="o")
    av = L.avg_pool2d(inputs, [2, 3], stride=[2, 3], data_format=data_format)
    blocks = x.reshape(2, 2, 2, 3, 2, 3)
    expected_max = blocks.max(axis=(2, 4))
    expected_avg = x.reshape(2, 2, 2, 2, 3, 3).mean(axis=(2, 4))
    got_max, got_avg = sess.run([mx, av])
    if data_format == "NCHW":
        got_max, got_avg = got_max.transpose(0, 2, 3, 1), got_avg.transpose(0, 2, 3, 1)
    np.testing.assert_allclose(got_max, expected_max, rtol=1e-6)
    np.testing.assert_allclose(got_avg, expected_avg, rtol=1e-5)
    assert mx.aliases == ["MaxPool2D"]
    assert L.max_pool2d(x, 3, stride=1, padding="SAME").shape.as_list() == [2, 4, 6, 3]
    with pytest.raises(ValueError, match="data_format"):
        L.max_pool2d(x, 2, data_format="NDHWC")


# --------------------------------------------------------------------------- normalizations
def test_layer_instance_and_group_norm_match_numpy(graph, sess):
    x = const((2, 3, 4))
    ln = L.layer_norm(x)
    ln_last = L.layer_norm(x, begin_norm_axis=-1, begin_params_axis=-2, center=False)
    inst = L.instance_norm(x, center=False)
    image = const((2, 3, 3, 4), 1)
    gn = L.group_norm(image, groups=2, scale=False)
    assert {v.op.name: v.shape.as_list() for v in v1.global_variables()} == {
        "LayerNorm/beta": [4], "LayerNorm/gamma": [4], "LayerNorm_1/gamma": [3, 4],
        "InstanceNorm/gamma": [4], "GroupNorm/beta": [4]}
    init(sess, LayerNorm__gamma=[1.0, 2.0, 3.0, 4.0])

    def normalize(a, axes, eps):
        return (a - a.mean(axes, keepdims=True)) / np.sqrt(a.var(axes, keepdims=True) + eps)

    np.testing.assert_allclose(sess.run(ln), normalize(x, (1, 2), 1e-12) * [1, 2, 3, 4],
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(sess.run(ln_last), normalize(x, (2,), 1e-12), rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(sess.run(inst), normalize(x, (1,), 1e-6), rtol=1e-4, atol=1e-5)
    grouped = normalize(image.reshape(2, 3, 3, 2, 2), (1, 2, 4), 1e-6).reshape(image.shape)
    np.testing.assert_allclose(sess.run(gn), grouped, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="must be < rank"):
        L.layer_norm(x, begin_params_axis=3)
    with pytest.raises(ValueError, match="commensurate"):
        L.group_norm(image, groups=3)


# --------------------------------------------------------------------------- summaries
def test_summaries(graph):
    with v1.name_scope("net"):
        act = tf.nn.relu(tf.constant([[-1.0, 2.0]]))
    hist = L.summarize_activation(act)
    assert summary_tags() == [b"net/Relu/zeros", b"net/Relu/activation"]
    assert hist.op.type == "HistogramSummary"
    assert L.summarize_tensor(tf.constant(1.0, name="loss")).op.type == "ScalarSummary"
    assert L.summarize_tensor(tf.constant(True)) is None
    with pytest.raises(ValueError, match="net/Relu/zeros already exists"):
        L.summarize_activation(act)


# --------------------------------------------------------------------------- optimize_loss
def test_optimize_loss_sgd_step_update_ops_and_summaries(graph, sess):
    x = const((4, 3))
    w0 = const((3, 1), 1)
    y = L.fully_connected(x, 1, activation_fn=None, biases_initializer=None,
                          weights_initializer=v1.constant_initializer(w0))
    L.batch_norm(y, center=False)  # puts 2 ops in UPDATE_OPS
    loss = tf.reduce_sum(tf.square(y))
    step = F.get_or_create_global_step()
    train = L.optimize_loss(loss, step, 0.1, "SGD", gradient_multipliers={
        "fully_connected/weights:0": 0.5})
    assert F.get_unique_variable("OptimizeLoss/learning_rate").trainable is False
    assert set(summary_tags()) == {b"OptimizeLoss/loss",
                                   b"OptimizeLoss/global_norm/gradient_norm"}
    init(sess)
    sess.run(train)
    grad = 2 * x.T @ (x @ w0)
    np.testing.assert_allclose(sess.run("fully_connected/weights:0"), w0 - 0.1 * 0.5 * grad,
                               rtol=1e-5)
    assert sess.run(step) == 1
    assert sess.run("BatchNorm/moving_mean:0")[0] != 0.0  # update ops ran with the step


def test_optimize_loss_clipping_optimizer_kinds_and_errors(graph, sess):
    w = F.variable("w", [2], initializer=v1.constant_initializer([3.0, 4.0]))
    loss = 0.5 * tf.reduce_sum(tf.square(w))  # gradient = w, norm 5
    train = L.optimize_loss(loss, None, 1.0, v1.train.GradientDescentOptimizer,
                            clip_gradients=1.0, summaries=[], name="clipped")
    other = L.optimize_loss(loss, None, None, lambda: v1.train.GradientDescentOptimizer(0.0),
                            clip_gradients=L.adaptive_clipping_fn(), summaries=["gradients"])
    init(sess)
    sess.run(train)
    np.testing.assert_allclose(sess.run(w), [3.0 - 0.6, 4.0 - 0.8], rtol=1e-5)
    sess.run(other)
    assert F.get_variables("OptimizeLoss/AdaptiveMaxNorm/mean")
    with pytest.raises(ValueError, match="optimizer name"):
        L.optimize_loss(loss, None, 0.1, "Nope")
    with pytest.raises(ValueError, match="learning_rate is needed"):
        L.optimize_loss(loss, None, None, "SGD")
    with pytest.raises(ValueError, match="summaries"):
        L.optimize_loss(loss, None, 0.1, "SGD", summaries=["weights"])
    with pytest.raises(ValueError, match="learning_rate must be a float"):
        L.optimize_loss(loss, None, 1, "SGD")


# --------------------------------------------------------------------------- checkpoints
def _tf1_model(x):
    net = L.conv2d(x, 2, 3)
    net = L.batch_norm(net, scale=True)
    net = L.flatten(L.max_pool2d(net, 2))
    F.get_or_create_global_step()
    return L.fully_connected(net, 3)


TF1_CHECKPOINT_NAMES = [
    "BatchNorm/beta", "BatchNorm/gamma", "BatchNorm/moving_mean", "BatchNorm/moving_variance",
    "Conv/biases", "Conv/weights", "fully_connected/biases", "fully_connected/weights",
    "global_step"]


def test_checkpoint_uses_tf1_names_and_restores_by_name(tmp_path):
    x = const((2, 4, 4, 1))
    with tf.Graph().as_default():
        y = _tf1_model(x)
        with v1.Session() as s:
            s.run(v1.global_variables_initializer())
            s.run(v1.get_collection(GK.UPDATE_OPS))
            expected = s.run(y)
            saved = {v.op.name: s.run(v) for v in v1.global_variables()}
            path = v1.train.Saver().save(s, str(tmp_path / "model"))
    assert [name for name, _ in tf.train.list_variables(path)] == TF1_CHECKPOINT_NAMES
    with tf.Graph().as_default():
        y = _tf1_model(x)
        restore = F.assign_from_checkpoint_fn(
            path, {v.op.name: v for v in F.get_variables_to_restore(exclude=["global_step"])})
        with v1.Session() as s:
            s.run(v1.global_variables_initializer())
            restore(s)
            for var in F.get_model_variables():
                np.testing.assert_array_equal(s.run(var), saved[var.op.name])
            np.testing.assert_allclose(s.run(y), expected, rtol=1e-6)


# --------------------------------------------------------------------------- modes
def test_import_keeps_eager_mode_on():
    assert tf.executing_eagerly()


# Run in the TF1-mode process several folders share (``_support.tf1_mode_script``).
V1_PROCESS = tf1_mode_script(os.path.join(os.path.dirname(__file__), "v1_layers_script.py"),
                             order=3, module=__file__, fixture="v1_entry")


@pytest.fixture(scope="module")
def v1_entry():
    return V1_PROCESS.required("v1_layers_script")


@pytest.mark.slow
def test_trains_after_disable_v2_behavior(v1_entry):
    assert v1_entry["ok"], (v1_entry["error"], v1_entry["stderr"][-3000:])
    assert v1_entry["stdout"].strip().splitlines()[-1] == "OK 3"


# --------------------------------------------------------------------------- encoders
class TestEncoders:
    def test_embed_sequence_names_shapes_and_rows(self, graph, sess):
        ids = v1.placeholder(tf.int32, (None, 4))
        out = L.embed_sequence(ids, vocab_size=6, embed_dim=3)
        again = L.embed_sequence(ids, scope="EmbedSequence", reuse=True)
        unique = L.embed_sequence(ids, vocab_size=6, embed_dim=3, unique=True, scope="u")
        assert names() == ["EmbedSequence/embeddings", "u/embeddings"]
        assert names(GK.MODEL_VARIABLES) == names()
        assert out.shape.as_list() == [None, 4, 3] and unique.shape.as_list() == [None, 4, 3]
        table = const((6, 3))
        init(sess, EmbedSequence__embeddings=table, u__embeddings=table)
        batch = np.array([[0, 5, 5, 2], [1, 1, 3, 0]])
        got, got_again, got_unique = sess.run([out, again, unique], {ids: batch})
        np.testing.assert_array_equal(got, table[batch])
        np.testing.assert_array_equal(got_again, got)
        np.testing.assert_array_equal(got_unique, got)

    def test_embed_sequence_needs_sizes_unless_reused(self, graph):
        with pytest.raises(ValueError, match="vocab_size and embed_dim"):
            L.embed_sequence(tf.constant([[1, 2]]), vocab_size=5)

    def test_bow_encoder_means_rows_skipping_padding_id(self, graph, sess):
        ids = tf.constant([[1, 2, 0], [3, 3, 3]])
        sparse = L.bow_encoder(ids, vocab_size=4, embed_dim=2)
        dense = L.bow_encoder(ids, vocab_size=4, embed_dim=2, sparse_lookup=False,
                              scope="dense")
        assert names() == ["bow_encoder/embeddings", "dense/embeddings"]
        table = const((4, 2))
        init(sess, bow_encoder__embeddings=table, dense__embeddings=table)
        got_sparse, got_dense = sess.run([sparse, dense])
        np.testing.assert_allclose(got_sparse, [table[[1, 2]].mean(0), table[3]], rtol=1e-6)
        np.testing.assert_allclose(got_dense, [table[[1, 2, 0]].mean(0), table[3]], rtol=1e-6)
