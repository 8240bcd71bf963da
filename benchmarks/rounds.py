"""Repetitions of the benchmark: runners taken round-robin, and the median/min/max summary.

A *runner* is a zero-argument callable doing one timed repetition and returning
``{"seconds": s, ...}`` (any keys; a first-fit worker returns ``first``, ``cached``...).
:func:`interleave` runs several runners round-robin (discarded warm-up rounds, then the
repetitions; the starting runner rotates from round to round) so a machine that gets
busier slows every peer alike.  Used by the in-process workloads (``workloads.py``), the
fresh-process first fits (``first_fit.py``) and the first-fit profile.  Standard library
only: importing this loads no numerical or machine-learning library.
"""
from __future__ import annotations

import gc
import statistics
from typing import Any, Callable, Dict, List

Runner = Callable[[], Dict[str, Any]]


def summarize(samples: List[Dict[str, float]]) -> Dict[str, Dict[str, float]]:
    """Median, min and max of every key of the repetition dicts (the first one's keys)."""
    return {key: {"median": statistics.median(s[key] for s in samples),
                  "min": min(s[key] for s in samples), "max": max(s[key] for s in samples)}
            for key in samples[0]}


def error_text(error: BaseException) -> str:
    """``"TypeName: first line of the message"``: an error as one line of the report."""
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"


def interleave(runners: Dict[str, Runner], repeats: int, warmup: int = 1) -> Dict[str, Any]:
    """Run the runners round-robin: ``warmup`` discarded rounds, then ``repeats``.

    Round ``r`` starts with runner ``r mod n``.  A runner that raises, or returns a dict
    with an ``error`` key (a worker process that failed), is dropped for the rest of the
    section and its entry gets that ``error``.

    Returns
    -------
    dict
        Per runner: ``samples``, ``summary`` (see :func:`summarize`; only when there are
        samples) and, when ``warmup`` is positive, ``warmup`` (the discarded results:
        imports, first graph, tracing...).
    """
    names = list(runners)
    results: Dict[str, Any] = {name: {"samples": [], **({"warmup": []} if warmup else {})}
                               for name in names}
    for round_ in range(warmup + repeats):
        start = round_ % len(names) if names else 0
        for name in names[start:] + names[:start]:
            entry = results[name]
            if "error" in entry:
                continue
            gc.collect()
            try:
                sample = runners[name]()
            except Exception as error:  # report it, go on with the other runners
                entry["error"] = error_text(error)
                continue
            if "error" in sample:
                entry["error"] = sample["error"]
                continue
            entry["warmup" if round_ < warmup else "samples"].append(sample)
    for entry in results.values():
        if entry["samples"]:
            entry["summary"] = summarize(entry["samples"])
    return results
