"""Tests for ``tfgraph_dnn.contrib.losses`` (TF1's ``tf.contrib.losses``) and ``contrib.slim``.

Losses: each against a NumPy formula of contrib's arithmetic (weighted sum over
the number of non-zero weights, per-example weights covering all trailing
dimensions, label smoothing), contrib's model-output-first argument order,
``GraphKeys.LOSSES`` membership and ``get_total_loss`` with regularization.
Slim: the namespace re-exports the very objects of ``contrib.layers`` /
``contrib.framework``, names what it does not provide, and ``tfgraph-dnn
migrate`` rewrites slim imports.  Graphs are built inside
``with tf.Graph().as_default():`` (TensorFlow's mode is never switched here).
"""
from __future__ import annotations

import inspect
import re
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from tfgraph_dnn.contrib import framework as F
from tfgraph_dnn.contrib import layers as L
from tfgraph_dnn.contrib import losses as C
from tfgraph_dnn.contrib import slim

v1 = tf.compat.v1
GK = v1.GraphKeys
RNG = np.random.RandomState(0)


@pytest.fixture
def sess():
    graph = tf.Graph()
    with graph.as_default(), v1.Session(graph=graph) as session:
        v1.set_random_seed(1)
        yield session


def uniform(shape, low=-1.0, high=1.0, seed=0):
    return np.random.RandomState(seed).uniform(low, high, shape).astype(np.float32)


def log_softmax(x):
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def sigmoid_xent(logits, z):
    return np.maximum(logits, 0) - logits * z + np.log1p(np.exp(-np.abs(logits)))


# ------------------------------------------------------------------------- argument order
SIGNATURES = {
    "absolute_difference": ["predictions", "labels", "weights", "scope"],
    "mean_squared_error": ["predictions", "labels", "weights", "scope"],
    "softmax_cross_entropy": ["logits", "onehot_labels", "weights", "label_smoothing", "scope"],
    "sparse_softmax_cross_entropy": ["logits", "labels", "weights", "scope"],
    "sigmoid_cross_entropy": ["logits", "multi_class_labels", "weights", "label_smoothing",
                              "scope"],
    "log_loss": ["predictions", "labels", "weights", "epsilon", "scope"],
    "hinge_loss": ["logits", "labels", "scope"],
    "cosine_distance": ["predictions", "labels", "axis", "weights", "scope", "dim"],
    "mean_pairwise_squared_error": ["predictions", "labels", "weights", "scope"],
    "compute_weighted_loss": ["losses", "weights", "scope"],
    "add_loss": ["loss", "loss_collection"],
    "get_losses": ["scope", "loss_collection"],
    "get_regularization_losses": ["scope"],
    "get_total_loss": ["add_regularization_losses", "name"],
}


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signatures_keep_contribs_argument_order(name):
    assert list(inspect.signature(getattr(C, name)).parameters) == SIGNATURES[name]
    assert name in C.__all__


def test_logits_come_first(sess):
    logits, onehot = uniform([4, 3]), np.eye(3, dtype=np.float32)[[0, 2, 1, 1]]
    loss = C.softmax_cross_entropy(logits, onehot)
    expected = -(onehot * log_softmax(logits)).sum(1).mean()
    assert sess.run(loss) == pytest.approx(expected, rel=1e-5)
    swapped = C.softmax_cross_entropy(onehot, logits)  # the tf.losses order: another value
    assert abs(sess.run(swapped) - expected) > 1e-3


# ------------------------------------------------------------------------------ values
def test_absolute_difference_per_example_weights_cover_all_elements(sess):
    p, t = uniform([4, 3], seed=1), uniform([4, 3], seed=2)
    w = np.array([1.0, 0.0, 2.0, 0.5], np.float32)
    loss = C.absolute_difference(p, t, weights=w)
    expected = (w[:, None] * np.abs(p - t)).sum() / (3 * 3)  # 3 non-zero weights x 3 elements
    assert sess.run(loss) == pytest.approx(expected, rel=1e-5)
    assert sess.run(C.absolute_difference(p, t, weights=2.0)) == \
        pytest.approx(2.0 * np.abs(p - t).mean(), rel=1e-5)


