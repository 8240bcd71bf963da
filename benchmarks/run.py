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
This is a measurement, not a test: nothing fails on a slow number.

This file is the command line: it parses the options, runs the selected sections and
writes the two files.  What each section runs is in ``benchmarks/sections.py`` (the timed
workloads in ``workloads.py``; the first-fit sections run each library in fresh processes,
``first_fit.py``), the peers in ``peers.py``, the process set-up and the machine record in
``environment.py``, the report in ``results_table.py`` (its main table) and
``results_markdown.py``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional

from environment import import_quietly, machine, select_peers, set_threads
from peers import PEER_KEYS
from results_markdown import markdown
from results_table import ratio_rows
from sections import MODES, REPEAT_KEYS, SECTIONS, DataSets, section_jobs

HERE = Path(__file__).resolve().parent


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


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    """Run the selected sections and write ``<out>.md`` and ``<out>.json``."""
    args = parse_args(argv)
    out = Path(args.out)
    if args.report_only:
        results = json.loads(out.with_suffix(".json").read_text())
        results["table"] = ratio_rows(results)
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

    import quiet

    warnings.filterwarnings("ignore", category=ConvergenceWarning)  # MLP, max_iter=2
    mode = dict(MODES["quick" if args.quick else "full"])
    if args.repeats is not None:
        mode.update({key: args.repeats for key in REPEAT_KEYS})
    threads = set_threads(args.threads)
    peers, skipped = select_peers(args.peers, threads["dnn_n_threads"])
    results: Dict[str, Any] = {
        "machine": machine(), "skipped_peers": skipped,
        "config": {"quick": args.quick, "flags": command_flags(args), **mode,
                   "threads": threads, "sections": args.sections,
                   "peers": [p.key for p in peers]},
        "peer_settings": {p.key: p.settings() for p in peers}, "data": {}, "sections": {}}
    jobs = section_jobs(peers, mode, DataSets(mode["mnist_rows"], args.mnist_dir,
                                              results["data"]),
                        threads["dnn_n_threads"], args.threads, args.mnist_dir)
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
    results["table"] = ratio_rows(results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    report = markdown(results)  # after the JSON: a report bug loses no measurement
    out.with_suffix(".md").write_text(report)
    print(report)
    return results


def command_flags(args: argparse.Namespace) -> List[str]:
    """The options that changed what was measured, as the report's command line shows them."""
    flags = (["--quick"] if args.quick else []) + (
        [f"--repeats {args.repeats}"] if args.repeats is not None else [])
    if args.sections != list(SECTIONS):
        flags.append(f"--sections {','.join(args.sections)}")
    if args.peers != list(PEER_KEYS):
        flags.append(f"--peers {','.join(args.peers)}")
    return flags


if __name__ == "__main__":
    main()
