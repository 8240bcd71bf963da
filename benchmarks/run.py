"""Benchmark DNNClassifier against every peer a user would pick instead, in one run.

Usage::

    python benchmarks/run.py [--quick] [--repeats N] [--threads N] [--out PATH]
                             [--sections fit,search,predict,fit_mnist,transfer,n_jobs,rss,
                                         first_fit,first_fit_mnist]
                             [--peers ours,mlp,skorch,scikeras,keras] [--mnist-dir DIR]

Peers: scikit-learn ``MLPClassifier``, skorch ``NeuralNetClassifier`` (PyTorch
CPU), scikeras ``KerasClassifier`` and a bare Keras 3 ``Sequential.fit``, all
training the same 5 x 100 ReLU net with Adam 0.001 (``pip install -e ".[bench]"``
installs them; a missing one is skipped with a note).  Writes ``<out>.md`` (one
table: every peer, ours / best peer, the target and whether it is met; then the
details of each section) and ``<out>.json`` (every sample, settings, machine).
This is a measurement, not a test: nothing fails on a slow number.  The timed
workloads live in ``benchmarks/workloads.py``, the peers in ``benchmarks/peers.py``; the
first-fit sections run each library in fresh processes (``benchmarks/first_fit.py``).
"""
from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
SECTIONS = ("fit", "search", "predict", "fit_mnist", "transfer", "n_jobs", "rss", "first_fit",
            "first_fit_mnist")
PEER_KEYS = ("ours", "mlp", "skorch", "scikeras", "keras")
COLUMNS = {"ours": "ours", "mlp": "MLP", "skorch": "skorch", "scikeras": "scikeras",
           "keras": "Keras"}
MODES = {
    # repeats: timed rounds after one discarded warm-up round, per section
    "quick": dict(repeats=2, search_repeats=1, search_epochs=15, predict_repeats=2,
                  predict_budget=0.25, mnist_rows=55_000, transfer_rows=11_000,
                  transfer_epochs=5, transfer_repeats=2, n_jobs_epochs=3, n_jobs_repeats=2,
                  rss_fits=50),
    "full": dict(repeats=5, search_repeats=3, search_epochs=15, predict_repeats=5,
                 predict_budget=1.0, mnist_rows=55_000, transfer_rows=55_000,
                 transfer_epochs=5, transfer_repeats=3, n_jobs_epochs=3, n_jobs_repeats=3,
                 rss_fits=50),
}
REPEAT_KEYS = ("repeats", "search_repeats", "predict_repeats", "transfer_repeats",
               "n_jobs_repeats")


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command line of the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer repetitions, smaller transfer data (a few minutes)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed repetitions (after the warm-up round) for every section")
    parser.add_argument("--out", default=str(HERE / "results"),
                        help="output path without extension (default: benchmarks/results)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="threads for every peer: TensorFlow intra/inter-op, torch, BLAS "
                             "and OpenMP (default: all cores)")
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma-separated subset of {','.join(SECTIONS)}")
    parser.add_argument("--peers", default=",".join(PEER_KEYS),
                        help=f"comma-separated subset of {','.join(PEER_KEYS)} "
                             "(ours is always run)")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite <out>.md from an existing <out>.json; measure nothing")
    parser.add_argument("--mnist-dir", default=None,
                        help="folder of the MNIST idx files (default: shared/data/mnist "
                             "beside the repository)")
    args = parser.parse_args(argv)
    args.sections = [s for s in args.sections.split(",") if s]
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}")
    args.peers = ["ours"] + [p for p in args.peers.split(",") if p and p != "ours"]
    unknown = set(args.peers) - set(PEER_KEYS)
    if unknown:
        parser.error(f"unknown peers {sorted(unknown)}")
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


