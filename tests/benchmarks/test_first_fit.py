"""The benchmark's first-fit section: one fresh process per peer and repetition,
peers round-robin, errors reported per peer (no TensorFlow needed: workers faked)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import first_fit  # noqa: E402


def test_first_fits_interleaves_peers_and_summarizes(monkeypatch):
    calls = []

    def fake(peer, data, rows, batch, threads, mnist_dir):
        calls.append((peer, batch))
        if peer == "skorch":
            return {"error": "exit 1: boom"}
        seconds = {"ours": 1.0, "mlp": 2.0}[peer] + len(calls) / 100
        return {"first": seconds, "cached": seconds / 2, "first_predict": 1e-4,
                "load_1min": 0.5}

    monkeypatch.setattr(first_fit, "_run_worker", fake)
    out = first_fit.first_fits(["ours", "mlp", "skorch"], "mnist_5k", 5000, (50,), 3, 2)
    # Round r starts with peer r mod 3; a peer that failed is not run again.
    assert calls == [("ours", 50), ("mlp", 50), ("skorch", 50),
                     ("mlp", 50), ("ours", 50), ("ours", 50), ("mlp", 50)]
    entries = out["50"]
    assert entries["skorch"] == {"samples": [], "error": "exit 1: boom"}
    ours = entries["ours"]["summary"]["first"]
    assert len(entries["ours"]["samples"]) == 3
    assert ours["min"] == pytest.approx(1.01) and ours["max"] == pytest.approx(1.06)
    assert ours["median"] == pytest.approx(1.05)
    assert entries["mlp"]["summary"]["cached"]["median"] == pytest.approx(2.04 / 2)
