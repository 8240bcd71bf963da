"""The examples (issue 14, items 7, 9, 10): help without TensorFlow, PNGs, honest verdicts.

The full examples take minutes, so their parts are checked: ``--help`` of each
answers without importing TensorFlow, the PNG writers produce files, the
conclusion says when a difference is within noise, ``dask_search`` prints
plain floats, samples Adam's betas for Adam only and, without Dask, exits 2 with
one line naming the install command.
"""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NAMES = ["exercise8_mnist", "transfer_mnist", "pretrain_siamese", "dask_search"]


@pytest.fixture(scope="module")
def examples():
    """The example modules, imported (not run) as ``examples/<name>.py``."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        yield {name: importlib.import_module(name) for name in ["_common"] + NAMES}
    finally:
        sys.path.remove(str(EXAMPLES))


@pytest.mark.parametrize("name", NAMES)
def test_help_answers_before_tensorflow_is_imported(name):
    probe = ("import runpy, sys\n"
             f"sys.argv = [{name!r}, '--help']\n"
             "try:\n"
             f"    runpy.run_path({str(EXAMPLES / (name + '.py'))!r}, run_name='__main__')\n"
             "except SystemExit:\n"
             "    pass\n"
             "print('TENSORFLOW', 'tensorflow' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=120, cwd=EXAMPLES)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout and "TENSORFLOW False" in result.stdout, result.stdout
    assert result.stderr == ""


def test_within_noise_verdict(examples):
    compare = examples["_common"].compare
    # transfer_mnist --quick's old conclusion: "beats from scratch: 0.9107 vs 0.9100".
    text = compare("transfer", 0.9107, "from scratch", 0.9100, 1500)
    assert "within noise" in text and "neither is shown better" in text and "1,500" in text
    text = compare("transfer", 0.95, "from scratch", 0.90, 1500)
    assert "transfer is better, beyond noise" in text
    assert examples["_common"].binomial_se(0.9, 100) == pytest.approx(0.03)


def _history(n_epochs, validation=True):
    rows = [{"epoch": e, "loss": 1.0 / e, "accuracy": 1 - 0.5 / e} for e in range(1, n_epochs + 1)]
    if validation:
        for row in rows:
            row.update(val_loss=row["loss"] * 1.2, val_accuracy=row["accuracy"] - 0.05)
    return rows


def _model(n_epochs=5):
    return SimpleNamespace(history_=_history(n_epochs), best_epoch_=3)


def test_every_example_writes_its_learning_curve_pngs(examples, tmp_path, monkeypatch):
    transfer, siamese = examples["transfer_mnist"], examples["pretrain_siamese"]
    monkeypatch.setattr(transfer, "OUTPUT", tmp_path)
    monkeypatch.setattr(siamese, "OUTPUT", tmp_path)
    base = {"model": _model()}
    rows = [{"name": name, "models": [_model()]} for name in
            ("(a) 5 frozen, cached", "(a) 5 frozen, not cached", "(e) from scratch")]
    transfer.plot_rows(base, rows)
    pairs = {"history": _history(4), "best_epoch": 2}
    siamese_rows = [{"name": name, "n": n, "models": [_model()]} for n in (50, 100)
                    for name in ("tower A pretrained, frozen", "from scratch")]
    siamese.plot_curves(pairs, siamese_rows)
    examples["_common"].plot_learning_curves([("refit", _history(3, validation=False), 0)],
                                             "no validation", tmp_path / "dask.png")
    written = sorted(path.name for path in tmp_path.glob("*.png"))
    assert written == ["dask.png", "siamese_classifiers_100.png", "siamese_classifiers_50.png",
                       "siamese_pairs.png", "transfer_base.png", "transfer_variants.png"]
    for path in tmp_path.glob("*.png"):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_siamese_conclusions_say_within_noise(examples):
    rows = [{"name": "tower A pretrained, frozen", "n": 50, "test": 0.883},
            {"name": "from scratch", "n": 50, "test": 0.884}]
    (line,) = examples["pretrain_siamese"].conclusions(rows, 1000)
    assert line.startswith("50 labels per class") and "within noise" in line


def test_dask_search_prints_plain_floats_and_samples_betas_for_adam_only(examples):
    from sklearn.model_selection import ParameterSampler

    dask_search = examples["dask_search"]
    shown = dask_search.plain({"dnn__learning_rate": np.float64(0.0015),
                               "dnn__n_neurons": np.int64(90), "dnn__lr_schedule": None})
    assert repr(shown) == "{'learning_rate': 0.0015, 'lr_schedule': None, 'n_neurons': 90}"
    candidates = list(ParameterSampler(dask_search.param_distributions(), 60, random_state=0))
    assert {c["dnn__optimizer"] for c in candidates} == {"adam", "nesterov", "rmsprop"}
    for candidate in candidates:
        has_betas = "dnn__beta1" in candidate and "dnn__beta2" in candidate
        assert has_betas == (candidate["dnn__optimizer"] == "adam"), candidate


def test_dask_search_without_dask_is_one_line_exit_2(tmp_path):
    """Run as a user runs it, with a ``dask`` that cannot be imported first on the path."""
    (tmp_path / "dask").mkdir()
    (tmp_path / "dask" / "__init__.py").write_text("raise ImportError('no dask here')\n")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])
    result = subprocess.run([sys.executable, str(EXAMPLES / "dask_search.py"), "--quick"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "needs Dask: pip install 'tfgraph_dnn[dask]'" in line
