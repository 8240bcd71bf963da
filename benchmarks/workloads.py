"""Timed workloads of the benchmark, one function per section.

Called through ``sections.py`` (what each section of ``benchmarks/run.py`` runs) once
TensorFlow is loaded and the thread pools are set.  Nothing here asserts on timings:
every function returns raw seconds; ``results_table.py`` and ``results_markdown.py`` do
the reporting.

Each section builds one *runner* per peer (or per variant) and repeats them with
:func:`rounds.interleave` (round-robin, one discarded warm-up round).
"""
from __future__ import annotations

import gc
import statistics
import tempfile
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

from peers import KerasFit, Net, Ours, Peer, accuracy
from rounds import Runner, error_text, interleave


# ----------------------------------------------------------------------------- helpers
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


def _timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _n_classes(y: np.ndarray) -> int:
    return int(np.max(y)) + 1


# ----------------------------------------------------------------------------- fits
def fit_runner(peer: Peer, net: Net, X: np.ndarray, y: np.ndarray,
               keep: Dict[str, Any]) -> Runner:
    """One whole ``fit`` call of a fresh estimator; the fitted one is kept in ``keep``."""
    def run() -> Dict[str, float]:
        estimator = peer.make(net, X.shape[1], _n_classes(y))
        seconds = _timed(lambda: estimator.fit(X, y))
        keep[peer.key] = estimator
        return {"seconds": seconds}
    return run


def fits(peers: Sequence[Peer], X: np.ndarray, y: np.ndarray, batch_sizes: Sequence[int],
         net: Net, repeats: int) -> Dict[str, Any]:
    """Rows 1-2 and 5-6: ``fit`` of every peer on ``(X, y)``, per batch size.

    After the repetitions, each peer's last fitted model's training accuracy is
    recorded (outside the timing): a check that every peer trained the same way.
    """
    out: Dict[str, Any] = {}
    for batch in batch_sizes:
        keep: Dict[str, Any] = {}
        row_net = net.with_(batch_size=batch)
        result = interleave({peer.key: fit_runner(peer, row_net, X, y, keep)
                             for peer in peers}, repeats)
        for key, estimator in keep.items():
            try:
                result[key]["train_accuracy"] = accuracy(estimator, X, y)
            except Exception as error:  # the timing stands; say why there is no accuracy
                result[key]["train_accuracy_error"] = error_text(error)
        keep.clear()
        out[str(batch)] = result
    return out


# ----------------------------------------------------------------------------- search
SEARCH_N_ITER, SEARCH_CV, SEARCH_SEED = 6, 3, 0


def search_candidates(n_iter: int = SEARCH_N_ITER, seed: int = SEARCH_SEED) -> List[Dict]:
    """The candidates ``RandomizedSearchCV(n_iter, random_state=seed)`` samples, drawn
    once under neutral names: units {50, 100}, learning rate loguniform(1e-3, 1e-2),
    batch size {32, 64}."""
    from scipy.stats import loguniform
    from sklearn.model_selection import ParameterSampler

    space = {"n_units": [50, 100], "learning_rate": loguniform(1e-3, 1e-2),
             "batch_size": [32, 64]}
    return [{"n_units": int(c["n_units"]), "learning_rate": float(c["learning_rate"]),
             "batch_size": int(c["batch_size"])}
            for c in ParameterSampler(space, n_iter, random_state=seed)]


class Replay:
    """A "distribution" for ``RandomizedSearchCV`` whose ``rvs`` returns pre-drawn values
    in order.

    The search's sampler draws the parameters of a candidate in the sorted
    order of their *names*, which differ between peers, so the same
    ``random_state`` would give each peer other candidates.  The candidates are
    drawn once (:func:`search_candidates`) and replayed to every peer's search,
    one ``Replay`` per parameter, made afresh for each search.
    """

    def __init__(self, values: Sequence[Any]) -> None:
        self.values, self._next = list(values), 0

    def rvs(self, random_state: Any = None) -> Any:
        value = self.values[self._next % len(self.values)]
        self._next += 1
        return value


