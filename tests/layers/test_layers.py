"""Tests for ``tfgraph_dnn.layers``: TF1 ``tf.layers`` / ``tf.contrib.layers`` drop-ins.

Every graph is built inside ``with tf.Graph().as_default():`` (eager execution is
never disabled globally) and evaluated with a ``tf.compat.v1.Session``.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.ops import resource_variable_ops

from tfgraph_dnn import layers as L
from tfgraph_dnn import model as M
from tfgraph_dnn.layers import activations
from tfgraph_dnn.layers import initializers as inits
from tfgraph_dnn.layers import regularizers as regs

from _support import global_variable as var
from _support import run_initialized as run

v1 = tf.compat.v1
GK = v1.GraphKeys

# Std of a standard normal truncated at +-2 sigma.
TRUNC_STD = 0.87962566103423978
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


# --------------------------------------------------------------------------- helpers
@pytest.fixture
def graph_seed():
    """This module's graph-level seed (its expected statistics were drawn with it)."""
    return 1234


def var_names(collection=GK.GLOBAL_VARIABLES):
    return [v.name for v in v1.get_collection(collection)]


def sample_initializer(init, shape, dtype=tf.float32):
    """Values of a variable of ``shape`` initialised by ``init`` (in a fresh graph)."""
    with tf.Graph().as_default():
        w = v1.get_variable("w", shape=shape, dtype=dtype, initializer=init)
        return run(w)


rng = np.random.default_rng(0)


