"""The command line, run as a user runs it: in a subprocess.

Each subprocess that imports TensorFlow costs ~5 s, so the end-to-end tests
chain several commands (train --save -> predict -> export; search --save ->
predict), and the bad-input cases fail before TensorFlow is imported.
"""
import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tfgraph_dnn import cli, cli_search


def run_cli(*args, cwd):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run([sys.executable, "-m", "tfgraph_dnn", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def assert_usage_error(result, message):
    """Exit code 2 and exactly one line on stderr, holding ``message``."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tfgraph-dnn "), result.stderr
    assert message in lines[0]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


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


def test_train_save_predict_export_csv_with_string_labels(tmp_path):
    import tensorflow as tf

    from tfgraph_dnn import DNNClassifier

    rng = np.random.RandomState(0)
    X = rng.randn(120, 3).astype(np.float32)
    labels = np.where(X[:, 0] + X[:, 1] > 0, "pos", "neg")
    lines = ["a,b,c,label"] + [f"{r[0]!r},{r[1]!r},{r[2]!r},{lab}"
                               for r, lab in zip(X.tolist(), labels)]
    (tmp_path / "data.csv").write_text("\n".join(lines))
    result = run_cli("train", "--data", "data.csv", "--target", "label", "--n-epochs", "5",
                     "--hidden-layers", "16,16", "--dropout-rate", "0.2", "--log-dir", "logs",
                     "--save", "model", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "classes 2" in result.stdout and "saved: " in result.stdout

    # predict drops the --target column and prints the accuracy it allows
    result = run_cli("predict", "--model", "model", "--data", "data.csv", "--target", "label",
                     "--out", "preds.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "accuracy on data.csv: " in result.stdout
    header, rows = read_csv(tmp_path / "preds.csv")
    assert header == ["prediction", "proba_neg", "proba_pos"] and len(rows) == 120
    model = DNNClassifier.load(tmp_path / "model")
    assert [row[0] for row in rows] == model.predict(X).tolist()
    np.testing.assert_allclose(np.array([row[1:] for row in rows], float),
                               model.predict_proba(X), rtol=1e-6)

    # wrong feature count and unreadable files are caught before TensorFlow is imported
    (tmp_path / "two.csv").write_text("a,b\n1,2\n3,4\n")
    result = run_cli("predict", "--model", "model", "--data", "two.csv", cwd=tmp_path)
    assert_usage_error(result, "two.csv has 2 feature columns but the model in model expects 3")
    (tmp_path / "garbage.npz").write_bytes(b"not an archive\x00\xff" * 8)
    result = run_cli("predict", "--model", "model", "--data", "garbage.npz", cwd=tmp_path)
    assert_usage_error(result, "not a NumPy .npz archive")

    result = run_cli("export", "--model", "model", "--saved-model", "served", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    serve = tf.saved_model.load(str(tmp_path / "served")).signatures["serving_default"]
    classes = serve(features=tf.constant(X))["classes"].numpy().astype(str)
    assert classes.tolist() == [row[0] for row in rows]
    result = run_cli("export", "--model", "model", "--saved-model", "served", cwd=tmp_path)
    assert_usage_error(result, "already exists")


def test_search_save_then_predict_raw_features(tmp_path):
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from tfgraph_dnn import DNNClassifier
    from tfgraph_dnn.datasets import load_digits_dataset

    result = run_cli("search", "--n-iter", "2", "--cv", "2", "--n-epochs", "2",
                     "--log-dir", "logs", "--save", "model", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Fitting 2 folds for each of 2 candidates" in result.stdout
    assert "best params: " in result.stdout and "activation=" in result.stdout
    best = float(result.stdout.split("best CV accuracy: ")[1].split()[0])
    test_accuracy = float(result.stdout.split("test accuracy: ")[1].split()[0])
    assert 0.0 <= best <= 1.0 and 0.0 <= test_accuracy <= 1.0
    (run_dir,) = [tmp_path / "logs" / name for name in os.listdir(tmp_path / "logs")]
    assert run_dir.name.endswith("-search")
    header, rows = read_csv(run_dir / "search_results.csv")
    assert len(rows) == 2 and {"params", "mean_test_score", "param_dnn__n_hidden"} <= set(header)
    assert max(float(row[header.index("mean_test_score")]) for row in rows) \
        == pytest.approx(best, abs=1e-4)
    assert json.loads((run_dir / "metrics.json").read_text())["test_accuracy"] \
        == pytest.approx(test_accuracy, abs=1e-4)
    assert sum(name.endswith("-fit") for name in os.listdir(run_dir)) == 5  # 4 CV fits + refit

    # The saved scaler is the one fitted on the search's training split ...
    X, y = load_digits_dataset()
    X_train, X_test, _, _ = train_test_split(X, y, test_size=0.2, random_state=42, stratify=y)
    scaler = StandardScaler().fit(X_train)
    saved = json.loads((tmp_path / "model" / "preprocessing.json").read_text())
    np.testing.assert_allclose(saved["standard_scaler"]["mean"], scaler.mean_)
    np.testing.assert_allclose(saved["standard_scaler"]["scale"], scaler.scale_)
    # ... and predict applies it to raw features, as the pipeline did.
    np.savez(tmp_path / "test.npz", X=X_test)
    result = run_cli("predict", "--model", "model", "--data", "test.npz", "--out", "p.csv",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "standardized with preprocessing.json" in result.stdout
    _, rows = read_csv(tmp_path / "p.csv")
    with pytest.warns(UserWarning, match="standardized features"):  # load() alone: no scaler
        loaded = DNNClassifier.load(tmp_path / "model")
    expected = loaded.predict(scaler.transform(X_test))
    assert [int(row[0]) for row in rows] == expected.tolist()


@pytest.mark.parametrize("args, message", [
    (["train", "--data", "missing.csv", "--target", "y"], "No such file"),
    (["train", "--data", "bad.csv", "--target", "nope"], "Target column 'nope'"),
    (["train", "--data", "bad.txt"], "Unsupported file type"),
    (["train", "--learning-rate", "-1"], "argument --learning-rate: must be > 0, got -1"),
    (["train", "--batch-size", "ten"], "argument --batch-size: expected int, got 'ten'"),
    (["train", "--save", "not_a_model"], "not a model directory"),
    (["search", "--cv", "1"], "argument --cv: must be >= 2"),
    (["predict", "--model", "missing", "--data", "bad.csv"], "No saved model at missing"),
    (["predict", "--model", "not_a_model", "--data", "bad.csv"], "not a model directory"),
    (["export", "--model", "missing", "--saved-model", "not_a_model"], "already exists"),
    (["train", "--activation", "swish-ish", "--epochs", "1"], "activation"),  # the estimator's
])
def test_bad_files_and_flags_exit_2_with_one_line(tmp_path, args, message):
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    (tmp_path / "bad.txt").write_text("hello")
    (tmp_path / "not_a_model").mkdir()
    (tmp_path / "not_a_model" / "notes.txt").write_text("mine")
    result = run_cli(*args, "--log-dir", "logs", cwd=tmp_path) if args[0] == "train" \
        else run_cli(*args, cwd=tmp_path)
    assert_usage_error(result, message)
    assert not (tmp_path / "logs").exists()  # failed before training


def test_datasets_lists_offline_sets(tmp_path):
    result = run_cli("datasets", cwd=tmp_path)
    assert result.returncode == 0
    assert "digits" in result.stdout and "mnist-5k" in result.stdout


# ---------------------------------------------------------------- in-process, no subprocess
def test_every_train_flag_reaches_the_estimator():
    from tfgraph_dnn import DNNClassifier

    args = cli.build_parser().parse_args(
        ["train", "--n-hidden", "2", "--n-neurons", "7", "--beta1", "0.8", "--no-early-stopping",
         "--gradient-clip-norm", "1.5", "--n-threads", "1"])
    params = cli._estimator_params(args)
    assert set(params) <= set(DNNClassifier().get_params())
    DNNClassifier(**params)._validate_params()  # the defaults of the flags are valid values
    assert (params["n_hidden"], params["n_neurons"], params["beta1"]) == (2, 7, 0.8)
    assert params["gradient_clip_norm"] == 1.5 and params["early_stopping"] is False
    assert cli.build_parser().parse_args(["search"]).early_stopping is True


def test_search_space_names_estimator_parameters():
    from tfgraph_dnn import DNNClassifier

    names = {name.split("__", 1)[1] for name in cli_search.search_space()}
    assert names <= set(DNNClassifier().get_params())
    assert {"activation", "learning_rate", "n_neurons", "n_hidden", "batch_size",
            "batch_norm_momentum", "dropout_rate", "optimizer", "lr_schedule"} <= names


@pytest.mark.parametrize("n_jobs, n_cpus, n_fits, threads", [
    (1, 8, 30, None), (2, 2, 30, 1), (2, 8, 30, 4), (3, 8, 30, 2), (-1, 8, 30, 1),
    (-2, 8, 30, 1), (16, 8, 30, 1), (8, 8, 2, 4), (4, 8, 1, None)])
def test_threads_per_job_does_not_oversubscribe(n_jobs, n_cpus, n_fits, threads):
    assert cli_search.threads_per_job(n_jobs, n_cpus, n_fits) == threads


def test_cv_results_csv_same_with_and_without_pandas(tmp_path):
    pytest.importorskip("pandas")
    masked = np.ma.MaskedArray([0.5, 0.0], mask=[False, True], dtype=object)
    cv_results = {"mean_test_score": np.array([0.9, np.nan]), "param_dnn__dropout_rate": masked,
                  "rank_test_score": np.array([1, 2], dtype=np.int32),
                  "params": [{"dnn__dropout_rate": np.float64(0.5)}, {}]}
    with_pandas = cli_search.write_cv_results(cv_results, tmp_path / "a.csv")
    without = cli_search.write_cv_results(cv_results, tmp_path / "b.csv", use_pandas=False)
    assert read_csv(with_pandas) == read_csv(without)
    header, rows = read_csv(without)
    assert header[-1] == "params" and rows[0][-1] == '{"dnn__dropout_rate": 0.5}'
    assert rows[1][header.index("param_dnn__dropout_rate")] == ""
