"""Build once, fit many: the graph cache behind the estimators.

Fits of one structure share a graph (and idle Sessions); per-fit values are
knobs.  The cache must be invisible in results, bounded, thread-safe and keep
no training data in idle Sessions.
"""
import threading

import numpy as np
import pytest
import tensorflow as tf
from scipy.stats import loguniform
from sklearn.model_selection import RandomizedSearchCV

from tfgraph_dnn import DNNClassifier, DNNRegressor
from tfgraph_dnn.training.cache import GRAPH_CACHE, BuiltGraph, GraphCache

v1 = tf.compat.v1
SMALL = dict(n_hidden=2, n_neurons=24, n_epochs=3, batch_size=32)


@pytest.fixture
def fresh_cache():
    GRAPH_CACHE.clear()
    GRAPH_CACHE.builds = 0
    yield GRAPH_CACHE
    GRAPH_CACHE.clear()


@pytest.mark.parametrize("params", [
    {},
    {"dropout_rate": 0.3, "l1": 1e-4, "l2": 1e-3, "max_norm": 1.5},
    {"optimizer": "momentum", "lr_schedule": "1cycle", "gradient_clip_norm": 1.0},
    {"batch_norm_momentum": 0.9, "activation": "selu", "initializer": "lecun_normal",
     "dropout_rate": 0.1},
], ids=["adam", "regularized", "1cycle_clipped", "bn_selu"])
def test_a_cached_graph_gives_the_predictions_of_a_fresh_build(small_digits, fresh_cache,
                                                               params):
    """Same random_state -> same predictions, whether the graph and Session are new or
    were used by fits of other seeds and values before."""
    X, y = small_digits
    with GRAPH_CACHE.disabled():
        fresh = DNNClassifier(**SMALL, **params, random_state=7).fit(X, y).predict_proba(X)
    builds = GRAPH_CACHE.builds
    for seed, rate in ((1, 0.01), (7, 0.001), (2, 0.003)):  # other fits use the graph first
        other = DNNClassifier(**SMALL, **params, random_state=seed, learning_rate=rate)
        other.fit(X, y)
        del other
    cached = DNNClassifier(**SMALL, **params, random_state=7).fit(X, y)
    assert GRAPH_CACHE.builds == builds + 1  # one graph for all four fits
    np.testing.assert_array_equal(cached.predict_proba(X), fresh)


def test_knob_values_take_effect_in_a_shared_graph(small_digits, fresh_cache):
    """Learning rate, penalties, dropout rate, batch size and seed are per fit: each fit
    equals its own fresh build and differs from the others."""
    X, y = small_digits
    variants = [dict(learning_rate=0.01), dict(learning_rate=0.001, l2=0.01),
                dict(batch_size=64, l2=0.02), dict(random_state=5)]
    base = dict(SMALL, random_state=0, l2=1e-4)
    shared = [DNNClassifier(**{**base, **v}).fit(X, y).predict_proba(X) for v in variants]
    assert GRAPH_CACHE.builds == 1
    with GRAPH_CACHE.disabled():
        fresh = [DNNClassifier(**{**base, **v}).fit(X, y).predict_proba(X) for v in variants]
    for got, expected in zip(shared, fresh):
        np.testing.assert_array_equal(got, expected)
    for i in range(len(shared)):
        for j in range(i + 1, len(shared)):
            assert not np.allclose(shared[i], shared[j])


def test_a_search_builds_each_structure_once(small_digits, fresh_cache):
    X, y = small_digits
    search = RandomizedSearchCV(
        DNNClassifier(**SMALL, random_state=0),
        {"learning_rate": loguniform(1e-3, 1e-2), "batch_size": [16, 32],
         "l2": [0.0, 1e-4, 1e-3], "n_neurons": [16, 24]},
        n_iter=6, cv=3, random_state=0, refit=False).fit(X, y)
    structures = {(p["n_neurons"], p["l2"] > 0) for p in search.cv_results_["params"]}
    assert GRAPH_CACHE.builds == len(structures) < 6 * 3
    assert np.all(search.cv_results_["mean_test_score"] > 0.3)


def test_structural_changes_build_new_graphs(small_digits, fresh_cache):
    X, y = small_digits
    for params in ({}, {"n_neurons": 16}, {"activation": "relu"}, {"optimizer": "rmsprop"},
                   {"batch_norm_momentum": 0.9}, {"dropout_rate": 0.2}):
        DNNClassifier(**{**SMALL, **params}, random_state=0).fit(X, y)
    assert GRAPH_CACHE.builds == 6
    DNNRegressor(**SMALL, random_state=0).fit(X, y.astype(float))
    assert GRAPH_CACHE.builds == 7  # the task is part of the structure


