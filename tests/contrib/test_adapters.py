"""``contrib.layers`` as adapters over ``tfgraph_dnn.layers`` (issue 20, item 1).

Each contrib layer with a ``tf.layers`` counterpart runs that class (one
implementation of the maths), under contrib's scope and variable names; the
regularizers are the same functions.  The behaviours settled when the two
copies were merged are pinned here, each against TF 1.15's source.
"""
from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from tfgraph_dnn import layers as L
from tfgraph_dnn.contrib import layers as C
from tfgraph_dnn.contrib import slim
from tfgraph_dnn.layers import convolutional, core, normalization, pooling, regularizers

v1 = tf.compat.v1
GK = v1.GraphKeys




def run(*fetches, feed=None):
    with v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        return sess.run(list(fetches), feed)


@pytest.fixture
def calls(monkeypatch):
    """Count the ``call`` of the ``tf.layers`` classes the adapters should run."""
    seen = []
    for cls in (core.Dense, core.Dropout, core.Flatten, convolutional.Conv,
                normalization.BatchNormalization, pooling._Pooling):
        def spy(self, *args, _original=cls.call, _name=cls.__name__, **kwargs):
            seen.append(_name)
            return _original(self, *args, **kwargs)
        monkeypatch.setattr(cls, "call", spy)
    return seen


def test_contrib_layers_run_the_tf_layers_classes(graph, calls):
    x = tf.ones([2, 4, 4, 3])
    C.fully_connected(tf.ones([2, 3]), 2)
    C.dropout(x)
    C.flatten(x)
    C.conv2d(x, 2, 3)
    C.conv2d_transpose(x, 2, 3)
    C.separable_conv2d(x, 2, 3)
    C.batch_norm(x)
    C.max_pool2d(x, 2)
    slim.avg_pool2d(x, 2)
    assert calls == ["Dense", "Dropout", "Flatten", "Conv", "Conv", "Conv",
                     "BatchNormalization", "_Pooling", "_Pooling"]


def test_regularizers_are_one_implementation():
    for name in ("l1_regularizer", "l2_regularizer", "l1_l2_regularizer"):
        assert getattr(C, name) is getattr(regularizers, name) is getattr(slim, name)
    assert C.sum_regularizer is regularizers.sum_regularizer


def test_layer_variable_name_hook(graph):
    # The hook contrib's adapters use: stored names and extra collections.
    layer = L.Dense(2, name="fc", _variable_names={"kernel": "weights", "bias": "biases"},
                    _variable_collections=[GK.MODEL_VARIABLES])
    layer(tf.ones([1, 3]))
    assert [v.op.name for v in v1.get_collection(GK.MODEL_VARIABLES)] == [
        "fc/weights", "fc/biases"]
    assert layer.kernel.op.name == "fc/weights"


def test_regularizer_scale_rules_follow_tf1_contrib(graph):
    # TF 1.15 contrib/layers/python/layers/regularizers.py: isinstance(scale,
    # numbers.Integral) raises (so bools too); a tensor scale is converted.
    w = tf.constant([1.0, -2.0])
    for make in (regularizers.l1_regularizer, regularizers.l2_regularizer):
        with pytest.raises(ValueError, match="integer"):
            make(True)
    loss = regularizers.l2_regularizer(tf.constant(0.5))(w)
    assert run(loss) == [pytest.approx(0.5 * 5.0 / 2)]


def test_l1_l2_with_a_zero_scale_is_the_other_regularizer(graph):
    # TF 1.15's l1_l2_regularizer: scale_l1 == 0 -> l2_regularizer(scale_l2, scope).
    w = tf.constant([1.0, -2.0])
    only_l2 = regularizers.l1_l2_regularizer(0.0, 0.2)(w)
    assert only_l2.op.type == "Mul" and only_l2.op.name == "l1_l2_regularizer"
    both = regularizers.l1_l2_regularizer(0.1, 0.2)(w)
    assert both.op.type == "AddN" and both.op.name == "l1_l2_regularizer_1"
    assert run(only_l2, both) == [pytest.approx(0.5), pytest.approx(0.3 + 0.5)]


def test_fused_batch_norm_clamps_epsilon(graph):
    # TF 1.15 python/ops/nn_impl.py fused_batch_norm: epsilon >= 1.001e-5 (cuDNN),
    # so contrib's fused path (TF1's default for 2-D and 4-D inputs) clamps it too.
    x = np.random.RandomState(0).normal(size=(8, 3)).astype(np.float32) * 1e-3
    fused = C.batch_norm(tf.constant(x), epsilon=1e-8)
    plain = C.batch_norm(tf.constant(x), epsilon=1e-8, fused=False)
    fused_out, plain_out = run(fused, plain)
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(fused_out, (x - mean) / np.sqrt(var + 1.001e-5), rtol=1e-3)
    np.testing.assert_allclose(plain_out, (x - mean) / np.sqrt(var + 1e-8), rtol=1e-3)


def test_dropout_rate_may_be_a_tensor(graph):
    # TF 1.15 keras Dropout hands ``rate`` to nn.dropout unchecked; contrib's
    # dropout (rate = 1 - keep_prob) relies on it for a tensor keep_prob.
    x = tf.ones([4, 5])
    keep = v1.placeholder(tf.float32, [])
    out = C.dropout(x, keep_prob=keep, seed=1)
    layer_out = L.dropout(x, rate=tf.constant(0.0), training=True)
    kept, same = run(out, layer_out, feed={keep: 1.0})
    np.testing.assert_array_equal(kept, np.ones([4, 5]))
    np.testing.assert_array_equal(same, np.ones([4, 5]))


def test_flatten_of_unknown_rank(graph):
    x = v1.placeholder(tf.float32, None)
    flat = L.flatten(x)
    contrib_flat = C.flatten(x)
    feed = {x: np.arange(24, dtype=np.float32).reshape(2, 3, 4)}
    for out in run(flat, contrib_flat, feed=feed):
        np.testing.assert_array_equal(out, feed[x].reshape(2, 12))
