"""One plan per fit, a model object per fitted estimator, a lock per estimator."""
import dataclasses
import threading

import numpy as np
import pytest

import tfgraph_dnn
from tfgraph_dnn import DNNClassifier, DNNRegressor
from tfgraph_dnn.estimator import _plan
from tfgraph_dnn.estimator._model import FittedNetwork
from tfgraph_dnn.model import NetworkSpec

TINY = dict(n_hidden=1, n_neurons=8, n_epochs=2, batch_size=64, random_state=0)


@pytest.fixture
def spec_builds(monkeypatch):
    """Counts of ``make_plan`` calls and of NetworkSpec constructions."""
    counts = {"plans": 0, "network_specs": 0}
    make_plan, init = _plan.make_plan, NetworkSpec.__init__

    def counting_plan(*args, **kwargs):
        counts["plans"] += 1
        return make_plan(*args, **kwargs)

    def counting_init(self, *args, **kwargs):
        counts["network_specs"] += 1
        init(self, *args, **kwargs)

    monkeypatch.setattr(_plan, "make_plan", counting_plan)
    from tfgraph_dnn.estimator import _base
    monkeypatch.setattr(_base, "make_plan", counting_plan)
    monkeypatch.setattr(NetworkSpec, "__init__", counting_init)
    return counts


@pytest.mark.parametrize("params", [{}, {"early_stopping": True, "checkpoint_every": 1},
                                    {"n_frozen": 1, "n_hidden": 2}],
                         ids=["plain", "early_stopping", "frozen"])
def test_a_fit_computes_its_specs_once(small_digits, spec_builds, tmp_path, params):
    X, y = small_digits
    model = DNNClassifier(**{**TINY, **params}, checkpoint_dir=str(tmp_path / "ckpt"))
    model.fit(X, y)
    # One plan; its NetworkSpec, and the one NetworkSpec.structure() derives for the key.
    assert spec_builds == {"plans": 1, "network_specs": 2}
    spec_builds.update(plans=0, network_specs=0)
    model.predict(X), model.predict_proba_mc(X, n_samples=2), model.summary()
    model.get_weights(), model.save(str(tmp_path / "saved"))
    assert spec_builds == {"plans": 0, "network_specs": 0}  # all read the model's plan


def test_the_plan_is_immutable_and_kept_by_the_model(small_digits):
    X, y = small_digits
    model = DNNClassifier(**TINY).fit(X, y)
    plan = model._model.plan
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.network = None
    with pytest.raises(TypeError):
        plan.params["n_epochs"] = 5
    assert plan.network.n_inputs == X.shape[1] and plan.network.n_outputs == 10
    assert plan.cache_key == plan.training.structure()
    assert plan.callbacks == () and plan.user_callbacks == ()  # nothing watching a fit kept
    model.set_params(n_neurons=3)  # the published model is described by its own plan
    assert model._model.plan.params["n_neurons"] == 8


@pytest.mark.parametrize("params, names", [
    ({}, ["schedule", "stop_on_non_finite", "user"]),
    ({"verbose": 1, "early_stopping": True, "log_dir": "logs", "checkpoint_dir": "ckpt"},
     ["progress", "schedule", "stop_on_non_finite", "early_stopping", "user", "tensorboard",
      "checkpoint"]),
])
def test_estimator_parameters_become_callbacks_in_the_plan(params, names):
    plan = _plan.make_plan("DNNClassifier", "classification",
                           DNNClassifier(**TINY, **params).get_params(),
                           {"n_features_in_": 4, "classes_": np.arange(3)}, 7, 100)
    assert [name for name, _ in plan.callbacks] == names
    if "early_stopping" in names:
        stopping = dict(plan.callbacks)["early_stopping"]
        assert stopping.get_params()["patience"] == 10
        fresh = dict(plan.new_callbacks())["early_stopping"]
        assert fresh is not stopping and fresh.patience == stopping.patience


def test_a_cache_cleared_by_another_thread_never_breaks_predictions(small_digits):
    X, y = small_digits
    model = DNNRegressor(**TINY).fit(X, y.astype(float))
    expected = model.predict(X)
    stop, failures, clears = threading.Event(), [], []

    def clear():
        while not stop.is_set():
            tfgraph_dnn.clear_cache()
            clears.append(1)

    clearer = threading.Thread(target=clear)
    clearer.start()
    try:
        for _ in range(30):
            got = model.predict(X)
            if not np.array_equal(got, expected):
                failures.append(got)
        DNNRegressor(**TINY).fit(X, y.astype(float))  # fits meanwhile build again
    finally:
        stop.set()
        clearer.join(timeout=60)
    assert not failures and clears
    tfgraph_dnn.clear_cache()
    assert tfgraph_dnn.cache_info()["graphs"] == 0
    assert np.array_equal(model.predict(X), expected)


def test_estimators_publish_under_their_own_locks(small_digits):
    """A fit of one estimator never waits for another estimator's lock."""
    X, y = small_digits
    other = DNNClassifier(**TINY).fit(X, y)
    model, done = DNNClassifier(**TINY), threading.Event()
    with other._publishing():  # held, as during other's publication
        worker = threading.Thread(target=lambda: (model.fit(X, y), done.set()))
        worker.start()
        assert done.wait(timeout=120), "the fit waited for another estimator's lock"
    worker.join()
    assert isinstance(model._model, FittedNetwork) and model._model is not other._model
