"""Progress of ``tfgraph-dnn search``: a line per finished fit, a tqdm bar on a terminal.

Each finished fit prints one line on stdout::

    fit 3/8  candidate 2/4  fold 1/2  accuracy 0.9312  4.1s  elapsed 12s  ETA 24s

and, when stderr is a terminal, a tqdm bar on stderr counts the fits.

How the parent learns about fits that run elsewhere
---------------------------------------------------
The search stays a plain ``RandomizedSearchCV`` (``cv_results_``, ``refit``,
``best_params_`` untouched); only its ``scoring`` is a :class:`ProgressScorer`,
a public extension point: a callable ``scorer(estimator, X_test, y_test)``
that scikit-learn calls right after each fit, *in the process that ran the
fit* (this one with ``n_jobs=1``, a loky worker with ``n_jobs=2``).  It scores
exactly as the default scorer does (``estimator.score``) and sends a small
message to the parent over a local socket (:mod:`multiprocessing.connection`,
authenticated by a random key; in the parent itself the message is handed over
directly).  The scorer also renames the fit's TensorBoard run to
``cand<c>-fold<k>`` (:func:`label_run`).  The alternatives were weaker:
overriding ``_run_search`` sees candidates but not finished fits; a parent-side joblib
``return_as="generator_unordered"`` loop means re-implementing
``BaseSearchCV.fit`` (routing, multimetric, refit), which changes between
scikit-learn versions.

The scorer identifies its fit without extra parameters (which would show up
in ``best_params_``): the candidate by its parameter values (the parent
samples the same ``ParameterSampler`` list), the fold by a hash of the test
rows (the parent hands the search explicit splits and hashes each test fold).
A fit's seconds are measured in the parent: the time since the same worker's
previous report (or the start), which is the fit plus its scoring since a
worker runs one fit at a time.  The ETA (:class:`EtaEstimate`) is the
remaining fits times the mean fit so far, divided by the fits that run at
once; it holds from the first line because ``search`` starts its worker
processes (and their TensorFlow import) before the clock starts.  A worker
that cannot reach the parent (a remote Dask worker) just stays silent.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import sys
import threading
import time
from multiprocessing.connection import Client, Listener
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence

import numpy as np


class Handle(NamedTuple):
    """A picklable reference to the parent's listener."""

    address: str
    authkey: bytes


# This process's listeners (parent side) and connections to them (worker side).
_consumers: Dict[str, Callable[[dict], None]] = {}
_connections: Dict[str, object] = {}
_unreachable: set = set()


def _send(handle: Handle, message: dict) -> None:
    """Deliver ``message`` to the listener of ``handle``; never raises."""
    consumer = _consumers.get(handle.address)
    if consumer is not None:  # the fit ran in the parent itself
        consumer(message)
        return
    if handle.address in _unreachable:
        return
    try:
        connection = _connections.get(handle.address)
        if connection is None:
            connection = _connections[handle.address] = Client(handle.address,
                                                               authkey=handle.authkey)
        connection.send(message)
    except (OSError, EOFError, ValueError):  # gone, or a remote worker: stay silent
        _connections.pop(handle.address, None)
        _unreachable.add(handle.address)


def fingerprint(X) -> str:
    """A hash of the rows of ``X`` (identifies a test fold)."""
    array = np.ascontiguousarray(X)
    digest = hashlib.blake2b(array.tobytes(), digest_size=16)
    digest.update(str((array.shape, array.dtype.str)).encode())
    return digest.hexdigest()


def _same(a, b) -> bool:
    try:
        return bool(a is b or a == b)
    except (TypeError, ValueError):
        return False


class ProgressScorer:
    """``scoring`` of the search: ``estimator.score(X, y)``, then a report to the parent.

    Parameters
    ----------
    candidates : list of dict
        The search's candidate parameters, in order.
    fold_keys : list of str
        :func:`fingerprint` of each fold's test rows, in order.
    handle : Handle or None
        Where to report; ``None``: score only.
    """

    def __init__(self, candidates: Sequence[dict], fold_keys: Sequence[str],
                 handle: Optional[Handle]):
        self.candidates = list(candidates)
        self.fold_keys = list(fold_keys)
        self.handle = handle

    def _candidate(self, estimator) -> int:
        params = estimator.get_params()
        for index, candidate in enumerate(self.candidates):
            if all(_same(params.get(name), value) for name, value in candidate.items()):
                return index + 1
        return 0

    def __call__(self, estimator, X, y) -> float:
        score = float(estimator.score(X, y))  # also logged to the fit's TensorBoard run
        key = fingerprint(X)
        fold = self.fold_keys.index(key) + 1 if key in self.fold_keys else 0
        candidate = self._candidate(estimator)
        label_run(estimator, candidate, fold)
        if self.handle is not None:
            _send(self.handle, {"candidate": candidate, "fold": fold, "score": score,
                                "worker": f"{os.getpid()}-{threading.get_ident()}"})
        return score


