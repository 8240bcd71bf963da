"""Model selection: ``Pipeline(StandardScaler, DNNClassifier)`` in ``RandomizedSearchCV``.

The search runs three ways: in this process (``n_jobs=1``), in joblib's loky
worker processes (``n_jobs=2``) and on a two-process Dask ``LocalCluster``
(joblib's ``dask`` backend).  Every candidate has ``random_state=0``, so every
fit is the same model wherever it runs: the three ``cv_results_`` must agree
*exactly*, although this process runs TensorFlow with its default thread pools
while the workers run one thread each (``OMP_NUM_THREADS=1``, see the
``tfgraph_dnn.estimator._model.session_config``).  These dense nets give bit-identical results on
CPU for 1, 2 or 4 intra-op threads; should that ever stop being true,
the fix is to pin ``dnn__n_threads`` in the search, not to loosen the check.

Nets are tiny and epochs few so the module runs in about a minute on 2 idle cores.
"""
import os
import sys

import joblib
import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.model_selection import RandomizedSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from tfgraph_dnn import DNNClassifier

N_ITER, CV, SEED = 3, 2, 0
LABELS = np.array([f"digit_{d}" for d in range(10)])
# The seed notebook's space (exercise 8c), sized for 6 epochs: rates log-uniform in
# [1e-3, 2e-2] instead of the list 1e-4..1e-2 (1e-4 learns nothing in 6 epochs), 16-48
# neurons instead of 70-150, batches of 32-128 instead of 60-200; plus the chapter's
# other knobs.
PARAM_DISTRIBUTIONS = {
    "dnn__activation": ["relu", "elu", "leaky_relu", "tanh"],
    "dnn__learning_rate": loguniform(1e-3, 2e-2),
    "dnn__beta1": [0.9, 0.99, 0.999],
    "dnn__beta2": [0.9, 0.99, 0.999],
    "dnn__n_neurons": [16, 24, 32, 48],
    "dnn__batch_size": [32, 64, 128],
    "dnn__optimizer": ["adam", "nesterov", "rmsprop"],
    "dnn__lr_schedule": [None, "exponential", "1cycle"],
    "dnn__batch_norm_momentum": [None, 0.9],
    "dnn__dropout_rate": [None, 0.2],
}


def make_search(n_jobs):
    pipeline = Pipeline([
        ("scale", StandardScaler()),
        ("dnn", DNNClassifier(n_hidden=2, n_epochs=6, random_state=SEED)),
    ])
    return RandomizedSearchCV(pipeline, PARAM_DISTRIBUTIONS, n_iter=N_ITER, cv=CV,
                              n_jobs=n_jobs, random_state=SEED, error_score="raise")


@pytest.fixture(scope="module")
def string_digits(digits):
    """The digits split with labels ``'digit_0'`` ... ``'digit_9'``."""
    X_train, X_test, y_train, y_test = digits
    return X_train, X_test, LABELS[y_train], LABELS[y_test]


@pytest.fixture(scope="module")
def reference_search(string_digits):
    """The search run sequentially in this process: what every backend must reproduce."""
    X_train, _, y_train, _ = string_digits
    return make_search(n_jobs=1).fit(X_train, y_train)


def assert_complete(search):
    results = search.cv_results_
    assert len(results["params"]) == N_ITER
    for name in PARAM_DISTRIBUTIONS:
        assert len(results[f"param_{name}"]) == N_ITER
    for key in ["mean_test_score", "std_test_score", "rank_test_score", "mean_fit_time"] + \
            [f"split{i}_test_score" for i in range(CV)]:
        values = np.asarray(results[key], dtype=float)
        assert values.shape == (N_ITER,) and np.all(np.isfinite(values)), key
    assert np.all(np.asarray(results["mean_fit_time"]) > 0)


def assert_same_results(search, reference):
    """Same candidates, and bit-identical fold scores (same seeds -> same models)."""
    assert search.cv_results_["params"] == reference.cv_results_["params"]
    for key in ["mean_test_score"] + [f"split{i}_test_score" for i in range(CV)]:
        np.testing.assert_array_equal(search.cv_results_[key], reference.cv_results_[key],
                                      err_msg=key)
    assert search.best_params_ == reference.best_params_


def test_search_on_string_labels(reference_search, string_digits):
    _, X_test, _, y_test = string_digits
    search = reference_search
    assert_complete(search)
    predictions = search.best_estimator_.predict(X_test)
    assert predictions.dtype.kind == "U" and set(predictions) <= set(LABELS)
    np.testing.assert_array_equal(search.best_estimator_.classes_, LABELS)
    assert search.best_score_ > 0.85
    assert search.score(X_test, y_test) > 0.85


@pytest.mark.slow
def test_parallel_search_equals_sequential(reference_search, string_digits):
    X_train, _, y_train, _ = string_digits
    search = make_search(n_jobs=2).fit(X_train, y_train)
    assert_complete(search)
    assert_same_results(search, reference_search)


def _fit_and_report_threads(X, y):
    """Runs in a worker: fit, then report the thread settings the Session got."""
    clf = DNNClassifier(n_hidden=1, n_neurons=8, n_epochs=1, random_state=0).fit(X, y)
    from tfgraph_dnn.estimator._model import session_config

    config = session_config(clf.n_threads)
    return {"pid": os.getpid(), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
            "intra_op": config.intra_op_parallelism_threads,
            "inter_op": config.inter_op_parallelism_threads,
            "session_intra_op": clf._model.session._config.intra_op_parallelism_threads}


# 1 is the point (no oversubscription: 2 workers x 1 thread); on 2 cores loky's own
# default is also 1, so 2 shows the Session really follows joblib's setting.
@pytest.mark.slow
@pytest.mark.parametrize("inner_threads", [1, 2])
def test_loky_worker_sessions_follow_inner_max_num_threads(small_digits, inner_threads):
    X, y = small_digits
    with joblib.parallel_config(backend="loky", inner_max_num_threads=inner_threads):
        reports = joblib.Parallel(n_jobs=2)(
            joblib.delayed(_fit_and_report_threads)(X, y) for _ in range(2))
    for report in reports:
        assert report["pid"] != os.getpid()  # really in a worker
        assert report["OMP_NUM_THREADS"] == str(inner_threads)
        assert report["intra_op"] == report["inter_op"] == inner_threads
        assert report["session_intra_op"] == inner_threads


@pytest.fixture
def dask_client(monkeypatch):
    from dask import distributed
    # The workers' one thread must be Dask's doing, not inherited from the test run's.
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    try:
        client = distributed.Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


@pytest.mark.slow
def test_dask_search_equals_local(reference_search, string_digits, dask_client):
    X_train, _, y_train, _ = string_digits
    with joblib.parallel_config(backend="dask"):
        search = make_search(n_jobs=-1).fit(X_train, y_train)
    assert_complete(search)
    assert_same_results(search, reference_search)
    # The fits ran in the workers (TensorFlow got imported there), one TF thread each.
    workers = dask_client.run(lambda: ("tensorflow" in sys.modules,
                                       os.environ.get("OMP_NUM_THREADS")))
    assert len(workers) == 2
    assert any(ran_tf for ran_tf, _ in workers.values()), workers
    assert all(threads == "1" for _, threads in workers.values()), workers
