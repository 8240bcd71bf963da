"""The estimator's Session configuration: a leaner Grappler, the same predictions.

``session_config`` drops Grappler's second round of passes, its MLIR "TFG"
pipeline and its memory optimizer (a fixed cost on every first run of a
Session signature, large on a small fit).  These tests pin the configuration
the estimator's Session really gets, and that its predictions are bit-identical
to those of a Session with TensorFlow's default Grappler on the same graph.
"""
from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.protobuf import rewriter_config_pb2

from tfgraph_dnn import DNNClassifier, DNNRegressor
from tfgraph_dnn.estimator import _model

RewriterConfig = rewriter_config_pb2.RewriterConfig
SMALL = dict(n_hidden=2, n_neurons=16, n_epochs=2, batch_size=64, random_state=0)


def _rewrites(estimator) -> RewriterConfig:
    return estimator._model.session._config.graph_options.rewrite_options


def _assert_lean(rewrites: RewriterConfig) -> None:
    assert rewrites.meta_optimizer_iterations == RewriterConfig.ONE
    assert rewrites.disable_tfg_optimizer
    assert rewrites.memory_optimization == RewriterConfig.NO_MEM_OPT
    assert not rewrites.disable_meta_optimizer
    # The passes the epochs' speed and numerics depend on are left at their defaults (on).
    for name in ("remapping", "constant_folding", "arithmetic_optimization",
                 "dependency_optimization", "loop_optimization", "function_optimization",
                 "layout_optimizer", "shape_optimization", "common_subgraph_elimination"):
        assert getattr(rewrites, name) == RewriterConfig.DEFAULT, name


def test_classifier_session_runs_the_lean_grappler(small_digits):
    X, y = small_digits
    clf = DNNClassifier(**SMALL).fit(X, y)
    _assert_lean(_rewrites(clf))


def test_lean_grappler_keeps_the_thread_bounds(small_digits):
    X, y = small_digits
    clf = DNNClassifier(**SMALL, n_threads=1).fit(X, y)
    config = clf._model.session._config
    assert config.intra_op_parallelism_threads == config.inter_op_parallelism_threads == 1
    _assert_lean(config.graph_options.rewrite_options)


def test_regressor_and_unpickled_sessions_run_the_lean_grappler(small_digits):
    import pickle

    X, y = small_digits
    reg = DNNRegressor(**SMALL).fit(X, y.astype(float))
    _assert_lean(_rewrites(reg))
    copy = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(copy.predict(X[:50]), reg.predict(X[:50]))
    _assert_lean(_rewrites(copy))


def _default_grappler(threads):
    """TensorFlow's default configuration (what the estimator used before)."""
    return tf.compat.v1.ConfigProto(intra_op_parallelism_threads=threads or 0,
                                    inter_op_parallelism_threads=threads or 0)


@pytest.mark.parametrize("params", [
    dict(activation="relu", optimizer="adam"),  # the remapper's fused MatMul + BiasAdd + Relu
    dict(optimizer="momentum", batch_norm_momentum=0.9, dropout_rate=0.2,
         lr_schedule="exponential"),  # arithmetic on the rate: constant folding
    dict(optimizer="rmsprop", gradient_clip_norm=1.0, max_norm=1.0, l2=1e-3),
], ids=["relu-adam", "batchnorm-dropout-schedule", "rmsprop-clip-maxnorm-l2"])
def test_predictions_equal_the_default_grapplers_bit_for_bit(small_digits, monkeypatch,
                                                            params):
    X, y = small_digits
    lean = DNNClassifier(**SMALL, **params).fit(X, y)
    monkeypatch.setattr(_model, "session_config", _default_grappler)
    default = DNNClassifier(**SMALL, **params).fit(X, y)
    assert _rewrites(default) == RewriterConfig()  # really TensorFlow's defaults
    assert lean._model.graph is default._model.graph  # one graph, two Sessions
    np.testing.assert_array_equal(lean.predict_proba(X), default.predict_proba(X))
