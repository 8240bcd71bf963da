"""The names the estimators accept for their string options (no TensorFlow needed).

One table per option: the estimators validate their parameters against these
(:mod:`tfgraph_dnn.estimator._params`), the implementations resolve them
(:mod:`tfgraph_dnn.layers.activations`, :mod:`tfgraph_dnn.model.init`,
:mod:`tfgraph_dnn.training.optimizers`, :mod:`tfgraph_dnn.training.schedules`,
:mod:`tfgraph_dnn.estimator._scaling`), and the command line offers them
(:mod:`tfgraph_dnn.cli.common`) without importing TensorFlow.
"""
from __future__ import annotations

__all__ = ["ACTIVATIONS", "FEATURE_SCALINGS", "INITIALIZERS", "OPTIMIZERS", "SCHEDULES"]

#: ``activation``: the hidden layers' activation ('leaky_relu' has the chapter's alpha 0.01).
ACTIVATIONS = ("relu", "leaky_relu", "elu", "selu", "tanh", "sigmoid", "identity")
#: ``initializer``: the kernels' initial weights (stateless, keyed by ``random_state``).
INITIALIZERS = ("he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "glorot_normal",
                "glorot_uniform", "variance_scaling")
#: ``optimizer``: short names of ``tf.compat.v1.train`` optimizers.
OPTIMIZERS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "ftrl")
#: ``lr_schedule``: learning-rate schedules by name.
SCHEDULES = ("constant", "exponential", "piecewise", "power", "performance", "1cycle")
#: ``feature_scaling`` by name (besides ``None`` and an ``(offset, scale)`` pair).
FEATURE_SCALINGS = ("standard", "minmax")
