"""Write several files as one transaction: all of them, or none (``tfgraph-dnn migrate``).

:class:`WritePlan` collects every output first; :meth:`WritePlan.commit` then

1. writes each one to a temporary file beside its target (same directory, so
   the final rename is atomic), flushed to disk, with the target's mode;
2. installs them in order: a file replaced in place is first hard-linked (or
   copied) to a backup beside it, then the temporary file is renamed over it; a
   new file is linked into place, which fails if anything exists there, so a
   file is never overwritten, even in a race;
3. on any failure, puts every installed file back from its backup (new files
   and the directories made for them are removed), deletes the temporaries
   and raises :class:`WriteError` naming the real target -- never a temporary;
   on success, deletes the backups.

A target that is a symbolic link is written through: the file it points to is
replaced and the link is kept.
"""
from __future__ import annotations

import errno
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from typing import List, Optional

from ..exceptions import WriteError

PREFIX = ".migrate-"


@dataclass
class _Entry:
    path: str
    target: str
    data: bytes
    replace: bool
    temporary: Optional[str] = None
    backup: Optional[str] = None
    installed: bool = False


def _reason(error: BaseException) -> str:
    """An error's reason without the file names (which may be temporaries)."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


class WritePlan:
    """Outputs to write together (see the module's description).

    Attributes
    ----------
    entries : list
        In the order added (and written).
    """

    def __init__(self) -> None:
        self.entries: List[_Entry] = []
        self._made_dirs: List[str] = []

    def add(self, path: str, data: bytes, *, replace: bool) -> None:
        """Plan writing ``data`` to ``path``.

        Parameters
        ----------
        path : str
        data : bytes
        replace : bool
            Replace the existing file (through a symbolic link); otherwise
            ``path`` must not exist when it is written.
        """
        target = os.path.realpath(path) if replace else os.path.abspath(path)
        if any(entry.target == target for entry in self.entries):
            raise WriteError(f"{path}: two outputs would be written to this file")
        self.entries.append(_Entry(path, target, data, replace))

    def _make_dirs(self, directory: str) -> None:
        missing = []
        while not os.path.isdir(directory):
            missing.append(directory)
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
        for made in reversed(missing):
            os.mkdir(made)
            self._made_dirs.append(made)

    def _prepare(self, entry: _Entry) -> None:
        directory = os.path.dirname(entry.target)
        if not entry.replace:
            self._make_dirs(directory)
        handle, entry.temporary = tempfile.mkstemp(dir=directory, prefix=PREFIX, suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            stream.write(entry.data)
            stream.flush()
            os.fsync(stream.fileno())
        if entry.replace:
            os.chmod(entry.temporary, os.stat(entry.target).st_mode & 0o7777)

    def _install(self, entry: _Entry) -> None:
        assert entry.temporary is not None
        if entry.replace:
            backup = os.path.join(os.path.dirname(entry.target),
                                  f"{PREFIX}{uuid.uuid4().hex}.bak")
            try:
                os.link(entry.target, backup)
            except OSError as error:
                if error.errno in (errno.EEXIST, errno.ENOENT):
                    raise
                shutil.copy2(entry.target, backup)  # no hard links on this file system
            entry.backup = backup
            os.replace(entry.temporary, entry.target)
        else:
            try:
                os.link(entry.temporary, entry.target)
            except FileExistsError:
                raise WriteError(f"{entry.path}: already exists; migrate never overwrites "
                                 "(choose a new -o, or --in-place to rewrite the sources)")
            except OSError as error:
                if error.errno in (errno.ENOENT, errno.EACCES, errno.EROFS, errno.ENOSPC):
                    raise
                with open(entry.target, "xb") as stream:  # no hard links here
                    stream.write(entry.data)
            os.unlink(entry.temporary)
        entry.temporary = None
        entry.installed = True

    def _roll_back(self) -> List[str]:
        """Undo everything; return the problems met (a backup that could not be put back)."""
        problems = []
        for entry in reversed(self.entries):
            try:
                if entry.installed and entry.replace and entry.backup:
                    os.replace(entry.backup, entry.target)
                    entry.backup = None
                elif entry.installed:
                    os.unlink(entry.target)
            except OSError as error:
                problems.append(f"{entry.path} could not be restored ({_reason(error)}); "
                                f"its original is in {entry.backup}")
            for name in (entry.temporary, entry.backup):
                if name and os.path.lexists(name):
                    try:
                        os.unlink(name)
                    except OSError:
                        pass
        for directory in reversed(self._made_dirs):
            try:
                os.rmdir(directory)
            except OSError:
                pass
        return problems

    def commit(self) -> None:
        """Write every planned file, or none.

        Raises
        ------
        WriteError
            Naming the file that could not be written; every file is then as
            it was before (or the message says which backup holds it).
        """
        current: Optional[_Entry] = None
        try:
            for current in self.entries:
                self._prepare(current)
            for current in self.entries:
                self._install(current)
        except (OSError, WriteError) as error:
            restored = sum(entry.installed for entry in self.entries)
            problems = self._roll_back()
            if isinstance(error, WriteError):
                message = str(error)
            else:
                message = f"{current.path if current else '?'}: cannot write: {_reason(error)}"
            message += "; nothing written"
            if restored:
                message += f" ({restored} file(s) already written were put back)"
            raise WriteError("; ".join([message] + problems)) from None
        except BaseException:
            self._roll_back()
            raise
        for entry in self.entries:
            if entry.backup:
                try:
                    os.unlink(entry.backup)
                except OSError:
                    pass
