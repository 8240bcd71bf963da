"""Keep TensorFlow's start-up and runtime notices out of the user's console.

TensorFlow prints, on every start and in every process that imports it (the
command line, a library user's script, joblib's loky workers, Dask workers):

* C++ notices written to file descriptor 2 *before* absl's logging is set up
  (oneDNN, CUDA stubs, CPU features, "All log messages before
  absl::InitializeLog()"), which ``TF_CPP_MIN_LOG_LEVEL`` cannot hide;
* on a machine without a GPU, an *error* line "failed call to cuInit" the first
  time devices are listed (usually by the first Session);
* INFO lines such as "MLIR V1 optimization pass is not enabled" at the first
  ``session.run`` (``TF_CPP_MIN_LOG_LEVEL`` >= 1 hides these);
* Python deprecation notices (``WARNING:tensorflow:From ...: ... is deprecated``)
  for the TF1 APIs this package uses on purpose.

:func:`install` (run by ``import tfgraph_dnn``, so also in every worker that
unpickles an estimator) puts a one-shot finder on ``sys.meta_path``: when
TensorFlow is imported -- by this package or by anyone -- its import runs with
descriptor 2 captured, the devices are listed while still captured (so the
cuInit line falls there), and everything captured is written back except the
notices above.  ``TF_CPP_MIN_LOG_LEVEL`` defaults to 2 (hide C++ INFO and
WARNING; errors show), and a logging filter drops TensorFlow's deprecation
notices whose call site is inside TensorFlow or ``tfgraph_dnn`` -- a deprecated
call in the user's own code is still reported.  Nothing else is captured:
output of the user's code is never touched, and TensorFlow's mode (eager) is
not changed.

The switch: ``TF_CPP_MIN_LOG_LEVEL=0`` (the command line's ``--verbose`` sets
it) shows everything, exactly as TensorFlow prints it.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import logging
import os
import re
import sys
import tempfile
import threading
from typing import Callable, Iterator, List, Optional

LEVEL_VARIABLE = "TF_CPP_MIN_LOG_LEVEL"
#: ``TF_CPP_MIN_LOG_LEVEL`` when the user has not chosen: C++ errors only.
DEFAULT_LEVEL = "2"

# absl's line prefix: severity letter, MMDD, time (00:00:<epoch> before absl is set
# up), thread id, file:line]
_ABSL_LINE = re.compile(r"^([IWEF])\d{4} [\d:.]+\s+\d+ \S+:\d+\] ")
_STANDALONE_NOTICES = ("WARNING: All log messages before absl::InitializeLog()",
                       "To enable the following instructions:")
#: Error lines that only say "no GPU here".
_NO_GPU_ERRORS = ("failed call to cuInit", "cuda", "CUDA")
#: Kept for callers of the earlier API (the lines hidden during an import).
STARTUP_NOISE = _STANDALONE_NOTICES + ("I0000 ",)
_lock = threading.Lock()


def show_everything() -> bool:
    """True when the user asked for every TensorFlow line (``TF_CPP_MIN_LOG_LEVEL=0``)."""
    return os.environ.get(LEVEL_VARIABLE, "").strip() == "0"


def is_notice(line: str) -> bool:
    """True for a TensorFlow/absl notice that tells a user nothing (see the module doc).

    INFO and WARNING lines of absl's format, the two lines absl prints before
    it is initialised, and the "no GPU" errors; never a fatal (``F``) line,
    another error, a Python warning or a traceback.
    """
    if line.startswith(_STANDALONE_NOTICES):
        return True
    match = _ABSL_LINE.match(line)
    if match is None:
        return False
    severity = match.group(1)
    return severity in "IW" or (severity == "E" and any(word in line
                                                        for word in _NO_GPU_ERRORS))


@contextlib.contextmanager
def captured_stderr(notice: Callable[[str], bool] = None,
                    hidden: Optional[List[int]] = None) -> Iterator[None]:
    """Capture descriptor 2 in the block; write back every line that is not a notice.

    ``notice`` (default :func:`is_notice`) decides what is hidden; ``hidden[0]``,
    when given, counts the hidden lines.
    """
    notice = notice or is_notice
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            lines = sink.read().decode("utf-8", "replace").splitlines()
            kept = [line for line in lines if not notice(line)]
            if hidden is not None:
                hidden[0] += len(lines) - len(kept)
            if kept:
                print("\n".join(kept), file=sys.stderr, flush=True)


class _LibraryDeprecationFilter(logging.Filter):
    """Drop TensorFlow's deprecation notices whose call site is TensorFlow's or ours."""

    def __init__(self, directories):
        super().__init__()
        self.directories = tuple(directories)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg if isinstance(record.msg, str) else ""
        if not message.startswith("From %s:") or not record.args:
            return True
        location = str(record.args[0])
        return not location.startswith(self.directories)


def _package_directory(module_name: str) -> Optional[str]:
    module = sys.modules.get(module_name)
    path = getattr(module, "__file__", None)
    return os.path.dirname(os.path.abspath(path)) + os.sep if path else None


def _quiet_loaded_tensorflow() -> None:
    """After TensorFlow is imported: list the devices captured, filter deprecations."""
    tensorflow = sys.modules["tensorflow"]
    with captured_stderr():
        # The first device listing logs "failed call to cuInit" on CPU-only machines:
        # let it happen here, while stderr is captured, not in the first Session.
        tensorflow.config.list_physical_devices()
    logger = logging.getLogger("tensorflow")
    if not any(isinstance(f, _LibraryDeprecationFilter) for f in logger.filters):
        directories = [d for d in (_package_directory("tensorflow"),
                                   _package_directory("tfgraph_dnn")) if d]
        logger.addFilter(_LibraryDeprecationFilter(directories))


class _QuietLoader(importlib.abc.Loader):
    """Runs the real loader of ``tensorflow`` with descriptor 2 captured."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        spec = module.__spec__
        try:
            with captured_stderr():
                self._loader.exec_module(module)
        finally:  # nothing downstream sees this wrapper
            spec.loader = module.__loader__ = self._loader
        _quiet_loaded_tensorflow()

    def __getattr__(self, name):
        return getattr(self._loader, name)


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    """One-shot finder: wraps the loader of the first ``import tensorflow``."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        _remove_finder()
        if show_everything():
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None  # let the other finders try
        os.environ.setdefault(LEVEL_VARIABLE, DEFAULT_LEVEL)
        spec.loader = _QuietLoader(spec.loader)
        return spec


def _remove_finder() -> None:
    with _lock:
        sys.meta_path[:] = [finder for finder in sys.meta_path
                            if not isinstance(finder, _QuietTensorFlowFinder)]


def install() -> None:
    """Quiet TensorFlow in this process (see the module docstring); idempotent.

    Run by ``import tfgraph_dnn``.  Imports nothing heavy: TensorFlow is
    quieted when it is imported.  With ``TF_CPP_MIN_LOG_LEVEL=0`` it does
    nothing.
    """
    if show_everything():
        return
    if "tensorflow" in sys.modules:
        if getattr(sys.modules["tensorflow"], "config", None) is not None:
            _quiet_loaded_tensorflow()
        return
    with _lock:
        if not any(isinstance(f, _QuietTensorFlowFinder) for f in sys.meta_path):
            sys.meta_path.insert(0, _QuietTensorFlowFinder())


def import_tensorflow(module: str = "tensorflow"):
    """Import ``module`` (TensorFlow or a module that imports it) quietly.

    With ``TF_CPP_MIN_LOG_LEVEL`` unset it becomes 2; with >= 2 TensorFlow's
    Python logger is also set to ERROR (the command line and
    ``tfgraph_dnn.tf1``: all of TensorFlow's Python warnings are about TF1 APIs
    used on purpose there).  With 0 nothing is hidden.

    Parameters
    ----------
    module : str, default="tensorflow"
        Dotted name of the module to import.

    Returns
    -------
    module
    """
    if not show_everything():
        if "tensorflow" not in sys.modules:
            os.environ.setdefault(LEVEL_VARIABLE, DEFAULT_LEVEL)
        level = os.environ.get(LEVEL_VARIABLE, "")
        if level.isdigit() and int(level) >= 2:
            logging.getLogger("tensorflow").setLevel(logging.ERROR)
        install()
    return importlib.import_module(module)