# ----------------------------------------------------------------------------- machine
def cpu_model() -> str:
    """CPU model name from ``/proc/cpuinfo`` (``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_revision() -> str:
    """``HEAD`` of the repository, with ``+dirty`` when tracked files are modified."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE.parent,
                              text=True, capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=HERE.parent, text=True, capture_output=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def package_version(name: str) -> Optional[str]:
    """Installed version of a distribution, ``None`` when it is not installed."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def machine() -> Dict[str, Any]:
    """CPU, cores, memory, library versions, BLAS kernel, date and load."""
    import psutil
    from threadpoolctl import threadpool_info

    versions = {name: package_version(dist) for name, dist in (
        ("tensorflow", "tensorflow"), ("keras", "keras"), ("sklearn", "scikit-learn"),
        ("numpy", "numpy"), ("torch", "torch"), ("skorch", "skorch"),
        ("scikeras", "scikeras"), ("mlxtend", "mlxtend"))}
    return {"cpu": cpu_model(), "logical_cores": os.cpu_count(),
            "physical_cores": psutil.cpu_count(logical=False),
            "memory_gb": round(psutil.virtual_memory().total / 1024 ** 3, 1),
            "os": platform.platform(), "python": platform.python_version(),
            "versions": versions, "git": git_revision(),
            "thread_pools": [{k: pool.get(k) for k in ("user_api", "internal_api", "prefix",
                                                       "version", "architecture",
                                                       "num_threads")}
                             for pool in threadpool_info()],
            "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                   "OMP_NUM_THREADS", "KERAS_BACKEND")},
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "load_average_start": [round(x, 2) for x in os.getloadavg()]}


# ----------------------------------------------------------------------------- set-up
def import_quietly() -> None:
    """Import TensorFlow, Keras and torch with their start-up notices filtered out."""
    import quiet

    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    with quiet.filtered_stderr():
        import tensorflow as tf
        tf.config.list_physical_devices()  # logs "failed call to cuInit" once, here
        import keras  # noqa: F401
        try:
            import torch  # noqa: F401
        except ImportError:
            pass
        import tfgraph_dnn  # noqa: F401


def set_threads(n_threads: int) -> Dict[str, Any]:
    """The same thread count for every peer (BLAS/OpenMP: threadpoolctl, in ``main``)."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(n_threads)
    tf.config.threading.set_inter_op_parallelism_threads(n_threads)
    settings: Dict[str, Any] = {"tf_intra_op": n_threads, "tf_inter_op": n_threads,
                                "blas_openmp": n_threads}
    try:
        import torch
    except ImportError:
        pass
    else:
        torch.set_num_threads(n_threads)
        try:
            torch.set_num_interop_threads(n_threads)
        except RuntimeError:  # only settable before torch's first parallel work
            pass
        settings.update(torch_intra_op=torch.get_num_threads(),
                        torch_interop=torch.get_num_interop_threads())
    from tfgraph_dnn import DNNClassifier

    settings["dnn_n_threads"] = (n_threads if "n_threads" in DNNClassifier().get_params()
                                 else None)
    return settings


def select_peers(keys: List[str], n_threads: Optional[int]) -> Tuple[list, Dict[str, str]]:
    """Usable peers among ``keys`` and, for the others, why they are left out."""
    from peers import ALL_PEERS, Ours

    usable, skipped = [], {}
    for peer in ALL_PEERS:
        if peer.key not in keys:
            skipped[peer.key] = "not selected (--peers)"
            continue
        reason = peer.missing()
        if reason is not None:
            skipped[peer.key] = f"not installed: {reason}; `pip install -e \".[bench]\"`"
            continue
        if isinstance(peer, Ours):
            peer.n_threads = n_threads
        usable.append(peer)
    return usable, skipped


# ----------------------------------------------------------------------------- table
#: Main-table rows timed by workloads.fits: (row, section, batch size).
FIT_ROWS = [("1", "fit", "50"), ("2", "fit", "500"), ("5", "fit_mnist", "50"),
            ("6", "fit_mnist", "500")]
#: Targets (from the issue) of the peer rows: (peer key, or None for the best peer; limit
#: on ours / that peer). Rows 7-9 (ours only) carry theirs in _ratio_rows.
TARGETS: Dict[str, List[Tuple[Optional[str], float]]] = {
    "1": [(None, 1.0)], "2": [(None, 1.0)], "3": [("mlp", 1.0), ("skorch", 0.5)],
    "4a": [("mlp", 1.0)], "4b": [], "5": [(None, 0.6)], "6": [(None, 0.6)]}


def _median(entry: Optional[Dict[str, Any]], key: str = "seconds") -> Optional[float]:
    if not entry or "summary" not in entry:
        return None
    return entry["summary"][key]["median"]