def label_run(estimator, candidate: int, fold: int) -> Optional[str]:
    """Rename a finished CV fit's TensorBoard run to ``cand<c>-fold<k>`` (its writers are
    closed by then); the run directory is made when the fit starts, before anyone knows
    which candidate and fold it is.  Returns the new directory, or None if unchanged."""
    run_dir = getattr(estimator, "log_dir_", None)
    if not (candidate and fold and run_dir and os.path.isdir(run_dir)):
        return None
    target = os.path.join(os.path.dirname(run_dir), f"cand{candidate:02d}-fold{fold}")
    if os.path.exists(target):
        return None
    try:
        os.replace(run_dir, target)
    except OSError:  # a read-only or remote log directory: the name stays as it was
        return None
    return target


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class EtaEstimate:
    """The seconds a search still needs, from the durations of its finished fits.

    Parameters
    ----------
    total : int
        Fits of the search.
    n_parallel : int or None
        Fits that run at once (``--n-jobs`` as a count); ``None``: as many as
        distinct workers have reported so far (a Dask cluster).
    """

    def __init__(self, total: int, n_parallel: Optional[int] = None):
        self.total = total
        self.n_parallel = n_parallel
        self.seconds: List[float] = []
        self.workers: set = set()

    def add(self, seconds: float, worker=None) -> None:
        """Record one finished fit: its duration and the worker that ran it."""
        self.seconds.append(float(seconds))
        self.workers.add(worker)

    def remaining(self) -> float:
        """The remaining fits times the mean fit, shared by the fits that run at once."""
        left = max(self.total - len(self.seconds), 0)
        if not self.seconds or not left:
            return 0.0
        mean = sum(self.seconds) / len(self.seconds)
        parallel = self.n_parallel or len(self.workers)
        return left * mean / max(1, min(parallel, left))


class SearchProgress:
    """Receives the fits' reports; prints a line each and drives a tqdm bar.

    Use as a context manager around ``search.fit``; :attr:`scorer` is the
    search's ``scoring``.

    Parameters
    ----------
    candidates : list of dict
    fold_keys : list of str
        See :class:`ProgressScorer`.
    score_name : str, default="score"
        What the score is called in the lines ("accuracy").
    out : file, default=sys.stdout
        Where the lines go.
    bar : bool or None, default=None
        Show a tqdm bar on stderr; ``None``: when stderr is a terminal.
    n_parallel : int or None, default=1
        Fits that run at once, for the ETA (see :class:`EtaEstimate`).
    clock : callable, default=time.perf_counter
        Seconds, for the durations (tests pass a fake one).

    Attributes
    ----------
    first_eta : float or None
        The elapsed time plus the ETA of the first line: the search's
        predicted duration, to compare with :attr:`cv_seconds`.
    """

    def __init__(self, candidates: Sequence[dict], fold_keys: Sequence[str],
                 score_name: str = "score", out=None, bar: Optional[bool] = None,
                 n_parallel: Optional[int] = 1, clock: Callable[[], float] = time.perf_counter):
        self.n_candidates, self.n_folds = len(candidates), len(fold_keys)
        self.total = self.n_candidates * self.n_folds
        self.score_name = score_name
        self.out = out if out is not None else sys.stdout
        self.show_bar = sys.stderr.isatty() if bar is None else bar
        self.done = 0
        self.lines: List[str] = []
        self._lock = threading.Lock()
        authkey = secrets.token_bytes(32)
        self._listener = Listener(authkey=authkey)
        self.scorer = ProgressScorer(candidates, fold_keys,
                                     Handle(str(self._listener.address), authkey))
        self._clock = clock
        self._eta = EtaEstimate(self.total, n_parallel)
        self.first_eta: Optional[float] = None
        self._started = self._last_report = 0.0
        self._workers: Dict[str, float] = {}
        self._readers: List[threading.Thread] = []
        self._connections: list = []
        self._bar = None

    @property
    def cv_seconds(self) -> float:
        """Seconds from the start to the last fit's report (0 before any)."""
        return self._last_report - self._started if self.done else 0.0

    # ------------------------------------------------------------ parent side
    def __enter__(self) -> "SearchProgress":
        self._started = self._clock()
        _consumers[self.scorer.handle.address] = self.consume
        if self.show_bar:
            from tqdm import tqdm

            try:  # a terminal that reports no width (0 columns) gets 80
                sized = os.get_terminal_size(sys.stderr.fileno()).columns > 0
            except (OSError, ValueError):
                sized = False
            self._bar = tqdm(total=self.total, unit="fit", file=sys.stderr, desc="search",
                             dynamic_ncols=sized, ncols=None if sized else 80)
        threading.Thread(target=self._accept, name="search-progress", daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        _consumers.pop(self.scorer.handle.address, None)
        self.scorer.handle = None
        try:
            self._listener.close()
        except OSError:  # pragma: no cover - already closed
            pass
        for connection in self._connections:
            connection.close()
        for reader in self._readers:
            reader.join(timeout=1.0)
        if self._bar is not None:
            self._bar.close()

    def _accept(self) -> None:
        while True:
            try:
                connection = self._listener.accept()
            except (OSError, EOFError):  # closed by __exit__ (or a bad key)
                return
            self._connections.append(connection)
            reader = threading.Thread(target=self._read, args=(connection,), daemon=True)
            self._readers.append(reader)
            reader.start()

    def _read(self, connection) -> None:
        while True:
            try:
                message = connection.recv()
            except (OSError, EOFError):
                return
            self.consume(message)

    def consume(self, message: dict) -> None:
        """Print the line of one finished fit (thread-safe)."""
        with self._lock:
            now = self._clock()
            since = self._workers.get(message.get("worker"), self._started)
            self._workers[message.get("worker")] = now
            self.done += 1
            self._last_report = now
            elapsed = now - self._started
            self._eta.add(now - since, message.get("worker"))
            remaining = self._eta.remaining()
            if self.first_eta is None:
                self.first_eta = elapsed + remaining
            line = (f"fit {self.done}/{self.total}  "
                    f"candidate {message['candidate'] or '?'}/{self.n_candidates}  "
                    f"fold {message['fold'] or '?'}/{self.n_folds}  "
                    f"{self.score_name} {message['score']:.4f}  {now - since:.1f}s  "
                    f"elapsed {_duration(elapsed)}  ETA {_duration(remaining)}")
            self.lines.append(line)
            if self._bar is not None:
                self._bar.write(line, file=self.out)
                self._bar.update(1)
            else:
                print(line, file=self.out, flush=True)
