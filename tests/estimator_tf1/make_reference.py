"""Write the reference model directory of ``tests/estimator_tf1/`` with TF 2.15's Estimator.

Run once, offline, with the TF 2.15 + tensorflow-estimator 2.15 venv (never a dependency):

    /work/venv215/bin/python tests/estimator_tf1/make_reference.py

It trains a small custom-``model_fn`` Estimator (``tf.compat.v1.layers.dense`` inside, Adam,
fixed seed, ``numpy_input_fn`` on fixed arrays) into ``reference/model_dir`` and records in
``reference/expected.json`` its data, ``evaluate()`` and ``predict()`` outputs and the
checkpoint's variable names and shapes.  The tests load that directory with
``tfgraph_dnn.estimator_tf1`` and compare.
"""
import json
import os
import shutil

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reference")
MODEL_DIR = os.path.join(OUT, "model_dir")
STEPS = 20


def data():
    """The fixed arrays (also rebuilt by the tests from the same recipe)."""
    rng = np.random.RandomState(0)
    x = rng.randn(40, 4).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int32)
    return x, y


def model_fn(features, labels, mode, params):
    v1 = tf.compat.v1
    hidden = v1.layers.dense(features["x"], params["hidden"], activation=tf.nn.relu)
    logits = v1.layers.dense(hidden, 2)
    class_ids = tf.argmax(logits, 1)
    predictions = {"class_ids": class_ids, "probabilities": tf.nn.softmax(logits),
                   "logits": logits}
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    loss = v1.losses.sparse_softmax_cross_entropy(labels, logits)
    train_op = v1.train.AdamOptimizer(0.05).minimize(loss, global_step=v1.train.get_global_step())
    metrics = {"accuracy": v1.metrics.accuracy(labels, class_ids)}
    return tf.estimator.EstimatorSpec(mode, predictions=predictions, loss=loss,
                                      train_op=train_op, eval_metric_ops=metrics)


def event_tags(directory):
    """Every summary tag in ``directory``'s event files, sorted."""
    tags = set()
    for name in os.listdir(directory):
        if name.startswith("events.out.tfevents"):
            for event in tf.compat.v1.train.summary_iterator(os.path.join(directory, name)):
                tags.update(value.tag for value in event.summary.value)
    return sorted(tags)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    x, y = data()
    estimator = tf.estimator.Estimator(
        model_fn, model_dir=MODEL_DIR, params={"hidden": 8},
        config=tf.estimator.RunConfig(tf_random_seed=42, save_summary_steps=5,
                                      log_step_count_steps=5))
    estimator.train(tf.compat.v1.estimator.inputs.numpy_input_fn(
        {"x": x}, y, batch_size=8, num_epochs=None, shuffle=True), steps=STEPS)
    metrics = estimator.evaluate(tf.compat.v1.estimator.inputs.numpy_input_fn(
        {"x": x}, y, batch_size=8, shuffle=False))
    predictions = list(estimator.predict(tf.compat.v1.estimator.inputs.numpy_input_fn(
        {"x": x}, shuffle=False)))
    ckpt = estimator.latest_checkpoint()
    expected = {
        "tensorflow": tf.__version__,
        "steps": STEPS,
        "x": x.tolist(), "y": y.tolist(),
        "evaluate": {k: float(v) for k, v in metrics.items()},
        "predict": {key: [p[key].tolist() for p in predictions]
                    for key in ("class_ids", "probabilities", "logits")},
        "variables": {name: shape for name, shape in tf.train.list_variables(ckpt)},
        "checkpoint": os.path.basename(ckpt),
        "model_dir_files": sorted(os.listdir(MODEL_DIR)),
        "eval_dir_files": len(os.listdir(os.path.join(MODEL_DIR, "eval"))),
        "train_event_tags": event_tags(MODEL_DIR),
        "eval_event_tags": event_tags(os.path.join(MODEL_DIR, "eval")),
    }
    # Keep the fixture small (< 200 KB): the last checkpoint only.  What the dropped files
    # held (names, event tags) is recorded above.
    for name in os.listdir(MODEL_DIR):
        if not name.startswith(os.path.basename(ckpt) + ".") and name != "checkpoint":
            path = os.path.join(MODEL_DIR, name)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    tf.compat.v1.train.update_checkpoint_state(MODEL_DIR, os.path.basename(ckpt),
                                               [os.path.basename(ckpt)])
    for name in os.listdir(MODEL_DIR):
        if name.endswith(".meta"):
            os.remove(os.path.join(MODEL_DIR, name))
    with open(os.path.join(OUT, "expected.json"), "w") as handle:
        json.dump(expected, handle, indent=1, sort_keys=True)
    size = sum(os.path.getsize(os.path.join(root, f))
               for root, _, files in os.walk(OUT) for f in files)
    print(f"wrote {OUT}: {size} bytes")


if __name__ == "__main__":
    main()
