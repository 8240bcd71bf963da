"""The command line, run as a user runs it: in a subprocess."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest


def run_cli(*args, cwd):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run([sys.executable, "-m", "tfgraph_dnn", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_train_default_digits(tmp_path):
    result = run_cli("train", "--epochs", "12", "--log-dir", str(tmp_path / "logs"),
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("epoch ") >= 12
    accuracy = float(result.stdout.split("test accuracy: ")[1].split()[0])
    assert accuracy >= 0.95
    run_dirs = os.listdir(tmp_path / "logs")
    assert len(run_dirs) == 1 and run_dirs[0].startswith("run-") and run_dirs[0].endswith("train")
    run_dir = tmp_path / "logs" / run_dirs[0]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["test_accuracy"] == pytest.approx(accuracy, abs=1e-4)
    assert any(name.startswith("events.out.tfevents") for name in os.listdir(run_dir))


def test_train_csv_with_string_labels(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.randn(120, 3)
    labels = np.where(X[:, 0] + X[:, 1] > 0, "pos", "neg")
    lines = ["a,b,c,label"] + [f"{r[0]},{r[1]},{r[2]},{lab}" for r, lab in zip(X, labels)]
    (tmp_path / "data.csv").write_text("\n".join(lines))
    result = run_cli("train", "--data", "data.csv", "--target", "label", "--epochs", "5",
                     "--hidden-layers", "16,16", "--log-dir", "logs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "classes 2" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["train", "--data", "missing.csv", "--target", "y"], "No such file"),
    (["train", "--data", "bad.csv", "--target", "nope"], "Target column 'nope'"),
    (["train", "--data", "bad.txt"], "Unsupported file type"),
    (["train", "--activation", "swish-ish", "--epochs", "1"], "activation"),
])
def test_bad_files_and_flags_exit_nonzero(tmp_path, args, message):
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    (tmp_path / "bad.txt").write_text("hello")
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_datasets_lists_offline_sets(tmp_path):
    result = run_cli("datasets", cwd=tmp_path)
    assert result.returncode == 0
    assert "digits" in result.stdout and "mnist-5k" in result.stdout
