"""Keep TensorFlow's C++ log lines out of the benchmark's console.

TensorFlow (and XLA/absl under it) writes notices straight to file descriptor 2,
some before absl's logging is initialised, so ``TF_CPP_MIN_LOG_LEVEL`` does not
hide all of them.  :func:`filtered_stderr` uses the library's own capture
(:func:`tfgraph_dnn._quiet.captured_stderr`) with a wider filter: the peers'
runtime notices too (tf.data's "NodeDef mentions attribute ..." errors, XLA's
computation placer).  Python warnings and tracebacks still show.
"""
from __future__ import annotations

import re
from typing import ContextManager, List

from tfgraph_dnn._quiet import captured_stderr, is_notice as library_notice

# absl's line prefix: severity letter, MMDD, time, thread id, file:line]
_ABSL_LINE = re.compile(r"^[IWEF]\d{4} ")
_PEER_NOTICES = ("cuda", "cuInit", "oneDNN", "NodeDef mentions attribute", "TF-TRT",
                 "computation placer", "Unable to register")

#: Number of lines hidden so far (reported in the JSON, for the curious).
hidden_lines: List[int] = [0]


def is_notice(line: str) -> bool:
    """True for a TensorFlow/absl start-up or runtime notice that says nothing to us."""
    return library_notice(line) or (bool(_ABSL_LINE.match(line))
                                    and any(word in line for word in _PEER_NOTICES))


def filtered_stderr() -> ContextManager[None]:
    """Capture descriptor 2 in the block; replay what is not a TensorFlow notice."""
    return captured_stderr(is_notice, hidden_lines)
