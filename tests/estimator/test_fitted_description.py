"""One description of what was fitted (issue 19, symptom 2).

A fit fixes what it produced -- every parameter it ran with and the fitted
attributes -- when it publishes the model.  ``set_params`` after the fit
(or an in-place change of a parameter's list or array) must change nothing
about predictions, Monte Carlo dropout, ``summary()``, ``save()``/``load()``,
pickles or SavedModel exports until the next fit, which uses the new
parameters as documented.
"""
import pickle

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from tfgraph_dnn import DNNClassifier, DNNRegressor

BASE = dict(n_hidden=2, n_neurons=6, n_epochs=2, batch_size=25, random_state=0)
MC_SAMPLES = 4


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 4)).astype(np.float32)
    X[:, 3] = X[:, 3] * 5 + 3  # a shifted, wide column: the scaling matters
    y_class = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    y_reg = (X[:, 0] - 0.5 * X[:, 1]).astype(np.float32)
    return X, y_class, y_reg


def _fit(cls, data, **params):
    X, y_class, y_reg = data
    return cls(**{**BASE, **params}).fit(X, y_class if cls is DNNClassifier else y_reg)


def _mc(model, X):
    """One Monte Carlo dropout call (mean and std)."""
    if isinstance(model, DNNClassifier):
        return model.predict_proba_mc(X, n_samples=MC_SAMPLES, return_std=True)
    return model.predict_mc(X, n_samples=MC_SAMPLES, return_std=True)


def _outputs(model, X):
    return model.predict_proba(X) if isinstance(model, DNNClassifier) else model.predict(X)


def _answers(model, X):
    """What a user reads from a fitted model; its first Monte Carlo call included."""
    return {"predict": model.predict(X), "outputs": _outputs(model, X),
            "mc": _mc(model, X), "summary": model.summary()}


def _assert_same_answers(got, expected):
    np.testing.assert_array_equal(got["predict"], expected["predict"])
    np.testing.assert_array_equal(got["outputs"], expected["outputs"])
    for got_part, expected_part in zip(got["mc"], expected["mc"]):
        np.testing.assert_allclose(got_part, expected_part, rtol=0, atol=1e-6)
    assert got["summary"] == expected["summary"]


def _plain(value):
    """A parameter value in comparable form (JSON gives lists for tuples and arrays)."""
    if isinstance(value, (tuple, list, np.ndarray)):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _saved_and_loaded(model, path):
    model.save(str(path))
    return type(model).load(str(path))


def _served_outputs(model, path, X):
    served = tf.saved_model.load(model.export_saved_model(str(path)))
    outputs = served(tf.constant(X))
    return outputs["probabilities" if isinstance(model, DNNClassifier) else "predictions"] \
        .numpy()


def _check_unchanged(model, X, expected, fitted_params, tmp_path, export=False):
    """Every surface of ``model`` still gives ``expected`` (answers before the change)
    and describes the parameters the fit ran with (``fitted_params``)."""
    current = model.get_params()
    # In memory: plain predictions, the summary and the weights' shapes are the model's.
    np.testing.assert_array_equal(model.predict(X), expected["predict"])
    np.testing.assert_array_equal(_outputs(model, X), expected["outputs"])
    assert model.summary() == expected["summary"]
    # save() / load(): the model, and the parameters its fit ran with.
    loaded = _saved_and_loaded(model, tmp_path / "saved")
    _assert_same_answers(_answers(loaded, X), expected)
    for name, value in fitted_params.items():
        assert _plain(loaded.get_params()[name]) == _plain(value), name
    # A pickle is a copy of the object: the same model, and the parameters as set now.
    unpickled = pickle.loads(pickle.dumps(model))
    _assert_same_answers(_answers(unpickled, X), expected)
    assert {name: _plain(value) for name, value in unpickled.get_params().items()
            if name != "callbacks"} == \
        {name: _plain(value) for name, value in current.items() if name != "callbacks"}
    # Monte Carlo dropout in memory: the same passes as a copy that made as many calls.
    for got_part, expected_part in zip(_mc(model, X), _mc(unpickled, X)):
        np.testing.assert_allclose(got_part, expected_part, rtol=0, atol=1e-6)
    if export:
        served = _served_outputs(model, tmp_path / "served", X)
        np.testing.assert_allclose(served.reshape(expected["outputs"].shape),
                                   expected["outputs"], rtol=0, atol=1e-5)


# (parameters of the fit, what set_params changes afterwards)
CHANGES = {
    "dropout_rate": ({"dropout_rate": 0.2}, {"dropout_rate": 0.5}),
    "dropout_off": ({"dropout_rate": 0.3}, {"dropout_rate": None}),
    "dropout_on": ({}, {"dropout_rate": 0.4}),
    "n_neurons": ({"dropout_rate": 0.2}, {"n_hidden": 3, "n_neurons": 9}),
    "hidden_layer_sizes": ({"hidden_layer_sizes": (6, 4)}, {"hidden_layer_sizes": (5,)}),
    "activation": ({"activation": "selu", "dropout_rate": 0.2}, {"activation": "elu"}),
    "feature_scaling": ({"feature_scaling": "standard"}, {"feature_scaling": "minmax"}),
    "fixed_scaling": ({"feature_scaling": (1.0, 3.0)}, {"feature_scaling": (0.0, 2.0)}),
    "batch_norm_momentum": ({"batch_norm_momentum": 0.9, "dropout_rate": 0.2},
                            {"batch_norm_momentum": 0.5}),
    "batch_norm_off": ({"batch_norm_momentum": 0.9}, {"batch_norm_momentum": None}),
    "random_state": ({"dropout_rate": 0.2}, {"random_state": 7}),
    "training": ({"dropout_rate": 0.1},
                 {"optimizer": "momentum", "learning_rate": 0.5, "l2": 0.1, "max_norm": 1.0,
                  "n_epochs": 9, "batch_size": 7, "lr_schedule": "exponential",
                  "n_threads": 1, "initializer": "glorot_uniform"}),
}


