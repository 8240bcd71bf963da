"""TF1-compatible graph builders: the ``tf.layers`` / TF1's contrib layers API.

Room: ``layers`` (tensor -> tensor, plus the graph collections TF1 used).  It
imports nothing else from ``tfgraph_dnn``.  Replace ``tf.layers.X`` and
``contrib.layers.X`` with ``tfgraph_dnn.layers.X`` and TF1 code runs on
TensorFlow >= 2.16 with the same variable names, so TF1 checkpoints load.
"""
from .activations import ACTIVATIONS, get_activation, leaky_relu
from .core import alpha_dropout, dense, dropout, smart_cond
from .initializers import (
    INITIALIZERS,
    get_initializer,
    glorot_normal,
    glorot_uniform,
    he_normal,
    he_uniform,
    lecun_normal,
    lecun_uniform,
    variance_scaling_initializer,
)
from .normalization import batch_normalization
from .regularizers import (
    MAX_NORM_COLLECTION,
    l1_l2_regularizer,
    l1_regularizer,
    l2_regularizer,
    max_norm_ops,
    max_norm_regularizer,
)

__all__ = [
    "ACTIVATIONS", "INITIALIZERS", "MAX_NORM_COLLECTION",
    "alpha_dropout", "batch_normalization", "dense", "dropout",
    "get_activation", "get_initializer", "glorot_normal", "glorot_uniform",
    "he_normal", "he_uniform", "l1_l2_regularizer", "l1_regularizer", "l2_regularizer",
    "leaky_relu", "lecun_normal", "lecun_uniform", "max_norm_ops", "max_norm_regularizer",
    "smart_cond", "variance_scaling_initializer",
]