def _num(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def peer_cells(results: Dict[str, Any], row: str) -> Dict[str, Any]:
    """``{peer: seconds or ms (float) | None}`` of one main-table row; ``None``: no value."""
    cells: Dict[str, Any] = {}
    for key, section, batch in FIT_ROWS:
        if row == key:
            entries = results.get(section, {}).get(batch, {})
            return {peer: _median(entries.get(peer)) for peer in PEER_KEYS}
    if row == "3":
        entries = results.get("search", {}).get("peers", {})
        return {peer: _median(entries.get(peer)) for peer in PEER_KEYS}
    if row in ("4a", "4b"):
        entries = results.get("predict", {}).get("one_row" if row == "4a" else "bulk", {})
        for peer in PEER_KEYS:
            medians = [_median(entry) for name, entry in entries.items()
                       if name.split("|")[0] == peer and _median(entry) is not None]
            cells[peer] = min(medians) * 1e3 if medians else None
        return cells
    return cells


def _why_empty(results: Dict[str, Any], row: str, peer: str) -> str:
    """Text of an empty cell: ``n/i`` (not installed), ``error``, or ``-`` (not run)."""
    skipped = results.get("skipped_peers", {})
    if peer in skipped:
        return "n/i" if skipped[peer].startswith("not installed") else "-"
    if row in ("4a", "4b"):
        predict = results.get("predict", {})
        entries = predict.get("one_row" if row == "4a" else "bulk", {})
        failed = peer in predict.get("fit_errors", {}) or any(
            "error" in entry for name, entry in entries.items() if name.split("|")[0] == peer)
        return "error" if failed else "-"
    if row == "3":
        entry = results.get("search", {}).get("peers", {}).get(peer)
    else:
        section, batch = next((s, b) for r, s, b in FIT_ROWS if r == row)
        entry = results.get(section, {}).get(batch, {}).get(peer)
    return "error" if entry and "error" in entry else "-"


def _ratio_rows(results: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The main table, one dict per row (also stored in the JSON)."""
    cfg = results["config"]
    search = results.get("search", {})
    labels = {
        "1": "1. fit 2 epochs, 5,000 MNIST, batch 50 (s)",
        "2": "2. fit 2 epochs, 5,000 MNIST, batch 500 (s)",
        "3": f"3. RandomizedSearchCV {search.get('n_iter', 6)} x {search.get('cv', 3)}-fold, "
             f"digits, {cfg['search_epochs']} epochs (s)",
        "4a": "4. predict_proba, 1 row (ms per call)",
        "4b": f"4. predict_proba, {results.get('predict', {}).get('bulk_rows', 10_000):,} rows "
              "(ms)",
        "5": f"5. fit 2 epochs, {cfg['mnist_rows']:,} MNIST, batch 50 (s)",
        "6": f"6. fit 2 epochs, {cfg['mnist_rows']:,} MNIST, batch 500 (s)",
    }
    section_of = {"1": "fit", "2": "fit", "3": "search", "4a": "predict", "4b": "predict",
                  "5": "fit_mnist", "6": "fit_mnist"}
    rows = []
    for row, label in labels.items():
        if section_of[row] not in results:
            continue
        cells = peer_cells(results, row)
        ours = cells.get("ours")
        peers = {k: v for k, v in cells.items() if k != "ours" and v is not None}
        best = min(peers, key=peers.get) if peers else None
        ratio = ours / peers[best] if ours is not None and best else None
        checks = []
        for peer, limit in TARGETS[row]:
            against = best if peer is None else peer
            value = (ours / peers[against] if ours is not None and against in peers
                     else None)
            checks.append({"against": peer or "best peer", "limit": limit, "ratio": value,
                           "met": None if value is None else value <= limit})
        rows.append({"row": row, "label": label, "cells": cells, "best_peer": best,
                     "ratio": ratio, "targets": checks})
    for row, section, keys, limit, label in (
            ("7", "transfer", ("cached", "uncached"), 0.35,
             "7. transfer fit, cache_frozen=True vs False, {n_epochs} epochs, "
             f"{cfg['transfer_rows']:,} rows (s)"),
            ("8", "n_jobs", ("n_jobs_2", "n_jobs_1"), 0.65,
             "8. our RandomizedSearchCV, n_jobs=2 vs 1 (s)")):
        if section not in results:
            continue
        entries = results[section]
        ours, base = _median(entries.get(keys[0])), _median(entries.get(keys[1]))
        ratio = ours / base if ours is not None and base is not None else None
        against = "cache_frozen=False" if row == "7" else "n_jobs=1"
        rows.append({"row": row, "label": label.format(n_epochs=entries.get("n_epochs", "?")),
                     "cells": {"ours": ours}, "best_peer": against.replace("cache_frozen=False",
                                                                           "uncached"),
                     "baseline": base, "ratio": ratio,
                     "targets": [{"against": against, "limit": limit, "ratio": ratio,
                                  "met": None if ratio is None else ratio <= limit}]})
    rss = results.get("rss", {})
    if "growth_mb" in rss:
        growth = rss["growth_mb"]
        rows.append({"row": "9", "label": f"9. our RSS growth, fit 5 -> fit {rss['n_fits']} "
                     "(MB)", "cells": {"ours": growth}, "best_peer": None, "ratio": None,
                     "targets": [{"against": "MB", "limit": 50.0, "ratio": growth,
                                  "met": growth <= 50.0}]})
    return rows


def _target_text(row: Dict[str, Any]) -> Tuple[str, str]:
    """``(target, met)`` cells of a main-table row."""
    checks = row["targets"]
    if not checks:
        return "-", "-"
    if row["row"] == "9":
        return "<= 50 MB", "yes" if checks[0]["met"] else "**no**"
    named = [check for check in checks if check["against"] in COLUMNS]
    target = "; ".join(f"<= {check['limit']:g}"
                       + (f" vs {COLUMNS[check['against']]}" if check in named else "")
                       for check in checks)
    mets = [check["met"] for check in checks]
    met = "n/a" if None in mets else ("yes" if all(mets) else "**no**")
    if named:
        met += " (" + ", ".join(
            f"vs {COLUMNS[check['against']]} "
            + ("-" if check["ratio"] is None else f"{check['ratio']:.2f}")
            for check in named) + ")"
    return target, met


def main_table(results: Dict[str, Any]) -> List[str]:
    """The report's one table: every peer, ours / best peer, target, met."""
    head = ["workload"] + [COLUMNS[p] for p in PEER_KEYS] + ["ours / best peer", "target",
                                                              "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in results["table"]:
        cells = []
        for peer in PEER_KEYS:
            value = row["cells"].get(peer)
            if value is not None:
                cells.append(f"{value:+.1f}" if row["row"] == "9" else _num(value))
            elif row["row"] in ("7", "8", "9"):
                cells.append("error" if peer == "ours" else "-")
            else:
                cells.append(_why_empty(results, row["row"], peer))
        if row["ratio"] is None:
            ratio = "-"
        elif "baseline" in row:
            ratio = f"{row['ratio']:.2f} (vs {row['best_peer']} {_num(row['baseline'])})"
        else:
            ratio = f"{row['ratio']:.2f} (vs {COLUMNS[row['best_peer']]})"
        target, met = _target_text(row)
        lines.append("| " + " | ".join([row["label"]] + cells + [ratio, target, met]) + " |")
    return lines


# ----------------------------------------------------------------------------- details
def _cell(entry: Optional[Dict[str, Any]], key: str = "seconds", scale: float = 1.0) -> str:
    if not entry:
        return "-"
    if "summary" not in entry:
        return "error" if "error" in entry else "-"
    s = entry["summary"][key]
    return (f"{_num(s['median'] * scale)} ({_num(s['min'] * scale)}-"
            f"{_num(s['max'] * scale)})")


def _warmup(entry: Dict[str, Any], key: str = "seconds") -> str:
    return ", ".join(_num(s[key]) for s in entry.get("warmup", [])) or "-"


def fit_details(results: Dict[str, Any], section: str, rows: Dict[str, str],
                title: str) -> List[str]:
    out = ["", f"## {title}", "",
           "| row | batch | peer | whole fit, s: median (min-max) | warm-up round, s "
           "| training accuracy |", "|---|---|---|---|---|---|"]
    for batch, entries in results[section].items():
        for peer in PEER_KEYS:
            if peer not in entries:
                continue
            entry = entries[peer]
            acc = entry.get("train_accuracy")
            out.append(f"| {rows[batch]} | {batch} | {COLUMNS[peer]} | {_cell(entry)} "
                       f"| {_warmup(entry)} | {'-' if acc is None else f'{acc:.3f}'} |")
    return out


def first_fit_details(results: Dict[str, Any], section: str, title: str) -> List[str]:
    """First fit (fresh process, warm-up on another structure) beside the cached refit."""
    out = ["", f"## {title}", "",
           "Each library in its own fresh processes: a warm-up fit of another structure "
           "(2 x 30 units), then the timed first fit of the net, its first 1-row "
           "`predict_proba`, and a second fit of a fresh estimator (ours: graph cache hit). "
           "Medians (min-max) over processes; 1-minute load average per process.", "",
           "| batch | peer | first fit, s | cached / second fit, s | first 1-row predict, ms "
           "| first / best peer's first | load |", "|---|---|---|---|---|---|---|"]
    for batch, entries in results[section].items():
        firsts = {peer: e["summary"]["first"]["median"] for peer, e in entries.items()
                  if "summary" in e}
        peers = [v for k, v in firsts.items() if k != "ours"]
        for peer in PEER_KEYS:
            entry = entries.get(peer)
            if entry is None:
                continue
            if "summary" not in entry:
                out.append(f"| {batch} | {COLUMNS[peer]} | {entry.get('error', '-')} "
                           "| | | | |")
                continue
            summary = entry["summary"]
            ratio = (f"{firsts[peer] / min(peers):.2f}" if peer == "ours" and peers
                     else "")
            predict = summary["first_predict"]["median"] * 1e3
            loads = ", ".join(f"{s['load_1min']:.1f}" for s in entry["samples"])
            out.append(f"| {batch} | {COLUMNS[peer]} | {_cell(entry, 'first')} "
                       f"| {_cell(entry, 'cached')} | {predict:.1f} | {ratio} | {loads} |")
    return out


def markdown(results: Dict[str, Any]) -> str:
    """The report: machine, settings, the main table, then each section's details."""
    m, cfg = results["machine"], results["config"]
    v = m["versions"]
    blas = "; ".join(f"{p['prefix']}" + (f" {p['version']}" if p["version"] else "")
                     + f" ({p['internal_api']}"
                     + (f", {p['architecture']} kernel" if p["architecture"] else "")
                     + f", {p['num_threads']} threads)" for p in m["thread_pools"]) or "-"
    command = "python benchmarks/run.py" + "".join(
        f" {flag}" for flag in cfg["flags"])
    lines = ["# Benchmark results", "",
             f"`{command}` - {m['date']}, git {m['git']}, total "
             f"{results['total_seconds']:.0f} s", "",
             f"* Machine: {m['cpu']}, {m['logical_cores']} logical / {m['physical_cores']} "
             f"physical cores, {m['memory_gb']} GB, {m['os']}",
             "* Python {}, ".format(m["python"]) + ", ".join(
                 f"{name} {version}" for name, version in v.items() if version),
             f"* Load average (1/5/15 min) at start {m['load_average_start']}, at end "
             f"{m['load_average_end']}: a load near or above "
             f"{m['logical_cores']} means the machine was busy and the numbers are noisy",
             "* Sections (seconds; 1-minute load average at start -> end): " + ", ".join(
                 f"{name} {s['seconds']:.0f} s ({s['load_1min_start']} -> {s['load_1min_end']})"
                 for name, s in results.get("sections", {}).items()),
             "* Threads: " + ", ".join(f"{k}={val}" for k, val in cfg["threads"].items())
             + f"; BLAS/OpenMP pools: {blas}",
             f"* Repetitions: {cfg['repeats']} timed rounds after one discarded warm-up "
             f"round (search: {cfg['search_repeats']}, predict: {cfg['predict_repeats']}, "
             f"transfer: {cfg['transfer_repeats']}, n_jobs: {cfg['n_jobs_repeats']}); peers "
             "run round-robin in each round; cells are medians."]
    if m["load_average_start"][0] >= 0.5:
        lines.append(f"* **Busy machine**: 1-minute load {m['load_average_start'][0]} when the "
                     "run started (other processes, or a run just before). Multi-threaded small-matrix "
                     "peers (OpenBLAS in MLP, OpenMP in torch) suffer most from that (see the "
                     "README). Re-run on an idle machine before trusting the ratios.")
    if m["env"].get("OPENBLAS_CORETYPE"):
        lines.append(f"* OPENBLAS_CORETYPE={m['env']['OPENBLAS_CORETYPE']} was set: NumPy's "
                     "BLAS (MLPClassifier) ran that kernel instead of the CPU's own (see "
                     "the README)")
    for key, reason in results["skipped_peers"].items():
        lines.append(f"* Skipped {COLUMNS[key]}: {reason}")
    lines += ["", "## Ours against the peers", "",
              "Ratios are ours / best peer of the row (the fastest of MLP, skorch, scikeras, "
              "Keras); rows 3 and 4 also have targets against one named peer. `n/i`: peer "
              "not installed; `-`: not applicable (bare Keras has no scikit-learn wrapper "
              "for the search: scikeras is the Keras row there).", ""]
    lines += main_table(results)
    lines += ["", "## Settings", "", "Data:"]
    lines += [f"* {name}: {text}" for name, text in results["data"].items()]
    lines += ["", "The net (5 x 100 ReLU, Adam lr 0.001; row 3: 2 hidden layers, searched "
              "units / lr / batch size), per peer:"]
    lines += [f"* {COLUMNS[key]}: {text}" for key, text in results["peer_settings"].items()]
    rows_of = {"fit": {"50": "1", "500": "2"}, "fit_mnist": {"50": "5", "500": "6"}}
    if "fit" in results and "error" not in results["fit"]:
        lines += fit_details(results, "fit", rows_of["fit"],
                             "Rows 1-2: whole fit, 2 epochs of 5,000 MNIST digits")
    if "fit_mnist" in results and "error" not in results["fit_mnist"]:
        lines += fit_details(results, "fit_mnist", rows_of["fit_mnist"],
                             f"Rows 5-6: whole fit, 2 epochs of {cfg['mnist_rows']:,} rows")
    for section, rows in (("first_fit", "5,000 MNIST digits"),
                          ("first_fit_mnist", f"{cfg['mnist_rows']:,} MNIST rows")):
        if section in results and "error" not in results[section]:
            lines += first_fit_details(results, section,
                                       f"First fit of a structure, 2 epochs of {rows}")
    search = results.get("search")
    if search and "peers" in search:
        lines += ["", f"## Row 3: RandomizedSearchCV(n_iter={search['n_iter']}, "
                  f"cv={search['cv']}, refit=False, n_jobs=1, random_state=0)", "",
                  f"{search['n_epochs']} epochs, 2 hidden layers, on the digits. The "
                  "candidates are drawn once by scikit-learn's `ParameterSampler` "
                  "(random_state=0) and replayed to every peer's search under its own "
                  "parameter names (the sampler orders parameters by name, so the same "
                  "seed alone would give each peer other candidates):", "",
                  "| candidate | units | learning rate | batch size | "
                  + " | ".join(f"{COLUMNS[p]} CV accuracy" for p in search["peers"]) + " |",
                  "|---|---|---|---|" + "---|" * len(search["peers"])]
        for i, cand in enumerate(search["candidates"]):
            scores = [search["peers"][p].get("mean_test_scores") for p in search["peers"]]
            lines.append(f"| {i + 1} | {cand['n_units']} | {cand['learning_rate']:.5f} | "
                         f"{cand['batch_size']} | " + " | ".join(
                             "-" if s is None else f"{s[i]:.3f}" for s in scores) + " |")
        lines += ["", "| peer | search, s: median (min-max) | warm-up round, s |",
                  "|---|---|---|"]
        for peer, entry in search["peers"].items():
            lines.append(f"| {COLUMNS[peer]} | {_cell(entry)} | {_warmup(entry)} |")
    predict = results.get("predict")
    if predict and "one_row" in predict:
        lines += ["", "## Row 4: predicted probabilities", "",
                  "Each peer fitted once (2 epochs of the 5,000 MNIST digits, batch 500); each round "
                  "calls each function for a fixed time budget and keeps the median per call; "
                  "the main table takes a peer's fastest function.", "",
                  "| peer | function | 1 row, ms: median (min-max over rounds) | calls per round "
                  f"| {predict['bulk_rows']:,} rows, ms | rows/s |", "|---|---|---|---|---|---|"]
        for name, one in predict["one_row"].items():
            peer, fn = name.split("|")
            bulk = predict["bulk"].get(name, {})
            calls = [int(s["calls"]) for s in one.get("samples", [])]
            seconds = _median(bulk)
            rate = "-" if seconds is None else f"{predict['bulk_rows'] / seconds:,.0f}"
            n_calls = "-" if not calls else (
                str(min(calls)) if min(calls) == max(calls) else f"{min(calls)}-{max(calls)}")
            lines.append(f"| {COLUMNS[peer]} | `{fn}` | {_cell(one, scale=1e3)} | {n_calls} "
                         f"| {_cell(bulk, scale=1e3)} | {rate} |")
    transfer = results.get("transfer")
    if transfer is not None:
        lines += ["", "## Row 7: transfer, 4 of 5 hidden layers frozen", ""]
        if "error" in transfer:
            lines.append("Not measured: see Errors.")
        else:
            lines += [f"`DNNClassifier(warm_start_from=<saved base>, n_frozen=4, "
                      f"cache_frozen=...)`, {transfer['n_epochs']} epochs, batch "
                      f"{transfer['batch_size']}, {cfg['transfer_rows']:,} rows of "
                      "the rows 5-6 data.", "",
                      "| cache_frozen | whole fit, s | epochs only, s | warm-up round, s |",
                      "|---|---|---|---|"]
            for key in ("cached", "uncached"):
                lines.append(f"| {key == 'cached'} | {_cell(transfer.get(key))} "
                             f"| {_cell(transfer.get(key), 'epochs')} "
                             f"| {_warmup(transfer.get(key, {}))} |")
    jobs = results.get("n_jobs")
    if jobs and "n_jobs_1" in jobs:
        lines += ["", "## Row 8: our search, n_jobs=2 vs n_jobs=1", "",
                  "`RandomizedSearchCV(DNNClassifier(n_hidden=2, n_epochs="
                  f"{jobs['n_epochs']}, batch_size=50), n_iter=4, cv=2, refit=False)` on the "
                  "5,000 MNIST digits; `n_threads` left at the estimator's default (joblib sets "
                  "`OMP_NUM_THREADS` in its workers).", "",
                  "| n_jobs=1, s | n_jobs=2, s | n_jobs=2 cold (warm-up: starts workers), s |",
                  "|---|---|---|", f"| {_cell(jobs['n_jobs_1'])} | {_cell(jobs['n_jobs_2'])} "
                  f"| {_warmup(jobs['n_jobs_2'])} |"]
    rss = results.get("rss")
    if rss and "growth_mb" in rss:
        lines += ["", f"## Row 9: RSS over {rss['n_fits']} sequential fits", "",
                  f"Digits, `DNNClassifier(n_hidden=2, n_neurons=50, n_epochs={rss['n_epochs']})`"
                  f", a fresh estimator each time. RSS before: {rss['rss_mb'][0]:.1f} MB, after "
                  f"fit 5: {rss['after_fit_5_mb']:.1f} MB, after fit {rss['n_fits']}: "
                  f"{rss['after_fit_last_mb']:.1f} MB, growth {rss['growth_mb']:+.1f} MB."]
    errors = collect_errors(results)
    if errors:
        lines += ["", "## Errors", ""] + [f"* {where}: {what}" for where, what in errors]
    return "\n".join(lines) + "\n"


def collect_errors(results: Dict[str, Any]) -> List[Tuple[str, str]]:
    """``(where, message)`` of every section or runner that raised."""
    found: List[Tuple[str, str]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("error", "train_accuracy_error") and isinstance(value, str):
                    found.append((path or "run", value))
                elif key == "fit_errors" and isinstance(value, dict):
                    found.extend((f"{path}/{peer} (fit)", msg) for peer, msg in value.items())
                else:
                    walk(value, f"{path}/{key}" if path else str(key))

    for section in SECTIONS:
        if section in results:
            walk(results[section], section)
    return found


# ----------------------------------------------------------------------------- main
def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    """Run the selected sections and write ``<out>.md`` and ``<out>.json``."""
    args = parse_args(argv)
    out = Path(args.out)
    if args.report_only:
        results = json.loads(out.with_suffix(".json").read_text())
        results["table"] = _ratio_rows(results)
        out.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
        out.with_suffix(".md").write_text(markdown(results))
        return results
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported
    os.environ["KERAS_BACKEND"] = "tensorflow"  # the Keras peers run on TensorFlow
    sys.path.insert(0, str(HERE))
    sys.path.insert(1, str(HERE.parent))
    started = time.perf_counter()
    import_quietly()
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    import bench_data
    import first_fit
    import quiet
    import workloads
    from peers import Net

    warnings.filterwarnings("ignore", category=ConvergenceWarning)  # MLP, max_iter=2
    mode = dict(MODES["quick" if args.quick else "full"])
    if args.repeats is not None:
        mode.update({key: args.repeats for key in REPEAT_KEYS})
    threads = set_threads(args.threads)
    peers, skipped = select_peers(args.peers, threads["dnn_n_threads"])
    flags = (["--quick"] if args.quick else []) + (
        [f"--repeats {args.repeats}"] if args.repeats is not None else [])
    if args.sections != list(SECTIONS):
        flags.append(f"--sections {','.join(args.sections)}")
    if args.peers != list(PEER_KEYS):
        flags.append(f"--peers {','.join(args.peers)}")
    results: Dict[str, Any] = {
        "machine": machine(), "skipped_peers": skipped,
        "config": {"quick": args.quick, "flags": flags, **mode, "threads": threads,
                   "sections": args.sections, "peers": [p.key for p in peers]},
        "peer_settings": {p.key: p.settings() for p in peers}, "data": {}, "sections": {}}

    cache: Dict[str, Any] = {}

    def data(name: str) -> Tuple[Any, Any]:
        if name not in cache:
            if name == "mnist_5k":
                X, y, text = bench_data.mnist_5k(args.mnist_dir)
                results["data"]["rows 1-2, 4, 8"] = text
            elif name == "digits":
                X, y, text = bench_data.digits()
                results["data"]["rows 3, 9"] = text
            else:
                X, y, text = bench_data.mnist_train(mode["mnist_rows"], args.mnist_dir)
                results["data"]["rows 5-7"] = text
            cache[name] = (X, y)
        return cache[name]

    def bulk_rows(X: Any) -> Any:
        import numpy as np
        return np.ascontiguousarray(np.resize(X, (10_000, X.shape[1])))

    net = Net()
    jobs: Dict[str, Callable[[], Any]] = {
        "fit": lambda: workloads.fits(peers, *data("mnist_5k"), (50, 500), net,
                                      mode["repeats"]),
        "search": lambda: workloads.search(peers, *data("digits"), mode["search_epochs"],
                                           mode["search_repeats"]),
        "predict": lambda: workloads.predict(
            peers, *data("mnist_5k"), bulk_rows(data("mnist_5k")[0]),
            net.with_(batch_size=500), mode["predict_repeats"], mode["predict_budget"]),
        "fit_mnist": lambda: workloads.fits(peers, *data("mnist"), (50, 500), net,
                                            mode["repeats"]),
        "transfer": lambda: workloads.transfer(
            data("mnist")[0][:mode["transfer_rows"]], data("mnist")[1][:mode["transfer_rows"]],
            net.with_(n_epochs=mode["transfer_epochs"]), threads["dnn_n_threads"],
            mode["transfer_repeats"]),
        "n_jobs": lambda: workloads.n_jobs(*data("mnist_5k"), mode["n_jobs_epochs"],
                                           mode["n_jobs_repeats"]),
        "rss": lambda: workloads.rss_growth(*data("digits"), n_fits=mode["rss_fits"]),
        # Each peer in fresh processes (see first_fit.py): nothing cached, nothing shared.
        "first_fit": lambda: first_fit.first_fits(
            [p.key for p in peers], "mnist_5k", 5_000, (50, 500), mode["repeats"],
            args.threads, args.mnist_dir),
        "first_fit_mnist": lambda: first_fit.first_fits(
            [p.key for p in peers], "mnist", mode["mnist_rows"], (50, 500), mode["repeats"],
            args.threads, args.mnist_dir),
    }
    with threadpool_limits(limits=args.threads):
        for section in args.sections:
            t0 = time.perf_counter()
            print(f"[{section}] running...", flush=True)
            load_start = os.getloadavg()[0]
            try:
                with quiet.filtered_stderr():
                    results[section] = jobs[section]()
            except Exception as error:  # report it and go on with the other sections
                results[section] = {"error": f"{type(error).__name__}: {error}"}
            seconds = time.perf_counter() - t0
            results["sections"][section] = {"seconds": round(seconds, 1),
                                            "load_1min_start": round(load_start, 2),
                                            "load_1min_end": round(os.getloadavg()[0], 2)}
            print(f"[{section}] done in {seconds:.1f} s", flush=True)
    results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["total_seconds"] = time.perf_counter() - started
    results["tensorflow_notices_hidden"] = quiet.hidden_lines[0]
    results["table"] = _ratio_rows(results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    report = markdown(results)  # after the JSON: a report bug loses no measurement
    out.with_suffix(".md").write_text(report)
    print(report)
    return results


if __name__ == "__main__":
    main()
