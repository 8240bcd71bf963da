"""The benchmark's markdown report: machine and settings, the main table, then the details
of every section that ran, and the errors.

:func:`markdown` writes the whole report from a run's results (the JSON ``run.py`` writes,
with its ``table`` already computed by ``results_table.ratio_rows``).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from peers import COLUMNS, PEER_KEYS
from results_table import main_table, median_of, number_text
from sections import SECTIONS


# ----------------------------------------------------------------------------- details
def _cell(entry: Optional[Dict[str, Any]], key: str = "seconds", scale: float = 1.0) -> str:
    """``median (min-max)`` of an entry's ``key``, or why there is none."""
    if not entry:
        return "-"
    if "summary" not in entry:
        return "error" if "error" in entry else "-"
    s = entry["summary"][key]
    return (f"{number_text(s['median'] * scale)} ({number_text(s['min'] * scale)}-"
            f"{number_text(s['max'] * scale)})")


def _warmup(entry: Dict[str, Any], key: str = "seconds") -> str:
    """The discarded warm-up round's values, or ``-``."""
    return ", ".join(number_text(s[key]) for s in entry.get("warmup", [])) or "-"


def fit_details(results: Dict[str, Any], section: str, rows: Dict[str, str],
                title: str) -> List[str]:
    """Rows 1-2 or 5-6: every peer's whole fit per batch size, warm-ups, training accuracy."""
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
    cfg = results["config"]
    lines = _header(results)
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
    lines += _search_details(results.get("search"))
    lines += _predict_details(results.get("predict"))
    lines += _transfer_details(results.get("transfer"), cfg)
    lines += _n_jobs_details(results.get("n_jobs"))
    lines += _rss_details(results.get("rss"))
    errors = collect_errors(results)
    if errors:
        lines += ["", "## Errors", ""] + [f"* {where}: {what}" for where, what in errors]
    return "\n".join(lines) + "\n"


def _header(results: Dict[str, Any]) -> List[str]:
    """Title, command, machine, load, threads, repetitions and skipped peers."""
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
                     "run started (other processes, or a run just before). Multi-threaded "
                     "small-matrix peers (OpenBLAS in MLP, OpenMP in torch) suffer most from "
                     "that (see the README). Re-run on an idle machine before trusting the ratios.")
    if m["env"].get("OPENBLAS_CORETYPE"):
        lines.append(f"* OPENBLAS_CORETYPE={m['env']['OPENBLAS_CORETYPE']} was set: NumPy's "
                     "BLAS (MLPClassifier) ran that kernel instead of the CPU's own (see "
                     "the README)")
    for key, reason in results["skipped_peers"].items():
        lines.append(f"* Skipped {COLUMNS[key]}: {reason}")
    return lines


def _search_details(search: Optional[Dict[str, Any]]) -> List[str]:
    """Row 3: the candidates, every peer's CV scores and search times."""
    if not (search and "peers" in search):
        return []
    lines = ["", f"## Row 3: RandomizedSearchCV(n_iter={search['n_iter']}, "
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
    return lines


def _predict_details(predict: Optional[Dict[str, Any]]) -> List[str]:
    """Row 4: every prediction function, 1 row and bulk."""
    if not (predict and "one_row" in predict):
        return []
    lines = ["", "## Row 4: predicted probabilities", "",
              "Each peer fitted once (2 epochs of the 5,000 MNIST digits, batch 500); each "
              "round calls each function for a fixed time budget and keeps the median per call; "
              "the main table takes a peer's fastest function.", "",
              "| peer | function | 1 row, ms: median (min-max over rounds) | calls per round "
              f"| {predict['bulk_rows']:,} rows, ms | rows/s |", "|---|---|---|---|---|---|"]
    for name, one in predict["one_row"].items():
        peer, fn = name.split("|")
        bulk = predict["bulk"].get(name, {})
        calls = [int(s["calls"]) for s in one.get("samples", [])]
        seconds = median_of(bulk)
        rate = "-" if seconds is None else f"{predict['bulk_rows'] / seconds:,.0f}"
        n_calls = "-" if not calls else (
            str(min(calls)) if min(calls) == max(calls) else f"{min(calls)}-{max(calls)}")
        lines.append(f"| {COLUMNS[peer]} | `{fn}` | {_cell(one, scale=1e3)} | {n_calls} "
                     f"| {_cell(bulk, scale=1e3)} | {rate} |")
    return lines


def _transfer_details(transfer: Optional[Dict[str, Any]], cfg: Dict[str, Any]) -> List[str]:
    """Row 7: the transfer fit, cached and not."""
    if transfer is None:
        return []
    lines = ["", "## Row 7: transfer, 4 of 5 hidden layers frozen", ""]
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
    return lines


def _n_jobs_details(jobs: Optional[Dict[str, Any]]) -> List[str]:
    """Row 8: our search with 1 and 2 jobs."""
    if not (jobs and "n_jobs_1" in jobs):
        return []
    return ["", "## Row 8: our search, n_jobs=2 vs n_jobs=1", "",
            "`RandomizedSearchCV(DNNClassifier(n_hidden=2, n_epochs="
            f"{jobs['n_epochs']}, batch_size=50), n_iter=4, cv=2, refit=False)` on the "
            "5,000 MNIST digits; `n_threads` left at the estimator's default (joblib sets "
            "`OMP_NUM_THREADS` in its workers).", "",
            "| n_jobs=1, s | n_jobs=2, s | n_jobs=2 cold (warm-up: starts workers), s |",
            "|---|---|---|", f"| {_cell(jobs['n_jobs_1'])} | {_cell(jobs['n_jobs_2'])} "
            f"| {_warmup(jobs['n_jobs_2'])} |"]


def _rss_details(rss: Optional[Dict[str, Any]]) -> List[str]:
    """Row 9: RSS over sequential fits."""
    if not (rss and "growth_mb" in rss):
        return []
    return ["", f"## Row 9: RSS over {rss['n_fits']} sequential fits", "",
            f"Digits, `DNNClassifier(n_hidden=2, n_neurons=50, n_epochs={rss['n_epochs']})`"
            f", a fresh estimator each time. RSS before: {rss['rss_mb'][0]:.1f} MB, after "
            f"fit 5: {rss['after_fit_5_mb']:.1f} MB, after fit {rss['n_fits']}: "
            f"{rss['after_fit_last_mb']:.1f} MB, growth {rss['growth_mb']:+.1f} MB."]


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
