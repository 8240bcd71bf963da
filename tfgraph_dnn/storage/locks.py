"""One lock per model or checkpoint directory, across threads and processes.

Every write of a directory (``save()``, a checkpoint, the cleanup of stale
temporaries, ``preprocessing.json``) and every read that must see one save
whole (``load()``, a resume, the different-model check) holds the directory's
lock: the file ``.tfgraph_dnn.lock`` inside it, locked with the ``filelock``
library (``flock``).  The lock is

* exclusive between processes (and hosts, where the file system supports
  ``flock``) and between threads of one process;
* re-entrant within a thread (``save()`` holds it while the storage layer takes
  it again to write);
* bounded: a writer that cannot have it within :func:`lock_timeout` seconds
  (``TFGRAPH_DNN_LOCK_TIMEOUT``, default 120) gets one
  :class:`~tfgraph_dnn.storage.files.DirectoryBusyError` naming the directory.

The lock file is never removed (removing a lock file another process waits on
would let two processes in); it is not counted as content of the directory.
Readers take the lock through :func:`~tfgraph_dnn.storage.layout.read_lock`,
which creates the file only in a directory that is ours: a directory a reader
refuses (a SavedModel, a user's folder) is left as it was.  A reader that
cannot create the lock file (a read-only model directory) reads without it:
nobody of ours can write there either.
"""
from __future__ import annotations

import contextlib
import errno
import os
import threading
from typing import Dict, Iterator

import filelock

from ..exceptions import DirectoryBusyError
from .files import write_failure

LOCK_FILE = ".tfgraph_dnn.lock"
DEFAULT_TIMEOUT = 120.0
_REGISTRY: Dict[str, filelock.FileLock] = {}
_REGISTRY_GUARD = threading.Lock()
_READ_ONLY = (errno.EACCES, errno.EPERM, errno.EROFS)


def lock_timeout() -> float:
    """Seconds to wait for a directory's lock (``TFGRAPH_DNN_LOCK_TIMEOUT``, default 120)."""
    try:
        value = float(os.environ.get("TFGRAPH_DNN_LOCK_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT
    return value if value >= 0 else DEFAULT_TIMEOUT


def _lock_of(path: str) -> filelock.FileLock:
    """The process's one lock object of ``path`` (thread-local holders, so threads exclude
    each other; re-entrant within a thread)."""
    lock_path = os.path.join(path, LOCK_FILE)
    with _REGISTRY_GUARD:
        lock = _REGISTRY.get(lock_path)
        if lock is None:
            lock = _REGISTRY[lock_path] = filelock.FileLock(
                lock_path, thread_local=True, preserve_lock_file=True)
        return lock


@contextlib.contextmanager
def directory_lock(path, write: bool = True, timeout: "float | None" = None) -> Iterator[None]:
    """Hold the lock of directory ``path`` for the block.

    Parameters
    ----------
    path : str or path-like
        The model or checkpoint directory.  A writer creates it if absent; a
        reader of an absent directory holds nothing (there is nothing to read).
    write : bool, default=True
        A writer: failing to create the lock file is a
        :class:`~tfgraph_dnn.storage.files.StorageWriteError`.  A reader
        (``False``) of a directory where it cannot create the lock file reads
        without it.
    timeout : float, optional
        Seconds to wait; default :func:`lock_timeout`.

    Raises
    ------
    DirectoryBusyError
        The lock could not be had within ``timeout`` seconds.
    StorageWriteError
        A writer could not create the directory or its lock file.
    """
    path = os.path.abspath(os.fspath(path))
    if write:
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as error:
            raise write_failure(error, path, "the directory") from error
    elif not os.path.isdir(path):
        yield
        return
    wait = lock_timeout() if timeout is None else timeout
    lock = _lock_of(path)
    try:
        lock.acquire(timeout=wait)
    except filelock.Timeout:
        raise DirectoryBusyError(
            f"{path} is locked by another writer (its lock file {LOCK_FILE} was held for more "
            f"than {wait:g} s); try again when it is done, or raise TFGRAPH_DNN_LOCK_TIMEOUT",
            path) from None
    except OSError as error:
        if write or error.errno not in _READ_ONLY:
            raise write_failure(error, path, f"the lock file {LOCK_FILE}") from error
        lock = None  # a read-only directory: no writer of ours can change it either
    try:
        yield
    finally:
        if lock is not None:
            lock.release()
