"""DNNClassifier core: learning, labels, parameters, data validation, resources."""
import gc

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from sklearn.exceptions import NotFittedError

from tfgraph_dnn import DNNClassifier

FAST = dict(n_hidden=2, n_neurons=32, n_epochs=3, random_state=0)


def test_learns_digits(digits):
    X_train, X_test, y_train, y_test = digits
    clf = DNNClassifier(n_epochs=15, random_state=42).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.95
    assert clf.n_epochs_ == 15 and len(clf.history_) == 15
    assert clf.history_[-1]["loss"] < clf.history_[0]["loss"]


def test_validation_metrics_recorded(small_digits, digits):
    X, y = small_digits
    _, X_test, _, y_test = digits
    clf = DNNClassifier(**FAST).fit(X, y, X_test, y_test)
    row = clf.history_[-1]
    assert set(row) >= {"epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds"}
    assert row["val_accuracy"] == pytest.approx(clf.score(X_test, y_test), abs=1e-6)


@pytest.mark.parametrize("labels", [
    np.array(["zero", "one", "two"]),
    np.array([-5, -1, 7]),
])
def test_predict_returns_original_labels(small_digits, labels):
    X, y = small_digits
    mask = y < 3
    y_named = labels[y[mask]]
    clf = DNNClassifier(**{**FAST, "n_epochs": 10}).fit(X[mask], y_named)
    assert set(clf.classes_) == set(labels)
    predictions = clf.predict(X[mask])
    assert set(predictions) <= set(labels)
    assert np.mean(predictions == y_named) > 0.8
    proba = clf.predict_proba(X[mask])
    assert proba.shape == (mask.sum(), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], predictions)


def test_dataframe_feature_names(small_digits):
    X, y = small_digits
    frame = pd.DataFrame(X, columns=[f"px{i}" for i in range(X.shape[1])])
    clf = DNNClassifier(**FAST).fit(frame, y)
    np.testing.assert_array_equal(clf.feature_names_in_, frame.columns)
    assert clf.n_features_in_ == X.shape[1]
    # columns are matched by name (issue 19): reversed columns, same predictions
    np.testing.assert_array_equal(clf.predict(frame[frame.columns[::-1]]), clf.predict(frame))


def test_layer_names_and_sizes(small_digits):
    X, y = small_digits
    clf = DNNClassifier(hidden_layer_sizes=(40, 30, 20), n_hidden=7, n_epochs=1,
                        batch_norm_momentum=0.9, random_state=0).fit(X, y)
    shapes = {name: value.shape for name, value in clf.get_weights().items()}
    assert shapes["hidden1/kernel"] == (64, 40)
    assert shapes["hidden2/kernel"] == (40, 30)
    assert shapes["hidden3/kernel"] == (30, 20)
    assert shapes["logits/kernel"] == (20, 10)
    assert "hidden4/kernel" not in shapes
    assert shapes["hidden2/batch_normalization/moving_mean"] == (30,)
    assert clf.n_layers_ == 4


@pytest.mark.parametrize("param, value", [
    ("activation", "swish-ish"), ("initializer", "zeros-ish"), ("optimizer", "sgd-ish")])
def test_unknown_names_list_valid_ones(small_digits, param, value):
    X, y = small_digits
    with pytest.raises(ValueError, match=param) as info:
        DNNClassifier(**{**FAST, param: value}).fit(X, y)
    valid = {"activation": "elu", "initializer": "he_normal", "optimizer": "adam"}[param]
    assert valid in str(info.value)


@pytest.mark.parametrize("kind", ["nan", "inf", "1d", "3d", "empty", "length", "one_class"])
def test_bad_training_input(small_digits, kind):
    X, y = small_digits
    X = X.copy()
    if kind == "nan":
        X[3, 4] = np.nan
    elif kind == "inf":
        X[3, 4] = np.inf
    elif kind == "1d":
        X = X[:, 0]
    elif kind == "3d":
        X = X.reshape(len(X), 8, 8)
    elif kind == "empty":
        X, y = X[:0], y[:0]
    elif kind == "length":
        y = y[:-1]
    elif kind == "one_class":
        y = np.zeros_like(y)
    messages = {"nan": "NaN", "inf": "infinity", "1d": "2D array", "3d": "dim 3",
                "empty": "0 sample", "length": "inconsistent numbers of samples",
                "one_class": "at least 2 classes"}
    with pytest.raises(ValueError, match=messages[kind]):
        DNNClassifier(**FAST).fit(X, y)


def test_predict_checks(small_digits):
    X, y = small_digits
    with pytest.raises(NotFittedError):
        DNNClassifier().predict(X)
    clf = DNNClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :10])
    with pytest.raises(ValueError, match="not seen in training"):
        clf.fit(X, y, X, y + 100)


def test_same_seed_same_model_other_seed_other_model(small_digits):
    X, y = small_digits
    first = DNNClassifier(**FAST).fit(X, y).predict_proba(X)
    second = DNNClassifier(**FAST).fit(X, y).predict_proba(X)
    other = DNNClassifier(**{**FAST, "random_state": 1}).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other)


def test_refits_share_one_cached_graph_and_nothing_leaks(small_digits):
    """A refit trains in another Session of the same finalized graph; the replaced
    Session goes back to the graph cache, which closes it when cleared."""
    from tfgraph_dnn.training.cache import GRAPH_CACHE

    GRAPH_CACHE.clear()
    X, y = small_digits
    default_ops = len(tf.compat.v1.get_default_graph().get_operations())
    clf = DNNClassifier(**FAST).fit(X, y)
    first_session, first_graph = clf._model.session, clf._model.graph
    clf.fit(X, y)
    assert clf._model.session is not first_session and not first_session._closed
    assert clf._model.graph is first_graph and clf._model.graph.finalized
    assert len(tf.compat.v1.get_default_graph().get_operations()) == default_ops
    session = clf._model.session
    del clf
    gc.collect()
    assert not session._closed  # idle in the cache, for the next fit
    GRAPH_CACHE.clear()
    assert session._closed and first_session._closed


@pytest.mark.parametrize("options", [
    dict(batch_norm_momentum=0.9),
    dict(dropout_rate=0.2),
    dict(activation="selu", initializer="lecun_normal", dropout_rate=0.1),
    dict(l1=1e-4, l2=1e-3),
    dict(activation="leaky_relu", optimizer="nesterov", learning_rate=0.01),
])
def test_chapter_options_train(digits, options):
    X_train, X_test, y_train, y_test = digits
    clf = DNNClassifier(n_hidden=2, n_neurons=50, n_epochs=4, random_state=0, **options)
    assert clf.fit(X_train, y_train).score(X_test, y_test) > 0.85


def test_max_norm_holds_after_fit(small_digits):
    X, y = small_digits
    clf = DNNClassifier(**{**FAST, "max_norm": 0.5, "learning_rate": 0.01}).fit(X, y)
    weights = clf.get_weights()
    for name in ("hidden1/kernel", "hidden2/kernel"):
        assert np.linalg.norm(weights[name], axis=1).max() <= 0.5 + 1e-5
    assert np.linalg.norm(weights["logits/kernel"], axis=1).max() > 0.5  # output layer free


def test_regularization_raises_loss_over_data_loss(small_digits):
    X, y = small_digits
    clf = DNNClassifier(**{**FAST, "l2": 0.01}).fit(X, y)
    feed = {clf._model.endpoints.X: X, clf._model.endpoints.y: clf._encode_targets(y, reset=False)}
    loss, base = clf._model.session.run([clf._model.endpoints.loss, clf._model.endpoints.base_loss], feed)
    assert loss > base
