"""The benchmark's sections: their names, the settings of a quick and a full run, and what
each section runs.

``run.py`` (the command line) picks the sections and the mode; :func:`section_jobs` gives,
per section, a zero-argument job that loads the data it needs (once per run, see
:class:`DataSets`) and calls its workload: in this process (``workloads.py``) or in fresh
processes per peer (``first_fit.py``).  The report's row numbers are in
``results_table.py``.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

import bench_data
import first_fit
import workloads
from peers import Net, Peer

SECTIONS = ("fit", "search", "predict", "fit_mnist", "transfer", "n_jobs", "rss", "first_fit",
            "first_fit_mnist")
MODES = {
    # repeats: timed rounds after one discarded warm-up round, per section
    "quick": dict(repeats=2, search_repeats=1, search_epochs=15, predict_repeats=2,
                  predict_budget=0.25, mnist_rows=55_000, transfer_rows=11_000,
                  transfer_epochs=5, transfer_repeats=2, n_jobs_epochs=3, n_jobs_repeats=2,
                  rss_fits=50),
    "full": dict(repeats=5, search_repeats=3, search_epochs=15, predict_repeats=5,
                 predict_budget=1.0, mnist_rows=55_000, transfer_rows=55_000,
                 transfer_epochs=5, transfer_repeats=3, n_jobs_epochs=3, n_jobs_repeats=3,
                 rss_fits=50),
}
#: The settings of a mode that ``--repeats`` overrides.
REPEAT_KEYS = ("repeats", "search_repeats", "predict_repeats", "transfer_repeats",
               "n_jobs_repeats")
#: The report's rows each data set feeds (the keys of the JSON's ``data``).
DATA_ROWS = {"mnist_5k": "rows 1-2, 4, 8", "digits": "rows 3, 9", "mnist": "rows 5-7"}
#: Batch sizes of the fit rows (1-2, 5-6) and of the first fits.
BATCH_SIZES = (50, 500)
#: Rows of the bulk prediction (row 4).
BULK_ROWS = 10_000


class DataSets:
    """The run's data sets, each loaded on first use and kept; ``notes`` (the JSON's
    ``data``) says, per group of rows, what was loaded."""

    def __init__(self, mnist_rows: int, mnist_dir: Optional[str],
                 notes: Dict[str, str]) -> None:
        self.mnist_rows, self.mnist_dir, self.notes = mnist_rows, mnist_dir, notes
        self._loaded: Dict[str, Tuple[Any, Any]] = {}

    def __call__(self, name: str) -> Tuple[Any, Any]:
        """``(X, y)`` of the data set ``name`` (see ``bench_data.load``)."""
        if name not in self._loaded:
            X, y, text = bench_data.load(name, self.mnist_rows, self.mnist_dir)
            self.notes[DATA_ROWS[name]] = text
            self._loaded[name] = (X, y)
        return self._loaded[name]


def bulk_rows(X: Any, n_rows: int = BULK_ROWS) -> Any:
    """``n_rows`` rows made by repeating ``X`` (C-contiguous): the bulk prediction's input."""
    return np.ascontiguousarray(np.resize(X, (n_rows, X.shape[1])))


def section_jobs(peers: Sequence[Peer], mode: Dict[str, Any], data: DataSets,
                 dnn_n_threads: Optional[int], n_threads: int,
                 mnist_dir: Optional[str]) -> Dict[str, Callable[[], Any]]:
    """Per section, the job that measures it and returns its JSON entry.

    Parameters
    ----------
    peers
        The usable peers (``environment.select_peers``).
    mode
        The run's settings (an entry of :data:`MODES`, with ``--repeats`` applied).
    data
        The run's data sets.
    dnn_n_threads
        ``n_threads`` of our estimator in the transfer row (``None``: its default).
    n_threads
        ``--threads``, passed to the first-fit worker processes.
    mnist_dir
        ``--mnist-dir``, passed to the first-fit worker processes.
    """
    net = Net()
    keys: List[str] = [peer.key for peer in peers]
    transfer_rows = mode["transfer_rows"]
    return {
        "fit": lambda: workloads.fits(peers, *data("mnist_5k"), BATCH_SIZES, net,
                                      mode["repeats"]),
        "search": lambda: workloads.search(peers, *data("digits"), mode["search_epochs"],
                                           mode["search_repeats"]),
        "predict": lambda: workloads.predict(
            peers, *data("mnist_5k"), bulk_rows(data("mnist_5k")[0]),
            net.with_(batch_size=500), mode["predict_repeats"], mode["predict_budget"]),
        "fit_mnist": lambda: workloads.fits(peers, *data("mnist"), BATCH_SIZES, net,
                                            mode["repeats"]),
        "transfer": lambda: workloads.transfer(
            data("mnist")[0][:transfer_rows], data("mnist")[1][:transfer_rows],
            net.with_(n_epochs=mode["transfer_epochs"]), dnn_n_threads,
            mode["transfer_repeats"]),
        "n_jobs": lambda: workloads.n_jobs(*data("mnist_5k"), mode["n_jobs_epochs"],
                                           mode["n_jobs_repeats"]),
        "rss": lambda: workloads.rss_growth(*data("digits"), n_fits=mode["rss_fits"]),
        # Each peer in fresh processes (see first_fit.py): nothing cached, nothing shared.
        "first_fit": lambda: first_fit.first_fits(
            keys, "mnist_5k", 5_000, BATCH_SIZES, mode["repeats"], n_threads, mnist_dir),
        "first_fit_mnist": lambda: first_fit.first_fits(
            keys, "mnist", mode["mnist_rows"], BATCH_SIZES, mode["repeats"], n_threads,
            mnist_dir),
    }
