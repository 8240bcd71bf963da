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

from _support import REPO_ROOT
from _background import background

EXAMPLES = Path(REPO_ROOT) / "examples"
NAMES = ["exercise8_mnist", "transfer_mnist", "pretrain_siamese", "dask_search"]


@pytest.fixture(scope="module")
def examples():
    """The example modules, imported (not run) as ``examples/<name>.py``."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        yield {name: importlib.import_module(name) for name in ["_common"] + NAMES}
    finally:
        sys.path.remove(str(EXAMPLES))


HELP_RUNS = background(
    "examples_help", module=__file__, fixture="help_runs", env=dict(os.environ),
    jobs=[{"cwd": str(EXAMPLES), "run_path": str(EXAMPLES / f"{name}.py"), "argv": ["--help"],
           "watch": ["tensorflow"], "timeout": 120} for name in NAMES])


@pytest.fixture
def help_runs():
    """``examples/<name>.py --help`` run as ``__main__`` one after another in ONE new
    interpreter, started in the background (a process each cost ~1 s; nothing imports
    TensorFlow, which each step checks): ``help_runs(name)`` is its ``CompletedProcess``."""
    return HELP_RUNS.completed


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_help_answers_before_tensorflow_is_imported(help_runs, name):
    result = help_runs(name)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout and not result.modules["tensorflow"], result.stdout
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


# --- issue 15, item 2: the examples on the full MNIST (--mnist-dir) -----------------------

def _write_mnist_dir(directory: Path, n_train: int = 60, n_test: int = 20) -> None:
    """Four small official-style idx files (gzip), 4 x 4 images, labels cycling 0-9."""
    import gzip
    import struct

    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = np.arange(n, dtype=np.uint8) % 10
        images = np.repeat(labels * 20, 16).reshape(n, 4, 4).astype(np.uint8)
        (directory / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip.compress(
            struct.pack(">4i", 2051, n, 4, 4) + images.tobytes()))
        (directory / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(
            struct.pack(">2i", 2049, n) + labels.tobytes()))


def test_examples_split_the_full_mnist_as_the_seed(examples, tmp_path, monkeypatch):
    """Train = the first N_TRAIN training images, valid = the rest, test = the t10k files."""
    _write_mnist_dir(tmp_path)
    common = examples["_common"]
    monkeypatch.setattr(common, "N_TRAIN", 50)  # the seed's 55,000 of 60,000, scaled down
    data = common.load_mnist(str(tmp_path))
    assert {name: len(y) for name, (X, y) in data.items()} == {"train": 50, "valid": 10,
                                                              "test": 20}
    assert data["train"][0].max() == 180 and data["train"][0].dtype == np.float32  # raw
    assert data["valid"][1].tolist() == list(range(10))
    split = examples["exercise8_mnist"].load_split(mnist_dir=str(tmp_path), n_train=20)
    assert {name: len(y) for name, (X, y) in split.items()} == {"train": 20, "valid": 5,
                                                               "test": 10}
    assert all(set(y.tolist()) == set(range(5)) for _, y in split.values())
    siamese = examples["pretrain_siamese"].load_splits(mnist_dir=str(tmp_path))
    assert siamese["pretrain"][0] is siamese["train"][0] and len(siamese["valid"][1]) == 10
    assert common.mnist_dir_of(SimpleNamespace(mnist_dir="none")) is None
    default = common.default_mnist_dir()
    assert default is None or Path(default) == common.DEFAULT_MNIST_DIR


def test_full_mnist_tables_print_the_seeds_numbers(examples):
    exercise8, siamese = examples["exercise8_mnist"], examples["pretrain_siamese"]
    rows = [{"name": "(c) random-search best", "tag": "search-best", "valid": 0.99,
             "test": 0.995, "epochs": "10/30", "seconds": (1.0, 2.0)},
            {"name": "(d) seed's BN net", "tag": "seed BN net", "valid": 0.99, "test": 0.996,
             "epochs": "10/30", "seconds": (1.0, 2.0)}]
    table = exercise8.markdown_table(rows, rows[1], full=True)
    assert "seed notebook" in table and "0.99494 (test)" in table and "0.995719" in table
    assert "seed notebook" not in exercise8.markdown_table(rows, rows[1])
    pairs = {"valid": 0.98, "test": 0.979, "epochs": "30/45", "wall": 100.0}
    classifiers = [{"n": 500, "name": "tower A pretrained, frozen", "lr": 0.001,
                    "valid": 0.97, "test": 0.968, "std": 0.001, "wall": 20.0, "epochs": "9/29"}]
    text = siamese.results_table(pairs, classifiers, full=True)
    assert "seed notebook 0.976" in text and "| 0.9667 |" in text
    assert "seed notebook" not in siamese.results_table(pairs, classifiers)
