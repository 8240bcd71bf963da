"""Canned estimators against model directories written by TF 2.15's ``tf.compat.v1.estimator``.

The fixtures under ``reference_canned/`` come from ``make_canned_reference.py`` (run once in a
TF 2.15 + tensorflow-estimator 2.15 venv): a 3-class ``DNNClassifier``, a ``LinearRegressor``
and a binary ``DNNLinearCombinedClassifier`` trained 20 steps, with the outputs TF recorded.
Ours, built with the same arguments and pointed at a copy of each directory, must list the same
variables, predict and evaluate the same numbers, and train on exactly as TF did (the restored
optimizer slots included).
"""
import json
import os
import shutil

import numpy as np
import pytest

from tfgraph_dnn.estimator_tf1 import canned
from tfgraph_dnn.estimator_tf1.inputs import numpy_input_fn

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "reference_canned")
NAMES = ["dnn_classifier", "linear_regressor", "dnn_linear_combined_classifier"]


def _columns(tf, colors):
    fc = tf.compat.v1.feature_column
    return (fc.numeric_column("x1"), fc.numeric_column("x2"),
            fc.categorical_column_with_vocabulary_list("color", colors))


def _estimator(name, model_dir, colors):
    """Ours, with the arguments make_canned_reference.py gave TF's."""
    import tensorflow as tf

    x1, x2, color = _columns(tf, colors)
    config = _run_config()
    if name == "dnn_classifier":
        return canned.DNNClassifier(
            hidden_units=[4, 3],
            feature_columns=[x1, x2, tf.compat.v1.feature_column.indicator_column(color)],
            n_classes=3, model_dir=model_dir, config=config)
    if name == "linear_regressor":
        return canned.LinearRegressor(feature_columns=[x1, x2, color], model_dir=model_dir,
                                      config=config)
    return canned.DNNLinearCombinedClassifier(
        linear_feature_columns=[x1, color], dnn_feature_columns=[x1, x2],
        dnn_hidden_units=[3], model_dir=model_dir, config=config)


def _run_config():
    from tfgraph_dnn.estimator_tf1.run_config import RunConfig

    return RunConfig(tf_random_seed=42, save_summary_steps=1000, keep_checkpoint_max=1)


class Case:
    """One fixture: its record, a private copy of its model directory and our estimator."""

    def __init__(self, name, tmp_path):
        self.record_name = name
        with open(os.path.join(REFERENCE, name + ".json")) as f:
            self.record = json.load(f)
        data = self.record["data"]
        self.features = {"x1": np.array(data["features"]["x1"], np.float32),
                         "x2": np.array(data["features"]["x2"], np.float32),
                         "color": np.array(data["features"]["color"])}
        label = np.array(data["labels"][self.record["label"]])
        self.labels = label.astype(np.float32) if label.dtype.kind == "f" else label
        self.model_dir = str(tmp_path / name)
        shutil.copytree(os.path.join(REFERENCE, name), self.model_dir)
        self.estimator = _estimator(name, self.model_dir, data["colors"])
        self.batch = self.record["batch_size"]

    def input_fn(self, mode):
        if mode == "predict":
            return numpy_input_fn(dict(self.features), batch_size=self.batch, num_epochs=1,
                                  shuffle=False)
        return numpy_input_fn(dict(self.features), self.labels, batch_size=self.batch,
                              num_epochs=None if mode == "train" else 1, shuffle=False)

    def predictions(self):
        rows = list(self.estimator.predict(self.input_fn("predict")))
        return {key: np.array([row[key] for row in rows]) for key in rows[0]}


@pytest.fixture(params=NAMES)
def case(request, tmp_path):
    return Case(request.param, tmp_path)


def _assert_same_predictions(got, expected):
    assert sorted(got) == sorted(expected)
    for key, want in expected.items():
        value = got[key]
        if value.dtype.kind in "SO":
            assert [[v.decode() for v in row] for row in value.tolist()] == want, key
        elif value.dtype.kind in "iu":
            np.testing.assert_array_equal(value, np.array(want), err_msg=key)
        else:
            np.testing.assert_allclose(value, np.array(want), rtol=1e-5, atol=1e-6, err_msg=key)


def test_the_fixtures_are_small_and_complete():
    total = 0
    for name in NAMES:
        files = os.listdir(os.path.join(REFERENCE, name))
        assert "checkpoint" in files and any(f.endswith(".index") for f in files)
        total += sum(os.path.getsize(os.path.join(REFERENCE, name, f)) for f in files)
        total += os.path.getsize(os.path.join(REFERENCE, name + ".json"))
    assert total < 500_000


def test_lists_the_same_variables(case):
    variables = {name: list(case.estimator.get_variable_value(name).shape)
                 for name in case.estimator.get_variable_names()}
    assert variables == case.record["variables"]


def test_predicts_what_tf_predicted(case):
    _assert_same_predictions(case.predictions(), case.record["predict"])


def test_evaluates_what_tf_evaluated(case):
    metrics = case.estimator.evaluate(case.input_fn("evaluate"))
    expected = case.record["evaluate"]
    assert sorted(metrics) == sorted(expected)
    for key, value in expected.items():
        assert metrics[key] == pytest.approx(value, rel=1e-5, abs=1e-6), key


def test_trains_on_as_tf_did(case):
    steps = case.record["more_steps"]
    case.estimator.train(case.input_fn("train"), steps=steps)
    step = case.record["train_steps"] + steps
    assert case.estimator.get_variable_value("global_step") == step
    assert os.path.exists(os.path.join(case.model_dir, f"model.ckpt-{step}.index"))
    _assert_same_predictions(case.predictions(), case.record["predict_after_more"])


def _summary_tags(directory):
    import tensorflow as tf

    tags = set()
    for entry in os.listdir(directory):
        if entry.startswith("events.out"):
            for event in tf.compat.v1.train.summary_iterator(os.path.join(directory, entry)):
                tags.update(value.tag for value in event.summary.value)
    return sorted(tags)


def test_writes_the_summaries_tf_wrote(case, tmp_path):
    case.estimator.evaluate(case.input_fn("evaluate"))
    assert _summary_tags(os.path.join(case.model_dir, "eval")) == \
        case.record["eval_summary_tags"]
    fresh = _estimator(case.record_name, str(tmp_path / "fresh"), case.record["data"]["colors"])
    fresh.train(case.input_fn("train"), steps=1)
    # TF's numpy_input_fn fed a queue and summarized how full it was; ours is a tf.data
    # pipeline, so that one tag is not expected.
    expected = [tag for tag in case.record["train_summary_tags"]
                if not tag.startswith("enqueue_input/")]
    assert _summary_tags(str(tmp_path / "fresh")) == expected


def test_warm_starts_from_a_tf_model_directory(tmp_path):
    import tensorflow as tf

    case = Case("dnn_classifier", tmp_path)
    fc = tf.compat.v1.feature_column
    x1, x2, color = _columns(tf, case.record["data"]["colors"])
    # A zero learning rate: after one step the weights are exactly the warm-started ones.
    case.estimator = canned.DNNClassifier(
        [4, 3], [x1, x2, fc.indicator_column(color)], n_classes=3,
        model_dir=str(tmp_path / "warm"), warm_start_from=case.model_dir,
        optimizer=lambda: tf.compat.v1.train.GradientDescentOptimizer(0.0))
    case.estimator.train(case.input_fn("train"), steps=1)
    assert case.estimator.get_variable_value("global_step") == 1
    _assert_same_predictions(case.predictions(), case.record["predict"])
