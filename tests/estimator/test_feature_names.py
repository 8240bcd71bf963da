"""Issue 19: feature identity carried by the model, and labels checked before use.

A model fitted on a DataFrame keeps ``feature_names_in_`` / ``n_features_in_``
(through pickling and ``save``/``load``), and every method that takes ``X``
matches a DataFrame's columns *by name*: the same columns in another order give
the same outputs, unknown, missing or repeated names are one ``ValueError``
listing them.  Labels with missing values or of mixed types are one
``ValueError`` naming ``y`` (no raw ``TypeError``, no silent conversion).
"""
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfgraph_dnn import DNNClassifier, DNNRegressor
from tfgraph_dnn.data.features import column_order, declared_feature_names

NAMES = ["age", "income", "height", "score", "weight"]
TINY = dict(n_hidden=1, n_neurons=8, n_epochs=3, batch_size=32, learning_rate=0.03,
            n_threads=1, random_state=0)


def make_frame(n_rows=120, seed=0):
    """Columns of very different scales: any column mix-up changes the outputs."""
    rng = np.random.RandomState(seed)
    values = rng.randn(n_rows, len(NAMES)) * np.array([1.0, 30.0, 0.1, 5.0, 100.0])
    frame = pd.DataFrame(values, columns=NAMES)
    y = np.where(frame["age"] + frame["income"] / 30 > 0, "yes", "no")
    return frame, y


@pytest.fixture(scope="module")
def data():
    return make_frame()


@pytest.fixture(scope="module")
def clf(data):
    frame, y = data
    return DNNClassifier(**TINY).fit(frame, y)


def permuted(frame, order):
    return frame[[frame.columns[i] for i in order]]


# ---------------------------------------------------------------------- fitted attributes
def test_fit_records_names_and_count(clf, data):
    frame, y = data
    assert list(clf.feature_names_in_) == NAMES and clf.n_features_in_ == len(NAMES)
    plain = DNNClassifier(**{**TINY, "n_epochs": 1}).fit(frame.to_numpy(), y)
    assert not hasattr(plain, "feature_names_in_") and plain.n_features_in_ == len(NAMES)


def test_repeated_column_names_refused_at_fit(data):
    frame, y = data
    twice = frame.set_axis(["a", "b", "a", "c", "b"], axis=1)
    with pytest.raises(ValueError, match=r"repeated column names \['a', 'b'\]"):
        DNNClassifier(**TINY).fit(twice, y)


# ---------------------------------------------------------------------- matching by name
def test_permuted_columns_give_the_same_outputs_everywhere(clf, data):
    frame, y = data
    shuffled = permuted(frame, [4, 2, 0, 3, 1])
    np.testing.assert_array_equal(clf.predict_proba(shuffled), clf.predict_proba(frame))
    np.testing.assert_array_equal(clf.predict(shuffled), clf.predict(frame))
    assert clf.score(shuffled, y) == clf.score(frame, y)
    # no dropout: every MC pass is the plain forward pass
    np.testing.assert_array_equal(clf.predict_proba_mc(shuffled, n_samples=2),
                                  clf.predict_proba(frame))


@settings(max_examples=25)
@given(order=st.permutations(range(len(NAMES))))
def test_property_any_column_order_predicts_the_same(clf, data, order):
    frame, _ = data
    np.testing.assert_array_equal(clf.predict_proba(permuted(frame, order)),
                                  clf.predict_proba(frame))


def test_regressor_matches_names_in_predict_and_mc(data):
    frame, _ = data
    target = frame["age"].to_numpy() - frame["height"].to_numpy() * 10
    reg = DNNRegressor(**{**TINY, "dropout_rate": 0.2}).fit(frame, target)
    shuffled = permuted(frame, [3, 4, 0, 1, 2])
    np.testing.assert_array_equal(reg.predict(shuffled), reg.predict(frame))
    # MC dropout on a copy taken in the same state: same masks, same columns
    twin = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(reg.predict_mc(shuffled, n_samples=3),
                                  twin.predict_mc(frame, n_samples=3))


