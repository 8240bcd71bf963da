"""Write the canned-estimator reference fixtures with TensorFlow 2.15 + tensorflow-estimator 2.15.

Run once, offline, in the separate reference venv (never a dependency of the package)::

    /work/venv215/bin/python tests/estimator_tf1/make_canned_reference.py

It trains tiny ``tf.compat.v1.estimator`` canned estimators (a 3-class ``DNNClassifier``, a
``LinearRegressor`` and a binary ``DNNLinearCombinedClassifier``) for a few steps on small fixed
arrays with fixed seeds, and writes under ``tests/estimator_tf1/reference_canned/``:

* ``<name>/`` -- the model directory, reduced to what restoring needs (``checkpoint``,
  ``model.ckpt-N.index``/``.data-*``); the ``.meta`` graph, ``graph.pbtxt`` and event files are
  dropped to keep the fixtures small;
* ``<name>.json`` -- the data, the label used, the variable names and shapes, ``predict()``
  outputs, ``evaluate()`` metrics, the summary tags written by training and evaluation, and
  the predictions after training a few more steps from the saved checkpoint.
"""
import json
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reference_canned")
v1 = tf.compat.v1
fc = v1.feature_column

COLORS = ["red", "green", "blue"]
TRAIN_STEPS = 20
MORE_STEPS = 5
BATCH = 8


def fixed_data():
    """16 rows: two numeric features, one string feature and three kinds of label."""
    rng = np.random.RandomState(7)
    x1 = rng.uniform(-1, 1, 16).astype(np.float32)
    x2 = rng.uniform(-1, 1, 16).astype(np.float32)
    color = np.array([COLORS[i % 3] for i in range(16)])
    class3 = ((x1 > 0).astype(int) + (color == "blue").astype(int)).astype(np.int64)
    binary = ((x1 + 0.5 * x2) > 0).astype(np.int64)
    target = (2.0 * x1 - x2 + 0.5 * (color == "red") + 0.3).astype(np.float32)
    return {"x1": x1, "x2": x2, "color": color}, {"class3": class3, "binary": binary,
                                                   "target": target}


def columns():
    x1 = fc.numeric_column("x1")
    x2 = fc.numeric_column("x2")
    color = fc.categorical_column_with_vocabulary_list("color", COLORS)
    return x1, x2, color


def make(name, model_dir):
    x1, x2, color = columns()
    config = tf.estimator.RunConfig(tf_random_seed=42, save_summary_steps=1000,
                                    keep_checkpoint_max=1)
    if name == "dnn_classifier":
        return v1.estimator.DNNClassifier(
            hidden_units=[4, 3], feature_columns=[x1, x2, fc.indicator_column(color)],
            n_classes=3, model_dir=model_dir, config=config), "class3"
    if name == "linear_regressor":
        return v1.estimator.LinearRegressor(
            feature_columns=[x1, x2, color], model_dir=model_dir, config=config), "target"
    if name == "dnn_linear_combined_classifier":
        return v1.estimator.DNNLinearCombinedClassifier(
            linear_feature_columns=[x1, color], dnn_feature_columns=[x1, x2],
            dnn_hidden_units=[3], model_dir=model_dir, config=config), "binary"
    raise ValueError(name)


def input_fns(features, label):
    train = v1.estimator.inputs.numpy_input_fn(
        dict(features), label, batch_size=BATCH, num_epochs=None, shuffle=False)
    evaluate = v1.estimator.inputs.numpy_input_fn(
        dict(features), label, batch_size=BATCH, num_epochs=1, shuffle=False)
    predict = v1.estimator.inputs.numpy_input_fn(
        dict(features), batch_size=BATCH, num_epochs=1, shuffle=False)
    return train, evaluate, predict


def plain(value):
    """Predictions and metrics as JSON values (bytes decoded, arrays as lists)."""
    value = np.asarray(value)
    if value.dtype.kind in "SO":
        return [v.decode() if isinstance(v, bytes) else v for v in value.ravel().tolist()]
    return value.tolist()


def predictions(estimator, predict_fn):
    rows = list(estimator.predict(predict_fn))
    return {key: [plain(row[key]) for row in rows] for key in rows[0]}


def summary_tags(directory):
    """The tags of every summary in the event files of ``directory``."""
    tags = set()
    for entry in os.listdir(directory):
        if entry.startswith("events.out"):
            for event in v1.train.summary_iterator(os.path.join(directory, entry)):
                tags.update(value.tag for value in event.summary.value)
    return sorted(tags)


def build(name, features, labels):
    workdir = tempfile.mkdtemp()
    model_dir = os.path.join(workdir, name)
    estimator, label_key = make(name, model_dir)
    train, evaluate, predict = input_fns(features, labels[label_key])
    estimator.train(train, steps=TRAIN_STEPS)
    record = {
        "label": label_key,
        "train_steps": TRAIN_STEPS,
        "batch_size": BATCH,
        "variables": {n: list(estimator.get_variable_value(n).shape)
                      for n in estimator.get_variable_names()},
        "predict": predictions(estimator, predict),
        "evaluate": {k: float(v) for k, v in estimator.evaluate(evaluate).items()},
        "train_summary_tags": summary_tags(model_dir),
        "eval_summary_tags": summary_tags(os.path.join(model_dir, "eval")),
    }
    # The fixture directory: only what restoring needs.
    target = os.path.join(OUT, name)
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    for entry in os.listdir(model_dir):
        if entry == "checkpoint" or (entry.startswith("model.ckpt-")
                                     and not entry.endswith(".meta")):
            shutil.copy(os.path.join(model_dir, entry), target)
    # Training on: the restored optimizer slots must give these predictions.
    estimator.train(train, steps=MORE_STEPS)
    record["more_steps"] = MORE_STEPS
    record["predict_after_more"] = predictions(estimator, predict)
    shutil.rmtree(workdir)
    return record


def main():
    os.makedirs(OUT, exist_ok=True)
    features, labels = fixed_data()
    data = {"features": {k: plain(v) for k, v in features.items()},
            "labels": {k: plain(v) for k, v in labels.items()},
            "colors": COLORS}
    for name in ("dnn_classifier", "linear_regressor", "dnn_linear_combined_classifier"):
        record = build(name, features, labels)
        record["data"] = data
        record["versions"] = {"tensorflow": tf.__version__}
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(record, f, indent=1, sort_keys=True)
        print(name, "written")


if __name__ == "__main__":
    main()