@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_set_params_after_fit_changes_nothing_until_the_next_fit(data, tmp_path, kind):
    fit_params, change = CHANGES[kind]
    X = data[0]
    model = _fit(DNNClassifier, data, **fit_params)
    expected = _answers(model, X)
    fitted_params = {name: model.get_params()[name] for name in change}
    model.set_params(**change)
    _check_unchanged(model, X, expected, fitted_params, tmp_path)


def test_regressor_mc_dropout_saved_as_fitted(data, tmp_path):
    """The symptom of the issue, on a regressor: MC dropout of the loaded model."""
    model = _fit(DNNRegressor, data, dropout_rate=0.2)
    expected = _answers(model, data[0])
    model.set_params(dropout_rate=0.5)
    _check_unchanged(model, data[0], expected, {"dropout_rate": 0.2}, tmp_path, export=True)


def test_every_parameter_changed_at_once_exports_the_fitted_model(data, tmp_path):
    fit_params = dict(activation="selu", dropout_rate=0.2, batch_norm_momentum=0.9,
                      feature_scaling="standard", hidden_layer_sizes=(6, 5))
    model = _fit(DNNClassifier, data, **fit_params)
    expected = _answers(model, data[0])
    fitted_params = model.get_params()
    model.set_params(activation="relu", dropout_rate=0.6, batch_norm_momentum=None,
                     feature_scaling=(0.0, 10.0), hidden_layer_sizes=(3,), n_hidden=4,
                     optimizer="sgd", learning_rate=0.3, random_state=3, n_threads=1,
                     l1=0.1, max_norm=2.0)
    _check_unchanged(model, data[0], expected, {name: fitted_params[name] for name in
                                                ("activation", "dropout_rate", "random_state",
                                                 "hidden_layer_sizes", "learning_rate")},
                     tmp_path, export=True)


def _append_layer(model):
    model.hidden_layer_sizes.append(3)


def _rescale_in_place(model):
    model.feature_scaling[1][0] = 100.0


@pytest.mark.parametrize("fit_params, mutate", [
    ({"hidden_layer_sizes": [6, 4]}, _append_layer),
    ({"feature_scaling": [np.zeros(4), np.ones(4)]}, _rescale_in_place),
], ids=["hidden_layer_sizes", "feature_scaling"])
def test_a_parameter_changed_in_place_changes_nothing(data, tmp_path, fit_params, mutate):
    """The user's list or array changed in place after the fit: the model keeps the
    parameters it was fitted with (before: save() wrote a directory that does not load,
    unpickling failed, or the saved scaling was not the model's)."""
    model = _fit(DNNClassifier, data, **fit_params)
    expected = _answers(model, data[0])
    fitted_params = {name: _plain(value) for name, value in fit_params.items()}
    mutate(model)
    _check_unchanged(model, data[0], expected, fitted_params, tmp_path)


@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_the_next_fit_takes_the_new_parameters(data, tmp_path, how):
    """A continued fit uses the parameters set since (as documented), and from then on
    the model -- and so what is saved -- is that fit's."""
    X, y, _ = data
    model = _fit(DNNClassifier, data, dropout_rate=0.2, warm_start=how == "warm_start")
    model.set_params(dropout_rate=0.5, learning_rate=0.01)
    model.fit(X, y) if how == "warm_start" else model.partial_fit(X, y)
    expected = _answers(model, X)
    assert "dropout 0.5" in expected["summary"]
    loaded = _saved_and_loaded(model, tmp_path / "saved")
    _assert_same_answers(_answers(loaded, X), expected)
    assert (loaded.dropout_rate, loaded.learning_rate) == (0.5, 0.01)


# ------------------------------------------------------------------ round-trip property
configurations = st.fixed_dictionaries({
    "regression": st.booleans(),
    "hidden_layer_sizes": st.lists(st.integers(1, 6), min_size=0, max_size=2).map(tuple),
    "activation": st.sampled_from(["elu", "relu", "selu", "tanh"]),
    "dropout_rate": st.sampled_from([None, 0.1, 0.5]),
    "batch_norm_momentum": st.sampled_from([None, 0.9]),
    "feature_scaling": st.sampled_from([None, "standard", "minmax", (2.0, 4.0)]),
    "n_epochs": st.integers(1, 2),
    "random_state": st.integers(0, 2 ** 16),
})


@settings(max_examples=6)
@given(config=configurations)
def test_property_fit_save_pickle_export_predict_equal(data, tmp_path_factory, config):
    """fit -> save/load, pickle, SavedModel -> the same predictions (and MC dropout)."""
    config = dict(config)
    cls = DNNRegressor if config.pop("regression") else DNNClassifier
    X = data[0]
    model = _fit(cls, data, **config)
    expected = _answers(model, X)
    path = tmp_path_factory.mktemp("roundtrip")
    _assert_same_answers(_answers(_saved_and_loaded(model, path / "saved"), X), expected)
    _assert_same_answers(_answers(pickle.loads(pickle.dumps(model)), X), expected)
    served = _served_outputs(model, path / "served", X)
    np.testing.assert_allclose(served.reshape(expected["outputs"].shape), expected["outputs"],
                               rtol=0, atol=1e-5)
