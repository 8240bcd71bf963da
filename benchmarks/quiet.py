"""Keep TensorFlow's C++ log lines out of the benchmark's console.

TensorFlow (and XLA/absl under it) writes notices straight to file descriptor 2,
some before absl's logging is initialised, so ``TF_CPP_MIN_LOG_LEVEL`` does not
hide all of them (CUDA stubs, oneDNN, "failed call to cuInit", tf.data's
"NodeDef mentions attribute ...").  :func:`filtered_stderr` points descriptor 2
at a temporary file for the duration of a block and, at the end, writes back
every line that is not such a notice: Python warnings and tracebacks still show.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from typing import Iterator, List

# absl's line prefix: severity letter, MMDD, time, thread id, file:line]
_ABSL_LINE = re.compile(r"^[IWEF]\d{4} ")
_KNOWN_NOTICES = (
    "cuda", "cuInit", "oneDNN", "NodeDef mentions attribute", "TF-TRT",
    "This TensorFlow binary is optimized", "computation placer", "Unable to register",
    "port.cc", "cpu_feature_guard",
)
_STANDALONE_NOTICES = (
    "WARNING: All log messages before absl::InitializeLog() is called",
    "To enable the following instructions:",
)

#: Number of lines hidden so far (reported in the JSON, for the curious).
hidden_lines: List[int] = [0]


def is_notice(line: str) -> bool:
    """True for a TensorFlow/absl start-up or runtime notice that says nothing to us."""
    if line.startswith(_STANDALONE_NOTICES):
        return True
    return bool(_ABSL_LINE.match(line)) and any(word in line for word in _KNOWN_NOTICES)


@contextlib.contextmanager
def filtered_stderr() -> Iterator[None]:
    """Capture descriptor 2 in the block; replay what is not a TensorFlow notice."""
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
            for line in sink.read().decode("utf-8", "replace").splitlines():
                if is_notice(line):
                    hidden_lines[0] += 1
                else:
                    print(line, file=sys.stderr)
            sys.stderr.flush()