def test_mean_squared_error_elementwise_weights_and_rank3(sess):
    p, t = uniform([2, 3, 2], seed=3), uniform([2, 3, 2], seed=4)
    w = (uniform([2, 3, 2], 0, 1, seed=5) > 0.4).astype(np.float32) * 3.0
    expected = (w * (p - t) ** 2).sum() / np.count_nonzero(w)
    assert sess.run(C.mean_squared_error(p, t, w)) == pytest.approx(expected, rel=1e-5)
    per_example = np.array([0.0, 1.5], np.float32)  # [batch] over a rank-3 loss
    expected = 1.5 * ((p[1] - t[1]) ** 2).sum() / 6
    assert sess.run(C.mean_squared_error(p, t, per_example)) == pytest.approx(expected, rel=1e-5)


def test_log_loss_with_batch_by_one_weights(sess):
    p, t = uniform([3, 2], 0.05, 0.95, seed=6), (uniform([3, 2], seed=7) > 0).astype(np.float32)
    w = np.array([[2.0], [0.0], [1.0]], np.float32)
    eps = 1e-3
    elems = -t * np.log(p + eps) - (1 - t) * np.log(1 - p + eps)
    expected = (w * elems).sum() / (2 * 2)
    assert sess.run(C.log_loss(p, t, w, epsilon=eps)) == pytest.approx(expected, rel=1e-5)


def test_softmax_cross_entropy_label_smoothing_and_weights(sess):
    logits = uniform([4, 5], -2, 2, seed=8)
    onehot = np.eye(5, dtype=np.float32)[[1, 0, 4, 2]]
    w = np.array([1.0, 3.0, 0.0, 2.0], np.float32)
    smoothed = onehot * 0.8 + 0.2 / 5
    xent = -(smoothed * log_softmax(logits)).sum(1)
    expected = (w * xent).sum() / 3
    loss = C.softmax_cross_entropy(logits, onehot, weights=w, label_smoothing=0.2)
    assert sess.run(loss) == pytest.approx(expected, rel=1e-5)


def test_sparse_softmax_cross_entropy_column_labels_and_weights(sess):
    logits = uniform([4, 3], -2, 2, seed=9)
    labels = np.array([[2], [0], [1], [1]], np.int64)
    w = np.array([[0.5], [1.0], [0.0], [2.0]], np.float32)
    xent = -log_softmax(logits)[np.arange(4), labels[:, 0]]
    expected = (w[:, 0] * xent).sum() / 3
    loss = C.sparse_softmax_cross_entropy(logits, labels, weights=w)
    assert sess.run(loss) == pytest.approx(expected, rel=1e-5)


def test_sigmoid_cross_entropy_label_smoothing_and_per_example_weights(sess):
    logits = uniform([3, 4], -3, 3, seed=10)
    labels = (uniform([3, 4], seed=11) > 0).astype(np.float32)
    w = np.array([1.0, 0.0, 4.0], np.float32)
    z = labels * 0.7 + 0.5 * 0.3
    expected = (w[:, None] * sigmoid_xent(logits, z)).sum() / (2 * 4)
    loss = C.sigmoid_cross_entropy(logits, labels, weights=w, label_smoothing=0.3)
    assert sess.run(loss) == pytest.approx(expected, rel=1e-5)


def test_hinge_loss_is_elementwise_and_not_collected(sess):
    logits = uniform([3, 2], -2, 2, seed=12)
    labels = np.array([[0, 1], [1, 1], [0, 0]], np.float32)
    out = C.hinge_loss(logits, labels)
    expected = np.maximum(0.0, 1.0 - (2 * labels - 1) * logits)
    np.testing.assert_allclose(sess.run(out), expected, rtol=1e-6)
    assert v1.get_collection(GK.LOSSES) == []


