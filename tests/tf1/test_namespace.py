"""``tfgraph_dnn.tf1`` (one-import TF1 namespace) and ``tfgraph_dnn.tf1_api.resolve``.

Importing ``tfgraph_dnn.tf1`` switches the process to TF1 mode, so its checks run
once in a subprocess (``namespace/probe_tf1.py``, early in the TF1-mode process
several folders share: ``_support.tf1_mode_script``) and each is asserted here.
The rest checks, in this (eager) process, that nothing else changes the mode.
"""
import json
import os
import sys

import pytest
import tensorflow as tf

from _background import tf1_mode_script

PROBE = os.path.join(os.path.dirname(__file__), "namespace", "probe_tf1.py")
ORDER = 1  # after tests/migrate's look at what the namespace's import registers
PROCESS = tf1_mode_script(PROBE, order=ORDER, module=__file__, fixture="probe")
CHECKS = ["graph_mode", "reset_default_graph_top_level",
          "reset_default_graph_nested_raises_like_tf1", "tf1_tensorshape",
          "same_module_objects", "tf_layers_and_contrib_names", "global_step_and_in_top_k",
          "contrib_distributions", "contrib_metrics_and_learn",
          "missing_contrib_is_a_clear_error",
          "train_and_save_restore", "estimator_probabilities"]


@pytest.fixture(scope="module")
def probe():
    """The probe's results and the stderr of its process up to its end (TF_CPP_MIN_LOG_LEVEL
    unset: the namespace must quiet TensorFlow by itself)."""
    entry = PROCESS.required("probe_tf1")
    assert entry["ok"], (entry["error"], entry["stderr"][-3000:])
    # This process's scripts before the probe (its first import of tfgraph_dnn.tf1) too.
    report = PROCESS.report()
    stderr = "".join(report[os.path.splitext(os.path.basename(path))[0]]["stderr"]
                     for order, path in sorted(PROCESS.first) if order < ORDER)
    return json.loads(entry["stdout"].strip().splitlines()[-1]), stderr + entry["stderr"]


@pytest.mark.slow
@pytest.mark.parametrize("name", CHECKS)
def test_tf1_namespace(probe, name):
    results, _ = probe
    assert results[name]["ok"], results[name]["value"]


@pytest.mark.slow
def test_probe_ran_every_check(probe):
    assert sorted(probe[0]) == sorted(CHECKS)


@pytest.mark.slow
def test_estimator_unchanged_by_tf1_mode(probe):
    """The estimators build their own graphs: TF1 mode must not change a single prediction."""
    import numpy as np

    sys.path.insert(0, os.path.dirname(PROBE))
    try:
        from estimator_fit import estimator_probabilities  # noqa: E402
    finally:
        sys.path.pop(0)
    in_tf1_mode = probe[0]["estimator_probabilities"]["value"]
    np.testing.assert_allclose(in_tf1_mode, estimator_probabilities(), rtol=0, atol=1e-6)


@pytest.mark.slow
def test_tf1_import_is_quiet(probe):
    _, stderr = probe
    noisy = [line for line in stderr.splitlines()
             if line.startswith(("I0000", "W0000", "WARNING:", "E0000"))
             or "deprecat" in line.lower()]
    assert noisy == []


def test_other_imports_keep_eager_mode():
    import tfgraph_dnn.contrib.framework  # noqa: F401
    import tfgraph_dnn.contrib.layers  # noqa: F401
    import tfgraph_dnn.layers  # noqa: F401
    import tfgraph_dnn.tf1_api  # noqa: F401
    assert tf.executing_eagerly()
    assert "tfgraph_dnn.tf1" not in sys.modules


@pytest.mark.parametrize("parts", [["layers", "conv2d"], ["layers", "Dense"],
                                   ["contrib", "layers", "fully_connected"],
                                   ["contrib", "framework", "arg_scope"],
                                   ["compat", "v1", "layers", "dense"],
                                   ["train", "get_global_step"], ["nn", "in_top_k"],
                                   ["contrib", "distributions", "Normal"], ["Session"],
                                   ["nn", "rnn_cell", "LSTMCell"], ["nn", "dynamic_rnn"],
                                   ["contrib", "rnn", "static_rnn"],
                                   ["contrib", "metrics", "streaming_auc"],
                                   ["contrib", "learn", "MetricSpec"],
                                   ["estimator", "Estimator"],
                                   ["estimator", "inputs", "numpy_input_fn"],
                                   ["compat", "v1", "nn", "rnn_cell", "GRUCell"]])
def test_resolve_finds_provided_names(parts):
    from tfgraph_dnn.tf1_api import resolve
    assert resolve(parts) is None


@pytest.mark.parametrize("parts, expected", [
    (["contrib", "seq2seq", "BasicDecoder"], "tf.contrib.seq2seq is gone"),
    (["contrib", "slim", "learning"], "tf.contrib.slim.learning is not provided"),
    (["contrib", "learn", "DNNClassifier"], "tfgraph_dnn.DNNClassifier"),
    (["nn", "rnn_cell", "NoSuchCell"], "tf.nn.rnn_cell.NoSuchCell does not exist"),
    (["estimator", "TPUEstimator"], "tf.estimator.TPUEstimator is not provided"),
    (["layers", "no_such_layer"], "tf.layers.no_such_layer does not exist"),
])
def test_resolve_explains_missing_names(parts, expected):
    from tfgraph_dnn.tf1_api import resolve
    reason = resolve(parts)
    assert reason is not None and expected in reason
    assert tf.executing_eagerly()
