"""Files and errors of the storage layer: atomic writes, temporary names, write failures.

Everything here is plain Python (no TensorFlow at import).  Three rules live here:

* every temporary file or directory the storage layer creates is named
  ``.tmp-tfgraph_dnn-<what>@<host>@<pid>@<random>`` (:func:`temp_prefix`): it
  says which process on which host writes it.  A leftover is removed only when
  it is provably stale -- its process, on this host, is dead; never another
  live writer's, never one whose owner cannot be asked, and only in
  directories that are ours;
* a small file is replaced atomically (write, flush, fsync, ``os.replace``,
  fsync of the directory): readers see the old or the new one, never a torn one;
* a failed write becomes one :class:`StorageWriteError` naming the directory and
  the operating system's cause ("File too large"), whatever raised it (Python's
  ``OSError`` or a TensorFlow ``OpError``), the original kept as ``__cause__``.
"""
from __future__ import annotations

import errno
import json
import os
import re
import shutil
import socket
import tempfile
from typing import Any

from ..exceptions import CheckpointError, StorageWriteError

TMP_PREFIX = ".tmp-tfgraph_dnn-"
# ".tmp-tfgraph_dnn-save@host@1234@": written by process 1234 on host "host".
_OWNED_TMP = re.compile(r"^" + re.escape(TMP_PREFIX) + r"[a-z]+@(?P<host>[^@/]+)@(?P<pid>\d+)@")


def describe_error(error: BaseException, limit: int = 400) -> str:
    """The informative part of a TensorFlow (or any) error, on one line.

    A Session's errors start with a generic "Graph execution error:" and list
    where the op was created; the cause is in between.
    """
    lines = [line.strip() for line in str(getattr(error, "message", error)).splitlines()]
    useful = [line for line in lines if line and line != "Graph execution error:"
              and not line.startswith(("Detected at node", "File \"", "[[", "Traceback",
                                       "Original stack trace", "Node:"))]
    text = " ".join(useful) or type(error).__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."


def os_cause(error: BaseException) -> tuple:
    """``(errno or None, reason)`` of a failed write, also when TensorFlow reported it.

    TensorFlow's file errors carry the operating system's message ("...; File
    too large") but no errno: the longest ``os.strerror`` found in the text wins.
    """
    if isinstance(error, OSError) and error.errno:
        return error.errno, error.strerror or os.strerror(error.errno)
    text = str(getattr(error, "message", error))
    found = [(len(os.strerror(code)), code) for code in errno.errorcode
             if os.strerror(code) in text and not os.strerror(code).startswith("Unknown")]
    code = max(found)[1] if found else None
    if code is not None and not isinstance(error, OSError):  # TF: only the OS's words
        return code, os.strerror(code)
    return code, describe_error(error)


def write_failure(error: BaseException, path: str, what: str) -> StorageWriteError:
    """The :class:`StorageWriteError` for ``error`` raised while writing ``what`` in ``path``."""
    code, reason = os_cause(error)
    hint = " (the disk is full or a file-size limit was reached)" \
        if code in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT) else ""
    return StorageWriteError(code, reason, path,
                             f"Cannot write {what} in {path}: {reason}{hint}")


def is_write_failure(error: BaseException) -> bool:
    """Whether ``error`` is a failed write (``OSError`` or a TensorFlow ``OpError``)."""
    if isinstance(error, OSError):
        return True
    module = type(error).__module__ or ""
    return module.startswith("tensorflow") and hasattr(error, "error_code")


def fsync_dir(path: str) -> None:
    """Flush a directory's entries (new names, renames) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: str) -> None:
    """Flush a file's contents to disk."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", socket.gethostname()) or "localhost"


def temp_prefix(what: str) -> str:
    """The prefix of a temporary name of this process: ``.tmp-tfgraph_dnn-<what>@<host>@<pid>@``.

    ``what`` is lower-case letters (``save``, ``json``...).
    """
    return f"{TMP_PREFIX}{what}@{_host()}@{os.getpid()}@"


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` of this host runs (a zombie counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or a pid we cannot ask about: assume alive
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def is_stale(name: str) -> bool:
    """Whether leftover ``name`` is provably abandoned.

    Its name (:func:`temp_prefix`) says its owner is a process of this host that
    is dead.  A live process's -- this one's included -- is never stale; nor is
    a name written from another host, or one without an owner (its owner cannot
    be asked).
    """
    owned = _OWNED_TMP.match(name)
    if owned is None or owned.group("host") != _host():
        return False
    return not _pid_alive(int(owned.group("pid")))


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old or the new file, never a torn one."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=temp_prefix("json"), suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    fsync_dir(directory)


def atomic_write_json(path: str, payload: Any) -> None:
    """:func:`atomic_write_text` of ``payload`` as JSON."""
    atomic_write_text(path, json.dumps(payload))


def read_json(path: str, what: str) -> Any:
    """Parse a JSON file; any failure is a :class:`CheckpointError` naming ``path``."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError, RecursionError) as error:  # UnicodeDecodeError: ValueError
        raise CheckpointError(f"Unreadable {what} {path}: {describe_error(error)}") from error


def is_leftover(name: str) -> bool:
    """Whether ``name`` is a temporary file or directory of a storage write (ours)."""
    return name.startswith(TMP_PREFIX)


def remove_leftovers(directory: str) -> None:
    """Delete what crashed writes of the storage layer left in ``directory``.

    Only names :func:`is_leftover` recognizes, and of those only the ones
    :func:`is_stale` proves abandoned: a writer running concurrently (another
    thread or process, another host) keeps its temporary files.
    """
    for name in os.listdir(directory):
        if is_stale(name):
            path = os.path.join(directory, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
