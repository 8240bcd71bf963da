"""First fits: each library in a fresh process, timed on a structure it never fitted.

Most fits a user runs outside a search are the first fit of their structure in
the process: our graph cache (and any peer's warm state) does not help them.
:func:`first_fits` (the ``first_fit`` and ``first_fit_mnist`` sections of
``run.py``, see ``sections.py``) starts one subprocess per peer and repetition, peers interleaved;
each subprocess (``python first_fit.py --peer KEY ...``) imports its library,
loads the data, runs a warm-up fit of a *different* structure (2 x 30 units,
one epoch, 1,000 rows: the runtime is started, nothing of the timed structure
is cached), then times

* ``first``: the whole ``fit`` of a fresh estimator of the benchmark's net;
* ``cached``: the same ``fit`` of a second fresh estimator (our graph cache hits;
  a peer simply fits again);
* ``first_predict``: the first ``predict_proba`` of 1 row of the first model;

and prints them as one JSON line.  Nothing here asserts on timings.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from processes import run_worker  # noqa: E402
from rounds import Runner, interleave  # noqa: E402


def worker(argv: Optional[List[str]] = None) -> Dict[str, float]:
    """One subprocess: warm-up fit of another structure, then the timed fits."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--peer", required=True)
    parser.add_argument("--data", default="mnist_5k")
    parser.add_argument("--rows", type=int, default=55_000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--mnist-dir", default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["KERAS_BACKEND"] = "tensorflow"
    sys.path.insert(0, str(HERE))
    sys.path.insert(1, str(HERE.parent))
    import warnings

    from threadpoolctl import threadpool_limits

    import bench_data
    import quiet
    from environment import import_quietly, select_peers, set_threads
    from peers import Net

    import_quietly()
    from sklearn.exceptions import ConvergenceWarning
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    threads = set_threads(args.threads)
    peers, skipped = select_peers([args.peer], threads["dnn_n_threads"])
    if not peers:
        raise SystemExit(f"peer {args.peer} unusable: {skipped.get(args.peer)}")
    peer = peers[0]
    X, y, _ = bench_data.load(args.data, args.rows, args.mnist_dir)
    n_classes = int(y.max()) + 1
    net = Net().with_(batch_size=args.batch)
    with threadpool_limits(limits=args.threads), quiet.filtered_stderr():
        warm = peer.make(net.with_(n_hidden=2, n_units=30, n_epochs=1), X.shape[1], n_classes)
        warm.fit(X[:1000], y[:1000])
        warm.predict_proba(X[:1])
        result = {}
        first = peer.make(net, X.shape[1], n_classes)
        started = time.perf_counter()
        first.fit(X, y)
        result["first"] = time.perf_counter() - started
        started = time.perf_counter()
        first.predict_proba(X[:1])
        result["first_predict"] = time.perf_counter() - started
        second = peer.make(net, X.shape[1], n_classes)
        started = time.perf_counter()
        second.fit(X, y)
        result["cached"] = time.perf_counter() - started
    result["load_1min"] = os.getloadavg()[0]
    return result


def _run_worker(peer: str, data: str, rows: int, batch: int, threads: int,
                mnist_dir: Optional[str]) -> Dict[str, Any]:
    args = ["--peer", peer, "--data", data, "--rows", rows, "--batch", batch,
            "--threads", threads] + (["--mnist-dir", mnist_dir] if mnist_dir else [])
    return run_worker(__file__, args)


def first_fits(peer_keys: Sequence[str], data: str, rows: int, batch_sizes: Sequence[int],
               repeats: int, threads: int, mnist_dir: Optional[str] = None
               ) -> Dict[str, Any]:
    """``{batch: {peer: {"samples": [...], "summary": {key: {median, min, max}}}}}``:
    ``repeats`` fresh processes per peer and batch size, peers round-robin (the
    starting peer rotates; no warm-up round: each process warms up itself), so a
    machine getting busier slows every peer alike.  A peer whose process fails gets
    ``error`` and is not run again."""
    def runner(key: str, batch: int) -> Runner:
        return lambda: _run_worker(key, data, rows, batch, threads, mnist_dir)

    return {str(batch): interleave({key: runner(key, batch) for key in peer_keys}, repeats,
                                   warmup=0)
            for batch in batch_sizes}


if __name__ == "__main__":
    print(json.dumps(worker()), flush=True)
