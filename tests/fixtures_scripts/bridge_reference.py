"""Write tests/estimator/reference_tf215/ with TF 2.15 + tensorflow-estimator 2.15.

Run once, offline, in the reference venv (never a dependency of the package)::

    /work/venv215/bin/python tests/fixtures_scripts/bridge_reference.py

Two tiny canned estimators are trained a few steps on fixed arrays with a fixed seed:

* ``binary_classifier``: ``DNNClassifier(hidden_units=[5, 3], n_classes=2,
  label_vocabulary=["spam", "ham"])`` on one numeric column ``x`` of shape 3 (TF's binary
  head: ONE logit and a sigmoid; the vocabulary is deliberately not sorted);
* ``regressor``: ``DNNRegressor(hidden_units=[4], label_dimension=2, activation_fn=elu)``
  on numeric columns ``b`` (shape 2) and ``a`` (shape 1): the input layer concatenates
  them in sorted column-name order, ``a`` then ``b``.

Each gets ``<name>/`` (``checkpoint`` and ``model.ckpt-N.index``/``.data-*`` only) and
``<name>.json`` (the input rows as the input layer sees them, ``predict()`` outputs and
the checkpoint's variable shapes).  tests/estimator/test_from_tf_estimator.py loads the
directories with ``DNNClassifier.from_estimator_dir`` / ``DNNRegressor.from_estimator_dir``.
"""
import json
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1
fc = v1.feature_column
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "estimator",
                   "reference_tf215")
STEPS = 30


def data():
    rng = np.random.RandomState(11)
    x = rng.uniform(-2, 2, (24, 3)).astype(np.float32)
    label = np.where(x[:, 0] - x[:, 2] > 0, "spam", "ham")
    target = np.stack([x[:, 0] * x[:, 1], np.sin(x[:, 2])], axis=1).astype(np.float32)
    return x, label, target


def build(name, estimator, features, label, rows):
    train = v1.estimator.inputs.numpy_input_fn(features, label, batch_size=8,
                                               num_epochs=None, shuffle=False)
    predict = v1.estimator.inputs.numpy_input_fn(features, batch_size=8, num_epochs=1,
                                                 shuffle=False)
    estimator.train(train, steps=STEPS)
    outputs = list(estimator.predict(predict))
    keys = [k for k in ("probabilities", "logits", "predictions", "class_ids")
            if k in outputs[0]]
    record = {"input_rows": rows.tolist(),
              "predict": {k: [np.asarray(o[k]).tolist() for o in outputs] for k in keys},
              "variables": {n: list(estimator.get_variable_value(n).shape)
                            for n in estimator.get_variable_names()},
              "tensorflow": tf.__version__}
    target = os.path.join(OUT, name)
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    for entry in os.listdir(estimator.model_dir):
        if entry == "checkpoint" or (entry.startswith("model.ckpt-")
                                     and not entry.endswith(".meta")):
            shutil.copy(os.path.join(estimator.model_dir, entry), target)
    with open(target + ".json", "w") as f:
        json.dump(record, f, indent=1, sort_keys=True)
    print(name, "written")


def main():
    os.makedirs(OUT, exist_ok=True)
    x, label, target = data()
    config = tf.estimator.RunConfig(tf_random_seed=3, save_summary_steps=1000,
                                    keep_checkpoint_max=1)
    work = tempfile.mkdtemp()
    classifier = v1.estimator.DNNClassifier(
        hidden_units=[5, 3], feature_columns=[fc.numeric_column("x", shape=(3,))],
        n_classes=2, label_vocabulary=["spam", "ham"], config=config,
        model_dir=os.path.join(work, "c"))
    build("binary_classifier", classifier, {"x": x}, label, x)
    regressor = v1.estimator.DNNRegressor(
        hidden_units=[4], feature_columns=[fc.numeric_column("b", shape=(2,)),
                                           fc.numeric_column("a")],
        label_dimension=2, activation_fn=tf.nn.elu, config=config,
        model_dir=os.path.join(work, "r"))
    # Columns sorted by name in the input layer: a (x[:, 2]) then b (x[:, :2]).
    rows = np.concatenate([x[:, 2:], x[:, :2]], axis=1)
    build("regressor", regressor, {"a": x[:, 2:], "b": x[:, :2]}, target, rows)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
