"""The canned heads on constant logits: losses against their formulas, each reduction, and
the errors bad labels, weights and arguments raise."""
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from tfgraph_dnn.estimator_tf1.canned import head_classification as classification
from tfgraph_dnn.estimator_tf1.canned.head import RegressionHead
from tfgraph_dnn.estimator_tf1.model_fn import ModeKeys

v1 = tf.compat.v1
LOGITS = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]], np.float32)
LABELS = np.array([[1], [2]], np.int64)


def _softmax_ce(logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(labels)), labels[:, 0]]


@pytest.mark.parametrize("reduction, scale", [
    (v1.losses.Reduction.SUM, 1.0),
    (v1.losses.Reduction.SUM_OVER_BATCH_SIZE, 0.5),
    (v1.losses.Reduction.MEAN, None),
])
def test_multi_class_loss_reductions(graph, reduction, scale):
    weights = np.array([[2.0], [0.5]], np.float32)
    head = classification.MultiClassHead(3, weight_column="w", loss_reduction=reduction)
    spec = head.create_loss({"w": tf.constant(weights)}, ModeKeys.TRAIN,
                            tf.constant(LOGITS), tf.constant(LABELS))
    with v1.Session(graph=graph) as session:
        loss, unreduced = session.run([spec.training_loss, spec.unreduced_loss])
    per_example = _softmax_ce(LOGITS, LABELS)
    np.testing.assert_allclose(unreduced[:, 0], per_example, rtol=1e-5)
    weighted = (weights[:, 0] * per_example).sum()
    expected = weighted * scale if scale is not None else weighted / weights.sum()
    assert loss == pytest.approx(expected, rel=1e-5)


def test_binary_head_loss_and_train_summaries(graph):
    logits = np.array([[0.3], [-2.0], [1.5]], np.float32)
    labels = np.array([1, 0, 0], np.int64)
    head = classification.BinaryLogisticHead()
    step = v1.train.get_or_create_global_step()
    bias = v1.get_variable("b", initializer=0.0)
    spec = head.create_estimator_spec({}, ModeKeys.TRAIN, tf.constant(logits) + bias,
                                      labels=tf.constant(labels),
                                      optimizer=v1.train.GradientDescentOptimizer(0.1))
    tags = sorted(op.name for op in graph.get_operations() if op.type == "ScalarSummary")
    assert tags == ["average_loss", "loss"]
    with v1.Session(graph=graph) as session:
        session.run(v1.global_variables_initializer())
        loss, _ = session.run([spec.loss, spec.train_op])
        assert session.run(step) == 1
    p = 1 / (1 + np.exp(-logits[:, 0]))
    expected = -(labels * np.log(p) + (1 - labels) * np.log(1 - p)).sum()
    assert loss == pytest.approx(expected, rel=1e-5)


def test_regression_head_per_target_weights(graph):
    head = RegressionHead(label_dimension=2, weight_column="w")
    logits = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    labels = np.array([[0.0, 2.0], [3.0, 0.0]], np.float32)
    weights = np.array([[1.0, 0.0], [0.5, 2.0]], np.float32)
    spec = head.create_loss({"w": tf.constant(weights)}, ModeKeys.TRAIN, tf.constant(logits),
                            tf.constant(labels))
    with v1.Session(graph=graph) as session:
        loss = session.run(spec.training_loss)
    assert loss == pytest.approx((weights * (logits - labels) ** 2).sum())


def test_bad_labels_and_weights_name_the_problem(graph):
    head = classification.MultiClassHead(3)
    logits = tf.constant(LOGITS)
    with pytest.raises(ValueError, match="You must provide a labels Tensor"):
        head.create_loss({}, ModeKeys.TRAIN, logits, None)
    with pytest.raises(ValueError, match="Mismatched label shape"):
        head.create_loss({}, ModeKeys.TRAIN, logits, tf.constant([[1, 2], [0, 1]]))
    with pytest.raises(ValueError, match="Labels dtype should be integer"):
        head.create_loss({}, ModeKeys.TRAIN, logits, tf.constant([[1.0], [2.0]]))
    sparse = tf.SparseTensor([[0, 0]], tf.constant([1], tf.int64), [2, 1])
    with pytest.raises(ValueError, match="SparseTensor labels are not supported"):
        head.create_loss({}, ModeKeys.TRAIN, logits, sparse)
    weighted = classification.MultiClassHead(3, weight_column="w")
    with pytest.raises(ValueError, match="weight_column 'w' is not among the features"):
        weighted.create_loss({"x": logits}, ModeKeys.TRAIN, logits, tf.constant(LABELS))
    with pytest.raises(ValueError, match="give label_vocabulary"):
        classification.BinaryLogisticHead().create_loss(
            {}, ModeKeys.TRAIN, tf.constant([[0.1], [0.2]]), tf.constant([["a"], ["b"]]))
    with pytest.raises(ValueError, match="logits_dimension=3"):
        head.create_estimator_spec({}, ModeKeys.PREDICT, tf.constant([[1.0, 2.0]]))
    with pytest.raises(ValueError, match="train_op_fn and optimizer cannot both be None"):
        head.create_estimator_spec({}, ModeKeys.TRAIN, logits, tf.constant(LABELS))


