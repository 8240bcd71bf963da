"""tf.keras as TF 1.15 served it, usable inside TF1 graphs (served as ``tfgraph_dnn.tf1.keras``).

Room: ``keras_tf1``.  On TensorFlow >= 2.16 ``tf.compat.v1.keras`` is Keras 3,
which refuses TF1 graph tensors.  This package gives TF1 programs the tf.keras
they used: layers called on placeholders inside a ``tf.Graph`` and
``tf.Session`` (built on ``tfgraph_dnn.layers``: one implementation of each
layer's maths), ``Sequential`` and functional ``Model`` as callables sharing
their weights, and ``compile``/``fit``/``evaluate``/``predict`` with a
``tf.train`` optimizer or a Keras optimizer name.  Importing it changes no
TensorFlow mode; it only builds graph ops when used inside a graph.
"""
from __future__ import annotations

from . import (activations, backend, callbacks, initializers, layers, losses, metrics, models,
               optimizers, regularizers, utils)
from .layers_core import Input
from .network import Model, Sequential

__version__ = "2.2.4-tf"  # what TF 1.15's tf.keras reported

__all__ = ["Input", "Model", "Sequential", "activations", "backend", "callbacks",
           "initializers", "layers", "losses", "metrics", "models", "optimizers",
           "regularizers", "utils"]