# ----------------------------------------------------------------- naming parity
class TestNaming:
    def test_named_dense_variables(self, graph):
        x = v1.placeholder(tf.float32, (None, 4))
        out = L.dense(x, 3, name="hidden1")
        assert var_names() == ["hidden1/kernel:0", "hidden1/bias:0"]
        assert var_names(GK.TRAINABLE_VARIABLES) == ["hidden1/kernel:0", "hidden1/bias:0"]
        assert var("hidden1/kernel").shape.as_list() == [4, 3]
        assert var("hidden1/bias").shape.as_list() == [3]
        assert out.shape.as_list() == [None, 3]

    def test_unnamed_dense_gets_unique_default_names(self, graph):
        x = v1.placeholder(tf.float32, (None, 4))
        h = L.dense(x, 3)
        h = L.dense(h, 3)
        L.dense(h, 2)
        assert var_names() == [
            "dense/kernel:0", "dense/bias:0",
            "dense_1/kernel:0", "dense_1/bias:0",
            "dense_2/kernel:0", "dense_2/bias:0",
        ]

    def test_name_scope_affects_ops_not_variables(self, graph):
        x = v1.placeholder(tf.float32, (None, 4))
        with v1.name_scope("dnn"):
            out = L.dense(x, 3, name="hidden1", activation=tf.nn.relu)
        assert var_names() == ["hidden1/kernel:0", "hidden1/bias:0"]
        op_names = {op.name for op in graph.get_operations()}
        assert "dnn/hidden1/MatMul" in op_names
        assert "dnn/hidden1/BiasAdd" in op_names
        assert out.op.name.startswith("dnn/hidden1/")
        # The MatMul really consumes the variable created outside the name scope.
        matmul = graph.get_operation_by_name("dnn/hidden1/MatMul")
        assert "hidden1/kernel" in matmul.inputs[1].name

    def test_variable_scope_prefixes_variables(self, graph):
        x = v1.placeholder(tf.float32, (None, 4))
        with v1.variable_scope("dnn"):
            L.dense(x, 3, name="hidden1")
        assert var_names() == ["dnn/hidden1/kernel:0", "dnn/hidden1/bias:0"]

    def test_unnamed_batch_norm_names(self, graph):
        x = v1.placeholder(tf.float32, (None, 4))
        h = L.batch_normalization(x, training=True)
        L.batch_normalization(h, training=True)
        expected = [f"{scope}/{v}:0"
                    for scope in ("batch_normalization", "batch_normalization_1")
                    for v in ("gamma", "beta", "moving_mean", "moving_variance")]
        assert var_names() == expected
        assert var_names(GK.TRAINABLE_VARIABLES) == [
            "batch_normalization/gamma:0", "batch_normalization/beta:0",
            "batch_normalization_1/gamma:0", "batch_normalization_1/beta:0",
        ]
        # Moving statistics: global but never trainable.
        trainable = set(var_names(GK.TRAINABLE_VARIABLES))
        for name in expected:
            if "moving" in name:
                assert name not in trainable

    def test_dense_then_batch_norm_default_names(self, graph):
        x = v1.placeholder(tf.float32, (None, 4))
        L.batch_normalization(L.dense(x, 3), training=False)
        assert var_names() == [
            "dense/kernel:0", "dense/bias:0",
            "batch_normalization/gamma:0", "batch_normalization/beta:0",
            "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0",
        ]

    def test_non_trainable_dense(self, graph):
        x = v1.placeholder(tf.float32, (None, 4))
        L.dense(x, 3, name="frozen", trainable=False)
        L.dense(x, 2, name="free")
        assert var_names() == ["frozen/kernel:0", "frozen/bias:0",
                               "free/kernel:0", "free/bias:0"]
        assert var_names(GK.TRAINABLE_VARIABLES) == ["free/kernel:0", "free/bias:0"]

    def test_non_trainable_batch_norm(self, graph):
        x = v1.placeholder(tf.float32, (None, 4))
        L.batch_normalization(x, training=True, trainable=False)
        assert len(var_names()) == 4
        assert var_names(GK.TRAINABLE_VARIABLES) == []

    def test_same_name_without_reuse_raises(self, graph):
        x = v1.placeholder(tf.float32, (None, 4))
        L.dense(x, 3, name="hidden1")
        with pytest.raises(ValueError, match="hidden1/kernel"):
            L.dense(x, 3, name="hidden1")

    def test_reuse_shares_variables(self, graph):
        x = v1.placeholder(tf.float32, (None, 4))
        out1 = L.dense(x, 3, name="hidden1")
        kernel, bias = var("hidden1/kernel"), var("hidden1/bias")
        out2 = L.dense(x * 2.0, 3, name="hidden1", reuse=True)
        assert len(v1.global_variables()) == 2
        assert len(v1.trainable_variables()) == 2
        with v1.variable_scope("hidden1", reuse=True):
            assert v1.get_variable("kernel") is kernel
            assert v1.get_variable("bias") is bias
        # The reused layer reads the very same kernel op.
        assert out2.op.name != out1.op.name
        data = rng.normal(size=(5, 4)).astype(np.float32)
        o1, o2, k, b = run([out1, out2, kernel, bias], {x: data})
        np.testing.assert_allclose(o1, data @ k + b, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(o2, (2 * data) @ k + b, rtol=1e-5, atol=1e-6)

    def test_batch_norm_reuse(self, graph):
        x = v1.placeholder(tf.float32, (None, 4))
        L.batch_normalization(x, training=True, name="bn")
        L.batch_normalization(x, training=False, name="bn", reuse=True)
        assert len(v1.global_variables()) == 4
        with pytest.raises(ValueError):
            L.batch_normalization(x, training=False, name="bn")

    def test_default_variables_are_reference_variables(self, graph):
        x = v1.placeholder(tf.float32, (None, 4))
        L.batch_normalization(L.dense(x, 3, name="hidden1"), training=True)
        for v in v1.global_variables():
            assert v.dtype.name == "float32_ref", v.name
            assert v.dtype.base_dtype == tf.float32
            assert not resource_variable_ops.is_resource_variable(v)

    def test_use_resource_scope_gives_resource_variables(self, graph):
        x = v1.placeholder(tf.float32, (None, 4))
        with v1.variable_scope("outer", use_resource=True):
            h = L.dense(x, 3, name="hidden1")
            L.batch_normalization(h, training=True)
            with v1.variable_scope("inner", use_resource=False):
                L.dense(x, 2, name="ref_layer")
        L.dense(x, 2, name="after")  # the outer setting does not leak
        resource = {v.op.name for v in v1.global_variables()
                    if resource_variable_ops.is_resource_variable(v)}
        assert resource == {
            "outer/hidden1/kernel", "outer/hidden1/bias",
            "outer/batch_normalization/gamma", "outer/batch_normalization/beta",
            "outer/batch_normalization/moving_mean",
            "outer/batch_normalization/moving_variance",
        }
        for v in v1.global_variables():
            if v.op.name in resource:
                assert v.dtype.name == "float32"
            else:
                assert v.dtype.name == "float32_ref", v.name

    def test_resource_variables_work_end_to_end(self, graph):
        """Dense + BN update ops run on resource variables too."""
        x = v1.placeholder(tf.float32, (None, 3))
        with v1.variable_scope("", use_resource=True):
            out = L.batch_normalization(L.dense(x, 3), training=True, momentum=0.5)
        updates = v1.get_collection(GK.UPDATE_OPS)
        assert len(updates) == 2
        mm = var("batch_normalization/moving_mean")
        assert resource_variable_ops.is_resource_variable(mm)
        data = rng.normal(size=(16, 3)).astype(np.float32)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            h = sess.run(graph.get_tensor_by_name("dense/BiasAdd:0"), {x: data})
            sess.run([out, updates], {x: data})
            np.testing.assert_allclose(sess.run(mm), 0.5 * h.mean(axis=0), rtol=1e-4, atol=1e-5)


# -------------------------------------------------------------------- dense math
def np_elu(z):
    return np.where(z > 0, z, np.expm1(z))


def np_selu(z):
    return SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(z))