def search_runner(peer: Peer, net: Net, X: np.ndarray, y: np.ndarray,
                  candidates: List[Dict], keep: Dict[str, Any]) -> Runner:
    """``RandomizedSearchCV(n_iter=6, cv=3, refit=False, n_jobs=1, random_state=0)``."""
    from sklearn.model_selection import RandomizedSearchCV

    mapped = [peer.search_params(net, candidate) for candidate in candidates]

    def run() -> Dict[str, float]:
        distributions = {name: Replay([m[name] for m in mapped]) for name in mapped[0]}
        search = RandomizedSearchCV(peer.make(net, X.shape[1], _n_classes(y)), distributions,
                                    n_iter=len(candidates), cv=SEARCH_CV, refit=False,
                                    n_jobs=1, random_state=SEARCH_SEED, error_score="raise")
        seconds = _timed(lambda: search.fit(X, y))
        fitted = [dict(params) for params in search.cv_results_["params"]]
        if fitted != mapped:
            raise RuntimeError(f"{peer.key} searched {fitted}, expected {mapped}")
        keep[peer.key] = [float(s) for s in search.cv_results_["mean_test_score"]]
        return {"seconds": seconds}
    return run


def search(peers: Sequence[Peer], X: np.ndarray, y: np.ndarray, n_epochs: int,
           repeats: int) -> Dict[str, Any]:
    """Row 3: the same randomized search (same candidates) for every scikit-learn peer."""
    candidates = search_candidates()
    net = Net(n_hidden=2, n_epochs=n_epochs)
    keep: Dict[str, Any] = {}
    result = interleave({peer.key: search_runner(peer, net, X, y, candidates, keep)
                         for peer in peers if peer.searchable}, repeats)
    for key, scores in keep.items():
        result[key]["mean_test_scores"] = scores
    return {"peers": result, "candidates": candidates, "n_epochs": n_epochs,
            "n_iter": len(candidates), "cv": SEARCH_CV,
            "skipped": [peer.key for peer in peers if not peer.searchable]}


# ----------------------------------------------------------------------------- predict
def per_call_runner(predict: Callable[[np.ndarray], Any], X: np.ndarray, budget: float,
                    min_calls: int, max_calls: int) -> Runner:
    """Median seconds per ``predict(X)`` call over as many calls as fit in ``budget``."""
    def run() -> Dict[str, float]:
        times: List[float] = []
        started = time.perf_counter()
        while len(times) < max_calls and (len(times) < min_calls
                                          or time.perf_counter() - started < budget):
            times.append(_timed(lambda: predict(X)))
        return {"seconds": statistics.median(times), "calls": len(times)}
    return run


def predict_functions(estimator: Any) -> Dict[str, Callable[[np.ndarray], Any]]:
    """The ways a user of this estimator gets probabilities."""
    if isinstance(estimator, KerasFit):
        return estimator.predict_functions()
    return {"predict_proba": estimator.predict_proba}


def predict(peers: Sequence[Peer], X: np.ndarray, y: np.ndarray, X_bulk: np.ndarray,
            net: Net, repeats: int, budget: float) -> Dict[str, Any]:
    """Row 4: probabilities for 1 row and for ``len(X_bulk)`` rows.

    Every peer is fitted once on ``(X, y)`` with ``net`` (outside the timing).
    Each round, each prediction function is called for about ``budget``
    seconds; a round's sample is the median seconds per call, and the peer's
    cell is its fastest function's median over the rounds.
    """
    functions: Dict[str, Callable[[np.ndarray], Any]] = {}
    errors: Dict[str, str] = {}
    for peer in peers:
        try:
            estimator = peer.make(net, X.shape[1], _n_classes(y)).fit(X, y)
        except Exception as error:
            errors[peer.key] = error_text(error)
            continue
        for name, fn in predict_functions(estimator).items():
            functions[f"{peer.key}|{name}"] = fn
    out: Dict[str, Any] = {"bulk_rows": len(X_bulk), "fit_errors": errors}
    for size, data, min_calls, max_calls in (("one_row", X[:1], 5, 2000),
                                             ("bulk", X_bulk, 3, 200)):
        out[size] = interleave({name: per_call_runner(fn, data, budget, min_calls, max_calls)
                                for name, fn in functions.items()}, repeats)
    return out