def test_cosine_distance_axis_dim_and_weights(sess):
    p = uniform([4, 3], seed=13)
    t = uniform([4, 3], seed=14)
    p /= np.linalg.norm(p, axis=1, keepdims=True)
    t /= np.linalg.norm(t, axis=1, keepdims=True)
    w = np.array([1.0, 2.0, 0.0, 1.0], np.float32)
    expected = (w * (1 - (p * t).sum(1))).sum() / 3
    for kwargs in ({"axis": 1}, {"dim": 1}):
        loss = C.cosine_distance(p, t, weights=w, **kwargs)
        assert sess.run(loss) == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match="both"):
        C.cosine_distance(p, t, axis=1, dim=1)
    with pytest.raises(ValueError, match="cannot both be None"):
        C.cosine_distance(p, t)


def test_mean_pairwise_squared_error_is_contribs_sum_of_pair_means(sess):
    p, t = uniform([3, 2, 2], seed=15), uniform([3, 2, 2], seed=16)
    w = np.array([1.0, 0.0, 2.5], np.float32)
    expected = 0.0
    for i in range(3):
        d = (p[i] - t[i]).ravel()
        pair_mean = np.mean([(a - b) ** 2 for a in d for b in d])  # all n*n ordered pairs
        expected += w[i] * pair_mean
    loss = C.mean_pairwise_squared_error(p, t, weights=w)
    assert sess.run(loss) == pytest.approx(expected, rel=1e-5)
    scalar = C.mean_pairwise_squared_error(p, t, weights=2.0)
    unweighted = sum(np.mean([(a - b) ** 2 for a in (p[i] - t[i]).ravel()
                              for b in (p[i] - t[i]).ravel()]) for i in range(3))
    assert sess.run(scalar) == pytest.approx(2.0 * unweighted, rel=1e-5)
    assert v1.get_collection(GK.LOSSES) == [loss, scalar]


def test_compute_weighted_loss_zero_weights_and_dtype(sess):
    losses = np.array([[1.0, 2.0], [3.0, 4.0]])
    out = C.compute_weighted_loss(losses, weights=0.0)
    assert out.dtype == tf.float64 and sess.run(out) == 0.0
    out = C.compute_weighted_loss(losses, weights=np.array([0.0, 2.0]))
    assert sess.run(out) == pytest.approx(2.0 * 7.0 / 2)


def test_labels_are_required():
    with tf.Graph().as_default():
        for fn in (C.absolute_difference, C.mean_squared_error, C.log_loss, C.hinge_loss,
                   C.mean_pairwise_squared_error):
            with pytest.raises(ValueError, match="labels must be given"):
                fn(tf.zeros([2, 2]))


# ----------------------------------------------------------------- collections and total loss
def test_losses_join_the_losses_collection(sess):
    x = tf.constant(uniform([2, 3]))
    made = [C.absolute_difference(x, x), C.mean_squared_error(x, x),
            C.softmax_cross_entropy(x, tf.nn.softmax(x)),
            C.sparse_softmax_cross_entropy(x, tf.constant([0, 2])),
            C.sigmoid_cross_entropy(x, tf.sigmoid(x)), C.log_loss(tf.sigmoid(x), tf.sigmoid(x)),
            C.cosine_distance(x, x, axis=1), C.compute_weighted_loss(x)]
    assert v1.get_collection(GK.LOSSES) == made == C.get_losses()
    with v1.name_scope("tower_1"):
        scoped = C.mean_squared_error(x, 2 * x)
    assert C.get_losses(scope="tower_1") == [scoped]