class TestDense:
    @pytest.mark.parametrize("activation, reference", [
        (None, lambda z: z),
        (tf.nn.elu, np_elu),
        ("elu", np_elu),
        (tf.nn.relu, lambda z: np.maximum(z, 0)),
        ("relu", lambda z: np.maximum(z, 0)),
        ("leaky_relu", lambda z: np.where(z > 0, z, 0.01 * z)),
        (tf.nn.selu, np_selu),
        ("selu", np_selu),
        (lambda t: 3.0 * tf.square(t), lambda z: 3.0 * z ** 2),
    ])
    def test_output_matches_numpy(self, graph, activation, reference):
        x = v1.placeholder(tf.float32, (None, 6))
        out = L.dense(x, 5, activation=activation, name="hidden1",
                      bias_initializer=tf.constant_initializer(
                          np.linspace(-0.5, 0.5, 5)))
        data = rng.normal(scale=2.0, size=(20, 6)).astype(np.float32)
        o, k, b = run([out, var("hidden1/kernel"), var("hidden1/bias")], {x: data})
        assert np.any(b != 0)
        z = data @ k + b
        assert (z < 0).any() and (z > 0).any()  # both branches exercised
        np.testing.assert_allclose(o, reference(z), rtol=1e-5, atol=1e-5)

    def test_default_kernel_is_glorot_uniform_and_bias_zero(self, graph):
        x = v1.placeholder(tf.float32, (None, 300))
        L.dense(x, 200, name="h")
        k, b = run([var("h/kernel"), var("h/bias")])
        limit = math.sqrt(6.0 / (300 + 200))
        assert np.abs(k).max() <= limit
        assert abs(k.std() - limit / math.sqrt(3)) / (limit / math.sqrt(3)) < 0.03
        assert np.all(b == 0)

    def test_use_bias_false(self, graph):
        x = v1.placeholder(tf.float32, (None, 4))
        out = L.dense(x, 3, use_bias=False, name="h")
        assert var_names() == ["h/kernel:0"]
        data = rng.normal(size=(3, 4)).astype(np.float32)
        o, k = run([out, var("h/kernel")], {x: data})
        np.testing.assert_allclose(o, data @ k, rtol=1e-5, atol=1e-6)

    def test_rank3_input(self, graph):
        x = v1.placeholder(tf.float32, (None, 5, 4))
        out = L.dense(x, 3, activation=tf.nn.relu, name="h",
                      bias_initializer=tf.constant_initializer(0.1))
        assert out.shape.as_list() == [None, 5, 3]
        assert var("h/kernel").shape.as_list() == [4, 3]
        data = rng.normal(size=(2, 5, 4)).astype(np.float32)
        o, k, b = run([out, var("h/kernel"), var("h/bias")], {x: data})
        expected = np.maximum(np.einsum("bti,io->bto", data, k) + b, 0)
        assert o.shape == (2, 5, 3)
        np.testing.assert_allclose(o, expected, rtol=1e-5, atol=1e-6)

    @pytest.mark.parametrize("units", [0, -3])
    def test_non_positive_units_raise(self, graph, units):
        x = v1.placeholder(tf.float32, (None, 4))
        with pytest.raises(ValueError, match="units"):
            L.dense(x, units)
        assert v1.global_variables() == []

    def test_unknown_last_dimension_raises(self, graph):
        x = v1.placeholder(tf.float32, (None, None))
        with pytest.raises(ValueError, match="last dimension"):
            L.dense(x, 3)

    def test_unknown_activation_raises(self, graph):
        x = v1.placeholder(tf.float32, (None, 4))
        with pytest.raises(ValueError, match="Unknown activation"):
            L.dense(x, 3, activation="swishy")

    @pytest.mark.parametrize("use_resource", [False, True])
    def test_kernel_constraint_applied_by_optimizer_step(self, graph, use_resource):
        lo, hi, lr = -0.01, 0.01, 0.05
        x = v1.placeholder(tf.float32, (None, 10))
        y = v1.placeholder(tf.float32, (None, 5))
        with v1.variable_scope("net", use_resource=use_resource):
            out = L.dense(x, 5, name="c",
                          kernel_constraint=lambda w: tf.clip_by_value(w, lo, hi))
        kernel = var("net/c/kernel")
        assert kernel.constraint is not None
        loss = tf.reduce_mean(tf.square(out - y))
        grad = tf.gradients(loss, [kernel])[0]
        train_op = v1.train.GradientDescentOptimizer(lr).minimize(loss)
        feed = {x: rng.normal(size=(32, 10)).astype(np.float32),
                y: rng.normal(size=(32, 5)).astype(np.float32)}
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            k0, g = sess.run([kernel, grad], feed)
            assert np.abs(k0).max() > hi  # the constraint has work to do
            sess.run(train_op, feed)
            k1 = sess.run(kernel)
        assert k1.min() >= lo and k1.max() <= hi
        np.testing.assert_allclose(k1, np.clip(k0 - lr * g, lo, hi), rtol=1e-5, atol=1e-7)

    def test_activity_regularizer_adds_loss(self, graph):
        x = v1.placeholder(tf.float32, (None, 4))
        out = L.dense(x, 3, activity_regularizer=lambda t: tf.reduce_sum(tf.abs(t)))
        losses = v1.get_collection(GK.REGULARIZATION_LOSSES)
        assert len(losses) == 1
        data = rng.normal(size=(6, 4)).astype(np.float32)
        o, loss = run([out, losses[0]], {x: data})
        # TF1.15 divides the activity penalty by the batch size (6 rows here).
        np.testing.assert_allclose(loss, np.abs(o).sum() / 6, rtol=1e-5)


