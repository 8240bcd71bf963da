"""The command line in new processes, as a user's shell runs it (issue 14: quiet by default).

The runs are background processes registered by ``conftest.py`` (``user_session``,
``verbose_export``), started once the tests are collected, and run while the
in-process tests work; this module comes last so that they have finished.
They run without ``TF_CPP_MIN_LOG_LEVEL``, as a new user's shell, and their
output is checked for TensorFlow's log lines.  ``test_search_progress.py``
reads the same session's parallel search.
"""
import csv
import json
import os

import numpy as np
import pytest

from tfgraph_dnn import cli

from _support import TF_NOISE, assert_quiet, assert_usage_error, copy_tree


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


@pytest.mark.slow
def test_train_default_digits(user_session):
    """The first command of a new interpreter: TensorFlow's start-up says nothing."""
    result = user_session.results()["train_default"]
    assert result.returncode == 0, result.stderr
    assert_quiet(result)
    assert result.stderr == ""
    assert "feature scaling: (x - 0) / 16" in result.stdout
    assert result.stdout.count("epoch ") >= 12
    accuracy = float(result.stdout.split("test accuracy: ")[1].split()[0])
    assert accuracy >= 0.95
    logs = user_session.default_dir / "logs"
    run_dirs = os.listdir(logs)
    assert len(run_dirs) == 1 and run_dirs[0].startswith("run-") and run_dirs[0].endswith("train")
    run_dir = logs / run_dirs[0]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["test_accuracy"] == pytest.approx(accuracy, abs=1e-4)
    assert any(name.startswith("events.out.tfevents")  # anywhere: train/, validation/...
               for _, _, names in os.walk(run_dir) for name in names)


@pytest.mark.slow
def test_mnist_raw_pixels_train_predict_export_and_no_silent_replace(user_session,
                                                                     verbose_export, tmp_path,
                                                                     run_main):
    """Issue 14's "done when": mnist-5k trained and saved, predict on the raw 0-255 integers
    of a CSV >= 0.90, the SavedModel serves raw features alike; --save refuses to replace a
    different model (train and search) unless --overwrite; nothing of TensorFlow's shows
    unless --verbose."""
    import tensorflow as tf

    results, folder = user_session.results(), user_session.mnist_dir
    result = results["train_mnist"]
    assert result.returncode == 0, result.stderr
    assert_quiet(result)
    assert "feature scaling: (x - 0) / 255" in result.stdout

    result = results["predict_mnist"]  # on raw.csv: 600 rows of raw pixels and a label
    assert result.returncode == 0, result.stderr
    assert_quiet(result)
    assert float(result.stdout.split("accuracy on raw.csv: ")[1].split()[0]) >= 0.90
    _, predicted = read_csv(folder / "p.csv")

    # --verbose, the first command of a new process: TensorFlow's own lines are back
    (result,) = verbose_export.results()
    assert result.returncode == 0, result.stderr
    assert TF_NOISE.search(result.stderr), result.stderr
    result = results["export_mnist"]
    assert result.returncode == 0, result.stderr
    serve = tf.saved_model.load(str(folder / "served")).signatures["serving_default"]
    classes = serve(features=tf.constant(user_session.pixels.astype(np.float32)))["classes"]
    assert classes.numpy().astype(str).tolist() == [row[0] for row in predicted]

    # A different model (64 digits features, not 784) is refused, before any training ...
    copy_tree(folder / "model", tmp_path / "model")  # the shared run's model stays as it is
    for command in (["train"], ["search", "--n-iter", "1", "--cv", "2"]):
        result = run_main(*command, "--dataset", "digits", "--n-epochs", "1", "--log-dir",
                          "logs2", "--save", "model", cwd=tmp_path)
        assert_usage_error(result, "--save model holds a different model "
                                   "(784 features, not 64); give --overwrite")
        assert not (tmp_path / "logs2").exists()
    # ... unless --overwrite.
    result = run_main("train", "--dataset", "digits", "--n-epochs", "1", "--n-hidden", "1",
                      "--log-dir", "logs2", "--save", "model", "--overwrite", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert cli._model_info(str(tmp_path / "model"))["n_features"] == 64


@pytest.mark.slow
def test_search_save_then_predict_raw_features(user_session, tmp_path, run_main):
    """search standardizes inside the model (no preprocessing.json); predict takes raw rows."""
    from sklearn.model_selection import train_test_split

    from tfgraph_dnn import DNNClassifier
    from tfgraph_dnn.data.datasets import load_raw_dataset

    result = user_session.results()["search"]  # stderr: what its terminal showed
    assert result.returncode == 0, result.stderr
    assert_quiet(result)
    assert "2 candidates (the first: train's defaults) x 2 folds = 4 fits" in result.stdout
    assert "feature scaling: standard" in result.stdout
    assert "best params: " in result.stdout and "activation=" in result.stdout
    best = float(result.stdout.split("best CV accuracy: ")[1].split()[0])
    test_accuracy = float(result.stdout.split("test accuracy: ")[1].split()[0])
    assert 0.0 <= best <= 1.0 and 0.0 <= test_accuracy <= 1.0
    folder = user_session.search_dir
    (run_dir,) = [folder / "logs" / name for name in os.listdir(folder / "logs")]
    assert run_dir.name.endswith("-search")
    header, rows = read_csv(run_dir / "search_results.csv")
    assert len(rows) == 2 and {"params", "mean_test_score", "param_n_hidden"} <= set(header)
    assert max(float(row[header.index("mean_test_score")]) for row in rows) \
        == pytest.approx(best, abs=1e-4)
    assert json.loads((run_dir / "metrics.json").read_text())["test_accuracy"] \
        == pytest.approx(test_accuracy, abs=1e-4)
    runs = sorted(os.listdir(run_dir))  # each CV fit named by candidate and fold, the refit
    assert [name for name in runs if name.startswith("cand")] == \
        ["cand01-fold1", "cand01-fold2", "cand02-fold1", "cand02-fold2"]
    assert sum(name.endswith("-fit") for name in runs) == 1
    assert sum(name.endswith("-search") for name in runs) == 1  # the search's HParams run

    # The model carries its scaler: no preprocessing.json, and load() alone predicts raw rows.
    assert not (folder / "model" / "preprocessing.json").exists()
    X, y, _ = load_raw_dataset("digits")
    _, X_test, _, y_test = train_test_split(X, y, test_size=0.2, random_state=42, stratify=y)
    np.savez(tmp_path / "test.npz", X=X_test, y=y_test)
    result = run_main("predict", "--model", folder / "model", "--data", "test.npz", "--out",
                      "p.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert_quiet(result)
    _, rows = read_csv(tmp_path / "p.csv")
    loaded = DNNClassifier.load(folder / "model")
    assert loaded.feature_scaling == "standard"
    assert [int(row[0]) for row in rows] == loaded.predict(X_test).tolist()
    assert float(result.stdout.split("accuracy on test.npz: ")[1].split()[0]) \
        == pytest.approx(test_accuracy, abs=1e-4)
