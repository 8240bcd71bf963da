"""Timed workloads of the benchmark: one function per peer, one per section.

Imported by ``benchmarks/run.py`` *after* it has set the environment
(``TF_CPP_MIN_LOG_LEVEL``, ``KERAS_BACKEND``), so this module may import
TensorFlow and Keras at the top.  Nothing here asserts on timings: every
function returns raw seconds (or bytes) and ``run.py`` does the reporting.

A *runner* is a zero-argument callable doing one timed repetition and returning
``{"fit": seconds, "epoch": seconds}``; :func:`interleave` runs several runners
round-robin so a busy machine slows every peer alike.
"""
from __future__ import annotations

import gc
import os
import statistics
import tempfile
import time
import warnings
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
import tensorflow as tf
import keras
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import RandomizedSearchCV
from sklearn.neural_network import MLPClassifier
from scipy.stats import loguniform

from tfgraph_dnn import DNNClassifier

Runner = Callable[[], Dict[str, float]]

N_HIDDEN, N_NEURONS, LEARNING_RATE = 5, 100, 0.001
_THREADS: Dict[str, int] = {}  # {"n_threads": N} once set_threads() ran and the param exists


# ----------------------------------------------------------------------------- helpers
def random_data(n_rows: int, n_features: int = 784, n_classes: int = 10,
                seed: int = 0) -> tuple:
    """Uniform float32 features in [0, 1) and random integer labels."""
    rng = np.random.RandomState(seed)
    X = rng.random_sample((n_rows, n_features)).astype(np.float32)
    return X, rng.randint(n_classes, size=n_rows).astype(np.int64)


def rss_bytes() -> int:
    """Resident set size of this process (psutil, else ``/proc/self/status``)."""
    try:
        import psutil
        return int(psutil.Process().memory_info().rss)
    except ImportError:  # pragma: no cover - psutil is normally there
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    raise RuntimeError("cannot read the RSS of this process")


def summarize(samples: List[Dict[str, float]]) -> Dict[str, Dict[str, float]]:
    """Median, min and max of every key of the repetition dicts."""
    keys = samples[0].keys()
    return {key: {"median": statistics.median(s[key] for s in samples),
                  "min": min(s[key] for s in samples), "max": max(s[key] for s in samples)}
            for key in keys}


def interleave(runners: Dict[str, Runner], repeats: int, warmup: int = 1) -> Dict[str, Any]:
    """Run the runners round-robin: ``warmup`` discarded rounds, then ``repeats``.

    Returns
    -------
    dict
        Per runner: ``summary`` (see :func:`summarize`), ``samples`` and
        ``warmup`` (the discarded first results: graph building, tracing...).
    """
    results: Dict[str, Any] = {name: {"samples": [], "warmup": []} for name in runners}
    for round_ in range(warmup + repeats):
        for name, run in runners.items():
            gc.collect()
            sample = run()
            results[name]["warmup" if round_ < warmup else "samples"].append(sample)
    for entry in results.values():
        entry["summary"] = summarize(entry["samples"])
    return results


def _timed_fit(estimator: Any, X: np.ndarray, y: np.ndarray, **fit_kwargs: Any) -> float:
    started = time.perf_counter()
    estimator.fit(X, y, **fit_kwargs)
    return time.perf_counter() - started


# ----------------------------------------------------------------------------- peers: fit
def dnn_classifier(batch_size: int, **params: Any) -> DNNClassifier:
    """The benchmarked estimator: 5 x 100 ELU, He init, Adam 0.001, one epoch.

    ``n_threads`` is pinned to :func:`set_threads`' value when the estimator has it.
    """
    defaults = dict(n_hidden=N_HIDDEN, n_neurons=N_NEURONS, activation="elu",
                    initializer="he_normal", optimizer="adam", learning_rate=LEARNING_RATE,
                    batch_size=batch_size, n_epochs=1, random_state=0, **_THREADS)
    return DNNClassifier(**{**defaults, **params})


def make_dnn_fit(X: np.ndarray, y: np.ndarray, batch_size: int) -> Runner:
    """``DNNClassifier.fit`` over two epochs: the first epoch (it also pays the graph's
    one-time run set-up), the second (warmed, as Keras' epochs after its warm-up fit),
    and the whole call minus the second epoch (a one-epoch fit)."""
    def run() -> Dict[str, float]:
        clf = dnn_classifier(batch_size, n_epochs=2)
        total = _timed_fit(clf, X, y)
        first, second = (float(row["seconds"]) for row in clf.history_)
        return {"fit": total - second, "epoch": first, "steady_epoch": second}
    return run