# -------------------------------------------------------------------- batch norm
def bn_reference(x, mean, var, gamma=1.0, beta=0.0, eps=1e-3):
    mean, var, gamma, beta = (np.asarray(a, np.float64) for a in (mean, var, gamma, beta))
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


class TestBatchNormalization:
    @pytest.mark.parametrize("feed_flag", [False, True])
    def test_training_output_is_normalized(self, graph, feed_flag):
        x = v1.placeholder(tf.float32, (None, 3))
        if feed_flag:
            training = v1.placeholder_with_default(False, shape=(), name="training")
            feed_extra = {training: True}
        else:
            training, feed_extra = True, {}
        out = L.batch_normalization(x, training=training)
        # Feature 2 has a tiny variance, so epsilon=1e-3 visibly shrinks its std.
        data = (rng.normal(size=(256, 3)) * [3.0, 0.5, 0.02] + [10.0, -4.0, 1.0]).astype(np.float32)
        o = run(out, {x: data, **feed_extra})
        var_b = data.var(axis=0)
        np.testing.assert_allclose(o.mean(axis=0), 0.0, atol=1e-4)
        np.testing.assert_allclose(o.std(axis=0), np.sqrt(var_b / (var_b + 1e-3)), rtol=1e-3)
        np.testing.assert_allclose(o, bn_reference(data, data.mean(0), var_b), rtol=1e-3, atol=1e-3)
        assert 0.45 < o.std(axis=0)[2] < 0.6  # epsilon (1e-3) visibly shrinks a tiny variance

    @pytest.mark.parametrize("feed_flag", [False, True])
    def test_update_ops_follow_momentum_formula(self, graph, feed_flag):
        momentum = 0.9
        x = v1.placeholder(tf.float32, (None, 3))
        training = v1.placeholder_with_default(False, ()) if feed_flag else True
        L.batch_normalization(x, training=training, momentum=momentum)
        L.batch_normalization(x, training=training, momentum=momentum)
        updates = v1.get_collection(GK.UPDATE_OPS)
        assert len(updates) == 4  # two per layer
        assert {u.name.split("/")[0] for u in updates} == {"batch_normalization",
                                                          "batch_normalization_1"}
        mm_var, mv_var = var("batch_normalization/moving_mean"), \
            var("batch_normalization/moving_variance")
        mm, mv = np.zeros(3), np.ones(3)
        extra = {training: True} if feed_flag else {}
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            for loc, scale in ((5.0, 2.0), (-1.0, 3.0), (0.5, 0.1)):
                data = rng.normal(loc, scale, size=(64, 3)).astype(np.float32)
                sess.run(updates, {x: data, **extra})
                mm = mm + (1 - momentum) * (data.mean(axis=0) - mm)
                mv = mv + (1 - momentum) * (data.var(axis=0) - mv)
                got_mm, got_mv = sess.run([mm_var, mv_var])
                np.testing.assert_allclose(got_mm, mm, rtol=1e-5, atol=1e-6)
                np.testing.assert_allclose(got_mv, mv, rtol=1e-5, atol=1e-6)

    def test_placeholder_false_updates_change_nothing(self, graph):
        x = v1.placeholder(tf.float32, (None, 3))
        training = v1.placeholder_with_default(False, shape=())
        out = L.batch_normalization(
            x, training=training,
            moving_mean_initializer=tf.constant_initializer([1.0, 2.0, 3.0]),
            moving_variance_initializer=tf.constant_initializer([4.0, 0.5, 2.0]),
            gamma_initializer=tf.constant_initializer([1.5, 0.5, 2.0]),
            beta_initializer=tf.constant_initializer([0.1, -0.2, 0.3]))
        updates = v1.get_collection(GK.UPDATE_OPS)
        assert len(updates) == 2
        stats = [var("batch_normalization/moving_mean"),
                 var("batch_normalization/moving_variance")]
        data = rng.normal(7.0, 3.0, size=(32, 3)).astype(np.float32)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            before = sess.run(stats)
            o = sess.run(out, {x: data})  # default False: inference
            for _ in range(3):
                sess.run(updates, {x: data, training: False})
                sess.run(updates, {x: data})
            after = sess.run(stats)
            for b, a in zip(before, after):
                np.testing.assert_array_equal(a, b)
            np.testing.assert_allclose(
                o, bn_reference(data, [1.0, 2.0, 3.0], [4.0, 0.5, 2.0],
                                [1.5, 0.5, 2.0], [0.1, -0.2, 0.3]), rtol=1e-5, atol=1e-5)
            # ... whereas feeding True does move them (so the check above can fail).
            sess.run(updates, {x: data, training: True})
            moved = sess.run(stats)
            assert not np.allclose(moved[0], before[0])

    def test_python_false_uses_moving_stats_and_adds_no_updates(self, graph):
        mm, mv = [0.5, -1.0, 2.0, 0.0], [2.0, 0.25, 1.0, 9.0]
        gamma, beta = [1.0, 2.0, 0.5, -1.0], [0.0, 1.0, -1.0, 0.5]
        x = v1.placeholder(tf.float32, (None, 4))
        out = L.batch_normalization(
            x, training=False,
            moving_mean_initializer=tf.constant_initializer(mm),
            moving_variance_initializer=tf.constant_initializer(mv),
            gamma_initializer=tf.constant_initializer(gamma),
            beta_initializer=tf.constant_initializer(beta))
        assert v1.get_collection(GK.UPDATE_OPS) == []
        data = rng.normal(3.0, 2.0, size=(10, 4)).astype(np.float32)
        o = run(out, {x: data})
        np.testing.assert_allclose(o, bn_reference(data, mm, mv, gamma, beta),
                                   rtol=1e-5, atol=1e-5)
        # A single example works: nothing depends on batch statistics.
        o1 = run(out, {x: data[:1]})
        np.testing.assert_allclose(o1, o[:1], rtol=1e-6, atol=1e-6)

    def test_constant_tensor_false_is_static(self, graph):
        x = v1.placeholder(tf.float32, (None, 2))
        L.batch_normalization(x, training=tf.constant(False))
        assert v1.get_collection(GK.UPDATE_OPS) == []

    def test_nchw_axis1(self, graph):
        n, c, h, w = 8, 3, 4, 5
        x = v1.placeholder(tf.float32, (None, c, h, w))
        out = L.batch_normalization(x, axis=1, training=True, momentum=0.0)
        for name in ("gamma", "beta", "moving_mean", "moving_variance"):
            assert var(f"batch_normalization/{name}").shape.as_list() == [c]
        updates = v1.get_collection(GK.UPDATE_OPS)
        data = (rng.normal(size=(n, c, h, w)) * np.array([1.0, 5.0, 0.3])[None, :, None, None]
                + np.array([2.0, -3.0, 0.0])[None, :, None, None]).astype(np.float32)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            o, _ = sess.run([out, updates], {x: data})
            mm = sess.run(var("batch_normalization/moving_mean"))
        assert o.shape == data.shape
        ch_mean = data.mean(axis=(0, 2, 3))
        ch_var = data.var(axis=(0, 2, 3))
        np.testing.assert_allclose(o.mean(axis=(0, 2, 3)), 0.0, atol=1e-4)
        np.testing.assert_allclose(
            o, bn_reference(data, ch_mean[None, :, None, None], ch_var[None, :, None, None]),
            rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(mm, ch_mean, rtol=1e-5, atol=1e-5)  # momentum 0

    def test_nchw_axis1_inference(self, graph):
        x = v1.placeholder(tf.float32, (None, 2, 3, 3))
        out = L.batch_normalization(
            x, axis=1, training=False,
            moving_mean_initializer=tf.constant_initializer([1.0, -1.0]),
            moving_variance_initializer=tf.constant_initializer([4.0, 0.25]))
        data = rng.normal(size=(2, 2, 3, 3)).astype(np.float32)
        o = run(out, {x: data})
        expected = bn_reference(data, np.array([1.0, -1.0])[None, :, None, None],
                                np.array([4.0, 0.25])[None, :, None, None])
        np.testing.assert_allclose(o, expected, rtol=1e-5, atol=1e-5)

    @pytest.mark.parametrize("kwargs", [
        {"renorm": True},
        {"virtual_batch_size": 4},
        {"renorm_clipping": {"rmax": 3.0}},
    ])
    def test_unsupported_options_raise(self, graph, kwargs):
        x = v1.placeholder(tf.float32, (None, 3))
        with pytest.raises(NotImplementedError):
            L.batch_normalization(x, training=True, **kwargs)

    def test_invalid_arguments_raise(self, graph):
        x = v1.placeholder(tf.float32, (None, 3))
        with pytest.raises(ValueError):
            L.batch_normalization(x, momentum=1.5)
        with pytest.raises(ValueError):
            L.batch_normalization(x, axis=2)
        with pytest.raises(ValueError):
            L.batch_normalization(v1.placeholder(tf.float32, (None, None)))


# ----------------------------------------------------------------------- dropout
class TestDropout:
    def test_training_false_is_identity(self, graph):
        x = v1.placeholder(tf.float32, (None, 50))
        outs = [L.dropout(x, 0.5), L.dropout(x, 0.5, training=False),
                L.dropout(x, 0.5, training=tf.constant(False))]
        data = rng.normal(size=(40, 50)).astype(np.float32)
        for o in run(outs, {x: data}):
            np.testing.assert_array_equal(o, data)

    @pytest.mark.parametrize("feed_flag", [False, True])
    def test_training_true_drops_half_and_scales(self, graph, feed_flag):
        x = v1.placeholder(tf.float32, (None, 1000))
        training = v1.placeholder_with_default(False, ()) if feed_flag else True
        out = L.dropout(x, rate=0.5, training=training)
        data = np.ones((100, 1000), np.float32)
        o = run(out, {x: data, **({training: True} if feed_flag else {})})
        zero_frac = np.mean(o == 0)
        assert abs(zero_frac - 0.5) < 0.01
        np.testing.assert_array_equal(np.unique(o), [0.0, 2.0])
        if feed_flag:
            np.testing.assert_array_equal(run(out, {x: data}), data)

    def test_rate_scaling_general(self, graph):
        x = v1.placeholder(tf.float32, (None, 1000))
        out = L.dropout(x, rate=0.2, training=True)
        o = run(out, {x: np.full((50, 1000), 3.0, np.float32)})
        assert abs(np.mean(o == 0) - 0.2) < 0.01
        np.testing.assert_allclose(o[o != 0], 3.0 / 0.8, rtol=1e-6)

    @pytest.mark.parametrize("fn", [L.dropout, M.alpha_dropout])
    @pytest.mark.parametrize("rate", [1.0, -0.1, 1.5])
    def test_invalid_rate_raises(self, graph, fn, rate):
        x = v1.placeholder(tf.float32, (None, 3))
        with pytest.raises(ValueError, match="rate"):
            fn(x, rate=rate, training=True)


# ------------------------------------------------------------------ initializers
class TestInitializers:
    def test_variance_scaling_defaults_are_he_truncated_normal(self):
        fan_in = 1000
        w = sample_initializer(inits.variance_scaling_initializer(seed=1), (fan_in, 1000))
        stddev = math.sqrt(1.3 * 2.0 / fan_in)
        assert abs(w.std() / (stddev * TRUNC_STD) - 1) < 0.03
        assert abs(w.mean()) < 0.01 * stddev * 10
        assert np.abs(w).max() <= 2 * stddev * (1 + 1e-6)  # truncated at 2 sigma
        # ... and not a plain normal (which would leave ~4.6% beyond 2 sigma).
        assert np.abs(w).max() > 1.9 * stddev

    def test_variance_scaling_factor_and_fan_out(self):
        w = sample_initializer(
            inits.variance_scaling_initializer(factor=1.0, mode="FAN_OUT", seed=2), (200, 2000))
        stddev = math.sqrt(1.3 * 1.0 / 2000)
        assert abs(w.std() / (stddev * TRUNC_STD) - 1) < 0.03

    def test_variance_scaling_uniform(self):
        factor, n = 2.0, 500
        w = sample_initializer(
            inits.variance_scaling_initializer(uniform=True, seed=3), (n, 1000))
        limit = math.sqrt(3.0 * factor / n)
        assert w.min() >= -limit and w.max() <= limit
        assert w.min() < -0.99 * limit and w.max() > 0.99 * limit
        assert abs(w.std() / (limit / math.sqrt(3)) - 1) < 0.03

    def test_variance_scaling_fan_avg(self):
        fan_in, fan_out = 1000, 250
        w = sample_initializer(
            inits.variance_scaling_initializer(factor=1.0, mode="FAN_AVG", uniform=True, seed=4),
            (fan_in, fan_out))
        limit = math.sqrt(3.0 * 1.0 / ((fan_in + fan_out) / 2.0))
        assert np.abs(w).max() <= limit
        assert abs(w.std() / (limit / math.sqrt(3)) - 1) < 0.03
        w = sample_initializer(
            inits.variance_scaling_initializer(mode="FAN_AVG", seed=4), (fan_in, fan_out))
        stddev = math.sqrt(1.3 * 2.0 / ((fan_in + fan_out) / 2.0))
        assert abs(w.std() / (stddev * TRUNC_STD) - 1) < 0.03

    def test_variance_scaling_conv_kernel_fans(self):
        # Conv kernel (3, 3, 64, 32): fan_in = 3*3*64 = 576 as in tf.contrib.
        w = sample_initializer(inits.variance_scaling_initializer(uniform=True, seed=5),
                               (3, 3, 64, 32))
        limit = math.sqrt(3.0 * 2.0 / 576)
        assert np.abs(w).max() <= limit
        assert abs(w.std() / (limit / math.sqrt(3)) - 1) < 0.05

    def test_variance_scaling_bad_arguments(self):
        with pytest.raises(TypeError, match="FAN_IN"):  # TF1 contrib's exception type
            inits.variance_scaling_initializer(mode="fan_in")
        with pytest.raises(TypeError):
            inits.variance_scaling_initializer(mode="FAN_SUM")
        with pytest.raises(TypeError):
            inits.variance_scaling_initializer(dtype=tf.int32)

    def test_variance_scaling_as_dense_kernel_initializer(self, graph):
        x = v1.placeholder(tf.float32, (None, 800))
        L.dense(x, 400, kernel_initializer=inits.variance_scaling_initializer(), name="h")
        k = run(var("h/kernel"))
        stddev = math.sqrt(1.3 * 2.0 / 800)
        assert abs(k.std() / (stddev * TRUNC_STD) - 1) < 0.03

    @pytest.mark.parametrize("name, expected_std", [
        ("he_normal", lambda fi, fo: math.sqrt(2.0 / fi)),
        ("he_uniform", lambda fi, fo: math.sqrt(2.0 / fi)),
        ("lecun_normal", lambda fi, fo: math.sqrt(1.0 / fi)),
        ("lecun_uniform", lambda fi, fo: math.sqrt(1.0 / fi)),
        ("glorot_normal", lambda fi, fo: math.sqrt(2.0 / (fi + fo))),
        ("glorot_uniform", lambda fi, fo: math.sqrt(2.0 / (fi + fo))),
    ])
    def test_named_initializers_std(self, name, expected_std):
        fan_in, fan_out = 1000, 400
        factory = getattr(inits, name)
        w = sample_initializer(factory(seed=11), (fan_in, fan_out))
        std = expected_std(fan_in, fan_out)
        assert abs(w.std() / std - 1) < 0.03, (name, w.std(), std)
        assert abs(w.mean()) < 0.05 * std
        if name.endswith("uniform"):
            assert np.abs(w).max() <= math.sqrt(3) * std * (1 + 1e-6)
        else:
            assert np.abs(w).max() <= 2 * std / TRUNC_STD * (1 + 1e-6)
        # The name resolves to the same initializer.
        w2 = sample_initializer(inits.get_initializer(name, seed=11), (fan_in, fan_out))
        np.testing.assert_array_equal(w, w2)

    @pytest.mark.parametrize("name", sorted(inits.INITIALIZERS))
    def test_seeds_make_initializers_reproducible(self, name):
        shape = (30, 20)
        a = sample_initializer(inits.get_initializer(name, seed=7), shape)
        b = sample_initializer(inits.get_initializer(name, seed=7), shape)
        c = sample_initializer(inits.get_initializer(name, seed=8), shape)
        np.testing.assert_array_equal(a, b)
        assert not np.allclose(a, c)

    def test_get_initializer_passthrough_and_errors(self):
        init = v1.zeros_initializer()
        assert inits.get_initializer(init) is init
        assert inits.get_initializer(None) is None
        with pytest.raises(ValueError) as excinfo:
            inits.get_initializer("nope")
        message = str(excinfo.value)
        assert "nope" in message
        for name in inits.INITIALIZERS:
            assert name in message
        assert set(inits.INITIALIZERS) >= {"he_normal", "he_uniform", "glorot_uniform",
                                       "glorot_normal", "lecun_normal", "lecun_uniform"}


# ------------------------------------------------------------------ regularizers
class TestRegularizers:
    W = np.array([[1.0, -2.0, 0.5], [-0.25, 3.0, -1.5]], np.float32)

    def _loss(self, regularizer):
        with tf.Graph().as_default():
            w = v1.get_variable("w", initializer=tf.constant(self.W))
            return float(run(regularizer(w)))

    def test_l1(self):
        assert self._loss(regs.l1_regularizer(0.1)) == pytest.approx(0.1 * np.abs(self.W).sum(),
                                                                  rel=1e-6)

    def test_l2(self):
        assert self._loss(regs.l2_regularizer(0.1)) == pytest.approx(
            0.1 * np.square(self.W).sum() / 2, rel=1e-6)

    def test_l1_l2(self):
        expected = 0.3 * np.abs(self.W).sum() + 0.2 * np.square(self.W).sum() / 2
        assert self._loss(regs.l1_l2_regularizer(0.3, 0.2)) == pytest.approx(expected, rel=1e-6)
        # With one of the scales at 0 only the other term remains.
        assert self._loss(regs.l1_l2_regularizer(0.0, 0.2)) == pytest.approx(
            0.2 * np.square(self.W).sum() / 2, rel=1e-6)

    @pytest.mark.parametrize("make", [
        lambda: regs.l1_regularizer(0.0), lambda: regs.l2_regularizer(0.0),
        lambda: regs.l1_l2_regularizer(0.0, 0.0),
    ])
    def test_zero_scale_adds_nothing(self, graph, make):
        reg = make()
        x = v1.placeholder(tf.float32, (None, 4))
        L.dense(x, 3, kernel_regularizer=reg)
        assert v1.get_collection(GK.REGULARIZATION_LOSSES) == []
        assert reg(tf.constant(self.W)) is None

    @pytest.mark.parametrize("make", [regs.l1_regularizer, regs.l2_regularizer])
    def test_bad_scale_raises(self, make):
        with pytest.raises(ValueError):
            make(-0.1)
        with pytest.raises(ValueError):
            make(1)  # integers are rejected, as in tf.contrib
        with pytest.raises(ValueError):
            regs.l1_l2_regularizer(0.1, -0.5)

    @pytest.mark.parametrize("make", [
        lambda: regs.l1_regularizer(0.01), lambda: regs.l2_regularizer(0.01),
        lambda: regs.l1_l2_regularizer(0.01, 0.02),
    ])
    def test_one_loss_per_layer_in_collection(self, graph, make):
        x = v1.placeholder(tf.float32, (None, 4))
        h = L.dense(x, 5, kernel_regularizer=make(), name="hidden1")
        L.dense(h, 2, kernel_regularizer=make(), name="logits")
        losses = v1.get_collection(GK.REGULARIZATION_LOSSES)
        assert len(losses) == 2
        # Reusing a layer does not add another loss.
        L.dense(x, 5, kernel_regularizer=make(), name="hidden1", reuse=True)
        assert len(v1.get_collection(GK.REGULARIZATION_LOSSES)) == 2
        total = tf.add_n(losses)
        reg = make()
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            got = sess.run(total)
            expected = sess.run(reg(var("hidden1/kernel")) + reg(var("logits/kernel")))
        assert got == pytest.approx(expected, rel=1e-6)
        assert got > 0

    def test_bias_regularizer(self, graph):
        x = v1.placeholder(tf.float32, (None, 4))
        L.dense(x, 3, kernel_regularizer=regs.l2_regularizer(0.1),
                bias_regularizer=regs.l1_regularizer(0.5),
                bias_initializer=tf.constant_initializer([1.0, -2.0, 3.0]), name="h")
        losses = v1.get_collection(GK.REGULARIZATION_LOSSES)
        assert len(losses) == 2
        vals, k = run([list(losses), var("h/kernel")])
        assert sorted(vals) == pytest.approx(sorted([0.1 * np.square(k).sum() / 2, 0.5 * 6.0]),
                                             rel=1e-5)


# ------------------------------------------------------------------- activations
NP_ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": np_elu,
    "selu": np_selu,
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "identity": lambda z: z,
}