def test_add_loss_default_and_arg_scope_collection(sess):
    a, b = tf.constant(1.0), tf.constant(2.0)
    C.add_loss(a)
    with F.arg_scope([C.add_loss], loss_collection="my_losses"):
        C.add_loss(b)
    C.add_loss(b, loss_collection=None)
    assert C.get_losses() == [a]
    assert C.get_losses(loss_collection="my_losses") == [b]


def test_get_total_loss_adds_regularization(sess):
    x = tf.constant(uniform([5, 4], seed=17))
    onehot = tf.constant(np.eye(3, dtype=np.float32)[[0, 1, 2, 0, 1]])
    with slim.arg_scope([slim.fully_connected], weights_regularizer=slim.l2_regularizer(0.1)):
        h = slim.fully_connected(x, 6, scope="fc1")
        logits = slim.fully_connected(h, 3, activation_fn=None, scope="fc2")
    xent = slim.losses.softmax_cross_entropy(logits, onehot)
    total = slim.losses.get_total_loss()
    data_only = slim.losses.get_total_loss(add_regularization_losses=False, name="data_loss")
    assert total.op.name == "total_loss" and data_only.op.name == "data_loss"
    assert len(slim.losses.get_regularization_losses()) == 2
    sess.run(v1.global_variables_initializer())
    w1, w2 = sess.run([F.get_unique_variable("fc1/weights"), F.get_unique_variable("fc2/weights")])
    penalty = 0.1 * ((w1 ** 2).sum() + (w2 ** 2).sum()) / 2
    xent_value, total_value, data_value = sess.run([xent, total, data_only])
    assert data_value == pytest.approx(xent_value, rel=1e-6)
    assert total_value == pytest.approx(xent_value + penalty, rel=1e-5)


def test_get_total_loss_without_losses_raises():
    with tf.Graph().as_default(), pytest.raises(ValueError):
        C.get_total_loss()


def test_metric_learning_is_reported_missing():
    with pytest.raises(AttributeError, match="metric_learning .*not provided"):
        C.metric_learning  # noqa: B018


# ---------------------------------------------------------------------------------- slim
EXPECTED_SLIM = ["arg_scope", "add_arg_scope", "conv2d", "conv2d_transpose", "fully_connected",
                 "max_pool2d", "avg_pool2d", "batch_norm", "dropout", "flatten", "repeat",
                 "stack", "one_hot_encoding", "l1_regularizer", "l2_regularizer",
                 "xavier_initializer", "variance_scaling_initializer", "variable",
                 "model_variable", "get_variables", "get_model_variables",
                 "get_variables_to_restore", "get_variables_by_name", "assign_from_checkpoint_fn",
                 "get_or_create_global_step", "layers", "losses", "initializers", "regularizers",
                 "variables", "model_analyzer"]


def test_slim_exposes_the_expected_names():
    missing = [name for name in EXPECTED_SLIM if not hasattr(slim, name)]
    assert missing == []
    assert set(EXPECTED_SLIM) <= set(slim.__all__) == set(dir(slim))
    namespace = {}
    exec("from tfgraph_dnn.contrib.slim import *", namespace)
    assert set(slim.__all__) <= set(namespace)


def test_slim_members_are_the_contrib_objects():
    for name in L.__all__:
        assert getattr(slim, name) is getattr(L, name), name
    for name in F.__all__:
        assert getattr(slim, name) is getattr(F, name), name
    assert slim.layers is L and slim.losses is C
    assert slim.initializers.xavier_initializer is L.xavier_initializer
    assert slim.regularizers.l2_regularizer is L.l2_regularizer
    assert slim.variables.get_variables_to_restore is F.get_variables_to_restore


@pytest.mark.parametrize("name", ["learning", "evaluation", "nets", "data", "queues",
                                  "summaries", "tfexample_decoder",
                                  "zero_initializer"])
def test_slim_names_what_it_does_not_provide(name):
    with pytest.raises(AttributeError, match=rf"tf\.contrib\.slim\.{name} is not provided"):
        getattr(slim, name)
    assert not hasattr(slim, name)


