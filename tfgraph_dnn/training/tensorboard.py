"""TensorBoard logging (room: ``training``; writes event files, builds no ops).

One run directory per fit, ``<log_dir>/run-<UTC timestamp>[-<name>]``, laid
out as Keras lays out its runs, so TensorBoard overlays the training and
validation curves in one chart per metric::

    <run>/train/       the graph; epoch_loss, epoch_accuracy, epoch_learning_rate
                       (every numeric key of the epoch logs without ``val_``);
                       the weight histograms when asked for
    <run>/validation/  epoch_loss, epoch_accuracy (the ``val_`` keys), when the
                       fit has validation data
    <run>/hparams/     the run's session of TensorBoard's HParams dashboard:
                       its hyper-parameters, then the metrics of the epoch whose
                       weights the model KEEPS (``loss``, ``accuracy``,
                       ``val_loss``, ``val_accuracy``, ``learning_rate`` and
                       ``best_epoch``), and scores logged after the fit
                       (:func:`log_run_metrics`, e.g. a CV fold's ``score``)

The session is a subdirectory, not ``<run>`` itself: the HParams plugin takes
every scalar under a session's directory as one of its metrics, with its last
value, and the curves' last values are the last epoch's, not the kept one's.

Each search can add one run of its own (:func:`write_search_summary`): the
best candidate's parameters with its mean CV score and test score, and one
session per candidate with its mean CV score.  So the dashboard compares every
fit under ``log_dir`` (e.g. all candidates and folds of a ``RandomizedSearchCV``)
and the search's results side by side.

Event files, their writers and HParams sessions are :mod:`.events`'s.

Failures: a run directory that cannot be made or written when a fit starts is
an error before any training (an ``OSError`` naming the directory); a write
that fails later -- an epoch's curves when the disk fills, the HParams end,
a score, a search's summary -- is one :class:`~.events.LoggingWarning` per
directory, and the fit, score or search returns its result (a fit stops
logging for its remaining epochs).
"""
from __future__ import annotations

import contextlib
import math
import os
import re
from datetime import datetime, timezone
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence

import numpy as np
import tensorflow as tf
from tensorboard.plugins.hparams import api_pb2
from tensorboard.plugins.hparams import summary as hparams_summary

from ..storage import files as storage_files
from .events import (append_summaries, best_effort, file_writer, hparam_values, is_number,
                     logged_tags, scalar_summary, warn_once, write_session, writing)
from .hooks import Callback

v1 = tf.compat.v1

TRAIN, VALIDATION, HPARAMS = "train", "validation", "hparams"
SKIPPED_KEYS = ("epoch", "seconds")  # history keys that are no curve and no metric

def sanitize_name(name: str) -> str:
    """Keep a run name to ``[A-Za-z0-9._-]`` so it cannot leave ``log_dir``."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned[:80]


def new_run_dir(log_dir: str, name: Optional[str] = None) -> str:
    """Create and return ``<log_dir>/run-<UTC timestamp>[-<name>]`` (never reused).

    Raises
    ------
    OSError
        The directory cannot be created (one line naming ``log_dir`` and the cause).
    """
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    suffix = f"-{sanitize_name(name)}" if name and sanitize_name(name) else ""
    base = os.path.join(log_dir, f"run-{stamp}{suffix}")
    path, counter = base, 1
    while True:
        try:
            os.makedirs(path, exist_ok=False)
            return path
        except FileExistsError:
            counter += 1
            path = f"{base}-{counter}"
        except OSError as error:
            raise storage_files.write_failure(error, os.fspath(log_dir),
                                              "a run directory (log_dir)") from error


# --------------------------------------------------------------------------- writing
def curve_scalars(logs: Mapping[str, Any]) -> Dict[str, Dict[str, float]]:
    """An epoch's history row as Keras lays out its curves, by run subdirectory.

    ``{"loss": .3, "val_loss": .4, "learning_rate": .01}`` becomes
    ``{"train": {"epoch_loss": .3, "epoch_learning_rate": .01},
    "validation": {"epoch_loss": .4}}``; ``epoch`` and ``seconds`` are left out.
    """
    groups: Dict[str, Dict[str, float]] = {}
    for key, value in logs.items():
        if key in SKIPPED_KEYS or not is_number(value):
            continue
        group, name = (VALIDATION, key[len("val_"):]) if key.startswith("val_") else (TRAIN, key)
        groups.setdefault(group, {})[f"epoch_{name}"] = float(value)
    return groups


def kept_metrics(row: Mapping[str, Any]) -> Dict[str, float]:
    """The HParams metrics of a kept epoch's history row: its numbers and ``best_epoch``."""
    metrics = {key: float(value) for key, value in row.items()
               if key not in SKIPPED_KEYS and is_number(value)}
    metrics["best_epoch"] = float(row["epoch"])
    return metrics