class TestActivations:
    def test_names_covered(self):
        assert set(activations.ACTIVATIONS) == set(NP_ACTIVATIONS)

    @pytest.mark.parametrize("name", sorted(NP_ACTIVATIONS))
    def test_get_activation_by_name(self, graph, name):
        fn = activations.get_activation(name)
        assert callable(fn)
        z = np.linspace(-3, 3, 13).astype(np.float32)
        out = run(fn(tf.constant(z)))
        np.testing.assert_allclose(out, NP_ACTIVATIONS[name](z), rtol=1e-5, atol=1e-6)

    def test_leaky_relu_alpha_argument(self, graph):
        z = np.array([-2.0, -0.5, 0.0, 1.5], np.float32)
        out = run(activations.get_activation("leaky_relu", alpha=0.2)(tf.constant(z)))
        np.testing.assert_allclose(out, np.where(z > 0, z, 0.2 * z), rtol=1e-6)

    def test_callable_and_none_pass_through(self):
        def my_act(t):
            return t

        assert activations.get_activation(my_act) is my_act
        assert activations.get_activation(tf.nn.relu) is tf.nn.relu
        assert activations.get_activation(None) is None

    def test_unknown_name_raises_listing_names(self):
        with pytest.raises(ValueError) as excinfo:
            activations.get_activation("swish_me")
        message = str(excinfo.value)
        assert "swish_me" in message
        for name in activations.ACTIVATIONS:
            assert name in message
        with pytest.raises(ValueError):
            activations.get_activation(42)

    @pytest.mark.parametrize("alpha", [0.0, 0.01, 0.3])
    def test_leaky_relu_factory(self, graph, alpha):
        z = np.array([-4.0, -1.0, 0.0, 2.0], np.float32)
        out = run(activations.leaky_relu(alpha)(tf.constant(z)))
        np.testing.assert_allclose(out, np.where(z > 0, z, alpha * z), rtol=1e-6)

    def test_leaky_relu_default_alpha(self, graph):
        out = run(activations.leaky_relu()(tf.constant([-100.0, 3.0])))
        np.testing.assert_allclose(out, [-1.0, 3.0], rtol=1e-6)

    @pytest.mark.parametrize("alpha", [-0.1, 1.0, 2.0])
    def test_leaky_relu_bad_alpha(self, alpha):
        with pytest.raises(ValueError, match="alpha"):
            activations.leaky_relu(alpha)


