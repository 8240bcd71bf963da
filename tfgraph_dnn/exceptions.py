"""Every exception and warning class ``tfgraph_dnn`` raises, in one place.

Imports nothing but the standard library, so any module (and any user's
``except`` clause) can name these without importing TensorFlow.  The
documented places keep serving them: ``tfgraph_dnn.CheckpointError`` (and the
other names, lazily), ``tfgraph_dnn.storage.CheckpointError``,
``tfgraph_dnn.migrate.MigrationError``.
"""
from __future__ import annotations

import errno
from typing import Optional

__all__ = [
    "CheckpointError", "CliError", "DifferentModelError", "DirectoryBusyError",
    "DivergenceError", "ForeignDirectoryError", "LoggingWarning", "MigrationError",
    "StorageWriteError", "UnknownParameterError", "WriteError",
]


# -- storage: model and checkpoint directories --------------------------------------------

class CheckpointError(ValueError):
    """A model or checkpoint directory is missing, corrupt, inconsistent or of another model."""


class DifferentModelError(FileExistsError):
    """Saving would replace a different model (pass ``overwrite=True`` to do it)."""


class ForeignDirectoryError(FileExistsError):
    """A directory that is not ours (or of the other kind): never written into."""


class DirectoryBusyError(TimeoutError):
    """Another writer (thread or process) held a directory's lock longer than the timeout.

    ``filename`` is the directory; ``str()`` is one line naming it.
    """

    def __init__(self, message: str, path: str):
        super().__init__(errno.ETIMEDOUT, message, path)
        self.message = message

    def __str__(self) -> str:
        return self.message


class StorageWriteError(OSError):
    """A model or checkpoint could not be written (disk full, file too large, read-only...).

    ``errno`` and ``strerror`` are the operating system's, ``filename`` the
    directory written to; ``str()`` is one line naming both.  The error that
    surfaced it (an ``OSError`` or a TensorFlow ``OpError``) is ``__cause__``.
    """

    def __init__(self, code: Optional[int], reason: str, path: str, message: str):
        super().__init__(code, reason, path)
        self.message = message

    def __str__(self) -> str:
        return self.message


# -- training ----------------------------------------------------------------------------

class DivergenceError(FloatingPointError):
    """Training produced a non-finite loss before any finite epoch."""


class LoggingWarning(RuntimeWarning):
    """Logs (TensorBoard events, ``metrics.json``) could not be written; the result was
    returned without them."""


# -- migrate -----------------------------------------------------------------------------

class MigrationError(ValueError):
    """A source that cannot be parsed; the message names the file and line.

    Attributes
    ----------
    filename : str
    line : int or None
    cell : int or None
        1-based notebook cell, ``None`` for ``.py`` sources.
    detail : str
        The parser's message.
    """

    def __init__(self, filename: str, line: Optional[int], detail: str,
                 cell: Optional[int] = None) -> None:
        self.filename, self.line, self.cell, self.detail = filename, line, cell, detail
        where = filename
        if cell is not None:
            where += f", cell {cell}"
        if line is not None:
            where += f", line {line}"
        super().__init__(f"{where}: {detail}")


class WriteError(Exception):
    """A write that failed and was rolled back; the message names the target file."""


# -- command line ------------------------------------------------------------------------

class CliError(Exception):
    """A user-facing error: printed as one line, exit code 2."""


# -- estimators: parameters ----------------------------------------------------------------

class UnknownParameterError(TypeError, ValueError):
    """An estimator parameter that does not exist (another library's name, or a typo).

    Both a ``TypeError`` (what Python raises for an unexpected keyword
    argument of a constructor) and a ``ValueError`` (what scikit-learn's
    ``set_params`` raises for an invalid parameter).
    """