@pytest.mark.parametrize("change, expected", [
    (lambda f: f.rename(columns={"age": "AGE"}), ["unknown ['AGE']", "missing ['age']",
                                                 "5 feature columns", "5 named features"]),
    (lambda f: f.drop(columns=["score"]), ["missing ['score']", "4 feature columns"]),
    (lambda f: f.assign(extra=1.0), ["unknown ['extra']", "6 feature columns"]),
    (lambda f: f.set_axis(["age", "age", "height", "score", "weight"], axis=1),
     ["repeated ['age']", "missing ['income']"]),
])
def test_unknown_missing_or_repeated_names_are_one_error(clf, data, change, expected):
    frame, y = data
    bad = change(frame)
    for method in (clf.predict, clf.predict_proba, lambda X: clf.score(X, y),
                   lambda X: clf.predict_proba_mc(X, n_samples=2)):
        with pytest.raises(ValueError) as info:
            method(bad)
        message = str(info.value)
        assert all(part in message for part in expected), message
        assert "\n" not in message


def test_partial_fit_and_validation_data_match_by_name(data):
    frame, y = data
    shuffled = permuted(frame, [1, 0, 4, 3, 2])
    clf = DNNClassifier(**TINY).fit(frame, y, X_valid=shuffled, y_valid=y)
    np.testing.assert_allclose(clf.history_[-1]["val_loss"], clf.history_[-1]["loss"],
                               rtol=0.5)  # the same rows: validation is meaningful
    reference = pickle.loads(pickle.dumps(clf))
    clf.partial_fit(shuffled, y)
    reference.partial_fit(frame, y)
    np.testing.assert_array_equal(clf.predict_proba(frame), reference.predict_proba(frame))


def test_plain_arrays_follow_scikit_learns_rule(clf, data):
    frame, y = data
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        by_position = clf.predict_proba(frame.to_numpy())
    np.testing.assert_array_equal(by_position, clf.predict_proba(frame))
    unnamed = DNNClassifier(**{**TINY, "n_epochs": 1}).fit(frame.to_numpy(), y)
    with pytest.warns(UserWarning, match="fitted without feature names"):
        unnamed.predict(frame)
    with pytest.raises(ValueError, match="X has 4 features, but DNNClassifier is expecting 5"), \
            pytest.warns(UserWarning, match="does not have valid feature names"):
        clf.predict(frame.to_numpy()[:, :4])


def test_pickle_and_save_keep_names_and_matching(clf, data, tmp_path):
    frame, _ = data
    shuffled = permuted(frame, [2, 3, 4, 0, 1])
    clf.save(tmp_path / "model")
    for copy in (pickle.loads(pickle.dumps(clf)), DNNClassifier.load(tmp_path / "model")):
        assert list(copy.feature_names_in_) == NAMES and copy.n_features_in_ == len(NAMES)
        np.testing.assert_array_equal(copy.predict_proba(shuffled), clf.predict_proba(frame))


