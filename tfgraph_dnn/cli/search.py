"""``tfgraph-dnn search``: randomized hyper-parameter search (room: ``cli``).

The chapter's exercise: a randomized search over a DNNClassifier that scales
its inputs itself (as train: the data set's own scaling; standard for CSV and
NPZ files; or --feature-scaling), with train's budget per fit (30 epochs;
--early-stopping to stop on a held-out fraction instead); the first
candidate is train's defaults, the others are sampled (one sub-space
per optimizer, see search_space.py), so the search keeps the plain model
unless cross-validation finds a better one. The best model is then scored on
a held-out test split. It says what is starting from the first second; each
finished fit prints a line (candidate, fold, score, seconds, ETA); on a
terminal a progress bar counts the fits. The best parameters list only those
that apply to the chosen optimizer. The run directory
(<log-dir>/run-<timestamp>-search) receives search_results.csv (cv_results_),
metrics.json and one TensorBoard run per fit (the HParams dashboard compares
them). --save DIR saves the best DNNClassifier, its scaling included, so
predict takes raw features; a directory holding a different model is refused
unless --overwrite. --dask ADDRESS runs the fits on a Dask cluster
(local: a LocalCluster on this machine).
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
from typing import Optional

import numpy as np

from ..exceptions import CliError
from .common import (AUTO_SCALING, add_data_flags, add_run_flags, check_save_target,
                     import_estimators, number_in, plain_text, positive_int, to_builtin,
                     write_json)
from ..data.features import declared_feature_names
from .data import load_training_data, split_train_test

def threads_per_job(n_jobs: int, n_cpus: Optional[int] = None,
                    n_fits: Optional[int] = None) -> Optional[int]:
    """TensorFlow threads per fit so that ``n_jobs`` parallel fits share the cores.

    Parameters
    ----------
    n_jobs : int
        As given to ``--n-jobs`` (joblib's meaning: -1 is every core).
    n_cpus : int, optional
        Usable cores; default ``joblib.cpu_count()``.
    n_fits : int, optional
        Fits of the search: no more than these run at once.

    Returns
    -------
    int or None
        ``max(1, n_cpus // jobs)`` when fits run in parallel, else ``None``
        (TensorFlow's default: every core for the single fit).
    """
    import joblib

    n_cpus = n_cpus or joblib.cpu_count()
    jobs = n_jobs if n_jobs > 0 else max(n_cpus + 1 + n_jobs, 1)
    jobs = min(jobs, n_fits) if n_fits else jobs
    return max(1, n_cpus // jobs) if jobs > 1 else None


def _column(values) -> list:
    """A ``cv_results_`` column as Python values (masked entries: empty strings)."""
    mask = np.ma.getmaskarray(values) if isinstance(values, np.ma.MaskedArray) \
        else np.zeros(len(values), bool)
    data = values.data if isinstance(values, np.ma.MaskedArray) else values
    return ["" if masked else to_builtin(item) for item, masked in zip(data, mask)]


def write_cv_results(cv_results: dict, path: str, use_pandas: bool = True) -> str:
    """Write ``cv_results_`` as CSV: one row per candidate, ``params`` as JSON.

    Parameters
    ----------
    cv_results : dict
        ``RandomizedSearchCV.cv_results_`` (masked ``param_*`` columns: empty cells).
    path : str
    use_pandas : bool, default=True
        Use pandas when it is installed, else the csv module; both write the
        same table.

    Returns
    -------
    str
        ``path``.
    """
    columns = {name: _column(values) for name, values in cv_results.items() if name != "params"}
    columns["params"] = [json.dumps(to_builtin(params), sort_keys=True)
                         for params in cv_results["params"]]
    pandas = None
    if use_pandas:
        try:
            import pandas
        except ImportError:
            pass
    if pandas is not None:
        pandas.DataFrame(columns).to_csv(path, index=False, na_rep="nan")
        return path
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(columns))
        writer.writerows(zip(*columns.values()))
    return path


def _failure_summary(error: ValueError) -> str:
    """sklearn's "All the N fits failed" error, cut to its first and last lines."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return f"{lines[0]} Last error: {lines[-1]}" if len(lines) > 1 else str(error)


def require_dask() -> None:
    """Raise a one-line :class:`CliError` naming the install command if Dask is missing."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError as error:
        raise CliError("--dask needs Dask: pip install 'tfgraph_dnn[dask]'") from error


@contextlib.contextmanager
def dask_backend(address: Optional[str]):
    """joblib's ``dask`` backend on ``address`` (``"local"``: a LocalCluster); no-op if None."""
    if address is None:
        yield
        return
    require_dask()
    import joblib
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(host="127.0.0.1", dashboard_address=None, threads_per_worker=1,
                           silence_logs=50) if address == "local" else None
    client = Client(cluster if cluster is not None else address)
    try:
        with joblib.parallel_config(backend="dask"):
            yield
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _explicit_splits(n_folds: int, X, y) -> list:
    """The folds ``RandomizedSearchCV(cv=n_folds)`` uses for a classifier, as index pairs."""
    from sklearn.model_selection import check_cv

    return list(check_cv(n_folds, y, classifier=True).split(X, y))


def cmd_search(args) -> int:
    """``search``: randomized search, report best parameters and scores, write results.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed flags of ``search``.

    Returns
    -------
    int
        0; errors raise (``main`` turns them into exit code 2).
    """
    # Said at once: data, TensorFlow and worker processes take seconds before the first fit.
    n_fits = args.n_iter * args.cv
    print(f"search: {args.n_iter} candidates (the first: train's defaults) x {args.cv} folds "
          f"= {n_fits} fits, {_where(args)}; loading the data", flush=True)
    check_save_target(args.save)
    if args.dask is not None:
        require_dask()
    data = load_training_data(args)
    check_save_target(args.save, "DNNClassifier", data.X.shape[1], args.overwrite,
                      data.feature_names)
    X_train, X_test, y_train, y_test = split_train_test(args, data.X, data.y, data.source,
                                                         data.test)
    print("loading TensorFlow", flush=True)
    from sklearn.model_selection import GridSearchCV, ParameterSampler

    from .models import build_model, describe_scaling, network_of, param_prefix, save_model
    from .progress import SearchProgress, fingerprint
    from .search_space import (applicable_params, choose_candidate, default_candidate,
                               search_space)

    estimators = import_estimators()
    from ..training.events import best_effort_call  # logs never lose the results
    from ..training.tensorboard import new_run_dir, write_search_summary

    scaling = search_scaling(args, data.scaling)
    run_dir = new_run_dir(args.log_dir, "search")
    model = build_model(estimators.DNNClassifier, dict(
        n_epochs=args.n_epochs, early_stopping=args.early_stopping, patience=args.patience,
        validation_fraction=args.validation_fraction,
        n_threads=threads_per_job(args.n_jobs, n_fits=n_fits),
        log_dir=run_dir, run_name="fit", random_state=args.random_state), scaling)
    prefix = param_prefix(model)
    # train's defaults first, then sampled candidates: the search keeps the plain model
    # unless cross-validation finds a better one.
    candidates = [default_candidate(prefix)] + list(ParameterSampler(
        search_space(prefix), args.n_iter - 1, random_state=args.random_state))
    splits = _explicit_splits(args.cv, X_train, y_train)
    print(f"feature scaling: {describe_scaling(scaling)} (fitted and saved with the model)",
          flush=True)
    parallel = _parallel_fits(args, n_fits)
    with dask_backend(args.dask):
        if args.dask is None and parallel > 1:
            print(f"starting {parallel} worker processes (each loads TensorFlow)", flush=True)
            print(f"workers ready in {start_workers(args.n_jobs, parallel):.1f}s", flush=True)
        elif args.dask is None:
            warm_up()  # the refit and the fits here: TensorFlow's runtime started once
        print(f"fitting {n_fits} fits", flush=True)
        with SearchProgress(candidates, [fingerprint(X_train[test]) for _, test in splits],
                            score_name="accuracy",
                            n_parallel=None if args.dask else parallel) as progress:
            # The sampled candidates as an explicit list (GridSearchCV over one-point grids
            # evaluates exactly these, in this order): RandomizedSearchCV cannot put the
            # default first.
            search = GridSearchCV(model, [{name: [value] for name, value in candidate.items()}
                                          for candidate in candidates],
                                  cv=splits, n_jobs=args.n_jobs, error_score=np.nan,
                                  scoring=progress.scorer, refit=choose_candidate)
            try:
                # a CSV header: the refit model's feature_names_in_ (fits in this process)
                with declared_feature_names(data.feature_names):
                    search.fit(X_train, y_train)
            except ValueError as error:
                if "fits failed" not in str(error):
                    raise
                raise CliError(_failure_summary(error))
    if progress.first_eta is not None:
        print(f"cross-validation: {progress.done} fits in {progress.cv_seconds:.1f}s "
              f"(predicted after the first fit: {progress.first_eta:.1f}s)")
    results_path = best_effort_call(run_dir, "search_results.csv", write_cv_results,
                                    search.cv_results_,
                                    os.path.join(run_dir, "search_results.csv"))
    best_params = applicable_params({name[len(prefix):]: value for name, value in
                                     sorted(search.best_params_.items())})
    best_score = float(search.cv_results_["mean_test_score"][search.best_index_])
    top_score = float(np.nanmax(search.cv_results_["mean_test_score"]))
    with declared_feature_names(data.feature_names):
        accuracy = float(search.score(X_test, y_test))
    write_search_summary(run_dir, search.cv_results_, test_score=accuracy)
    best_effort_call(run_dir, "metrics.json", write_json, os.path.join(run_dir, "metrics.json"), {
        "source": data.source, "n_iter": args.n_iter, "cv": args.cv,
        "feature_scaling": describe_scaling(scaling),
        "best_params": best_params, "best_cv_accuracy": best_score,
        "best_is_train_default": int(search.best_index_) == 0,
        "test_accuracy": accuracy,
        "cv_seconds": progress.cv_seconds, "predicted_cv_seconds": progress.first_eta})
    shown = (f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
             for k, v in best_params.items())
    default = "  (train's defaults)" if int(search.best_index_) == 0 else ""
    print("best params: " + " ".join(shown) + default)
    print(f"best CV accuracy: {best_score:.4f} ({args.cv}-fold, {args.n_iter} candidates)")
    if top_score > best_score:
        print(f"  (kept train's defaults: the top CV accuracy, {top_score:.4f}, is within "
              "the folds' noise of theirs)")
    print(f"test accuracy: {accuracy:.4f}")
    results_name = os.path.basename(results_path or "search_results.csv")
    print(f"files: {os.path.abspath(run_dir)} ({results_name}, "
          "metrics.json, TensorBoard runs)")
    if args.save:
        best = search.best_estimator_
        # The thread budget was for parallel fits; a loaded model uses TF's default.
        network_of(best).set_params(n_threads=None)
        save_model(best, args.save, args.overwrite)
        print(f"saved: {os.path.abspath(args.save)} (the best DNNClassifier, its feature "
              "scaling included: predict takes raw features)")
    return 0


#: What ``--feature-scaling auto`` (the default) means here, for its help text.
SCALING_DEFAULT = "the data set's own, as train; standard for CSV/NPZ files"


def search_scaling(args, data_scaling):
    """``--feature-scaling``; ``auto``: the data set's own scaling (as ``train``), else
    ``standard`` (a file's features may have any range)."""
    if args.feature_scaling != AUTO_SCALING:
        return args.feature_scaling
    return "standard" if data_scaling is None else data_scaling


def _where(args) -> str:
    """Where the fits run, for the first line."""
    if args.dask is not None:
        return f"on Dask ({args.dask})"
    return "one at a time" if args.n_jobs == 1 else f"--n-jobs {args.n_jobs}"


def _parallel_fits(args, n_fits: int) -> int:
    """How many fits run at once with ``--n-jobs`` (joblib's meaning of negative values)."""
    import joblib

    jobs = args.n_jobs if args.n_jobs > 0 else max(joblib.cpu_count() + 1 + args.n_jobs, 1)
    return max(1, min(jobs, n_fits))


def warm_up() -> int:
    """Import the estimators (and TensorFlow) quietly and run one tiny fit in this process.

    The first fit of a process also starts TensorFlow's runtime (devices,
    thread pools, kernels): done here, it stays out of the search's first fit,
    whose duration is the first ETA's only measurement.
    """
    estimators = import_estimators()
    rows = np.arange(8, dtype=np.float32).reshape(4, 2)
    estimators.DNNClassifier(n_hidden=1, n_neurons=2, n_epochs=1, batch_size=4, n_threads=1,
                             random_state=0).fit(rows, [0, 1, 0, 1])
    return os.getpid()


def start_workers(n_jobs: int, n_workers: int) -> float:
    """Start joblib's worker processes and :func:`warm_up` each; returns the seconds.

    The search's own ``Parallel(n_jobs)`` then reuses the same (loky) processes,
    so its first fits -- and the ETA measured from them -- no longer include
    every worker's start-up.
    """
    import time

    from joblib import Parallel, delayed

    started = time.perf_counter()
    Parallel(n_jobs=n_jobs)(delayed(warm_up)() for _ in range(n_workers))
    return time.perf_counter() - started


def _n_jobs(text: str) -> int:
    value = number_in(int)(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be a non-zero integer (-1: one job per core)")
    return value


def add_parser(commands) -> None:
    """Add ``search`` and its flags to the sub-commands of ``tfgraph-dnn``."""
    parser = commands.add_parser(
        "search", help="randomized hyper-parameter search over DNNClassifier",
        description=plain_text(__doc__))
    add_data_flags(parser)
    group = parser.add_argument_group("search")
    group.add_argument("--n-iter", type=positive_int, default=10,
                       help="parameter settings sampled (default: 10)")
    group.add_argument("--cv", type=number_in(int, 2), default=3,
                       help="cross-validation folds (default: 3)")
    group.add_argument("--n-jobs", type=_n_jobs, default=1,
                       help="fits run in parallel, -1 for one per core; TensorFlow threads "
                       "per fit are divided accordingly (default: 1)")
    group.add_argument("--dask", metavar="ADDRESS", default=None,
                       help="run the fits on the Dask scheduler at ADDRESS (e.g. "
                       "tcp://host:8786), or 'local' for a LocalCluster here; needs "
                       "pip install 'tfgraph_dnn[dask]' (use with --n-jobs -1)")
    # train's budget per fit: the first candidate is then exactly the model train fits
    add_run_flags(parser, n_epochs=30, early_stopping=False, patience=10,
                  scaling_default=SCALING_DEFAULT)
    parser.set_defaults(func=cmd_search)
