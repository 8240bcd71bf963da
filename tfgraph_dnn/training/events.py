"""TensorBoard event files (room: ``training``; writes and reads events, builds no ops).

What :mod:`.tensorboard` writes with: v1 ``FileWriter``s on event files of
their own (a unique suffix: two writers in one directory within the same
second would otherwise share a file name, and the second would truncate the
first), write failures as one error naming the directory, whole HParams
sessions, parameter values as the HParams dashboard can hold them, and the
scalar tags a directory already holds.

Logging never turns a result into a crash: what is written after the result
it describes is computed (a score, a search's summary, ``metrics.json``, a
fit's later epochs) goes through :func:`best_effort`, which turns a failure
into one :class:`LoggingWarning` per directory.
"""
from __future__ import annotations

import contextlib
import dataclasses
import glob
import numbers
import os
import threading
import time
import warnings
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Union

import numpy as np
import tensorflow as tf
from tensorboard.plugins.hparams import api_pb2
from tensorboard.plugins.hparams import summary as hparams_summary

from ..exceptions import LoggingWarning
from .._quiet import quiet_device_setup
from ..storage import files as storage_files

v1 = tf.compat.v1

HParamValue = Union[bool, int, float, str]

#: What TensorFlow's event writer raises when a file cannot be created or written
#: (``RuntimeError`` for a directory it cannot create a file in).
WRITE_ERRORS = (OSError, IndexError, RuntimeError, tf.errors.OpError)


_warned_dirs: set = set()
_warned_lock = threading.Lock()


def warn_once(directory: str, what: str, error: BaseException) -> None:
    """Warn that ``what`` could not be written to ``directory`` -- once per directory
    (the first failure says it all; a fit would otherwise warn every epoch)."""
    key = os.path.abspath(os.fspath(directory))
    with _warned_lock:
        if key in _warned_dirs:
            return
        _warned_dirs.add(key)
    code, reason = storage_files.os_cause(error)
    cause = reason if code is not None else storage_files.describe_error(error)
    warnings.warn(f"could not write {what} to {directory} ({type(error).__name__}: {cause}); "
                  "the result is returned without it (further failures in this directory "
                  "are not reported)", LoggingWarning, stacklevel=4)


@contextlib.contextmanager
def best_effort(directory: str, what: str) -> Iterator[None]:
    """Run a write whose failure must not lose the result it records: any error
    becomes :func:`warn_once` (``KeyboardInterrupt`` and the like still propagate)."""
    try:
        yield
    except Exception as error:  # noqa: BLE001 - logging must never crash the main job
        warn_once(directory, what, error)


def best_effort_call(directory: str, what: str, function: Callable, *args, **kwargs):
    """``function(*args, **kwargs)`` under :func:`best_effort`; ``None`` when it failed."""
    with best_effort(directory, what):
        return function(*args, **kwargs)
    return None


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
        strings unchanged, sequences as the string of their tuple, dataclass
        instances (e.g. a learning-rate schedule) as their ``repr``, other
        callables as their ``__name__``; ``None`` for ``None`` and anything
        else (e.g. a ``RandomState``), which is then left out.

    Notes
    -----
    A parameter set to ``None`` is left out of the run's hyper-parameters
    rather than written as the string ``"None"``: the dashboard types a
    hyper-parameter over all runs, and one string among numbers would make
    ``dropout_rate`` or ``batch_norm_momentum`` a string everywhere.  The
    dashboard shows a left-out value as an empty cell (and keeps such runs
    when filtering unless told to exclude missing values).
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


def is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def scalar_summary(values: Mapping[str, float]) -> "v1.Summary":
    return v1.Summary(value=[v1.Summary.Value(tag=tag, simple_value=float(value))
                             for tag, value in values.items()])


def file_writer(directory: str, graph: Optional[tf.Graph] = None) -> "v1.summary.FileWriter":
    """A v1 ``FileWriter`` on its own event file (``graph`` is written when given)."""
    suffix = f".{time.time_ns()}.{os.getpid()}"  # sorts after the directory's older files
    quiet_device_setup()  # the writer sets the devices up: "no GPU" captured, not printed
    with (graph or tf.Graph()).as_default():  # the v1 writer refuses eager mode
        return v1.summary.FileWriter(directory, graph, filename_suffix=suffix)


@contextlib.contextmanager
def writing(directory: str, release: Callable[[], Sequence] = list) -> Iterator[None]:
    """A failed event write (disk full...) is one error naming the directory.

    TF's event writer reports an OS failure as ``IndexError``/``OSError``,
    ``RuntimeError`` (a file it cannot create) or an ``OpError``; its message
    is kept as the cause.  On failure the writers
    ``release()`` returns are closed.
    """
    try:
        yield
    except WRITE_ERRORS as error:
        for writer in release():
            with contextlib.suppress(Exception):
                writer.close()
        raise storage_files.write_failure(error, directory, "TensorBoard events") from error


def append_summaries(directory: str, summaries: Sequence[tuple]) -> None:
    """Write ``(summary, step)`` pairs to a new event file of ``directory`` and close it."""
    writers: List = []
    with writing(directory, lambda: writers):
        os.makedirs(directory, exist_ok=True)
        writers.append(file_writer(directory))
        for summary, step in summaries:
            writers[0].add_summary(summary, step)
        writers.pop().close()


def write_session(directory: str, hparams: Mapping[str, Any],
                   metrics: Mapping[str, float]) -> None:
    """Write a whole HParams session at once: start, metrics (at step 0), end (success)."""
    append_summaries(directory, [(hparams_summary.session_start_pb(hparam_values(hparams)), None),
                        (scalar_summary(metrics), 0),
                        (hparams_summary.session_end_pb(api_pb2.STATUS_SUCCESS), None)])


def logged_tags(directory: str) -> List[str]:
    """The scalar tags already written in ``directory``'s event files (sorted).

    Read with TensorBoard's own event-file loader, which stops quietly at a
    record still being written.
    """
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    tags = set()
    for path in sorted(glob.glob(os.path.join(directory, "events.out.tfevents.*"))):
        for event in EventFileLoader(path).Load():
            tags.update(value.tag for value in event.summary.value)
    return sorted(tags)
