"""A ``RandomizedSearchCV`` of ``Pipeline(StandardScaler, DNNClassifier)`` on a Dask cluster.

scikit-learn runs the search's fits through joblib; inside
``joblib.parallel_config(backend="dask")`` joblib hands them to the Dask
workers instead of local processes, and scatters the training data to the
workers (once per search, not once per fit).  Each fit builds its own graph
and Session in the worker, with ``n_threads`` TensorFlow threads.

Run from the repository root::

    python examples/dask_search.py                      # LocalCluster on 127.0.0.1
    python examples/dask_search.py --quick              # 3 candidates, 2 folds, 5 epochs
    python examples/dask_search.py --scheduler tcp://scheduler-host:8786   # a real cluster

On a real cluster every worker needs ``tfgraph_dnn`` (and the same scikit-learn,
TensorFlow, dask versions) installed; the script checks and says which worker
lacks it.  Start the workers with ``--nthreads 1`` and keep ``--n-threads 1``
(one TensorFlow thread per fit) so fits x threads never exceed the cores.

Same seed, same result: every candidate has ``random_state=--seed``, so the
search gives the same ``cv_results_`` scores on any number of workers (and as
``n_jobs=1`` on one machine).  Adam's ``beta1``/``beta2`` are sampled only for
Adam (the space is a list of two dicts).  The refitted best model's learning
curves go to ``examples/output/dask_search_best.png``.  Without Dask the
script says which package to install (exit code 2).
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
from pathlib import Path

import numpy as np
from _common import import_package, plot_learning_curves

import_package()  # light: TensorFlow is imported by the first fit, after the flags
from tfgraph_dnn.data.datasets import DATASETS, load_dataset  # noqa: E402  (NumPy only)

OUTPUT = Path(__file__).resolve().parent / "output"
EXIT_MISSING_PACKAGE = 2


def param_distributions():
    """The seed notebook's space (exercise 8c), rates drawn log-uniformly, plus the
    chapter's other knobs; Adam's betas are sampled for Adam only."""
    from scipy.stats import loguniform

    common = {
        "dnn__activation": ["relu", "elu", "leaky_relu", "tanh"],
        "dnn__learning_rate": loguniform(1e-4, 1e-2),
        "dnn__n_neurons": [70, 80, 90, 100, 110, 120, 130, 140, 150],
        "dnn__batch_size": [60, 80, 100, 120, 140, 160, 180, 200],
        "dnn__lr_schedule": [None, "exponential", "1cycle"],
        "dnn__batch_norm_momentum": [None, 0.9],
        "dnn__dropout_rate": [None, 0.2],
    }
    return [dict(common, dnn__optimizer=["adam"], dnn__beta1=[0.9, 0.99, 0.999],
                 dnn__beta2=[0.9, 0.99, 0.999]),
            dict(common, dnn__optimizer=["nesterov", "rmsprop"])]


def plain(params: dict) -> dict:
    """``{"learning_rate": 0.0016, ...}``: names without ``dnn__``, NumPy scalars as Python's."""
    return {name.replace("dnn__", ""): value.item() if isinstance(value, np.generic) else value
            for name, value in sorted(params.items())}


