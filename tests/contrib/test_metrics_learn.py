"""Tests for ``tfgraph_dnn.contrib.metrics`` (TF1's ``tf.contrib.metrics``) and ``contrib.learn``.

Metrics: every streaming metric is updated with two batches and compared with a
NumPy computation over both; asymmetric metrics also differ from the NumPy value
with the arguments swapped, which proves contrib's predictions-first order.
Collections (``LOCAL_VARIABLES``, ``METRIC_VARIABLES``, ``metrics_collections``,
``updates_collections``) and resetting with ``tf.local_variables_initializer()``.
Learn: ``MetricSpec.create_metric_ops`` with dict predictions and TF1's rules for
calling ``metric_fn``, ``PredictionKey`` / ``ModeKeys`` values, and the
``AttributeError`` (and ``tfgraph-dnn migrate`` report) for what is not provided.
Graphs are built inside ``with tf.Graph().as_default():`` (TensorFlow's mode is never
switched here).
"""
from __future__ import annotations

import functools
import inspect

import numpy as np
import pytest
import tensorflow as tf

from tfgraph_dnn import tf1_api
from tfgraph_dnn.contrib import learn
from tfgraph_dnn.contrib import metrics as M
from tfgraph_dnn.contrib import slim

v1 = tf.compat.v1
GK = v1.GraphKeys
RNG = np.random.RandomState(0)
N = 12  # rows per batch


def two_batches(**arrays):
    """Each array split into two batches of N rows."""
    return [{k: a[:N] for k, a in arrays.items()}, {k: a[N:] for k, a in arrays.items()}]


def run_streaming(build, batches, **options):
    """Build ``build(placeholders)`` -> (value, update_op), run update_op per batch, read value."""
    with tf.Graph().as_default(), v1.Session() as sess:
        holders = {k: v1.placeholder(tf.as_dtype(a.dtype), [None, *a.shape[1:]], name=k)
                   for k, a in batches[0].items()}
        value, update_op = build(holders, **options)
        sess.run(v1.local_variables_initializer())
        last = None
        for batch in batches:
            last = sess.run(update_op, {holders[k]: a for k, a in batch.items()})
        return sess.run(value), last


def np_auc(scores, labels, num_thresholds=200):
    """tf.metrics.auc's ROC arithmetic (thresholds, epsilon, trapezoidal rule) in NumPy."""
    eps = 1e-7
    inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    thresholds = np.array([-eps, *inner, 1 + eps], np.float32)
    pos = labels.astype(bool)
    above = scores[None, :] > thresholds[:, None]
    tp, fp = (above & pos).sum(1), (above & ~pos).sum(1)
    fn, tn = (~above & pos).sum(1), (~above & ~pos).sum(1)
    tpr, fpr = (tp + eps) / (tp + fn + eps), fp / (fp + tn + eps)
    return np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2)


def np_mean_iou(pred, label, num_classes):
    cm = np.zeros((num_classes, num_classes))
    np.add.at(cm, (label, pred), 1)
    union = cm.sum(0) + cm.sum(1) - np.diag(cm)
    return np.mean(np.diag(cm)[union > 0] / union[union > 0])


def np_cov(x, y, w):
    mx, my = np.average(x, weights=w), np.average(y, weights=w)
    return np.sum(w * (x - mx) * (y - my)) / (w.sum() - 1)


def top_k_hits(scores, labels, k):
    return np.sum(np.argsort(-scores, axis=1)[:, :k] == labels.reshape(-1, 1))


B = 2 * N
P_BOOL, L_BOOL = RNG.rand(B) > 0.3, RNG.rand(B) > 0.6
P_INT, L_INT = RNG.randint(0, 3, B), RNG.randint(0, 3, B)
P_F, L_F = RNG.randn(B).astype(np.float32), RNG.randn(B).astype(np.float32) + 3.0
W = RNG.rand(B).astype(np.float32)
SCORES = RNG.rand(B).astype(np.float32)
SCORES_5 = RNG.rand(B, 5).astype(np.float32)
UNIT_P = (lambda a: a / np.linalg.norm(a, axis=1, keepdims=True))(RNG.randn(B, 3))
UNIT_L = (lambda a: a / np.linalg.norm(a, axis=1, keepdims=True))(RNG.randn(B, 3))
PL = dict(p=P_BOOL, l=L_BOOL)


def tp(p, l):
    return np.sum(p & l)