class TensorBoardHook(Callback):
    """Write the graph, epoch curves, (optionally) histograms and HParams records.

    Parameters
    ----------
    run_dir : str
        The run directory, one per fit (see :func:`new_run_dir`); the hook
        writes into its ``train``, ``validation`` and ``hparams``
        subdirectories (see the module docstring).
    log_histograms : bool, default=False
        Also write the weight histograms after every epoch (from the graph's
        histogram op, which the estimators build only for fits that log them:
        ``log_histograms`` with ``log_dir``, or such a hook in ``callbacks``).
    hparams : mapping, optional
        The fit's hyper-parameters by name (values converted by
        :func:`hparam_values`).  When given, the run gets one session of
        TensorBoard's HParams dashboard: its hyper-parameters are written at
        train begin; at train end the metrics of the kept epoch (the loop
        state's ``kept_epoch``, set by early stopping when it restores the
        best epoch; the last epoch otherwise, see :func:`kept_metrics`) and
        the session's end (status success).  Run this hook after the hooks
        that restore weights.
    """

    # The HParams records are the summary protos of
    # ``tensorboard.plugins.hparams.summary``, written through v1 ``FileWriter``s:
    # plain ``Summary`` messages, so the fit stays in graph mode (``hparams.api``
    # would need eager ``tf.summary`` writers).
    #
    # No experiment config (``experiment_pb``) is written, on purpose: the
    # HParams plugin takes the first config it finds as the whole log
    # directory's and then computes nothing itself, yet a run only knows its
    # own values.  Without one, the plugin derives the experiment from all the
    # sessions: each hyper-parameter's type and domain over every run, which
    # ones differ (the dashboard shows those first, e.g. what a search
    # varied) and the metrics from the sessions' scalar tags.

    def __init__(self, run_dir: str, log_histograms: bool = False,
                 hparams: Optional[Mapping[str, Any]] = None):
        self.run_dir = run_dir
        self.log_histograms = log_histograms
        self.hparams = None if hparams is None else hparam_values(hparams)
        self.initialize()

    def initialize(self) -> "TensorBoardHook":
        """No writers open; a write failure of an earlier fit is forgotten."""
        self._writers: Dict[str, Any] = {}
        self._failed = False  # a write failed after training began: log no more
        return self

    def writing(self):
        """:func:`.events.writing` for this run; on failure the hook lets go of its writers."""
        return writing(self.run_dir, self._release)

    def _release(self) -> List:
        writers, self._writers = list(self._writers.values()), {}
        return writers

    def _writer(self, group: str, graph: tf.Graph):
        if group not in self._writers:
            self._writers[group] = file_writer(os.path.join(self.run_dir, group),
                                               graph if group == TRAIN else None)
        return self._writers[group]

    def on_train_begin(self, state):
        graph = state.session.graph
        with self.writing():
            self._writer(TRAIN, graph)
            if self.hparams is not None:
                # An empty group name makes every run its own row: the folds of a
                # candidate and the final refit stay apart instead of being averaged.
                writer = self._writer(HPARAMS, graph)
                writer.add_summary(hparams_summary.session_start_pb(self.hparams))
                writer.flush()

    @contextlib.contextmanager
    def _during_training(self, what: str) -> Iterator[None]:
        """A write after training began: a failure warns once and ends this run's logging
        (the fit goes on), instead of losing the fit to its logs."""
        try:
            yield
        except Exception as error:  # noqa: BLE001 - logs never crash the fit
            for writer in self._release():
                with contextlib.suppress(Exception):
                    writer.close()
            self._failed = True
            warn_once(self.run_dir, what, error)

    def on_epoch_end(self, state, logs):
        if self._failed:
            return
        step = logs["epoch"]
        # (None when the graph was built without them: a fit that does not ask for them)
        histograms = (state.session.run(state.ops.histograms)
                      if self.log_histograms and state.ops.histograms is not None else None)
        with self._during_training("TensorBoard events"):
            for group, values in curve_scalars(logs).items():
                self._writer(group, state.session.graph).add_summary(scalar_summary(values), step)
            if histograms is not None:
                self._writer(TRAIN, state.session.graph).add_summary(histograms, step)
            for writer in self._writers.values():
                writer.flush()

    def on_train_end(self, state):
        if not self._writers or self._failed:
            return
        with self._during_training("the HParams session"):
            if self.hparams is not None:
                writer = self._writer(HPARAMS, state.session.graph)
                row = state.kept_row()
                if row is not None:
                    writer.add_summary(scalar_summary(kept_metrics(row)), row["epoch"])
                writer.add_summary(hparams_summary.session_end_pb(api_pb2.STATUS_SUCCESS))
            for writer in self._writers.values():
                writer.close()
        self._writers = {}


# --------------------------------------------------------------------------- after the fit
def session_dir(run_dir: str) -> str:
    """Where a run's HParams session is: ``<run_dir>/hparams`` for a fit's run, else ``run_dir``."""
    nested = os.path.join(run_dir, HPARAMS)
    return nested if os.path.isdir(nested) else run_dir


