"""Built-in callbacks have skorch's shape; the graph cache builds under a lock per structure."""
import threading
import time

import pytest
from sklearn.base import clone

from tfgraph_dnn.training import Callback, Hook
from tfgraph_dnn.training.cache import BuiltGraph, GraphCache
from tfgraph_dnn.training.checkpoint import CheckpointHook
from tfgraph_dnn.training.hooks import ProgressBar, ProgressPrinter
from tfgraph_dnn.training.stopping import EarlyStopping, StopOnNonFinite
from tfgraph_dnn.training.tensorboard import TensorBoardHook


# ------------------------------------------------------------------ callbacks
@pytest.mark.parametrize("callback", [
    EarlyStopping(patience=3, monitor="val_accuracy", min_delta=0.01),
    StopOnNonFinite(), ProgressPrinter(), ProgressBar(120),
    TensorBoardHook("runs/a", log_histograms=True),
    CheckpointHook("ckpt", 4, {"task": "classification"}, [], keep=3),
], ids=lambda callback: type(callback).__name__)
def test_builtin_callbacks_have_skorchs_shape(callback):
    assert isinstance(callback, Callback) and Hook is Callback
    assert callback.initialize() is callback
    params = callback.get_params()
    copy = clone(callback)  # scikit-learn's clone: type(callback)(**get_params())
    assert type(copy) is type(callback) and copy is not callback
    assert set(copy.get_params()) == set(params)
    for name, value in params.items():
        assert copy.get_params()[name] == value, name


def test_set_params_sets_and_refuses_unknown_names():
    stopping = EarlyStopping(patience=3)
    assert stopping.set_params(patience=7) is stopping and stopping.patience == 7
    with pytest.raises(ValueError, match="'patiance'.*EarlyStopping"):
        stopping.set_params(patiance=7)


def test_initialize_forgets_what_a_fit_taught():
    stopping = EarlyStopping(patience=2, monitor="val_accuracy")
    stopping.load_state_dict({"best_value": 0.9, "best_epoch": 4, "wait": 1,
                              "best_tie_value": 0.3, "arrays": {}})
    assert (stopping.best_epoch, stopping.wait) == (4, 1)
    stopping.initialize()
    assert (stopping.best_epoch, stopping.wait, stopping.best_value) == (None, 0, -float("inf"))
    bar = ProgressBar(10)
    bar.live, bar._bar = True, object()
    assert bar.initialize().live is None and bar._bar is None


# ------------------------------------------------------------------ cache build locks
def _fake_build(record, barrier=None, pause=0.0):
    def build():
        record.append(threading.current_thread().name)
        if barrier is not None:
            barrier.wait(timeout=30)  # both builds must be running at once to pass
        time.sleep(pause)
        import tensorflow as tf

        graph = tf.Graph()
        with graph.as_default():
            init = tf.compat.v1.no_op()
        graph.finalize()
        return BuiltGraph(graph, init, None, None)
    return build


def _open_in_threads(cache, jobs):
    errors, results = [], {}

    def run(name, key, build):
        try:
            built, session, give_back = cache.open(key, build)
            results[name] = built
            give_back(session)
        except BaseException as error:  # noqa: B902 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, name=name, args=(name, key, build))
               for name, key, build in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_two_structures_build_in_parallel():
    cache, record = GraphCache(), []
    barrier = threading.Barrier(2)
    results = _open_in_threads(cache, [("a", ("a",), _fake_build(record, barrier)),
                                       ("b", ("b",), _fake_build(record, barrier))])
    assert sorted(record) == ["a", "b"] and results["a"] is not results["b"]
    assert cache.info()["graphs"] == 2 and cache.builds == 2
    cache.clear()


def test_one_structure_is_built_once_by_concurrent_fits():
    cache, record = GraphCache(), []
    build = _fake_build(record, pause=0.5)
    results = _open_in_threads(cache, [(name, ("same",), build) for name in "abcd"])
    assert len(record) == 1 and cache.builds == 1
    assert len({id(built) for built in results.values()}) == 1
    cache.clear()


def test_a_failed_build_is_retried_by_the_next_fit():
    cache, calls = GraphCache(), []

    def failing():
        calls.append(1)
        raise RuntimeError("build failed")

    with pytest.raises(RuntimeError, match="build failed"):
        cache.open(("key",), failing)
    built, session, give_back = cache.open(("key",), _fake_build([]))
    give_back(session)
    assert len(calls) == 1 and cache.info()["graphs"] == 1
    cache.clear()
