"""``tfgraph_dnn.contrib``: the parts of TF1's ``tf.contrib`` that real TF1 code used.

``tf.contrib`` is gone from TensorFlow 2 and ``tf.compat.v1.layers`` raises
under Keras 3, so TF1 models written with ``tf.contrib.layers`` /
``tf.contrib.framework`` (or slim) no longer build.  This package re-implements
them on ``tf.compat.v1`` graph primitives with the same signatures, defaults,
variable names and graph collections::

    from tfgraph_dnn.contrib import framework, layers

    with framework.arg_scope([layers.fully_connected],
                             weights_regularizer=layers.l2_regularizer(1e-4)):
        net = layers.fully_connected(x, 100)              # fully_connected/weights
        net = layers.batch_norm(net, is_training=training)  # BatchNorm/moving_mean

``distributions`` (TF1's ``tf.contrib.distributions``: ``tf.compat.v1.distributions``
plus ``MultivariateNormalDiag``, ``Independent`` ...), ``losses`` (contrib's losses,
logits first), ``metrics`` (contrib's streaming metrics, predictions first),
``learn`` (``MetricSpec``, ``PredictionKey``, ``ModeKeys``; not its estimators) and
``slim`` (slim's layer-building part) and ``predictor`` (``from_saved_model``,
``from_estimator``) are imported on first access.  TF1's RNN
cells (``tf.contrib.rnn``) are :mod:`tfgraph_dnn.nn.rnn_cell`.

Importing it never changes TensorFlow's global mode: build inside
``with tf.Graph().as_default():`` (``import tfgraph_dnn.tf1`` is the one opt-in to
TF1 mode).
"""
import importlib as _importlib

from .. import _tf  # noqa: F401  (TensorFlow, imported quietly: see _tf)

from . import framework, layers

_LAZY = ("distributions", "learn", "losses", "metrics", "predictor", "slim")
__all__ = ["distributions", "framework", "layers", "learn", "losses", "metrics", "predictor",
           "slim"]


def __getattr__(name: str):
    """Import the modules of ``_LAZY`` on first access; anything else is an AttributeError."""
    if name in _LAZY:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
