"""Keep TensorFlow's start-up notices out of the console where this package imports it.

TensorFlow prints, in every process that imports it:

* C++ notices written to file descriptor 2 *before* absl's logging is set up
  (oneDNN, CUDA stubs, CPU features, "All log messages before
  absl::InitializeLog()"), which ``TF_CPP_MIN_LOG_LEVEL`` cannot hide;
* on a machine without a GPU, an *error* line "failed call to cuInit" the first
  time devices are set up (usually by the first Session);
* INFO lines such as "MLIR V1 optimization pass is not enabled" at the first
  ``session.run`` (``TF_CPP_MIN_LOG_LEVEL`` >= 1 hides these).

Only where this package imports TensorFlow itself is any of that hidden: our
subpackages that need TensorFlow (``layers``, ``contrib``, ``estimator``,
``training``, ``model``, ``knobs``) import it through :func:`import_quietly`,
which, when it is the process's *first* import of TensorFlow, runs it with
descriptor 2 captured and ``TF_CPP_MIN_LOG_LEVEL`` defaulting to 2 (C++ errors
only) and writes back every captured line that is not a notice above.  Our
first Session is opened after :func:`quiet_device_setup`, so the "no GPU"
line falls in a capture too.  ``import tfgraph_dnn`` itself imports nothing
heavy and changes nothing: no import hook, no environment variable, no
logger.  A user who imported TensorFlow first sees what TensorFlow printed
for them.  The command line and ``tfgraph_dnn.tf1`` (the namespace a user
imports to get TF1 behaviour) also set TensorFlow's Python logger to ERROR
(:func:`import_tensorflow`): its warnings there are about TF1 APIs used on
purpose.

The switch: ``TF_CPP_MIN_LOG_LEVEL=0`` (the command line's ``--verbose`` sets
it) shows everything, exactly as TensorFlow prints it.
"""
from __future__ import annotations

import contextlib
import importlib
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
_lock = threading.RLock()


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


def import_quietly():
    """Import TensorFlow for this package; quietly when it is the process's first import.

    Returns
    -------
    module
        ``tensorflow``.
    """
    loaded = sys.modules.get("tensorflow")
    if loaded is not None or show_everything():
        return loaded if loaded is not None else importlib.import_module("tensorflow")
    with _lock:
        if "tensorflow" in sys.modules:  # another thread won
            return sys.modules["tensorflow"]
        with captured_stderr():  # the import's notices; the environment is left as it is
            return importlib.import_module("tensorflow")


_devices_set_up = False


def quiet_device_setup() -> None:
    """Set TensorFlow's devices up once, capturing its once-per-process notices.

    Called before this package opens a Session: the Session would set the
    devices up anyway (and print "failed call to cuInit" on a CPU-only
    machine), and its first run prints an MLIR notice; doing both first,
    captured, keeps those lines off the console without changing the
    process's ``TF_CPP_MIN_LOG_LEVEL``.
    """
    global _devices_set_up
    if _devices_set_up:
        return
    tensorflow = import_quietly()
    with _lock:
        if _devices_set_up:
            return
        if show_everything():
            _set_up(tensorflow)
        else:
            with captured_stderr():
                _set_up(tensorflow)
        _devices_set_up = True


def _set_up(tensorflow) -> None:
    """List the devices and run one tiny graph: TensorFlow logs its once-per-process
    notices ("no GPU", "MLIR V1 optimization pass is not enabled") there, not in a fit."""
    tensorflow.config.list_physical_devices()
    v1 = tensorflow.compat.v1
    with tensorflow.Graph().as_default() as graph:
        total = tensorflow.reduce_sum(tensorflow.constant([1.0, 2.0]))
        with v1.Session(graph=graph) as session:
            session.run(total)


def import_tensorflow(module: str = "tensorflow"):
    """Import ``module`` for the command line or ``tfgraph_dnn.tf1``, quietly.

    TensorFlow as :func:`import_quietly` does; with ``TF_CPP_MIN_LOG_LEVEL``
    >= 2 TensorFlow's Python logger is also set to ERROR (all of TensorFlow's
    Python warnings are about TF1 APIs used on purpose there).  With 0 nothing
    is hidden.

    Parameters
    ----------
    module : str, default="tensorflow"
        Dotted name of the module to import.

    Returns
    -------
    module
    """
    import_quietly()
    if not show_everything():
        level = os.environ.get(LEVEL_VARIABLE, "")
        if level.isdigit() and int(level) >= 2:
            logging.getLogger("tensorflow").setLevel(logging.ERROR)
    return importlib.import_module(module)
