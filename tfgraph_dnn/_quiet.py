"""Import TensorFlow without its start-up chatter (used by the CLI and ``tfgraph_dnn.tf1``).

TensorFlow's C++ start-up notices (oneDNN, CUDA stubs, absl's "All log messages
before absl::InitializeLog()") are printed before absl's logging is set up, so
``TF_CPP_MIN_LOG_LEVEL`` cannot hide them; on a machine without a GPU the first
device listing logs a "failed call to cuInit" error.  :func:`import_tensorflow` captures
file descriptor 2 while TensorFlow loads and replays everything else.
"""
from __future__ import annotations

import logging
import os
import sys
import tempfile

STARTUP_NOISE = ("I0000 ", "WARNING: All log messages before absl::InitializeLog()",
                 "To enable the following instructions:")
#: Logged (as an error) the first time devices are listed on a machine without a GPU.
_NO_GPU_NOISE = "failed call to cuInit"


def import_tensorflow(module: str = "tensorflow"):
    """Import ``module`` (TensorFlow or a module that imports it) quietly.

    With ``TF_CPP_MIN_LOG_LEVEL`` >= 1, stderr is captured while TensorFlow
    loads and replayed without the C++ notices the variable cannot hide;
    anything else (Python warnings, errors) is replayed as is.  With >= 2
    TensorFlow's Python logger is also set to ERROR, as the variable does for
    C++.  With the variable unset or 0 nothing is hidden.

    Parameters
    ----------
    module : str, default="tensorflow"
        Dotted name of the module to import.

    Returns
    -------
    module
    """
    import importlib

    level = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0")
    if level.isdigit() and int(level) >= 2:
        logging.getLogger("tensorflow").setLevel(logging.ERROR)
    if level in ("", "0") or "tensorflow" in sys.modules:
        return importlib.import_module(module)
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            imported = importlib.import_module(module)
            # The first device listing logs "failed call to cuInit" on CPU-only machines:
            # let it happen here, while stderr is captured, instead of in the first Session.
            sys.modules["tensorflow"].config.list_physical_devices()
            return imported
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            for line in sink.read().decode("utf-8", "replace").splitlines():
                if not line.startswith(STARTUP_NOISE) and _NO_GPU_NOISE not in line:
                    print(line, file=sys.stderr)
