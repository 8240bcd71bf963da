"""``examples/pretrain_siamese.py --seeds N`` (issue 22, item 6): per-seed spread in its verdicts."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def siamese():
    sys.path.insert(0, str(EXAMPLES))
    try:
        yield importlib.import_module("pretrain_siamese")
    finally:
        sys.path.remove(str(EXAMPLES))


def test_seeds_flag(siamese):
    assert siamese.parse_args(["--seeds", "5"]).seeds == 5
    assert siamese.parse_args([]).seeds is None  # the protocol's own seeds
    with pytest.raises(SystemExit):
        siamese.parse_args(["--seeds", "0"])


def test_conclusion_reports_the_paired_per_seed_differences(siamese):
    frozen = [0.97, 0.975, 0.972, 0.971, 0.969]
    scratch = [0.95, 0.976, 0.951, 0.949, 0.952]
    rows = [{"name": "tower A pretrained, frozen", "n": 500, "test": float(np.mean(frozen)),
             "tests": frozen},
            {"name": "from scratch", "n": 500, "test": float(np.mean(scratch)),
             "tests": scratch}]
    (line,) = siamese.conclusions(rows, 10_000)
    diffs = np.subtract(frozen, scratch)
    assert f"mean {diffs.mean():+.4f} ± {np.std(diffs, ddof=1):.4f}" in line
    assert "frozen higher on 4 of 5 seeds" in line


def test_table_lists_each_seeds_accuracy(siamese):
    pairs = {"valid": 0.98, "test": 0.979, "epochs": "30/45", "wall": 100.0}
    rows = [{"n": 500, "name": "from scratch", "lr": 0.001, "valid": 0.96, "test": 0.95,
             "std": siamese.sample_std([0.94, 0.96]), "tests": [0.94, 0.96], "wall": 1.0,
             "epochs": "1/2 3/4"}]
    table = siamese.results_table(pairs, rows)
    assert "| 0.9500 ± 0.0141 | 0.9400 0.9600 |" in table