def import_dask():
    """``(Client, LocalCluster)``; without Dask, a one-line message and exit code 2."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        print("examples/dask_search.py: error: this example needs Dask: "
              "pip install 'tfgraph_dnn[dask]'", file=sys.stderr)
        sys.exit(EXIT_MISSING_PACKAGE)
    return Client, LocalCluster


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="address of a running Dask scheduler, e.g. tcp://host:8786 "
                             "(default: start a LocalCluster on 127.0.0.1)")
    parser.add_argument("--n-workers", type=int, default=2,
                        help="worker processes of the LocalCluster (default: 2)")
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="digits")
    parser.add_argument("--n-iter", type=int, help="candidates (default: 10; --quick: 3)")
    parser.add_argument("--cv", type=int, help="folds (default: 3; --quick: 2)")
    parser.add_argument("--n-hidden", type=int, default=3, help="hidden layers (default: 3)")
    parser.add_argument("--n-epochs", type=int,
                        help="epochs per fit (default: 20; --quick: 5)")
    parser.add_argument("--n-threads", type=int, default=1,
                        help="TensorFlow threads per fit (default: 1)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quick", action="store_true",
                        help="smaller defaults (3 candidates, 2 folds, 5 epochs): a smoke "
                             "test of the cluster")
    args = parser.parse_args(argv)
    defaults = dict(n_iter=3, cv=2, n_epochs=5) if args.quick else dict(n_iter=10, cv=3,
                                                                          n_epochs=20)
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def _worker_versions():
    """Runs on every worker: the tfgraph_dnn version there, or None if missing."""
    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # no deprecation notes per fit
    try:
        return importlib.import_module("tfgraph_dnn").__version__
    except ImportError:
        return None


def check_workers(client) -> dict:
    """Fail early, naming the workers that cannot import tfgraph_dnn."""
    client.wait_for_workers(1, timeout=60)
    versions = client.run(_worker_versions)
    missing = sorted(address for address, version in versions.items() if version is None)
    if missing:
        sys.exit(f"tfgraph_dnn is not installed on worker(s) {', '.join(missing)}: "
                 "pip install it (same version) in every worker's environment.")
    return versions


def make_search(args):
    from sklearn.model_selection import RandomizedSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from tfgraph_dnn import DNNClassifier

    pipeline = Pipeline([
        ("scale", StandardScaler()),
        ("dnn", DNNClassifier(n_hidden=args.n_hidden, n_epochs=args.n_epochs,
                              n_threads=args.n_threads, random_state=args.seed)),
    ])
    # n_jobs=-1: as many fits at once as the cluster has worker threads.
    return RandomizedSearchCV(pipeline, param_distributions(), n_iter=args.n_iter, cv=args.cv,
                              n_jobs=-1, random_state=args.seed, error_score="raise")


def main(argv=None) -> int:
    args = parse_args(argv)
    Client, LocalCluster = import_dask()
    import joblib
    from sklearn.model_selection import train_test_split

    X, y = load_dataset(args.dataset)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=args.seed, stratify=y)

    start = time.perf_counter()
    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.n_workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None,
                               silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        versions = check_workers(client)
        connect_seconds = time.perf_counter() - start
        threads = sum(client.ncores().values())
        print(f"cluster: {client.scheduler_info()['address']}, {len(versions)} workers, {threads} "
              f"threads, tfgraph_dnn {sorted(set(versions.values()))} "
              f"(ready in {connect_seconds:.1f} s)")
        print(f"search: {args.n_iter} candidates x {args.cv} folds on {args.dataset} "
              f"({len(X_train)} training rows), {args.n_epochs} epochs per fit")

        search = make_search(args)
        start = time.perf_counter()
        # scatter: send the training data to every worker once, up front (joblib would
        # otherwise scatter it on first use and let workers copy it from each other).
        with joblib.parallel_config(backend="dask", scatter=[X_train, y_train]):
            search.fit(X_train, y_train)
        search_seconds = time.perf_counter() - start
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    results = search.cv_results_
    fit_seconds = float(np.sum(results["mean_fit_time"] + results["mean_score_time"]) * args.cv)
    print("\nrank  mean CV accuracy  fit s  candidate")
    for i in np.argsort(results["rank_test_score"]):
        params = plain(results["params"][i])
        print(f"{results['rank_test_score'][i]:>4}  {results['mean_test_score'][i]:.4f} "
              f"+- {results['std_test_score'][i]:.4f}  {results['mean_fit_time'][i]:5.1f}  "
              f"{params}")
    print(f"\nbest params: {plain(search.best_params_)}")
    print(f"best CV accuracy: {search.best_score_:.4f}")
    print(f"test accuracy (refit on all training rows): {search.score(X_test, y_test):.4f}")
    cluster_seconds = search_seconds - search.refit_time_
    print(f"timings: cluster ready {connect_seconds:.1f} s; search {search_seconds:.1f} s = "
          f"{cluster_seconds:.1f} s on the cluster for {fit_seconds:.1f} s of fitting and "
          f"scoring ({fit_seconds / cluster_seconds:.1f}x) + {search.refit_time_:.1f} s "
          f"refitting the best candidate here")
    best = search.best_estimator_.named_steps["dnn"]
    path = plot_learning_curves([("best candidate, refit", best.history_, 0)],
                                "Dask search: learning curves of the best candidate, "
                                "refit on the training rows",
                                OUTPUT / "dask_search_best.png")
    print(f"curves -> {path}")
    return 0


if __name__ == "__main__":  # required: the LocalCluster's workers are spawned processes
    sys.exit(main())
