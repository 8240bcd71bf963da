"""MLPClassifier-style fitted attributes and ``summary()`` (issue 14)."""
import re

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score, r2_score

from tfgraph_dnn import DNNClassifier, DNNRegressor

FAST = dict(n_hidden=2, n_neurons=16, n_epochs=4, learning_rate=0.01, n_threads=1,
            random_state=0)


def _regression(n_targets):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 6)).astype(np.float32)
    y = np.stack([X[:, 0] - 2 * X[:, 1], X[:, 2] * X[:, 3]][:n_targets], axis=1)
    return X, y if n_targets > 1 else y[:, 0]


def test_loss_curve_and_n_iter_follow_the_epochs(small_digits):
    X, y = small_digits
    model = DNNClassifier(warm_start=True, **FAST).fit(X, y)
    assert model.loss_curve_ == [row["loss"] for row in model.history_]
    assert model.n_iter_ == 4 == len(model.loss_curve_)
    assert model.best_loss_ == min(model.loss_curve_)
    assert model.validation_scores_ is None  # no validation data
    model.fit(X, y)  # warm start: the curve goes on, as MLPClassifier's
    assert model.n_iter_ == 8 and model.loss_curve_[:4] == [r["loss"] for r in model.history_][:4]
    assert len(model.loss_curve_) == 8 and model.best_loss_ == min(model.loss_curve_)


def test_a_classifiers_validation_scores_are_its_accuracies(small_digits, digits):
    X, y = small_digits
    _, X_valid, _, y_valid = digits
    model = DNNClassifier(**FAST).fit(X, y, X_valid, y_valid)
    assert model.validation_scores_ == [row["val_accuracy"] for row in model.history_]
    assert model.validation_scores_[-1] == pytest.approx(
        accuracy_score(y_valid, model.predict(X_valid)), abs=1e-6)
    model.partial_fit(X, y)  # an epoch without validation data
    assert len(model.validation_scores_) == 5 and model.validation_scores_[-1] is None


@pytest.mark.parametrize("n_targets", [1, 2])
def test_a_regressors_validation_scores_are_r2(n_targets):
    X, y = _regression(n_targets)
    model = DNNRegressor(**FAST).fit(X[:200], y[:200], X[200:], y[200:])
    assert len(model.validation_scores_) == model.n_iter_
    expected = r2_score(y[200:], model.predict(X[200:]),
                        multioutput="variance_weighted")
    assert model.validation_scores_[-1] == pytest.approx(expected, abs=1e-4)
    if n_targets == 1:
        assert model.validation_scores_[-1] == pytest.approx(model.score(X[200:], y[200:]),
                                                             abs=1e-4)


def test_early_stopping_reports_the_kept_epochs_score(small_digits):
    X, y = small_digits
    model = DNNClassifier(early_stopping=True, patience=2, **dict(FAST, n_epochs=6)).fit(X, y)
    assert model.best_loss_ is None  # as MLPClassifier with early stopping
    kept = [row for row in model.history_ if row["epoch"] == model.best_epoch_][0]
    assert model.best_validation_score_ == kept["val_accuracy"]
    assert model.validation_scores_ == [row["val_accuracy"] for row in model.history_]


def test_resumed_fits_recompute_the_scores_of_checkpointed_epochs(tmp_path):
    X, y = _regression(1)
    params = dict(FAST, checkpoint_dir=str(tmp_path / "ckpt"), checkpoint_every=1)
    DNNRegressor(**dict(params, n_epochs=2)).fit(X[:200], y[:200], X[200:], y[200:])
    resumed = DNNRegressor(resume=True, **params).fit(X[:200], y[:200], X[200:], y[200:])
    whole = DNNRegressor(**FAST).fit(X[:200], y[:200], X[200:], y[200:])
    np.testing.assert_allclose(resumed.validation_scores_, whole.validation_scores_,
                               atol=1e-5)


def _count(weights, prefix, kinds=None):
    return sum(value.size for name, value in weights.items() if name.startswith(prefix)
               and (kinds is None or name.rsplit("/", 1)[-1] in kinds))


def test_summary_lists_every_layer_and_the_parameter_totals(small_digits):
    X, y = small_digits
    model = DNNClassifier(batch_norm_momentum=0.9, dropout_rate=0.2, n_frozen=1,
                          feature_scaling="standard", **FAST).fit(X, y)
    text = model.summary()
    assert isinstance(text, str) and text.startswith("DNNClassifier: 64 features -> 10 classes")
    weights = model.get_weights()
    rows = {line.split()[0]: line for line in text.splitlines()
            if re.match(r"^(feature_scaling|hidden\d|logits)\s", line)}
    assert list(rows) == ["feature_scaling", "hidden1", "hidden2", "logits"]
    for layer, line in rows.items():
        assert f"{_count(weights, layer + '/'):,}" in line.split(")")[1], line
    assert "(None, 64)" in rows["feature_scaling"] and "(None, 16)" in rows["hidden2"]
    assert "(None, 10)" in rows["logits"] and "softmax" in rows["logits"]
    assert all(word in rows["hidden1"] for word in ("elu", "batch norm", "dropout 0.2",
                                                     "frozen"))
    assert "frozen" not in rows["hidden2"]
    statistics = ("moving_mean", "moving_variance")
    totals = dict(re.findall(r"^(Total|Trainable|Frozen|Non-trainable) params: ([\d,]+)$",
                             text, re.M))
    numbers = {key: int(value.replace(",", "")) for key, value in totals.items()}
    assert numbers["Total"] == sum(value.size for value in weights.values())
    assert numbers["Non-trainable"] == _count(weights, "feature_scaling/") + \
        _count(weights, "hidden", statistics)
    assert numbers["Frozen"] == _count(weights, "hidden1/") - \
        _count(weights, "hidden1/", statistics)
    assert numbers["Trainable"] == numbers["Total"] - numbers["Frozen"] - \
        numbers["Non-trainable"]


def test_a_regressors_summary_and_an_unfitted_one():
    X, y = _regression(2)
    text = DNNRegressor(hidden_layer_sizes=(7,), **dict(FAST, n_hidden=1)).fit(X, y).summary()
    assert text.startswith("DNNRegressor: 6 features -> 2 target(s)")
    assert "feature_scaling" not in text
    assert re.search(rf"logits\s+\(None, 2\)\s+{7 * 2 + 2}\s+linear", text)
    with pytest.raises(NotFittedError):
        DNNRegressor().summary()


def test_the_attributes_are_documented():
    for estimator in (DNNClassifier, DNNRegressor):
        for name in ("loss_curve_", "n_iter_", "validation_scores_", "best_loss_",
                     "best_validation_score_", "feature_offset_", "feature_scale_",
                     "feature_scaling :"):
            assert name in estimator.__doc__, (estimator.__name__, name)
    assert "R²" in DNNRegressor.__doc__ and "accuracy" in DNNClassifier.__doc__
