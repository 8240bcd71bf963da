"""``tfgraph-dnn search``: randomized hyper-parameter search (room: ``cli``).

The chapter's exercise: RandomizedSearchCV over a DNNClassifier that
standardizes its inputs itself (feature_scaling=standard, or
--feature-scaling), with early stopping and a small epoch budget per fit;
the best model is then scored on a held-out test split. Each finished fit
prints a line (candidate, fold, score, seconds, ETA); on a terminal a
progress bar counts the fits. The run directory
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

#: Search space of the net's parameters (lists are sampled uniformly); see search_space().
SPACE_NAMES = ("n_hidden", "n_neurons", "activation", "optimizer", "learning_rate", "beta1",
               "beta2", "batch_size", "lr_schedule", "batch_norm_momentum", "dropout_rate")


def search_space(prefix: str = "") -> dict:
    """The distributions sampled for ``<prefix><parameter>`` (lists: sampled uniformly)."""
    from scipy.stats import loguniform, randint

    space = {
        "n_hidden": randint(1, 6),                     # 1..5
        "n_neurons": randint(10, 101),                 # 10..100
        "activation": ["relu", "elu", "selu", "leaky_relu"],
        "optimizer": ["adam", "momentum", "nesterov", "rmsprop"],
        "learning_rate": loguniform(1e-4, 1e-1),
        "beta1": [0.85, 0.9, 0.95],                    # Adam only
        "beta2": [0.99, 0.999, 0.9999],                # Adam only
        "batch_size": [16, 32, 64, 128],
        "lr_schedule": [None, "exponential", "power", "performance", "1cycle"],
        "batch_norm_momentum": [None, 0.9, 0.99],
        "dropout_rate": [None, 0.2, 0.5],
    }
    return {f"{prefix}{name}": values for name, values in space.items()}


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
    check_save_target(args.save)
    if args.dask is not None:
        require_dask()
    data = load_training_data(args)
    check_save_target(args.save, "DNNClassifier", data.X.shape[1], args.overwrite,
                      data.feature_names)
    X_train, X_test, y_train, y_test = split_train_test(args, data.X, data.y, data.source,
                                                         data.test)
    from sklearn.model_selection import ParameterSampler, RandomizedSearchCV

    from .models import build_model, describe_scaling, network_of, param_prefix, save_model
    from .progress import SearchProgress, fingerprint

    estimators = import_estimators()
    from ..training.events import best_effort_call  # logs never lose the results
    from ..training.tensorboard import new_run_dir, write_search_summary

    scaling = "standard" if args.feature_scaling == AUTO_SCALING else args.feature_scaling
    run_dir = new_run_dir(args.log_dir, "search")
    model = build_model(estimators.DNNClassifier, dict(
        n_epochs=args.n_epochs, early_stopping=args.early_stopping, patience=args.patience,
        validation_fraction=args.validation_fraction,
        n_threads=threads_per_job(args.n_jobs, n_fits=args.n_iter * args.cv),
        log_dir=run_dir, run_name="fit", random_state=args.random_state), scaling)
    prefix = param_prefix(model)
    space = search_space(prefix)
    candidates = list(ParameterSampler(space, args.n_iter, random_state=args.random_state))
    splits = _explicit_splits(args.cv, X_train, y_train)
    print(f"feature scaling: {describe_scaling(scaling)} (fitted and saved with the model)",
          flush=True)
    with SearchProgress(candidates, [fingerprint(X_train[test]) for _, test in splits],
                        score_name="accuracy") as progress:
        search = RandomizedSearchCV(model, space, n_iter=args.n_iter, cv=splits,
                                    n_jobs=args.n_jobs, random_state=args.random_state,
                                    verbose=1, error_score=np.nan, scoring=progress.scorer)
        try:
            # a CSV header: the refit model's feature_names_in_ (fits in this process)
            with dask_backend(args.dask), declared_feature_names(data.feature_names):
                search.fit(X_train, y_train)
        except ValueError as error:
            if "fits failed" not in str(error):
                raise
            raise CliError(_failure_summary(error))
    results_path = best_effort_call(run_dir, "search_results.csv", write_cv_results,
                                    search.cv_results_,
                                    os.path.join(run_dir, "search_results.csv"))
    best_params = {name[len(prefix):]: value for name, value in
                   sorted(search.best_params_.items())}
    with declared_feature_names(data.feature_names):
        accuracy = float(search.score(X_test, y_test))
    write_search_summary(run_dir, search.cv_results_, test_score=accuracy)
    best_effort_call(run_dir, "metrics.json", write_json, os.path.join(run_dir, "metrics.json"), {
        "source": data.source, "n_iter": args.n_iter, "cv": args.cv,
        "feature_scaling": describe_scaling(scaling),
        "best_params": best_params, "best_cv_accuracy": search.best_score_,
        "test_accuracy": accuracy})
    shown = (f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
             for k, v in best_params.items())
    print("best params: " + " ".join(shown))
    print(f"best CV accuracy: {search.best_score_:.4f} "
          f"({args.cv}-fold, {args.n_iter} candidates)")
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
    add_run_flags(parser, n_epochs=20, early_stopping=True, patience=5,
                  scaling_default="standard")
    parser.set_defaults(func=cmd_search)