def test_a_users_initializer_is_never_shared(small_digits, fresh_cache):
    """A callable initializer draws from TensorFlow's stateful generators: every fit
    builds its graph, and the same random_state still gives the same model."""
    X, y = small_digits
    init = v1.glorot_uniform_initializer()
    first = DNNClassifier(**SMALL, initializer=init, random_state=4).fit(X, y)
    second = DNNClassifier(**SMALL, initializer=init, random_state=4).fit(X, y)
    assert GRAPH_CACHE.builds == 2 and len(GRAPH_CACHE) == 0
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))


def test_concurrent_fits_share_a_graph_and_match_sequential_ones(small_digits, fresh_cache):
    X, y = small_digits
    seeds = [0, 1, 2, 3]
    sequential = [DNNClassifier(**SMALL, random_state=s).fit(X, y).predict_proba(X)
                  for s in seeds]
    results = {}

    def fit(seed):
        results[seed] = DNNClassifier(**SMALL, random_state=seed).fit(X, y).predict_proba(X)

    threads = [threading.Thread(target=fit, args=(s,)) for s in seeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert GRAPH_CACHE.builds == 1
    for seed, expected in zip(seeds, sequential):
        np.testing.assert_array_equal(results[seed], expected)


def test_idle_sessions_hold_no_training_data(small_digits, fresh_cache):
    """After a fit the training set is freed from the graph: a published model and the
    Sessions kept for later fits hold weights, not data."""
    X, y = small_digits
    clf = DNNClassifier(**SMALL, random_state=0).fit(X, y)
    steps = clf._model.ops.steps
    assert clf._model.session.run(steps.data_X).shape == (0, 64)
    assert clf._model.session.run(steps.data_y).shape == (0,)


def test_the_cache_is_bounded_and_evicts_the_least_recently_used():
    cache = GraphCache(max_graphs=2, max_idle_sessions=1)

    def build():
        graph = tf.Graph()
        with graph.as_default():
            init = tf.no_op()
        graph.finalize()
        return BuiltGraph(graph, init, None, None)

    opened = {}
    for key in ("a", "b", "a", "c"):  # "b" is the least recently used when "c" arrives
        built, session, give_back = cache.open(key, build)
        opened[key] = built.graph
        give_back(session)
    assert cache.builds == 3 and len(cache) == 2
    built, session, give_back = cache.open("a", build)
    assert built.graph is opened["a"] and cache.builds == 3
    second, other, give_other = cache.open("a", build)  # the idle one is taken: a new one
    assert other is not session
    give_back(session)
    give_other(other)  # over max_idle_sessions: closed
    with pytest.raises(RuntimeError):
        other.run(built.init)
    cache.open("b", build)
    assert cache.builds == 4
    cache.clear()
    assert len(cache) == 0


def test_an_estimator_collected_in_a_garbage_cycle_leaves_the_cache_usable(small_digits,
                                                                            fresh_cache):
    """The estimator's finalizer gives its Session back while the Session's own finalizer
    closes it: the next fit must not be handed that closed Session."""
    import gc

    X, y = small_digits
    for seed in range(3):
        clf = DNNClassifier(**SMALL, random_state=seed).fit(X, y)
        clf.cycle = clf  # collected only by the cyclic garbage collector
        session = clf._model.session
        session.cycle = (session, clf)
        del clf, session
        gc.collect()
    after = DNNClassifier(**SMALL, random_state=0).fit(X, y)
    assert after.score(X, y) > 0.3


# --------------------------------------------------------------------------- cheap calls
def test_the_fast_input_path_accepts_and_refuses_what_validate_data_does(small_digits):
    """Plain float arrays skip scikit-learn's checks; the answers and the errors are
    those of the full validation."""
    import pandas as pd

    X, y = small_digits
    clf = DNNClassifier(**SMALL, random_state=0).fit(X, y)
    expected = clf.predict_proba(X.tolist())  # a list: the full validation
    np.testing.assert_array_equal(clf.predict_proba(X.astype(np.float32)), expected)
    np.testing.assert_array_equal(clf.predict_proba(X.astype(np.float64)), expected)
    np.testing.assert_array_equal(clf.predict_proba(np.asfortranarray(X)), expected)
    for bad, message in ((np.full((2, 64), np.nan), "NaN"),
                         (np.full((2, 64), 1e300), "beyond float32's range"),
                         (X[:, :10], "10 features")):
        with pytest.raises(ValueError, match=message), np.errstate(over="ignore"):
            clf.predict_proba(bad)  # (numpy's cast of 1e300 warns before sklearn refuses)
    named = DNNClassifier(**SMALL, random_state=0).fit(
        pd.DataFrame(X, columns=[f"p{i}" for i in range(64)]), y)
    with pytest.warns(UserWarning, match="feature names"):
        named.predict_proba(X)
