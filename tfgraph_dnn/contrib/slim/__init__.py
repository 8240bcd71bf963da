"""``tfgraph_dnn.contrib.slim``: the layer-building part of TF1's ``tf.contrib.slim``.

TF-Slim was a facade: ``slim.conv2d`` *is* ``tf.contrib.layers.conv2d``,
``slim.arg_scope`` is ``tf.contrib.framework.arg_scope`` and ``slim.losses`` is
``tf.contrib.losses``.  This module is the same facade over
:mod:`tfgraph_dnn.contrib` — the very same function objects, so ``arg_scope``
keys match whichever name a model uses::

    import tfgraph_dnn.tf1 as tf
    import tfgraph_dnn.tf1.contrib.slim as slim

    with slim.arg_scope([slim.conv2d, slim.fully_connected],
                        weights_regularizer=slim.l2_regularizer(1e-4)):
        net = slim.conv2d(images, 32, [3, 3], scope="conv1")    # conv1/weights
        net = slim.max_pool2d(net, [2, 2], scope="pool1")
        logits = slim.fully_connected(slim.flatten(net), 10, activation_fn=None)
    slim.losses.softmax_cross_entropy(logits, onehot_labels)   # logits first
    total_loss = slim.losses.get_total_loss()                  # + regularization

Provided: everything of :mod:`tfgraph_dnn.contrib.layers` and
:mod:`tfgraph_dnn.contrib.framework` (``arg_scope``, ``repeat``, ``stack``,
``model_variable``, ``get_variables_to_restore``, ``assign_from_checkpoint_fn``...),
the modules ``layers``, ``losses``, ``metrics`` (contrib's streaming metrics),
``initializers``, ``regularizers``, ``variables``, ``utils`` (``convert_collection_to_dict``,
``last_dimension``...) and ``model_analyzer``.  Not
provided — reading them raises an ``AttributeError`` saying so, which ``tfgraph-dnn
migrate`` reports: the training and evaluation loops (``slim.learning``,
``slim.evaluation``), the model zoo (``slim.nets``), the queue-based input pipeline
(``slim.data``, ``slim.queues`` ...) and ``slim.summaries``.
"""
from __future__ import annotations

from .. import framework as _framework
from .. import layers as _layers
from .. import losses, metrics  # noqa: F401
from ..framework import *  # noqa: F401,F403  (TF-Slim re-exported contrib.framework)
from ..framework import variables  # noqa: F401
from ..layers import *  # noqa: F401,F403  (... and contrib.layers)
from ..layers import initializers, regularizers, utils  # noqa: F401
from . import model_analyzer  # noqa: F401

layers = _layers

_PIPELINE = ("TF-Slim's queue-runner input pipeline; feed NumPy arrays with feed_dict or "
             "use tf.data")
_NOT_PROVIDED = {
    "learning": ("TF-Slim's training loop (train, create_train_op); run "
                 "optimizer.minimize(slim.losses.get_total_loss()) in a tf.Session loop"),
    "evaluation": ("TF-Slim's evaluation loop (evaluate_once, evaluation_loop); run the "
                   "metric ops in a tf.Session"),
    "nets": "TF-Slim's model zoo (vgg, inception, resnet_v1/v2, alexnet, overfeat)",
    "summaries": "TF-Slim's summary helpers; use tf.summary.scalar / tf.summary.histogram",
    **{name: _PIPELINE for name in (
        "data", "queues", "data_decoder", "data_provider", "dataset",
        "dataset_data_provider", "parallel_reader", "prefetch_queue", "tfexample_decoder")},
}

__all__ = sorted(set(_layers.__all__) | set(_framework.__all__) | {
    "initializers", "layers", "losses", "metrics", "model_analyzer", "regularizers",
    "utils", "variables"})


def __getattr__(name: str):
    """``AttributeError`` naming the TF-Slim part that is not provided."""
    if name.startswith("__"):
        raise AttributeError(name)
    reason = _NOT_PROVIDED.get(name) or (
        "only TF-Slim's layer-building API is (contrib.layers, contrib.framework, "
        "contrib.losses)")
    raise AttributeError(f"tf.contrib.slim.{name} is not provided by tfgraph_dnn: {reason}")


def __dir__():
    return list(__all__)
