"""Issue 19, symptom 3: the command line matches a CSV's header to the model's features.

``train --data file.csv --target label`` records the header as the model's
``feature_names_in_``; ``predict --data file.csv`` matches the file's header to
them by name (columns reordered; unknown or missing names: one line naming the
file and the names, exit 2); a model trained without names (NPZ, digits...)
takes a CSV's columns by position, header or not, and no row is ever lost.
"""
import csv

import numpy as np
import pytest

from tfgraph_dnn import DNNClassifier, cli

FEATURES = ["age", "income", "height", "score", "weight"]
QUICK = ["--n-epochs", "3", "--n-hidden", "1", "--n-neurons", "8", "--random-state", "0"]


def write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def read_rows(path):
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def sample(n_rows=150, seed=0):
    """Features of very different scales (a column mix-up changes predictions) and labels."""
    rng = np.random.RandomState(seed)
    X = np.round(rng.randn(n_rows, len(FEATURES)) * [1.0, 30.0, 0.1, 5.0, 100.0], 4)
    y = (X[:, 0] + X[:, 1] / 30 > 0).astype(int)
    return X, y


def run(argv, capsys):
    code = cli.main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A model trained by ``train`` on a CSV whose label column sits between features."""
    folder = tmp_path_factory.mktemp("named")
    X, y = sample()
    header = FEATURES[:2] + ["label"] + FEATURES[2:]
    rows = [list(x[:2]) + [label] + list(x[2:]) for x, label in zip(X, y)]
    data = write_csv(folder / "train.csv", header, rows)
    code = cli.main(["train", "--data", data, "--target", "label", "--save",
                     str(folder / "model"), "--log-dir", str(folder / "logs"), *QUICK])
    assert code == 0
    return folder


def test_train_records_the_csv_header_as_feature_names(trained):
    model = DNNClassifier.load(trained / "model")
    assert list(model.feature_names_in_) == FEATURES and model.n_features_in_ == 5


def test_predict_matches_reordered_columns_by_name(trained, capsys):
    X, y = sample(40, seed=1)
    plain = write_csv(trained / "plain.csv", FEATURES, X.tolist())
    order = [3, 0, 4, 2, 1]
    shuffled = write_csv(trained / "shuffled.csv", ["label"] + [FEATURES[i] for i in order],
                         [[label] + list(x[order]) for x, label in zip(X, y)])
    outputs = []
    for data, extra in ((plain, []), (shuffled, ["--target", "label"])):
        out = trained / f"pred-{len(outputs)}.csv"
        code, stdout, err = run(["predict", "--model", trained / "model", "--data", data,
                                 "--out", out, *extra], capsys)
        assert code == 0, err
        assert "warning" not in err, err
        outputs.append(read_rows(out))
    assert len(outputs[0]) == len(X) + 1  # header + one row per input row
    assert outputs[1] == outputs[0]


@pytest.mark.parametrize("header, target, expected", [
    (["AGE"] + FEATURES[1:], None, ["unknown ['AGE']", "missing ['age']"]),
    (FEATURES[:4] + ["mass"], None, ["unknown ['mass']", "missing ['weight']"]),
    (FEATURES + ["label"], None, ["unknown ['label']", "name it with --target"]),
    (FEATURES[:4], None, ["has 4 feature columns", "missing ['weight']"]),
])
def test_predict_refuses_foreign_names_naming_file_and_names(trained, capsys, header, target,
                                                             expected):
    X, _ = sample(5, seed=2)
    rows = np.hstack([X, np.zeros((5, 1))])[:, :len(header)].tolist()
    data = write_csv(trained / "foreign.csv", header, rows)
    code, _, err = run(["predict", "--model", trained / "model", "--data", data,
                        "--out", trained / "never.csv"], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and data in lines[0], err
    assert all(part in lines[0] for part in expected), err
    assert not (trained / "never.csv").exists()


def test_headerless_csv_on_a_named_model_is_by_position_and_keeps_every_row(trained, capsys):
    X, _ = sample(12, seed=3)
    named = write_csv(trained / "named.csv", FEATURES, X.tolist())
    bare = write_csv(trained / "bare.csv", None, X.tolist())
    outputs = []
    for data in (named, bare):
        out = trained / f"bare-{len(outputs)}.csv"
        code, _, err = run(["predict", "--model", trained / "model", "--data", data,
                            "--out", out], capsys)
        assert code == 0, err
        outputs.append((read_rows(out), err))
    assert len(outputs[1][0]) == len(X) + 1 and outputs[1][0] == outputs[0][0]
    assert "no column names" in outputs[1][1] and "taken in the order" in outputs[1][1]


def test_model_without_names_takes_any_header_by_position(tmp_path, capsys):
    X, y = sample(120, seed=4)
    npz = tmp_path / "train.npz"
    np.savez(npz, X=X, y=y)
    code, _, err = run(["train", "--data", npz, "--save", tmp_path / "model",
                        "--log-dir", tmp_path / "logs", *QUICK], capsys)
    assert code == 0, err
    assert not hasattr(DNNClassifier.load(tmp_path / "model"), "feature_names_in_")
    outputs = []
    for name, header in (("any.csv", ["p", "q", "r", "s", "t"]), ("none.csv", None)):
        data = write_csv(tmp_path / name, header, X[:10].tolist())
        code, _, err = run(["predict", "--model", tmp_path / "model", "--data", data,
                            "--out", tmp_path / f"out-{name}"], capsys)
        assert code == 0 and "warning" not in err, err
        outputs.append(read_rows(tmp_path / f"out-{name}"))
    assert len(outputs[0]) == 11 and outputs[0] == outputs[1]


def test_save_over_a_model_with_other_feature_names_is_refused_before_training(trained,
                                                                               capsys):
    X, y = sample(60, seed=5)
    header = ["a", "b", "c", "d", "e", "label"]
    data = write_csv(trained / "other.csv", header, np.hstack([X, y[:, None]]).tolist())
    code, out, err = run(["train", "--data", data, "--target", "label", "--save",
                          trained / "model", *QUICK], capsys)
    assert code == 2 and "features named ['age', 'income'" in err, err
    assert "epoch" not in out  # refused before training