class _EpochTimer(keras.callbacks.Callback):
    """Seconds of the last epoch, measured like ``DNNClassifier.history_``."""

    def on_epoch_begin(self, epoch: int, logs: Optional[dict] = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        self.seconds = time.perf_counter() - self._started


def keras_model(n_features: int, n_classes: int, seed: int = 0) -> keras.Model:
    """The same net in Keras 3, compiled with Adam 0.001 and an accuracy metric."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((n_features,))]
        + [keras.layers.Dense(N_NEURONS, activation="elu", kernel_initializer="he_normal")
           for _ in range(N_HIDDEN)]
        + [keras.layers.Dense(n_classes, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def make_keras_fit(X: np.ndarray, y: np.ndarray, batch_size: int) -> Runner:
    """Keras ``model.fit(epochs=1)`` on one model compiled once (outside the timing)."""
    model = keras_model(X.shape[1], int(y.max()) + 1)
    timer = _EpochTimer()

    def run() -> Dict[str, float]:
        total = _timed_fit(model, X, y, epochs=1, batch_size=batch_size, verbose=0,
                           callbacks=[timer])
        return {"fit": total, "epoch": timer.seconds}
    return run


def make_mlp_fit(X: np.ndarray, y: np.ndarray, batch_size: int) -> Runner:
    """scikit-learn ``MLPClassifier`` (ReLU: it has no ELU), ``max_iter=1``."""
    def run() -> Dict[str, float]:
        clf = MLPClassifier(hidden_layer_sizes=(N_NEURONS,) * N_HIDDEN, activation="relu",
                            solver="adam", learning_rate_init=LEARNING_RATE,
                            batch_size=batch_size, max_iter=1, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            total = _timed_fit(clf, X, y)
        return {"fit": total, "epoch": total}  # no graph to build: one epoch is the fit
    return run


def fit_epoch(X: np.ndarray, y: np.ndarray, batch_sizes: Sequence[int],
              repeats: int) -> Dict[str, Any]:
    """Section 1: one fit epoch per peer and batch size."""
    return {str(batch): interleave({"dnn": make_dnn_fit(X, y, batch),
                                    "keras": make_keras_fit(X, y, batch),
                                    "mlp": make_mlp_fit(X, y, batch)}, repeats)
            for batch in batch_sizes}


# ----------------------------------------------------------------------------- transfer
def make_transfer_fit(X: np.ndarray, y: np.ndarray, base_dir: str, cache: bool,
                      n_epochs: int) -> Runner:
    """Fit on top of a saved base with 4 of 5 hidden layers frozen."""
    def run() -> Dict[str, float]:
        clf = dnn_classifier(50, n_epochs=n_epochs, warm_start_from=base_dir, n_frozen=4,
                             cache_frozen=cache)
        total = _timed_fit(clf, X, y)
        return {"fit": total, "epoch": float(sum(row["seconds"] for row in clf.history_))}
    return run


def transfer(X: np.ndarray, y: np.ndarray, n_epochs: int, repeats: int) -> Dict[str, Any]:
    """Section 2: cached vs uncached frozen layers (needs the transfer API)."""
    with tempfile.TemporaryDirectory() as base_dir:
        dnn_classifier(50).fit(X, y).save(base_dir)
        result = interleave({"cached": make_transfer_fit(X, y, base_dir, True, n_epochs),
                             "uncached": make_transfer_fit(X, y, base_dir, False, n_epochs)},
                            repeats)
    result["n_epochs"] = n_epochs
    return result


# ----------------------------------------------------------------------------- predict
def per_call_seconds(predict: Callable[[np.ndarray], Any], X: np.ndarray, n_calls: int,
                     warmup: int = 10) -> Dict[str, float]:
    """Median (min, max) wall seconds of ``predict(X)`` over ``n_calls`` calls."""
    for _ in range(warmup):
        predict(X)
    times = []
    for _ in range(n_calls):
        started = time.perf_counter()
        predict(X)
        times.append(time.perf_counter() - started)
    return {"median": statistics.median(times), "min": min(times), "max": max(times),
            "calls": n_calls}


def predict_peers(X: np.ndarray, y: np.ndarray) -> Dict[str, Callable[[np.ndarray], Any]]:
    """The same 5 x 100 ELU net as DNNClassifier (fitted 1 epoch) and Keras model."""
    clf = dnn_classifier(500).fit(X, y)
    model = keras_model(X.shape[1], int(y.max()) + 1)
    return {
        "dnn_predict_proba": clf.predict_proba,
        "keras_call": lambda x: np.asarray(model(x, training=False)),
        "keras_predict": lambda x: model.predict(x, batch_size=8192, verbose=0),
        "keras_predict_default_batch": lambda x: model.predict(x, verbose=0),
    }


def predict(X: np.ndarray, y: np.ndarray, n_calls: int, n_rows: int = 10_000,
            n_calls_bulk: int = 10) -> Dict[str, Any]:
    """Section 3: 1-row latency and ``n_rows``-row throughput."""
    peers = predict_peers(X, y)
    bulk = np.ascontiguousarray(np.resize(X, (n_rows, X.shape[1])))
    # model.predict costs ~10-100 ms a call whatever the size: fewer calls for it
    calls = {"keras_predict": max(20, n_calls // 5)}
    one_row = {name: per_call_seconds(fn, X[:1], calls.get(name, n_calls))
               for name, fn in peers.items() if name != "keras_predict_default_batch"}
    rows = {}
    for name, fn in peers.items():
        timing = per_call_seconds(fn, bulk, n_calls_bulk, warmup=2)
        rows[name] = {**timing, "rows_per_second": n_rows / timing["median"]}
    return {"one_row": one_row, "bulk": rows, "bulk_rows": n_rows}


# ----------------------------------------------------------------------------- search
def make_search(X: np.ndarray, y: np.ndarray, n_jobs: int, n_epochs: int) -> Runner:
    """``RandomizedSearchCV(n_iter=4, cv=2, refit=False)`` over a small DNNClassifier."""
    distributions = {"n_neurons": [30, 50, 100], "learning_rate": loguniform(1e-4, 1e-2),
                     "activation": ["elu", "relu"]}

    def run() -> Dict[str, float]:
        search = RandomizedSearchCV(
            DNNClassifier(n_hidden=2, n_epochs=n_epochs, batch_size=50, random_state=0),
            distributions, n_iter=4, cv=2, n_jobs=n_jobs, refit=False, random_state=0)
        return {"fit": _timed_fit(search, X, y)}
    return run


def search(X: np.ndarray, y: np.ndarray, n_epochs: int, repeats: int) -> Dict[str, Any]:
    """Section 4: the same search with ``n_jobs=1`` and ``n_jobs=2``.

    The warm-up round of ``n_jobs=2`` includes starting the loky workers and
    importing TensorFlow there; it is kept as ``warmup`` ("cold" time).
    ``n_threads`` is left unset: the estimator's own default (the workers'
    ``OMP_NUM_THREADS``, set by joblib) is what is measured.
    """
    return interleave({"n_jobs_1": make_search(X, y, 1, n_epochs),
                       "n_jobs_2": make_search(X, y, 2, n_epochs)}, repeats)


# ----------------------------------------------------------------------------- memory
def rss_growth(X: np.ndarray, y: np.ndarray, n_fits: int = 50,
               n_epochs: int = 2) -> Dict[str, Any]:
    """Section 5: RSS (MB) after each of ``n_fits`` sequential fits of fresh estimators.

    Each fit replaces the previous estimator (as a search's clones would);
    ``gc.collect()`` runs before each reading.
    """
    mb = 1024 * 1024
    readings = [rss_bytes() / mb]
    for i in range(n_fits):
        clf = DNNClassifier(n_hidden=2, n_neurons=50, n_epochs=n_epochs, batch_size=50,
                            random_state=i).fit(X, y)
        del clf
        gc.collect()
        readings.append(rss_bytes() / mb)
    return {"rss_mb": readings, "n_fits": n_fits, "n_epochs": n_epochs,
            "after_fit_5_mb": readings[5], "after_fit_last_mb": readings[n_fits],
            "growth_mb": readings[n_fits] - readings[5]}


def set_threads(n_threads: int) -> Dict[str, Any]:
    """Pin TensorFlow's pools (eager, Keras and ``v1.Session``) to ``n_threads``.

    ``tf.compat.v1.Session()`` without a config takes the eager context's
    config; DNNClassifier also gets ``n_threads`` explicitly when it has that
    parameter, so DNNClassifier and Keras run with the same pools.  The BLAS
    pool (MLPClassifier) is limited by ``run.py`` with threadpoolctl.
    """
    tf.config.threading.set_intra_op_parallelism_threads(n_threads)
    tf.config.threading.set_inter_op_parallelism_threads(n_threads)
    if "n_threads" in DNNClassifier().get_params():
        _THREADS["n_threads"] = n_threads
    return {"tf_intra_op": n_threads, "tf_inter_op": n_threads, "blas": n_threads,
            "dnn_n_threads": _THREADS.get("n_threads"),
            "keras_jit_compile": "auto (off on CPU-only machines)",
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")}