# ------------------------------------------------------------------- regressions
def test_regularizer_float64_weights(graph):
    x = v1.placeholder(tf.float64, (None, 4))
    L.dense(x, 3, kernel_regularizer=regs.l2_regularizer(0.1))
    (loss,) = v1.get_collection(GK.REGULARIZATION_LOSSES)
    assert tf.convert_to_tensor(loss).dtype == tf.float64


def test_dense_accepts_numpy_integer_units(graph):
    x = v1.placeholder(tf.float32, (None, 4))
    out = L.dense(x, np.int64(3))
    assert out.shape.as_list() == [None, 3]


def test_dense_defers_to_variable_scope_initializer(graph):
    x = v1.placeholder(tf.float32, (None, 4))
    with v1.variable_scope("s", initializer=v1.ones_initializer()):
        L.dense(x, 3, name="hidden1")
    (kernel,) = [v for v in v1.global_variables() if v.op.name == "s/hidden1/kernel"]
    with v1.Session() as session:
        session.run(v1.global_variables_initializer())
        np.testing.assert_array_equal(session.run(kernel), np.ones((4, 3)))


def test_regularizer_called_once_per_variable(graph):
    calls = []

    def counting_regularizer(weights):
        calls.append(weights.name)
        return tf.reduce_sum(weights)

    x = v1.placeholder(tf.float32, (None, 4))
    L.dense(x, 3, name="hidden1", kernel_regularizer=counting_regularizer)
    losses = v1.get_collection(GK.REGULARIZATION_LOSSES)
    tf.add_n(losses)
    tf.add_n(losses)
    assert calls == ["hidden1/kernel:0"] and len(losses) == 1
