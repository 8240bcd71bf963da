"""The reused layers' learning rate (``reused_lr_multiplier``) of warm-started fits.

The multiplier scales the optimizer's rate (not the gradients: Adam would undo
that) of the trainable hidden layers that ``warm_start_from`` initializes; the
new layers (the output layer) train at ``learning_rate``.  Which layers are
slow is part of the graph's structure, the multiplier a knob: fits that differ
only in its value share one graph.
"""
import numpy as np
import pytest

from tfgraph_dnn import DNNClassifier, WarmStartSettings
from tfgraph_dnn.training.cache import GRAPH_CACHE

SMALL = dict(n_hidden=2, n_neurons=16, learning_rate=0.01, n_epochs=3, batch_size=32,
             random_state=0)


@pytest.fixture(scope="module")
def saved_base(small_digits, tmp_path_factory):
    X, y = small_digits
    path = tmp_path_factory.mktemp("reuse") / "base"
    DNNClassifier(**SMALL).fit(X[y < 5], y[y < 5]).save(path)
    return str(path)


def _change(clf, before, prefix):
    weights = clf.get_weights()
    return max(float(np.abs(weights[name] - before[name]).max())
               for name in before if name.startswith(prefix))


def _fit(saved_base, small_digits, **params):
    X, y = small_digits
    settings = WarmStartSettings(saved_base, vars_to_warm_start="hidden")
    return DNNClassifier(**{**SMALL, **params}, warm_start_from=settings).fit(
        X[y >= 5], y[y >= 5])


def test_reused_layers_move_less_with_a_small_multiplier(saved_base, small_digits):
    base = DNNClassifier.load(saved_base).get_weights()
    fast = _fit(saved_base, small_digits)
    slow = _fit(saved_base, small_digits, reused_lr_multiplier=0.01)
    # Adam's steps are about the rate: the reused layers move ~100 times less.
    assert _change(slow, base, "hidden") < 0.05 * _change(fast, base, "hidden")
    assert slow.warm_started_vars_ == fast.warm_started_vars_
    # The new output layer is trained at the full rate in both.
    assert slow.history_[-1]["loss"] < slow.history_[0]["loss"]


def test_multiplier_is_a_knob_and_one_leaves_the_graph_unchanged(saved_base, small_digits):
    _fit(saved_base, small_digits, reused_lr_multiplier=0.5)
    builds = GRAPH_CACHE.builds
    _fit(saved_base, small_digits, reused_lr_multiplier=0.1)
    assert GRAPH_CACHE.builds == builds  # same structure, another knob value
    plain = _fit(saved_base, small_digits)
    names = {name for name in plain.get_weights()}
    assert not any("_1" in name for name in names)  # no second optimizer's variables
    X, y = small_digits
    scratch = DNNClassifier(**SMALL, reused_lr_multiplier=0.1).fit(X, y)  # nothing reused
    assert scratch.warm_started_vars_ == []


def test_frozen_layers_stay_frozen_with_a_multiplier(saved_base, small_digits):
    base = DNNClassifier.load(saved_base).get_weights()
    clf = _fit(saved_base, small_digits, n_frozen=1, reused_lr_multiplier=0.1)
    assert _change(clf, base, "hidden1/") == 0.0
    assert _change(clf, base, "hidden2/") > 0.0


def test_only_layers_that_warm_start_selects_are_slow(saved_base, small_digits):
    from tfgraph_dnn.estimator._plan import reused_layers
    from tfgraph_dnn.model import NetworkSpec
    spec = NetworkSpec(n_inputs=64, n_outputs=5, hidden_layer_sizes=(16, 16, 16), n_frozen=1)
    assert reused_layers(None, spec) == ()
    assert reused_layers(WarmStartSettings(saved_base, vars_to_warm_start="hidden[12]/"),
                         spec) == ("hidden2",)
    assert reused_layers(saved_base, spec) == ("hidden2", "hidden3")


@pytest.mark.parametrize("value", [0.0, -0.5, 1.5])
def test_multiplier_out_of_range_is_refused(small_digits, value):
    X, y = small_digits
    with pytest.raises(ValueError, match="reused_lr_multiplier"):
        DNNClassifier(**SMALL, reused_lr_multiplier=value).fit(X, y)


def test_model_trained_with_a_multiplier_saves_loads_and_pickles(saved_base, small_digits,
                                                                  tmp_path):
    import pickle
    X, y = small_digits
    clf = _fit(saved_base, small_digits, reused_lr_multiplier=0.3)
    expected = clf.predict_proba(X)
    clf.save(tmp_path / "model")
    loaded = DNNClassifier.load(tmp_path / "model")
    assert loaded.reused_lr_multiplier == 0.3
    np.testing.assert_allclose(loaded.predict_proba(X), expected, atol=1e-6)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(clf)).predict_proba(X), expected,
                               atol=1e-6)


def test_turning_the_multiplier_on_is_a_structural_change(saved_base, small_digits):
    X, y = small_digits
    clf = _fit(saved_base, small_digits)
    clf.set_params(warm_start=True, reused_lr_multiplier=0.5)
    with pytest.raises(ValueError, match="reused_lr_multiplier"):
        clf.fit(X[y >= 5], y[y >= 5])
    clf.set_params(reused_lr_multiplier=1.0)
    clf.fit(X[y >= 5], y[y >= 5])  # back to the model's structure: continues