def test_out_of_range_labels_fail(graph):
    head = classification.MultiClassHead(3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Labels must <= n_classes - 1"):
        head.create_loss({}, ModeKeys.TRAIN, tf.constant(LOGITS),
                         tf.constant([[1], [3]], tf.int64))  # known when the graph is built
    labels = v1.placeholder(tf.int64, [None, 1])
    spec = head.create_loss({}, ModeKeys.TRAIN, tf.constant(LOGITS), labels)
    with v1.Session(graph=graph) as session:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Labels must >= 0"):
            session.run(spec.training_loss, {labels: [[1], [-1]]})


def test_bad_head_arguments():
    with pytest.raises(ValueError, match="Invalid loss_reduction: none"):
        classification.MultiClassHead(3, loss_reduction=v1.losses.Reduction.NONE)
    with pytest.raises(ValueError, match="thresholds not in"):
        classification.BinaryLogisticHead(thresholds=[1.5])
    with pytest.raises(TypeError, match="label_vocabulary should be a list or a tuple"):
        classification.BinaryLogisticHead(label_vocabulary="ab")
    with pytest.raises(ValueError, match="Invalid label_dimension 0"):
        RegressionHead(label_dimension=0)


@settings(max_examples=12)  # a graph and a Session per example: keep the suite fast
@given(data=st.data())
def test_property_vocabulary_labels_give_the_softmax_loss(data):
    """Any labels drawn from any vocabulary: the head's per-example loss is the softmax cross
    entropy of the label's position in the vocabulary, and the SUM loss their weighted sum."""
    n_classes = data.draw(st.integers(3, 6), label="n_classes")
    vocabulary = data.draw(st.lists(st.text(min_size=1, max_size=5), min_size=n_classes,
                                    max_size=n_classes, unique=True), label="vocabulary")
    rows = data.draw(st.integers(1, 8), label="rows")
    ids = np.array(data.draw(st.lists(st.integers(0, n_classes - 1), min_size=rows,
                                      max_size=rows), label="ids"))
    logits = np.array(data.draw(st.lists(
        st.lists(st.floats(-20, 20, width=32), min_size=n_classes, max_size=n_classes),
        min_size=rows, max_size=rows), label="logits"), np.float32)
    weights = np.array(data.draw(st.lists(st.floats(0, 5, width=32), min_size=rows,
                                          max_size=rows), label="weights"), np.float32)
    with tf.Graph().as_default() as graph:
        head = classification.MultiClassHead(n_classes, weight_column="w",
                                             label_vocabulary=vocabulary)
        spec = head.create_loss({"w": tf.constant(weights)}, ModeKeys.TRAIN,
                                tf.constant(logits),
                                # a list, not np.array: NumPy drops trailing NULs of str
                                tf.constant([[vocabulary[i]] for i in ids]))
        with v1.Session(graph=graph) as session:
            session.run(v1.tables_initializer())
            loss, unreduced, label_ids = session.run(
                [spec.training_loss, spec.unreduced_loss, spec.processed_labels])
    np.testing.assert_array_equal(label_ids[:, 0], ids)
    per_example = _softmax_ce(logits, ids[:, None])
    np.testing.assert_allclose(unreduced[:, 0], per_example, rtol=1e-4, atol=1e-4)
    assert loss == pytest.approx((weights * per_example).sum(), rel=1e-4, abs=1e-3)


def test_logit_fn_builders_build_in_the_callers_scope(graph):
    from tfgraph_dnn.estimator_tf1.canned.dnn import dnn_logit_fn_builder
    from tfgraph_dnn.estimator_tf1.canned.linear import linear_logit_fn_builder

    fc = v1.feature_column
    features = {"x": tf.constant([[1.0], [2.0]])}
    dnn_fn = dnn_logit_fn_builder(2, [3], [fc.numeric_column("x")], tf.nn.relu, None, None,
                                  False)
    linear_fn = linear_logit_fn_builder(2, [fc.numeric_column("x")])
    with v1.variable_scope("dnn"):
        deep = dnn_fn(features, ModeKeys.TRAIN)
    with v1.variable_scope("linear"):
        wide = linear_fn(features)
    assert deep.shape.as_list() == [2, 2] and wide.shape.as_list() == [2, 2]
    assert sorted(v.op.name for v in v1.global_variables()) == [
        "dnn/hiddenlayer_0/bias", "dnn/hiddenlayer_0/kernel", "dnn/logits/bias",
        "dnn/logits/kernel", "linear/linear_model/bias_weights",
        "linear/linear_model/x/weights"]
    with pytest.raises(ValueError, match="units must be an int"):
        dnn_logit_fn_builder(2.0, [3], [], tf.nn.relu, None, None, False)


def test_custom_loss_fn_gets_features_when_it_asks(graph):
    seen = {}

    def absolute(labels, logits, features):
        seen["features"] = features
        return tf.abs(labels - logits)

    head = RegressionHead(loss_fn=absolute)
    features = {"x": tf.constant([[0.0], [0.0]])}
    spec = head.create_loss(features, ModeKeys.TRAIN, tf.constant([[1.0], [-2.0]]),
                            tf.constant([[0.5], [1.0]]))
    assert seen["features"] is features
    with v1.Session(graph=graph) as session:
        assert session.run(spec.training_loss) == pytest.approx(3.5)
    with pytest.raises(ValueError, match="loss_fn must contain argument: logits"):
        RegressionHead(loss_fn=lambda labels, predictions: labels)
    with pytest.raises(ValueError, match="loss_fn has unexpected args"):
        classification.MultiClassHead(3, loss_fn=lambda labels, logits, mode: labels)
