"""tfgraph_dnn.keras_tf1 against TF 2.15's tf.compat.v1.keras (the v1 graph path of TF 1.15).

The fixture was written by ``tests/fixtures_scripts/keras_tf1_reference.py`` under TF 2.15;
the same :func:`measure` runs here on our package: same models, fixed weights, same data.
"""
import importlib.util
import json
import os

import numpy as np
import pytest

import tfgraph_dnn.keras_tf1 as keras

HERE = os.path.dirname(__file__)
SCRIPT = os.path.join(HERE, "..", "fixtures_scripts", "keras_tf1_reference.py")
FIXTURE = os.path.join(HERE, "data", "keras_tf1_reference.json")


@pytest.fixture(scope="module")
def results():
    spec = importlib.util.spec_from_file_location("keras_tf1_reference", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with open(FIXTURE) as handle:
        expected = json.load(handle)
    return expected, module.measure(keras)


def test_variable_names_shapes_and_trainability(results):
    expected, ours = results
    assert ours["variables"] == expected["variables"]


@pytest.mark.parametrize("key", ["mlp_predict", "cnn_predict", "deferred_output",
                                 "embedding_output", "mlp_evaluate_sparse",
                                 "mlp_evaluate_onehot", "cnn_evaluate", "two_evaluate",
                                 "two_predict"])
def test_values_match_tf_keras(results, key):
    expected, ours = results
    if key == "two_predict":  # one array per output
        assert len(ours[key]) == len(expected[key]) == 2
        for got, want in zip(ours[key], expected[key]):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        return
    np.testing.assert_allclose(ours[key], expected[key], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("key", ["output_names", "mlp_metrics_names", "cnn_history_keys",
                                 "two_metrics_names",
                                 "update_ops", "regularization_losses"])
def test_names_and_collections_match_tf_keras(results, key):
    expected, ours = results
    assert ours[key] == expected[key]


def test_variables_after_fit_match_except_unused_step_counters(results):
    # TF 2.15 creates TFOptimizer/iterations when compile wraps a tf.train optimizer,
    # even for a model never fitted; ours creates it at the first fit.
    expected, ours = results

    def model_and_slots(names):
        return [n for n in names if "iterations" not in n]

    assert model_and_slots(ours["variables_after_fit"]) == \
        model_and_slots(expected["variables_after_fit"])
