"""scikit-learn compatibility (the full ``check_estimator`` suite) and DNNRegressor behaviour."""
import pickle

import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import make_regression
from sklearn.metrics import r2_score
from sklearn.utils.estimator_checks import parametrize_with_checks

import tfgraph_dnn
from tfgraph_dnn import DNNClassifier, DNNRegressor
from tfgraph_dnn.exceptions import CheckpointError

# Small and fast, yet well above the checks' bars (accuracy > 0.83 on blobs: ~0.93;
# R² > 0.5 on their regression set: ~0.81, ~0.77 with minmax scaling).  4 epochs of
# 16-row batches learn what 10 epochs of 32 rows did, for less: a fit costs mostly per
# epoch, not per step.  One thread: the machine is shared and thread pools cost more than
# they give on nets this size.
SMALL = dict(n_hidden=1, n_neurons=16, n_epochs=4, learning_rate=0.03, batch_size=16,
             n_threads=1, random_state=0)


@parametrize_with_checks([DNNClassifier(**SMALL), DNNRegressor(**SMALL),
                          # the input scaling in the graph: same invariances (subsets,
                          # dtypes, pickles, refits...)
                          DNNClassifier(feature_scaling="standard", **SMALL),
                          DNNRegressor(feature_scaling="minmax", **SMALL)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


# ---------------------------------------------------------------------- DNNRegressor
FAST = dict(n_hidden=2, n_neurons=32, learning_rate=0.01, batch_size=32, n_epochs=40,
            n_threads=1, random_state=0)


def _regression(n_targets=1, n_samples=300, random_state=0):
    X, y = make_regression(n_samples=n_samples, n_features=8, n_informative=5,
                           n_targets=n_targets, noise=5.0, random_state=random_state)
    return X.astype(np.float32), (y / y.std(axis=0)).astype(np.float32)


@pytest.fixture(scope="module")
def data():
    return _regression()


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return DNNRegressor(**FAST).fit(X, y)


def test_exported_lazily():
    assert "DNNRegressor" in dir(tfgraph_dnn)
    assert tfgraph_dnn.DNNRegressor is tfgraph_dnn.estimator.DNNRegressor


def test_fits_a_simple_regression(fitted, data):
    X, y = data
    prediction = fitted.predict(X)
    assert prediction.shape == (len(X),) and prediction.dtype == np.float64
    assert fitted.n_outputs_ == 1 and fitted.n_features_in_ == X.shape[1]
    assert fitted.score(X, y) > 0.8
    assert fitted.score(X, y) == pytest.approx(r2_score(y, prediction), abs=1e-6)
    assert fitted.history_[-1]["loss"] < fitted.history_[0]["loss"]
    assert "accuracy" not in fitted.history_[-1]
    assert fitted.get_weights()["logits/kernel"].shape == (32, 1)


def test_multi_output():
    X, y = _regression(n_targets=3)
    reg = DNNRegressor(**FAST).fit(X, y)
    assert reg.n_outputs_ == 3
    assert reg.predict(X).shape == (len(X), 3)
    assert reg.score(X, y) > 0.8
    assert reg.get_weights()["logits/kernel"].shape == (32, 3)
    with pytest.raises(ValueError, match="fitted on 3 target"):
        reg.fit(X, y, X, y[:, :2])  # validation targets of the wrong width


def test_column_vector_y_is_one_target(data):
    X, y = data
    reg = DNNRegressor(**{**FAST, "n_epochs": 2}).fit(X, y[:, np.newaxis])
    assert reg.n_outputs_ == 1
    assert reg.predict(X).shape == (len(X),)  # as MLPRegressor


@pytest.mark.parametrize("kind", ["nan", "inf", "strings", "3d"])
def test_bad_targets(data, kind):
    X, y = data
    y = {"nan": np.where(np.arange(len(y)) == 3, np.nan, y),
         "inf": np.where(np.arange(len(y)) == 3, np.inf, y),
         "strings": np.array(["a"] * len(y)),
         "3d": y.reshape(-1, 1, 1)}[kind]
    message = {"nan": "NaN", "inf": "infinity", "strings": "y holds text",
               "3d": "dim 3|1-D or 2-D"}[kind]
    with pytest.raises(ValueError, match=message):
        DNNRegressor(**{**FAST, "n_epochs": 1}).fit(X, y)


def test_partial_fit(data):
    X, y = data
    reg = DNNRegressor(**FAST)
    reg.partial_fit(X, y)
    first_loss = reg.history_[-1]["loss"]
    for _ in range(9):
        reg.partial_fit(X, y)
    assert reg.n_epochs_ == 10 and len(reg.history_) == 10
    assert reg.history_[-1]["loss"] < first_loss
    assert reg.predict(X).shape == (len(X),)
    with pytest.raises(ValueError, match="features"):
        reg.partial_fit(X[:, :3], y)
    with pytest.raises(ValueError, match="fitted on 1 target"):
        reg.partial_fit(X, np.column_stack([y, y]))


def test_early_stopping_on_validation_data():
    # Targets that are pure noise: the validation loss can only get worse with training.
    rng = np.random.RandomState(0)
    X, X_valid = rng.normal(size=(80, 20)), rng.normal(size=(80, 20))
    y, y_valid = rng.normal(size=80), rng.normal(size=80)
    reg = DNNRegressor(**{**FAST, "n_epochs": 200, "early_stopping": True, "patience": 3})
    reg.fit(X, y, X_valid, y_valid)
    assert reg.n_epochs_ < 200
    assert "val_loss" in reg.history_[-1]
    assert reg.best_val_loss_ == pytest.approx(
        min(row["val_loss"] for row in reg.history_), rel=1e-6)
    # The best weights are restored: their validation MSE is the best one seen.
    mse = np.mean((reg.predict(X_valid) - y_valid) ** 2)
    assert mse == pytest.approx(reg.best_val_loss_, rel=1e-4)


def test_early_stopping_holds_out_validation_fraction(data):
    X, y = data
    reg = DNNRegressor(**{**FAST, "n_epochs": 3, "early_stopping": True,
                          "validation_fraction": 0.2}).fit(X, y)
    assert {"loss", "val_loss"} <= set(reg.history_[-1])


def test_save_load_round_trip(tmp_path):
    X, y = _regression(n_targets=2)
    reg = DNNRegressor(**{**FAST, "n_epochs": 5}).fit(X, y)
    reg.save(tmp_path / "model")
    loaded = DNNRegressor.load(tmp_path / "model")
    assert type(loaded) is DNNRegressor and loaded.n_outputs_ == 2
    assert loaded.get_params() == reg.get_params()
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    with pytest.raises(CheckpointError, match="DNNRegressor"):
        DNNClassifier.load(tmp_path / "model")


def test_pickle_round_trip(fitted, data):
    X, _ = data
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    assert restored.n_outputs_ == 1


def test_predict_mc(data):
    X, y = data
    reg = DNNRegressor(**{**FAST, "n_epochs": 5, "dropout_rate": 0.2}).fit(X, y)
    mean, std = reg.predict_mc(X[:20], n_samples=30, return_std=True)
    assert mean.shape == std.shape == (20,)
    assert np.all(std > 0)
    assert np.corrcoef(mean, reg.predict(X[:20]))[0, 1] > 0.9
    with pytest.raises(ValueError, match="n_samples"):
        reg.predict_mc(X, n_samples=0)


def test_predict_mc_without_dropout_is_predict(fitted, data):
    X, _ = data
    mean, std = fitted.predict_mc(X[:10], n_samples=3, return_std=True)
    np.testing.assert_array_equal(mean, fitted.predict(X[:10]))
    np.testing.assert_array_equal(std, 0.0)


def test_saved_model_serves_predictions(fitted, data, tmp_path):
    X, _ = data
    path = fitted.export_saved_model(str(tmp_path / "served"))
    serve = tf.saved_model.load(path).signatures["serving_default"]
    served = serve(features=tf.constant(X[:10]))["predictions"].numpy()
    np.testing.assert_allclose(served.ravel(), fitted.predict(X[:10]), rtol=1e-5, atol=1e-6)
