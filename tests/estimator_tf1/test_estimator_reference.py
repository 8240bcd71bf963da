"""A model directory written by TF 2.15's tf.estimator loads, predicts and trains on here."""
import shutil

import numpy as np
import pytest

from tfgraph_dnn import estimator_tf1 as est

from _est_models import classifier_fn, reference, reference_data


@pytest.fixture(scope="module")
def trained_copy(tmp_path_factory):
    expected, model_dir = reference()
    copy = tmp_path_factory.mktemp("ref") / "model_dir"
    shutil.copytree(model_dir, copy)
    return expected, est.Estimator(classifier_fn, model_dir=str(copy), params={"hidden": 8})


def test_variable_names_and_shapes_identical(trained_copy):
    expected, estimator = trained_copy
    assert estimator.get_variable_names() == sorted(expected["variables"])
    for name, shape in expected["variables"].items():
        assert list(np.shape(estimator.get_variable_value(name))) == shape


def test_predict_matches_tf215(trained_copy):
    expected, estimator = trained_copy
    x, _ = reference_data()
    predictions = list(estimator.predict(est.inputs.numpy_input_fn({"x": x}, shuffle=False)))
    assert len(predictions) == len(x)
    for key in ("class_ids", "probabilities", "logits"):
        got = np.array([p[key] for p in predictions])
        np.testing.assert_allclose(got, np.array(expected["predict"][key]), rtol=1e-5, atol=1e-6)


def test_evaluate_matches_tf215(trained_copy):
    expected, estimator = trained_copy
    x, y = reference_data()
    metrics = estimator.evaluate(est.inputs.numpy_input_fn({"x": x}, y, batch_size=8,
                                                           shuffle=False))
    assert sorted(metrics) == sorted(expected["evaluate"])
    for key, value in expected["evaluate"].items():
        assert metrics[key] == pytest.approx(value, rel=1e-5, abs=1e-6)


def test_training_continues_from_saved_global_step(trained_copy):
    expected, estimator = trained_copy
    x, y = reference_data()
    before = estimator.get_variable_value("dense/kernel")
    estimator.train(est.inputs.numpy_input_fn({"x": x}, y, batch_size=8, num_epochs=None,
                                              shuffle=True), steps=3)
    assert estimator.get_variable_value("global_step") == expected["steps"] + 3
    assert estimator.latest_checkpoint().endswith(f"model.ckpt-{expected['steps'] + 3}")
    assert not np.allclose(before, estimator.get_variable_value("dense/kernel"))
    # Adam's step count continued too: beta1_power = 0.9 ** steps.
    assert estimator.get_variable_value("beta1_power") == pytest.approx(
        0.9 ** (expected["steps"] + 4), rel=1e-5)