# name -> (call, arrays, numpy(value), numpy with predictions/labels swapped or None)
CASES = {
    "accuracy": (lambda h: M.streaming_accuracy(h["p"], h["l"], h["w"]),
                 dict(p=P_INT, l=L_INT, w=W), np.sum(W * (P_INT == L_INT)) / W.sum(), None),
    "precision": (lambda h: M.streaming_precision(h["p"], h["l"]), PL,
                  tp(P_BOOL, L_BOOL) / P_BOOL.sum(), tp(P_BOOL, L_BOOL) / L_BOOL.sum()),
    "recall": (lambda h: M.streaming_recall(h["p"], h["l"]), PL,
               tp(P_BOOL, L_BOOL) / L_BOOL.sum(), tp(P_BOOL, L_BOOL) / P_BOOL.sum()),
    "true_positives": (lambda h: M.streaming_true_positives(h["p"], h["l"]), PL,
                       tp(P_BOOL, L_BOOL), None),
    "true_negatives": (lambda h: M.streaming_true_negatives(h["p"], h["l"]), PL,
                       tp(~P_BOOL, ~L_BOOL), None),
    "false_positives": (lambda h: M.streaming_false_positives(h["p"], h["l"]), PL,
                        tp(P_BOOL, ~L_BOOL), tp(~P_BOOL, L_BOOL)),
    "false_negatives": (lambda h: M.streaming_false_negatives(h["p"], h["l"]), PL,
                        tp(~P_BOOL, L_BOOL), tp(P_BOOL, ~L_BOOL)),
    "mean": (lambda h: M.streaming_mean(h["v"], h["w"]), dict(v=P_F, w=W),
             np.sum(W * P_F) / W.sum(), None),
    "mean_absolute_error": (lambda h: M.streaming_mean_absolute_error(h["p"], h["l"]),
                            dict(p=P_F, l=L_F), np.mean(np.abs(P_F - L_F)), None),
    "mean_squared_error": (lambda h: M.streaming_mean_squared_error(h["p"], h["l"], h["w"]),
                           dict(p=P_F, l=L_F, w=W),
                           np.sum(W * (P_F - L_F) ** 2) / W.sum(), None),
    "root_mean_squared_error": (
        lambda h: M.streaming_root_mean_squared_error(h["p"], h["l"]), dict(p=P_F, l=L_F),
        np.sqrt(np.mean((P_F - L_F) ** 2)), None),
    "mean_relative_error": (
        lambda h: M.streaming_mean_relative_error(h["p"], h["l"], h["n"]),
        dict(p=P_F, l=L_F, n=W + 1), np.mean(np.abs(P_F - L_F) / (W + 1)), None),
    "auc": (lambda h: M.streaming_auc(h["p"], h["l"]), dict(p=SCORES, l=L_BOOL),
            np_auc(SCORES, L_BOOL), None),
    "percentage_less": (lambda h: M.streaming_percentage_less(h["v"], 0.25), dict(v=P_F),
                        np.mean(P_F < 0.25), None),
    "recall_at_k": (lambda h: M.streaming_recall_at_k(h["p"], h["l"], 2),
                    dict(p=SCORES_5, l=(L_INT + 1).astype(np.int32)),
                    top_k_hits(SCORES_5, L_INT + 1, 2) / B, None),
    "sparse_precision_at_k": (
        lambda h: M.streaming_sparse_precision_at_k(h["p"], h["l"], 2),
        dict(p=SCORES_5, l=(L_INT + 1).reshape(-1, 1).astype(np.int64)),
        top_k_hits(SCORES_5, L_INT + 1, 2) / (2 * B), None),
    "sparse_recall_at_k": (
        lambda h: M.streaming_sparse_recall_at_k(h["p"], h["l"], 2),
        dict(p=SCORES_5, l=(L_INT + 1).reshape(-1, 1).astype(np.int64)),
        top_k_hits(SCORES_5, L_INT + 1, 2) / B, None),
    "sparse_precision_at_top_k": (
        lambda h: M.streaming_sparse_precision_at_top_k(h["p"], h["l"]),
        dict(p=np.argsort(-SCORES_5, axis=1)[:, :2], l=(L_INT + 1).reshape(-1, 1)),
        top_k_hits(SCORES_5, L_INT + 1, 2) / (2 * B), None),
    "sparse_average_precision_at_k": (
        lambda h: M.streaming_sparse_average_precision_at_k(h["p"], h["l"], 3),
        dict(p=SCORES_5, l=(L_INT + 1).reshape(-1, 1)),
        np.mean([1 / (r + 1) if r < 3 else 0 for r in np.argmax(
            np.argsort(-SCORES_5, axis=1) == (L_INT + 1).reshape(-1, 1), axis=1)]), None),
    "mean_iou": (lambda h: M.streaming_mean_iou(h["p"], h["l"], 4),
                 dict(p=P_INT + (P_INT == 2), l=L_INT),
                 np_mean_iou(P_INT + (P_INT == 2), L_INT, 4), None),
    "covariance": (lambda h: M.streaming_covariance(h["p"], h["l"], h["w"]),
                   dict(p=P_F, l=L_F, w=W), np_cov(P_F, L_F, W), None),
    "pearson_correlation": (lambda h: M.streaming_pearson_correlation(h["p"], h["l"]),
                            dict(p=P_F, l=L_F + 0.5 * P_F),
                            np.corrcoef(P_F, L_F + 0.5 * P_F)[0, 1], None),
    "mean_cosine_distance": (lambda h: M.streaming_mean_cosine_distance(h["p"], h["l"], 1),
                             dict(p=UNIT_P, l=UNIT_L), 1 - np.mean(np.sum(UNIT_P * UNIT_L, 1)),
                             None),
    "precision_at_thresholds": (
        lambda h: M.streaming_precision_at_thresholds(h["p"], h["l"], [0.3, 0.7]),
        dict(p=SCORES, l=L_BOOL),
        [tp(SCORES > t, L_BOOL) / np.sum(SCORES > t) for t in (0.3, 0.7)], None),
    "recall_at_thresholds": (
        lambda h: M.streaming_recall_at_thresholds(h["p"], h["l"], [0.3, 0.7]),
        dict(p=SCORES, l=L_BOOL),
        [tp(SCORES > t, L_BOOL) / L_BOOL.sum() for t in (0.3, 0.7)], None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_streaming_metric_matches_numpy_over_two_batches(name):
    call, arrays, expected, swapped = CASES[name]
    value, last_update = run_streaming(lambda h: call(h), two_batches(**arrays))
    np.testing.assert_allclose(value, expected, rtol=1e-4, atol=1e-5)
    if name != "mean_iou":  # its update_op returns the confusion matrix, as in TF1
        np.testing.assert_allclose(last_update, value, rtol=1e-5, atol=1e-6)
    if swapped is not None:  # the order matters, and it is predictions first
        assert not np.allclose(value, swapped, rtol=1e-3), (value, swapped)


def test_mean_tensor_and_concat_keep_shapes():
    values = RNG.randn(B, 3).astype(np.float32)
    with tf.Graph().as_default(), v1.Session() as sess:
        v = v1.placeholder(tf.float32, [N, 3])  # element-wise: every batch has one shape
        mean, update_op = M.streaming_mean_tensor(v)
        sess.run(v1.local_variables_initializer())
        for batch in two_batches(v=values):
            sess.run(update_op, {v: batch["v"]})
        np.testing.assert_allclose(sess.run(mean), (values[:N] + values[N:]) / 2, rtol=1e-5)
    columns = np.ascontiguousarray(values.T)  # [3, B]: concatenated along axis 1
    batches = [{"v": columns[:, :N]}, {"v": columns[:, N:]}]
    with tf.Graph().as_default(), v1.Session() as sess:
        v = v1.placeholder(tf.float32, [3, None])
        value, update_op = M.streaming_concat(v, axis=1)
        capped, capped_update = M.streaming_concat(v, axis=1, max_size=N + 5)
        assert value.shape.as_list() == [3, None]
        sess.run(v1.local_variables_initializer())
        assert sess.run(value).shape == (3, 0)
        sizes = [sess.run([update_op, capped_update], {v: b["v"]}) for b in batches]
        assert sizes == [[N, N], [B, N + 5]]
        np.testing.assert_array_equal(sess.run(value), columns)
        np.testing.assert_array_equal(sess.run(capped), columns[:, :N + 5])
    with tf.Graph().as_default(), pytest.raises(ValueError, match="statically known size"):
        M.streaming_concat(v1.placeholder(tf.float32, [None, None]))


def test_variables_collections_and_reset():
    with tf.Graph().as_default(), v1.Session() as sess:
        p = v1.placeholder(tf.int64, [None])
        l = v1.placeholder(tf.int64, [None])
        acc, acc_update = M.streaming_accuracy(p, l, metrics_collections=["values"],
                                               updates_collections=["updates"], name="acc")
        cov, cov_update = M.streaming_covariance(p, l, metrics_collections=["values"],
                                                 updates_collections=["updates"])
        assert v1.get_collection("values") == [acc, cov]
        assert v1.get_collection("updates") == [acc_update, cov_update]
        local = [v.op.name for v in v1.local_variables()]
        assert local == ["acc/total", "acc/count", "covariance/count",
                         "covariance/mean_prediction", "covariance/mean_label",
                         "covariance/comoment"]
        assert [v.op.name for v in v1.get_collection(GK.METRIC_VARIABLES)] == local
        assert v1.global_variables() == [] and v1.trainable_variables() == []
        sess.run(v1.local_variables_initializer())
        sess.run([acc_update, cov_update], {p: [1, 2, 3], l: [1, 2, 0]})
        assert np.isclose(sess.run(acc), 2 / 3) and np.isfinite(sess.run(cov))
        sess.run(v1.local_variables_initializer())
        assert sess.run(acc) == 0.0 and np.isnan(sess.run(cov))


def test_signatures_are_contribs():
    params = {name: list(inspect.signature(getattr(M, name)).parameters)
              for name in M.__all__ if name.startswith("streaming_")}
    for name, names in params.items():
        first = "top_k_predictions" if name.endswith("at_top_k") else "predictions"
        if name in ("streaming_mean", "streaming_mean_tensor", "streaming_percentage_less",
                    "streaming_concat"):
            first = "values"
        assert names[0] == first and (first == "values" or names[1] == "labels"), name
        assert names[-3:] in (["metrics_collections", "updates_collections", "name"],
                              ["updates_collections", "curve", "name"]), name
    assert params["streaming_auc"] == ["predictions", "labels", "weights", "num_thresholds",
                                       "metrics_collections", "updates_collections", "curve",
                                       "name"]
    assert params["streaming_sparse_recall_at_k"][:5] == ["predictions", "labels", "k",
                                                          "class_id", "weights"]
    assert "Parameters" in M.streaming_auc.__doc__ and "num_thresholds" in M.streaming_auc.__doc__


def test_accuracy_confusion_matrix_and_aggregation():
    with tf.Graph().as_default(), v1.Session() as sess:
        acc = M.accuracy(tf.constant([1, 2, 3]), tf.constant([1, 0, 3]),
                         weights=tf.constant([1.0, 3.0, 0.0]))
        cm = M.confusion_matrix(labels=[0, 0, 1], predictions=[1, 1, 1], num_classes=2)
        assert np.isclose(sess.run(acc), 0.25)
        np.testing.assert_array_equal(sess.run(cm), [[0, 2], [0, 1]])  # rows are labels
        with pytest.raises(ValueError, match="Dtypes of predictions and labels"):
            M.accuracy(tf.constant([1.0]), tf.constant([1]))
        values, updates = M.aggregate_metrics(("v1", "u1"), ("v2", "u2"))
        assert (values, updates) == (["v1", "v2"], ["u1", "u2"])
        assert M.aggregate_metric_map({"a": ("v1", "u1"), "b": ("v2", "u2")}) == (
            {"a": "v1", "b": "v2"}, {"a": "u1", "b": "u2"})
        with pytest.raises(ValueError, match="at least one"):
            M.aggregate_metrics()
    assert slim.metrics is M


# -------------------------------------------------------------------------------- learn
def test_prediction_and_mode_keys_have_tf1_values():
    K = learn.PredictionKey
    assert (K.CLASSES, K.PROBABILITIES, K.LOGITS, K.LOGISTIC, K.SCORES, K.TOP_K,
            K.GENERIC) == ("classes", "probabilities", "logits", "logistic", "scores",
                           "top_k", "output")
    assert learn.prediction_key.PredictionKey is K
    assert (learn.ModeKeys.TRAIN, learn.ModeKeys.EVAL, learn.ModeKeys.INFER) == (
        "train", "eval", "infer")


def test_metric_spec_creates_streaming_ops_from_dicts():
    spec = learn.MetricSpec(metric_fn=M.streaming_precision,
                            prediction_key=learn.PredictionKey.CLASSES, label_key="y",
                            weight_key="w")
    assert str(spec) == ("MetricSpec(metric_fn=streaming_precision, prediction_key=classes, "
                         "label_key=y, weight_key=w)")
    with tf.Graph().as_default(), v1.Session() as sess:
        predictions = {"classes": tf.constant([1, 1, 0, 1]), "probabilities": tf.zeros([4])}
        labels = {"y": tf.constant([1, 0, 0, 0]), "other": tf.zeros([4])}
        inputs = {"w": tf.constant([1.0, 1.0, 1.0, 0.0])}
        value, update_op = spec.create_metric_ops(inputs, labels, predictions)
        sess.run(v1.local_variables_initializer())
        sess.run(update_op)
        assert np.isclose(sess.run(value), 0.5)  # precision (0.5), not recall (1.0)
        with pytest.raises(KeyError, match="'y' missing"):
            spec.create_metric_ops(inputs, {"z": tf.zeros([4])}, predictions)
        with pytest.raises(ValueError, match="requires predictions dict"):
            spec.create_metric_ops(inputs, labels, tf.zeros([4]))
        with pytest.raises(ValueError, match="single element dict"):
            learn.MetricSpec(M.streaming_accuracy).create_metric_ops({}, labels, predictions)


def test_metric_spec_passes_arguments_by_tf1_rules():
    calls = []

    def labels_first(labels, preds):
        calls.append(("labels_first", labels, preds))

    def by_name(logits, targets, weight=None):
        calls.append(("by_name", logits, targets, weight))

    def predictions_only(x):
        calls.append(("predictions_only", x))

    def predictions_then_labels(preds, scale, labels=None):
        calls.append(("predictions_then_labels", preds, scale, labels))

    learn.MetricSpec(labels_first).create_metric_ops({}, "L", "P")
    learn.MetricSpec(by_name, weight_key="w").create_metric_ops({"w": "W"}, "L", {"k": "P"})
    learn.MetricSpec(predictions_only).create_metric_ops({}, "L", "P")
    learn.MetricSpec(functools.partial(predictions_then_labels, scale=2)).create_metric_ops(
        {}, "L", "P")
    assert calls == [("labels_first", "L", "P"), ("by_name", "P", "L", "W"),
                     ("predictions_only", "P"), ("predictions_then_labels", "P", 2, "L")]
    with pytest.raises(ValueError, match="Ambiguous arguments"):
        learn.MetricSpec(lambda labels, targets, predictions: None)
    with pytest.raises(ValueError, match="missing from"):
        learn.MetricSpec(predictions_only, label_key="y")
    with pytest.raises(ValueError, match="requires named args"):
        learn.MetricSpec(labels_first).metric_fn("positional")


@pytest.mark.parametrize("name, expected", [
    ("DNNClassifier", "tfgraph_dnn.DNNClassifier / tfgraph_dnn.DNNRegressor"),
    ("Estimator", "scikit-learn estimators"), ("SKCompat", "scikit-learn estimators"),
    ("datasets", "tfgraph_dnn.data"), ("read_data_sets", "download"),
    ("learn_runner", "Estimator framework"), ("Experiment", "Estimator framework"),
])
def test_learn_names_what_it_does_not_provide(name, expected):
    with pytest.raises(AttributeError, match=rf"tf\.contrib\.learn\.{name} is not provided"):
        getattr(learn, name)
    assert expected in tf1_api.resolve(["contrib", "learn", name, "x"])
    assert not hasattr(learn, name)


def test_namespace_resolves_metrics_and_learn():
    for parts in (["contrib", "metrics", "streaming_accuracy"],
                  ["contrib", "metrics", "aggregate_metric_map"],
                  ["contrib", "learn", "MetricSpec"],
                  ["contrib", "learn", "prediction_key", "PredictionKey", "CLASSES"],
                  ["contrib", "learn", "ModeKeys", "INFER"]):
        assert tf1_api.resolve(parts) is None, parts
    assert tf1_api.contrib_member("metrics") is M and tf1_api.contrib_member("learn") is learn
    assert tf1_api.resolve(["contrib", "metrics", "cohen_kappa"]).startswith(
        "tf.contrib.metrics.cohen_kappa is not provided")
    assert tf.executing_eagerly()


def test_migrate_rewrites_metrics_and_learn_and_reports_estimators():
    from tfgraph_dnn.migrate import migrate_source
    code = "\n".join([
        "import tensorflow as tf",
        "import tensorflow.contrib.learn as learn",
        "from tensorflow.contrib.metrics.python.ops.metric_ops import streaming_auc",
        "from tensorflow.contrib.learn.python.learn import metric_spec",
        "from tensorflow.contrib.learn.python.learn.datasets.mnist import read_data_sets",
        "m = tf.contrib.learn.MetricSpec(metric_fn=tf.contrib.metrics.streaming_accuracy)",
        "clf = tf.contrib.learn.DNNClassifier(hidden_units=[10])", ""])
    result = migrate_source(code, "prog.py")
    assert result.code.splitlines()[:4] == [
        "import tfgraph_dnn.tf1 as tf", "import tfgraph_dnn.tf1.contrib.learn as learn",
        "from tfgraph_dnn.tf1.contrib.metrics import streaming_auc",
        "from tfgraph_dnn.tf1.contrib import learn as metric_spec"]
    found = {c.line: c.reason for c in result.unsupported}
    assert sorted(found) == [5, 7], result.unsupported
    assert "tfgraph_dnn.data" in found[5]
    assert found[7].startswith("tf.contrib.learn.DNNClassifier is not provided") and \
        "tfgraph_dnn.DNNClassifier" in found[7]