def log_run_metrics(run_dir: Optional[str], metrics: Mapping[str, float], step: int = 0,
                    overwrite: bool = True) -> Dict[str, float]:
    """Add metrics to a finished run's HParams session (e.g. a held-out score).

    The values go into a new event file of the run's session directory
    (:func:`session_dir`), so the dashboard shows them as that run's metrics
    beside those of its kept epoch.

    Parameters
    ----------
    run_dir : str or None
        A fit's run directory (an estimator's ``log_dir_``) or a session's
        directory.  ``None`` (a fit without ``log_dir``) or a directory that
        does not exist (e.g. a model loaded on another machine) writes nothing.
    metrics : mapping of str to float
        Metric tags and values; non-finite values are left out.
    step : int, default=0
        The step the values are recorded at.
    overwrite : bool, default=True
        Whether a tag the run already has gets a new value (the dashboard
        shows a tag's last one); with ``False`` such tags are left as they
        are, so only the first value counts: e.g. the first ``score()`` of a
        fitted model, which in a scikit-learn CV is the held-out fold's (its
        training score, when asked for, comes after).

    Returns
    -------
    dict
        What was written (``{}`` when the write failed: a
        :class:`~.events.LoggingWarning` says so, once per directory; the
        caller's result, e.g. the score, never depends on its log).
    """
    if run_dir is None or not os.path.isdir(run_dir):
        return {}
    directory = session_dir(run_dir)
    values = {str(tag): float(value) for tag, value in metrics.items()
              if math.isfinite(float(value))}
    with best_effort(directory, "metrics (" + ", ".join(sorted(values)) + ")"):
        if not overwrite:
            present = set(logged_tags(directory))
            values = {tag: value for tag, value in values.items() if tag not in present}
        if values:
            append_summaries(directory, [(scalar_summary(values), step)])
        return values
    return {}


def _short_names(names: Sequence[str]) -> Dict[str, str]:
    """``{"dnn__learning_rate": "learning_rate"}``: a pipeline step's prefix off where unique."""
    short = {name: name.rsplit("__", 1)[-1] for name in names}
    clashes = {s for s in short.values() if list(short.values()).count(s) > 1}
    return {name: (name if s in clashes else s) for name, s in short.items()}


def write_search_summary(log_dir: str, cv_results: Mapping[str, Any],
                         test_score: Optional[float] = None, name: str = "search",
                         metric: str = "score") -> str:
    """Write a search's results as HParams sessions of one new run under ``log_dir``.

    The run (:func:`new_run_dir`) is a session with the best candidate's
    parameters and the metrics ``mean_cv_score``, ``std_cv_score`` and
    ``test_score`` (when given); its subdirectories ``candidate-<i>`` are one
    session per candidate (``i`` 1-based, in ``cv_results`` order) with
    ``mean_cv_score``, ``std_cv_score`` and ``rank_cv_score``.  Parameter names
    lose a pipeline step's ``<step>__`` prefix (where that leaves them unique),
    so they share the columns of the fits' own hyper-parameters.  Non-finite
    scores (failed fits) are left out.

    Parameters
    ----------
    log_dir : str
        The log directory the search's fits write to.
    cv_results : mapping
        A search's ``cv_results_``.
    test_score : float, optional
        The refit best model's score on held-out test data.
    name : str, default='search'
        Part of the run's name.
    metric : str, default='score'
        Which scorer's results to write (``mean_test_<metric>``...); the
        default is that of a search with a single scorer.

    Returns
    -------
    str or None
        The run directory; ``None`` when it could not be written (one
        :class:`~.events.LoggingWarning`: the search's results stand without
        their summary).
    """
    with best_effort(log_dir, "the search summary"):
        return _write_search_summary(log_dir, cv_results, test_score, name, metric)
    return None


def _write_search_summary(log_dir, cv_results, test_score, name, metric) -> str:
    params = list(cv_results["params"])
    means = np.asarray(cv_results[f"mean_test_{metric}"], dtype=float)
    stds = np.asarray(cv_results[f"std_test_{metric}"], dtype=float)
    ranks = np.asarray(cv_results[f"rank_test_{metric}"])
    names = _short_names(sorted({key for candidate in params for key in candidate}))

    def finite(metrics: Mapping[str, float]) -> Dict[str, float]:
        return {tag: float(value) for tag, value in metrics.items() if math.isfinite(value)}

    run_dir = new_run_dir(log_dir, name)
    best = int(np.argmin(ranks))
    best_metrics = {"mean_cv_score": means[best], "std_cv_score": stds[best]}
    if test_score is not None:
        best_metrics["test_score"] = float(test_score)
    write_session(run_dir, {names[key]: value for key, value in params[best].items()},
                   finite(best_metrics))
    width = len(str(len(params)))
    for index, candidate in enumerate(params):
        write_session(os.path.join(run_dir, f"candidate-{index + 1:0{width}d}"),
                       {names[key]: value for key, value in candidate.items()},
                       finite({"mean_cv_score": means[index], "std_cv_score": stds[index],
                               "rank_cv_score": float(ranks[index])}))
    return run_dir
