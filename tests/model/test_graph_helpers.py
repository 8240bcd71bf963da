"""The scikit-learn estimators' own graph helpers (:mod:`tfgraph_dnn.model`).

The chapter's max-norm "regularizer" (clipping ops in a collection, run after
each training step) and alpha dropout for SELU nets, against NumPy.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf

from tfgraph_dnn import layers as L
from tfgraph_dnn import model as M

from _support import global_variable as var
from _support import run_initialized as run

v1 = tf.compat.v1
GK = v1.GraphKeys
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805
rng = np.random.default_rng(0)


@pytest.fixture
def graph_seed():
    """This module's graph-level seed (its expected statistics were drawn with it)."""
    return 1234


class TestMaxNorm:
    def _kernel_values(self):
        k = np.zeros((6, 4), np.float32)
        k[0] = [3.0, 4.0, 0.0, 0.0]       # norm 5   -> clipped
        k[1] = [0.1, -0.2, 0.3, 0.1]      # small    -> unchanged
        k[2] = [10.0, -10.0, 10.0, 10.0]  # norm 20  -> clipped
        k[3] = [0.0, 0.0, 0.0, 0.0]       # zero     -> unchanged
        k[4] = [0.5, 0.5, 0.5, -0.5]      # norm 1.0 -> exactly at threshold
        k[5] = [-7.0, 1.0, 2.0, 0.5]      # clipped
        return k

    def test_adds_one_op_per_layer_and_clips(self, graph):
        threshold = 1.0
        k0 = self._kernel_values()
        x = v1.placeholder(tf.float32, (None, 6))
        h = L.dense(x, 4, kernel_initializer=tf.constant_initializer(k0),
                    kernel_regularizer=M.max_norm_regularizer(threshold), name="hidden1")
        L.dense(h, 3, kernel_initializer=tf.constant_initializer(5.0),
                kernel_regularizer=M.max_norm_regularizer(threshold), name="hidden2")
        ops = v1.get_collection(M.MAX_NORM_COLLECTION)
        assert M.MAX_NORM_COLLECTION == "max_norm"
        assert len(ops) == 2
        assert M.max_norm_ops() == ops
        assert M.max_norm_ops(graph=graph) == ops
        assert v1.get_collection(GK.REGULARIZATION_LOSSES) == []
        k1_var, k2_var = var("hidden1/kernel"), var("hidden2/kernel")
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            np.testing.assert_array_equal(sess.run(k1_var), k0)  # not clipped before running
            sess.run(M.max_norm_ops())
            k1, k2 = sess.run([k1_var, k2_var])
        norms0 = np.linalg.norm(k0, axis=1)
        norms1 = np.linalg.norm(k1, axis=1)
        assert np.all(norms1 <= threshold * (1 + 1e-6))
        small = norms0 <= threshold
        assert small.sum() == 3 and (~small).sum() == 3
        np.testing.assert_allclose(k1[small], k0[small], rtol=1e-6, atol=1e-7)
        # Large rows are rescaled to the threshold, keeping their direction.
        np.testing.assert_allclose(norms1[~small], threshold, rtol=1e-5)
        np.testing.assert_allclose(k1[~small], k0[~small] / norms0[~small, None] * threshold,
                                   rtol=1e-5, atol=1e-7)
        # hidden2's kernel (4, 3) of 5.0s: each row of norm 5*sqrt(3) is clipped to 1.
        np.testing.assert_allclose(np.linalg.norm(k2, axis=1), threshold, rtol=1e-5)
        np.testing.assert_allclose(k2, 1.0 / math.sqrt(3), rtol=1e-5)

    def test_axes0_clips_columns(self, graph):
        x = v1.placeholder(tf.float32, (None, 3))
        L.dense(x, 2, kernel_initializer=tf.constant_initializer(4.0),
                kernel_regularizer=M.max_norm_regularizer(2.0, axes=0))
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            sess.run(M.max_norm_ops())
            k = sess.run(var("dense/kernel"))
        np.testing.assert_allclose(np.linalg.norm(k, axis=0), 2.0, rtol=1e-5)

    def test_custom_collection(self, graph):
        x = v1.placeholder(tf.float32, (None, 3))
        L.dense(x, 2, kernel_initializer=tf.constant_initializer(4.0),
                kernel_regularizer=M.max_norm_regularizer(1.0, collection="my_clip"))
        assert M.max_norm_ops() == []
        ops = M.max_norm_ops("my_clip")
        assert len(ops) == 1
        assert v1.get_collection("my_clip") == ops
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            sess.run(ops)
            k = sess.run(var("dense/kernel"))
        np.testing.assert_allclose(np.linalg.norm(k, axis=1), 1.0, rtol=1e-5)

    @pytest.mark.parametrize("threshold", [0.0, -1.0])
    def test_bad_threshold_raises(self, threshold):
        with pytest.raises(ValueError, match="threshold"):
            M.max_norm_regularizer(threshold)


class TestAlphaDropout:
    def test_alpha_dropout_preserves_moments(self, graph):
        rate = 0.2
        x = v1.placeholder(tf.float32, (None,))
        out = M.alpha_dropout(x, rate=rate, training=True)
        data = rng.standard_normal(200_000).astype(np.float32)
        o = run(out, {x: data})
        assert abs(o.mean()) < 0.05
        assert abs(o.std() - 1.0) < 0.05
        # Dropped units all take the same value a * alpha' + b.
        alpha_p = -SELU_SCALE * SELU_ALPHA
        a = 1.0 / math.sqrt((1 - rate) * (1 + rate * alpha_p ** 2))
        b = -a * alpha_p * rate
        dropped = np.isclose(o, a * alpha_p + b, atol=1e-6)
        assert abs(dropped.mean() - rate) < 0.01
        kept = ~dropped
        np.testing.assert_allclose(o[kept], a * data[kept] + b, rtol=1e-5, atol=1e-5)

    def test_alpha_dropout_training_false_is_identity(self, graph):
        x = v1.placeholder(tf.float32, (None, 20))
        training = v1.placeholder_with_default(False, ())
        outs = [M.alpha_dropout(x, 0.3), M.alpha_dropout(x, 0.3, training=training)]
        data = rng.normal(size=(10, 20)).astype(np.float32)
        for o in run(outs, {x: data}):
            np.testing.assert_array_equal(o, data)
        # Fed True the placeholder does change things.
        assert not np.array_equal(run(outs[1], {x: data, training: True}), data)
