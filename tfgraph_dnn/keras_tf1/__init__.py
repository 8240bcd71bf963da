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

#: TF 1.15 ``tf.keras`` members this package does not serve, with what to use instead.
NOT_PROVIDED = {
    "estimator": "model_to_estimator would rebuild the model inside each Estimator graph; "
                 "write a model_fn calling the model's layers on the features instead",
    "applications": "the pretrained networks download their weights",
    "datasets": "they download their data; load arrays with sklearn.datasets or NumPy",
    "preprocessing": "use NumPy or tf.data",
    "wrappers": "use tfgraph_dnn.DNNClassifier/DNNRegressor for scikit-learn",
    "constraints": "pass tf.keras.layers' kernel_constraint a callable",
    "experimental": "",
    "mixed_precision": "",
}


def __getattr__(name: str):
    """TF 1.15 ``tf.keras`` members not served: one AttributeError naming them."""
    if name in NOT_PROVIDED:
        hint = NOT_PROVIDED[name]
        raise AttributeError(f"tf.keras.{name} is not provided by tfgraph_dnn.tf1's tf.keras"
                             + (f" ({hint})" if hint else ""))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
