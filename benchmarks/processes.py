"""Each library in its own process: run a benchmark's worker, read the JSON line it prints.

TensorFlow's, PyTorch's and OpenBLAS' thread pools interfere when they share a process,
and a first fit must not find anything cached, so the benchmark scripts time each peer in
a fresh ``python`` process running the script itself in worker mode; the worker prints its
measurements as one JSON object on a line of its own (the last such line counts).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Sequence

HERE = Path(__file__).resolve().parent


def run_worker(script: str, args: Sequence[str], timeout: float = 1800) -> Dict[str, Any]:
    """Run ``python script *args`` in a fresh process; its last JSON line as a dict, or
    ``{"error": "exit N: <last stderr line>"}`` when it failed or printed none.

    The process finds the repository's package first (``PYTHONPATH``) and starts with
    ``TF_CPP_MIN_LOG_LEVEL=2`` unless the caller's environment sets it.
    """
    environment = {**os.environ,
                   "PYTHONPATH": os.pathsep.join(filter(None, [
                       str(HERE.parent), os.environ.get("PYTHONPATH")]))}
    environment.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    done = subprocess.run([sys.executable, str(script), *map(str, args)],
                          capture_output=True, text=True, env=environment, timeout=timeout)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {done.returncode}: {tail}"}
    return json.loads(lines[-1])
