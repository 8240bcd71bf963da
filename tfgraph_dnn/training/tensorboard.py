"""TensorBoard logging (room: ``training``; writes event files, builds no ops).

One run directory per fit, ``<log_dir>/run-<UTC timestamp>[-<name>]``, holding
the graph, per-epoch scalars (every numeric key of the epoch logs: loss,
accuracy, val_loss, val_accuracy, learning_rate), optionally weight histograms
from the training graph's pre-built summary op and, when given the fit's
hyper-parameters, the records of TensorBoard's HParams dashboard: one HParams
"session" per run, so the dashboard compares every fit under ``log_dir``
(e.g. all candidates and folds of a ``RandomizedSearchCV``) side by side.
"""
from __future__ import annotations

import contextlib
import dataclasses
import numbers
import os
import re
from datetime import datetime, timezone
from typing import Any, Dict, Mapping, Optional, Union

import numpy as np
import tensorflow as tf
from tensorboard.plugins.hparams import api_pb2
from tensorboard.plugins.hparams import summary as hparams_summary

from ..storage import files as storage_files
from .hooks import Hook

v1 = tf.compat.v1

SCALAR_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy", "learning_rate")

HParamValue = Union[bool, int, float, str]


def sanitize_name(name: str) -> str:
    """Keep a run name to ``[A-Za-z0-9._-]`` so it cannot leave ``log_dir``."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned[:80]


def new_run_dir(log_dir: str, name: Optional[str] = None) -> str:
    """Create and return ``<log_dir>/run-<UTC timestamp>[-<name>]`` (never reused)."""
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


def hparam_value(value: Any) -> Optional[HParamValue]:
    """Convert a parameter value to one the HParams dashboard can hold.

    Parameters
    ----------
    value : object
        A constructor argument of an estimator.

    Returns
    -------
    bool, int, float, str or None
        Booleans and numbers (NumPy scalars included) as Python scalars,
        strings unchanged, ``None`` as ``"None"``, sequences as the string of
        their tuple, dataclass instances (e.g. a learning-rate schedule) as
        their ``repr``, other callables as their ``__name__``; ``None`` for
        anything else (e.g. a ``RandomState``), which is then left out.
    """
    # bool before Integral: True is an int too, and the dashboard types it apart.
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        return value
    if value is None:
        return "None"
    if isinstance(value, (tuple, list, np.ndarray)):
        # One spelling for [100, 50], (100, 50) and array([100, 50]).
        return str(tuple(np.asarray(value).tolist()))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return repr(value)  # the dataclass repr names every field
    if callable(value):
        return getattr(value, "__name__", type(value).__name__)
    return None


def hparam_values(params: Mapping[str, Any]) -> Dict[str, HParamValue]:
    """``params`` converted by :func:`hparam_value`, without those it cannot hold."""
    converted = {name: hparam_value(value) for name, value in sorted(params.items())}
    return {name: value for name, value in converted.items() if value is not None}


class TensorBoardHook(Hook):
    """Write the graph, epoch scalars, (optionally) histograms and HParams records.

    Parameters
    ----------
    run_dir : str
        The run directory, one per fit (see :func:`new_run_dir`).
    log_histograms : bool, default=False
        Also write the weight histograms after every epoch.
    hparams : mapping, optional
        The fit's hyper-parameters by name (values converted by
        :func:`hparam_values`).  When given, the run becomes one session of
        TensorBoard's HParams dashboard: its hyper-parameters are written at
        train begin and its end (status success) at train end; the
        dashboard's metrics are the run's last scalars (``loss``,
        ``accuracy``, ``val_loss``, ``val_accuracy``, ``learning_rate``).
    """

    # The HParams records are the summary protos of
    # ``tensorboard.plugins.hparams.summary``, written through this hook's own
    # v1 ``FileWriter``: plain ``Summary`` messages, so the run keeps one writer
    # and one event file and the fit stays in graph mode (``hparams.api`` would
    # need a second, eager ``tf.summary`` writer in the same directory).
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
        self._writer = None

    @contextlib.contextmanager
    def _writing(self):
        """A failed event write (disk full...) is one error naming the run directory.

        TF's event writer reports an OS failure as ``IndexError``/``OSError``
        or an ``OpError``; its message is kept as the cause.
        """
        try:
            yield
        except (OSError, IndexError, tf.errors.OpError) as error:
            writer, self._writer = self._writer, None
            if writer is not None:
                with contextlib.suppress(Exception):
                    writer.close()
            raise storage_files.write_failure(error, self.run_dir,
                                              "TensorBoard events") from error

    def on_train_begin(self, state):
        with self._writing(), state.session.graph.as_default():  # FileWriter needs graph mode
            self._writer = v1.summary.FileWriter(self.run_dir, state.session.graph)
            if self.hparams is not None:
                # An empty group name makes every run its own row: the folds of a
                # candidate and the final refit stay apart instead of being averaged.
                self._writer.add_summary(hparams_summary.session_start_pb(self.hparams))
                self._writer.flush()

    def on_epoch_end(self, state, logs):
        step = logs["epoch"]
        values = [v1.Summary.Value(tag=key, simple_value=float(logs[key]))
                  for key in SCALAR_KEYS if key in logs]
        with self._writing():
            self._writer.add_summary(v1.Summary(value=values), step)
            if self.log_histograms:
                self._writer.add_summary(state.session.run(state.ops.histograms), step)
            self._writer.flush()

    def on_train_end(self, state):
        if self._writer is None:
            return
        with self._writing():
            if self.hparams is not None:
                self._writer.add_summary(
                    hparams_summary.session_end_pb(api_pb2.STATUS_SUCCESS))
            self._writer.close()
        self._writer = None
