"""Numbers checked in float32, the dtype the network computes in (issue 19, symptom 5).

A parameter, a scaling pair, fitted statistics or data that float32 cannot
hold is one ValueError naming the parameter or the column, before training:
never a DivergenceError blaming the learning rate, never a silent fit on
constant inputs.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfgraph_dnn import DNNClassifier, DNNRegressor
from tfgraph_dnn.estimator._float32 import _BELOW_ONE, _UNBOUNDED, MAX_INPUT
from tfgraph_dnn.exceptions import DivergenceError

from _support import random_binary

TINY = dict(n_hidden=1, n_neurons=3, n_epochs=2, batch_size=16, random_state=0)


@pytest.fixture(scope="module")
def data():
    return random_binary()


class NeverTrains:
    """A callback that records whether training began."""

    def __init__(self):
        self.began = False

    def on_train_begin(self, state):
        self.began = True


def _refused(X, y, match, estimator=DNNClassifier, **params):
    spy = NeverTrains()
    with pytest.raises(ValueError, match=match):
        estimator(**dict(TINY, callbacks=[spy], **params)).fit(X, y)
    assert not spy.began


@pytest.mark.parametrize("name", _UNBOUNDED)
def test_a_parameter_that_underflows_float32_is_refused_by_name(data, name):
    params = {name: 1e-50}
    if name == "reused_lr_multiplier":
        params["warm_start_from"] = None  # checked whatever the transfer settings
    _refused(*data, rf"{name}=1e-50 underflows float32", **params)


@pytest.mark.parametrize("name", _BELOW_ONE)
def test_a_rate_that_rounds_to_one_in_float32_is_refused_by_name(data, name):
    _refused(*data, rf"{name}=0\.9999999999 rounds to 1\.0 in float32", **{name: 1 - 1e-10})


@pytest.mark.parametrize("pair, match", [
    ((0, 1e-300), "the scale 1e-300 underflows"),
    ((0, 1e-42), "the scale 1e-42 underflows"),
    ((0, 1e300), "the scale 1e\\+300 overflows"),
    ((1e300, 1), "the offset 1e\\+300 overflows"),
    (([0, 0, 0], [1, 1e-300, 1]), "the scale of column 1"),
    ((1e10, 1e9), "column 0 scales its values .* to the one value"),   # x - 1e10 is -1e10
    ((0, 1e38), "column 0 scales its values to at most .* below float32's normal range"),
    ((0, 1e-30), "column 0 scales its values to .*beyond what the network"),
])
def test_a_scaling_pair_float32_cannot_use_is_refused_naming_it(data, pair, match):
    _refused(*data, "feature_scaling.*" + match, feature_scaling=pair)


def test_fitted_statistics_that_overflow_float32_name_the_column(data):
    X, y = data
    X = X.copy()
    X[:, 2] = np.where(y == 1, 3e38, -3e38)  # a range of 6e38: no float32 scale
    _refused(X, y, r"feature_scaling='minmax': the scale of column 2 \(6e\+38\) overflows",
             feature_scaling="minmax")


@pytest.mark.parametrize("factor, match", [
    (1e300, r"X column 1 holds .* beyond float32's range"),
    (1e-300, r"X column 1 ranges from .* which float32 .* cannot tell apart"),
])
def test_data_float32_cannot_hold_is_refused_naming_the_column(data, factor, match):
    X, y = data
    X = X.copy()
    X[:, 1] *= factor
    _refused(X, y, match)
    _refused(X, y, match, feature_scaling="standard")  # the scaler never sees it either


def test_a_dataframe_column_is_named_and_x_valid_and_predict_too(data):
    X, y = data
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["b"] *= 1e300
    _refused(frame, y, r"X column 1 \('b'\) holds")
    model = DNNClassifier(**TINY).fit(X, y)
    with pytest.raises(ValueError, match=r"X_valid column 2 holds"):
        DNNClassifier(**TINY).fit(X, y, X_valid=X * [1, 1, 1e300], y_valid=y)
    with pytest.raises(ValueError, match=r"X column 0 holds"):
        model.predict(X * [1e300, 1, 1])


def test_a_regressor_accuracy_monitor_is_refused_by_name(data):
    X, y = data
    _refused(X, y.astype(float), "early_stopping_monitor='val_accuracy' is a classifier's only",
             estimator=DNNRegressor, early_stopping=True, early_stopping_monitor="val_accuracy")


def _scaled_float32(model, X):
    offset = np.float32(model.feature_offset_)
    scale = np.float32(model.feature_scale_)
    return (X.astype(np.float32) - offset) / scale


finite_floats = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=12)
@given(exponent=st.integers(-320, 307), offset=finite_floats,
       scale=finite_floats.filter(lambda value: value != 0),
       how=st.sampled_from(["pair", "standard", "minmax"]))
def test_property_any_finite_data_and_scaling_fit_or_are_refused_by_name(
        data, exponent, offset, scale, how):
    """Random finite float64 data and scaling pairs: the fit succeeds with finite
    predictions on inputs that are not constant where the data is not, or one
    ValueError names the parameter or the column -- never a DivergenceError."""
    X, y = data
    X = X * 10.0 ** exponent  # finite: 1e-320 is a denormal float64, 1e307 < its max
    scaling = (offset, scale) if how == "pair" else how
    try:
        model = DNNClassifier(**dict(TINY, n_epochs=1, feature_scaling=scaling)).fit(X, y)
    except DivergenceError as error:  # pragma: no cover - the failure this test exists for
        pytest.fail(f"DivergenceError for finite data 1e{exponent}, {scaling}: {error}")
    except ValueError as error:
        assert "feature_scaling" in str(error) or "column" in str(error), str(error)
        return
    assert np.all(np.isfinite(model.predict_proba(X)))
    scaled = _scaled_float32(model, X)
    assert np.all(np.abs(scaled) <= MAX_INPUT)
    varies = X.min(axis=0) < X.max(axis=0)
    assert np.all(scaled.min(axis=0)[varies] < scaled.max(axis=0)[varies])


def test_a_fit_never_ends_on_weights_whose_outputs_overflow(data):
    """An epoch's loss is measured before its last update: the end weights are checked
    too (1e10 inputs: the last step's weights overflowed every prediction)."""
    X, _ = data
    X = X * 1e10
    with pytest.warns(RuntimeWarning, match="give a non-finite loss; kept the weights"):
        model = DNNRegressor(**dict(TINY, batch_size=50)).fit(X, X[:, 0] / 1e10)
    assert np.all(np.isfinite(model.predict(X)))


def test_divergence_on_huge_inputs_names_them_not_the_learning_rate(data):
    X, _ = data
    with pytest.raises(DivergenceError, match=r"inputs reach \|x\| = 9\.\d+e\+19"):
        DNNRegressor(**TINY).fit(X * 1e20, X[:, 0])
