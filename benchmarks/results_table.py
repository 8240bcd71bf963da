"""The report's main table: one row per workload, every peer's median, ours / best peer,
the target and whether it is met.

:func:`ratio_rows` computes the rows from a run's results (they are stored in the JSON as
``table``); :func:`main_table` writes them as markdown.  The row numbers and targets are
those of ``benchmarks/README.md``; the rest of the report is ``results_markdown.py``.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from peers import COLUMNS, PEER_KEYS


# ----------------------------------------------------------------------------- table
#: Main-table rows timed by workloads.fits: (row, section, batch size).
FIT_ROWS = [("1", "fit", "50"), ("2", "fit", "500"), ("5", "fit_mnist", "50"),
            ("6", "fit_mnist", "500")]
#: Targets (from the issue) of the peer rows: (peer key, or None for the best peer; limit
#: on ours / that peer). Rows 7-9 (ours only) carry theirs in ratio_rows.
TARGETS: Dict[str, List[Tuple[Optional[str], float]]] = {
    "1": [(None, 1.0)], "2": [(None, 1.0)], "3": [("mlp", 1.0), ("skorch", 0.5)],
    "4a": [("mlp", 1.0)], "4b": [], "5": [(None, 0.6)], "6": [(None, 0.6)]}


def median_of(entry: Optional[Dict[str, Any]], key: str = "seconds") -> Optional[float]:
    """Median of ``key`` over an entry's repetitions; ``None`` when it has no summary."""
    if not entry or "summary" not in entry:
        return None
    return entry["summary"][key]["median"]


def number_text(value: float) -> str:
    """A timing with 3 or 4 significant digits (no more digits than the noise allows)."""
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
            return {peer: median_of(entries.get(peer)) for peer in PEER_KEYS}
    if row == "3":
        entries = results.get("search", {}).get("peers", {})
        return {peer: median_of(entries.get(peer)) for peer in PEER_KEYS}
    if row in ("4a", "4b"):
        entries = results.get("predict", {}).get("one_row" if row == "4a" else "bulk", {})
        for peer in PEER_KEYS:
            medians = [median_of(entry) for name, entry in entries.items()
                       if name.split("|")[0] == peer and median_of(entry) is not None]
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


def ratio_rows(results: Dict[str, Any]) -> List[Dict[str, Any]]:
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
        ours, base = median_of(entries.get(keys[0])), median_of(entries.get(keys[1]))
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
                cells.append(f"{value:+.1f}" if row["row"] == "9" else number_text(value))
            elif row["row"] in ("7", "8", "9"):
                cells.append("error" if peer == "ours" else "-")
            else:
                cells.append(_why_empty(results, row["row"], peer))
        if row["ratio"] is None:
            ratio = "-"
        elif "baseline" in row:
            ratio = f"{row['ratio']:.2f} (vs {row['best_peer']} {number_text(row['baseline'])})"
        else:
            ratio = f"{row['ratio']:.2f} (vs {COLUMNS[row['best_peer']]})"
        target, met = _target_text(row)
        lines.append("| " + " | ".join([row["label"]] + cells + [ratio, target, met]) + " |")
    return lines