def test_slim_arg_scope_reaches_contrib_layers(sess):
    x = tf.zeros([2, 6, 6, 1])
    with slim.arg_scope([L.conv2d], padding="VALID", biases_initializer=None):
        out = slim.conv2d(x, 4, [3, 3], scope="conv1")
    assert out.shape.as_list() == [2, 4, 4, 4]
    assert [v.op.name for v in slim.get_model_variables()] == ["conv1/weights"]


def test_model_analyzer_counts_variables_and_ops(sess, capsys):
    slim.model_variable("w", shape=[3, 4])
    slim.model_variable("b", shape=[4], dtype=tf.float64)
    size, nbytes = slim.model_analyzer.analyze_vars(slim.get_model_variables(), print_info=True)
    assert (size, nbytes) == (16, 12 * 4 + 4 * 8)
    printed = capsys.readouterr().out
    assert re.search(r"^w:0 \(float32(_ref)? 3x4\) \[12, bytes: 48\]$", printed, re.M), printed
    assert "Total size of variables: 16" in printed
    assert slim.model_analyzer.analyze_ops(sess.graph) >= 16


def test_namespace_resolves_slim_and_losses():
    from tfgraph_dnn import tf1_api
    assert tf1_api.contrib_member("slim") is slim and tf1_api.contrib_member("losses") is C
    for parts in (["contrib", "slim", "arg_scope"],
                  ["contrib", "slim", "losses", "get_total_loss"],
                  ["contrib", "slim", "initializers", "xavier_initializer"],
                  ["contrib", "losses", "sparse_softmax_cross_entropy"]):
        assert tf1_api.resolve(parts) is None, parts
    reason = tf1_api.resolve(["contrib", "slim", "learning", "train"])
    assert reason and "training loop" in reason
    assert tf.executing_eagerly()


# ------------------------------------------------------------------------------ migration
@pytest.mark.parametrize("old, new", [
    ("import tensorflow.contrib.slim as slim", "import tfgraph_dnn.tf1.contrib.slim as slim"),
    ("from tensorflow.contrib import slim", "from tfgraph_dnn.tf1.contrib import slim"),
    ("from tensorflow.contrib.slim import arg_scope, conv2d",
     "from tfgraph_dnn.tf1.contrib.slim import arg_scope, conv2d"),
    ("import tensorflow.contrib.losses as losses",
     "import tfgraph_dnn.tf1.contrib.losses as losses"),
    ("from tensorflow.contrib.losses import softmax_cross_entropy",
     "from tfgraph_dnn.tf1.contrib.losses import softmax_cross_entropy"),
])
def test_migrate_rewrites_slim_and_losses_imports(old, new):
    from tfgraph_dnn.migrate import migrate_source
    result = migrate_source(old + "\n", "prog.py")
    assert (result.code, result.unsupported) == (new + "\n", [])


def test_migrate_attribute_spelling_and_reports_missing_slim_parts():
    from tfgraph_dnn.migrate import migrate_source
    code = textwrap.dedent("""\
        import tensorflow as tf
        import tensorflow.contrib.slim as sl
        from tensorflow.contrib.slim.nets import vgg
        from tensorflow.contrib.slim.python.slim import learning
        slim = tf.contrib.slim
        total = tf.contrib.slim.losses.get_total_loss()
        sl.learning.train(total, "/tmp/logs")
        """)
    result = migrate_source(code, "prog.py")
    assert result.code.splitlines()[:2] == ["import tfgraph_dnn.tf1 as tf",
                                            "import tfgraph_dnn.tf1.contrib.slim as sl"]
    found = {c.line: c.reason for c in result.unsupported}
    assert sorted(found) == [3, 4, 7], result.unsupported
    assert "tf.contrib.slim.nets is not provided" in found[3]
    assert "tf.contrib.slim.learning is not provided" in found[4]
    assert "tf.contrib.slim.learning is not provided" in found[7]