def test_declared_names_for_plain_arrays(data):
    """What the CLI uses for a CSV header: plain arrays with names, no pandas needed."""
    frame, y = data
    X = frame.to_numpy()
    with declared_feature_names(NAMES):
        clf = DNNClassifier(**{**TINY, "n_epochs": 1}).fit(X, y)
    assert list(clf.feature_names_in_) == NAMES
    order = [3, 1, 4, 0, 2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matched by name: no warning
        with declared_feature_names(NAMES):
            expected = clf.predict_proba(X)
        with declared_feature_names([NAMES[i] for i in order]):
            np.testing.assert_array_equal(clf.predict_proba(X[:, order]), expected)
    with declared_feature_names(["age", "income", "height", "score", "mass"]):
        with pytest.raises(ValueError, match=r"unknown \['mass'\]; missing \['weight'\]"):
            clf.predict(X)


def test_column_order():
    assert column_order(["a", "b"], ["a", "b"]) is None
    np.testing.assert_array_equal(column_order(["b", "c", "a"], ["a", "b", "c"]), [2, 0, 1])
    with pytest.raises(ValueError, match=r"^data.csv has 2 feature columns .* missing \['c'\]"):
        column_order(["b", "a"], ["a", "b", "c"], "data.csv")


# ---------------------------------------------------------------------- labels
X6 = np.random.RandomState(0).rand(6, 2)
MISSING = {
    "list with None": [1, None, 0, 1, 0, 1],
    "object with pd.NA": np.array([1, pd.NA, 1, 0, 1, 0], dtype=object),
    "object with nan and str": np.array(["a", np.nan, "a", "b", "a", "b"], dtype=object),
    "float nan": np.array([1.0, np.nan, 1, 0, 1, 0]),
    "Int64 with NA": pd.Series([1, pd.NA, 1, 0, 1, 0], dtype="Int64"),
    "string with NA": pd.Series(["a", pd.NA, "a", "b", "a", "b"], dtype="string"),
    "category with NA": pd.Series(["a", None, "a", "b", "a", "b"], dtype="category"),
    "boolean with NA": pd.Series([True, None, True, False, True, False], dtype="boolean"),
}
MIXED = {
    "list str and int": ["a", 1, "a", 1, "a", 1],
    "object str and int": np.array(["a", 1, "a", 1, "a", 1], dtype=object),
    "object str and None-free bytes": np.array([b"a", "a"] * 3, dtype=object),
}


@pytest.mark.parametrize("estimator", [DNNClassifier, DNNRegressor])
@pytest.mark.parametrize("name", sorted(MISSING))
def test_missing_labels_are_one_error_naming_y(estimator, name):
    with pytest.raises(ValueError, match=r"^y has missing (labels|target values) .* at "
                                         r"position 1 \(counting from 0\)"):
        estimator(**TINY).fit(X6, MISSING[name])


@pytest.mark.parametrize("estimator", [DNNClassifier, DNNRegressor])
@pytest.mark.parametrize("name", sorted(MIXED))
def test_mixed_label_types_are_one_error_naming_y(estimator, name):
    with pytest.raises(ValueError, match=r"^y mixes (label|target value) types"):
        estimator(**TINY).fit(X6, MIXED[name])


@pytest.mark.parametrize("labels, expected", [
    (pd.Series([1, 2, 1, 0, 1, 0], dtype="Int64"), np.array([0, 1, 2])),
    (pd.Series(["a", "c", "a", "b", "a", "b"], dtype="string"), np.array(["a", "b", "c"])),
    (pd.Series(["a", "c", "a", "b", "a", "b"], dtype="category"), np.array(["a", "b", "c"])),
    (np.array([3, 1, 3, 1, 3, 1], dtype=object), np.array([1, 3])),
])
def test_pandas_and_object_labels_keep_their_type(labels, expected):
    clf = DNNClassifier(**{**TINY, "n_epochs": 1}).fit(X6, labels)
    assert clf.classes_.tolist() == expected.tolist()
    kind = (lambda value: np.asarray(value).dtype.kind)  # "i" ints, "U" text, "f" floats
    assert kind(clf.predict(X6[:1])[0]) == kind(clf.classes_[0]) == kind(expected[0])


def test_score_partial_fit_and_validation_labels_are_checked(clf, data):
    frame, y = data
    with pytest.raises(ValueError, match="^y has missing labels"):
        clf.score(frame, [None] + list(y[1:]))
    with pytest.raises(ValueError, match="^y_valid has missing labels"):
        DNNClassifier(**TINY).fit(frame, y, X_valid=frame, y_valid=[None] + list(y[1:]))
    with pytest.raises(ValueError, match="^classes has missing labels"):
        DNNClassifier(**TINY).partial_fit(frame, y, classes=["no", "yes", None])
    with pytest.raises(ValueError, match="^y holds text"):
        DNNRegressor(**TINY).score(frame, y)