# ----------------------------------------------------------------------------- transfer
def transfer(X: np.ndarray, y: np.ndarray, net: Net, n_threads: Optional[int],
             repeats: int) -> Dict[str, Any]:
    """Row 7: fit on a saved base with 4 of 5 hidden layers frozen, cached vs not."""
    ours = Ours()
    ours.n_threads = n_threads

    def runner(base_dir: str, cache: bool) -> Runner:
        def run() -> Dict[str, float]:
            clf = ours.make(net, X.shape[1], _n_classes(y))
            clf.set_params(warm_start_from=base_dir, n_frozen=4, cache_frozen=cache)
            seconds = _timed(lambda: clf.fit(X, y))
            return {"seconds": seconds,
                    "epochs": float(sum(row["seconds"] for row in clf.history_))}
        return run

    with tempfile.TemporaryDirectory() as base_dir:
        ours.make(net.with_(n_epochs=1), X.shape[1], _n_classes(y)).fit(X, y).save(base_dir)
        result = interleave({"cached": runner(base_dir, True),
                             "uncached": runner(base_dir, False)}, repeats)
    result["n_epochs"] = net.n_epochs
    result["batch_size"] = net.batch_size
    return result


# ----------------------------------------------------------------------------- n_jobs
def n_jobs(X: np.ndarray, y: np.ndarray, n_epochs: int, repeats: int) -> Dict[str, Any]:
    """``RandomizedSearchCV(DNNClassifier, n_iter=4, cv=2, refit=False)``, n_jobs 2 vs 1.

    The warm-up round of ``n_jobs=2`` starts the loky workers and imports
    TensorFlow there; it stays in the JSON as ``warmup`` ("cold" time).
    ``n_threads`` is left unset: the estimator's own default in the workers
    (joblib sets their ``OMP_NUM_THREADS``) is what is measured.
    """
    from scipy.stats import loguniform
    from sklearn.model_selection import RandomizedSearchCV
    from tfgraph_dnn import DNNClassifier

    distributions = {"n_neurons": [30, 50, 100], "learning_rate": loguniform(1e-4, 1e-2),
                     "activation": ["elu", "relu"]}

    def runner(jobs: int) -> Runner:
        def run() -> Dict[str, float]:
            search = RandomizedSearchCV(
                DNNClassifier(n_hidden=2, n_epochs=n_epochs, batch_size=50, random_state=0),
                distributions, n_iter=4, cv=2, n_jobs=jobs, refit=False, random_state=0,
                error_score="raise")
            return {"seconds": _timed(lambda: search.fit(X, y))}
        return run

    result = interleave({"n_jobs_1": runner(1), "n_jobs_2": runner(2)}, repeats)
    result["n_epochs"] = n_epochs
    return result


# ----------------------------------------------------------------------------- memory
def rss_growth(X: np.ndarray, y: np.ndarray, n_fits: int = 50,
               n_epochs: int = 2) -> Dict[str, Any]:
    """RSS (MB) after each of ``n_fits`` sequential fits of fresh estimators.

    Each fit replaces the previous estimator (as a search's clones would);
    ``gc.collect()`` runs before each reading.
    """
    from tfgraph_dnn import DNNClassifier

    mb = 1024 * 1024
    readings = [rss_bytes() / mb]
    for i in range(n_fits):
        clf = DNNClassifier(n_hidden=2, n_neurons=50, n_epochs=n_epochs, batch_size=50,
                            random_state=i).fit(X, y)
        del clf
        gc.collect()
        readings.append(rss_bytes() / mb)
    fifth = min(5, n_fits)
    return {"rss_mb": readings, "n_fits": n_fits, "n_epochs": n_epochs,
            "after_fit_5_mb": readings[fifth], "after_fit_last_mb": readings[n_fits],
            "growth_mb": readings[n_fits] - readings[fifth]}
