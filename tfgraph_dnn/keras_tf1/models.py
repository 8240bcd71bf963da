"""``tf.keras.models``: ``Model``, ``Sequential``; loading saved models is not provided.

Room: ``keras_tf1``.
"""
from __future__ import annotations

from .network import Model, Sequential


def load_model(*args, **kwargs):
    """Not provided (``NotImplementedError``)."""
    raise NotImplementedError("keras.models.load_model is not provided by "
                              "tfgraph_dnn.keras_tf1; rebuild the model and use load_weights")


def model_from_json(*args, **kwargs):
    """Not provided (``NotImplementedError``)."""
    raise NotImplementedError("keras.models.model_from_json is not provided by "
                              "tfgraph_dnn.keras_tf1")


__all__ = ["Model", "Sequential", "load_model", "model_from_json"]
