"""``tf.keras.layers`` of TF 1.15 for TF1 graphs (``tfgraph_dnn.tf1.keras.layers``).

Room: ``keras_tf1``.  The names TF1 programs used; see :mod:`.layers_core` and
:mod:`.layers_conv`.  The recurrent layers (``LSTM``, ``GRU``, ``SimpleRNN``,
``RNN``, ``Bidirectional``...) and the others not listed here are not provided:
they raise ``NotImplementedError`` naming themselves (TF1's RNN *cells* are in
``tf.nn.rnn_cell``, with ``tf.nn.dynamic_rnn``).
"""
from __future__ import annotations

from ..layers.base import InputSpec
from .engine import Layer
from .layers_conv import (
    Add, AveragePooling1D, AveragePooling2D, Average, AvgPool1D, AvgPool2D, BatchNormalization,
    Concatenate, Conv1D, Conv2D, GlobalAveragePooling1D, GlobalAveragePooling2D,
    GlobalAvgPool1D, GlobalAvgPool2D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPooling1D,
    GlobalMaxPooling2D, MaxPool1D, MaxPool2D, MaxPooling1D, MaxPooling2D, Maximum, Minimum,
    Multiply, Subtract, add, average, concatenate, maximum, minimum, multiply, subtract,
)
from .layers_core import (
    Activation, Dense, Dropout, Embedding, Flatten, Input, InputLayer, Lambda, LeakyReLU, ReLU,
    Reshape, Softmax,
)

Convolution1D, Convolution2D = Conv1D, Conv2D


def _not_provided(name: str):
    class NotProvided(Layer):
        def __init__(self, *args, **kwargs):
            raise NotImplementedError(f"tf.keras.layers.{name} is not provided by "
                                      "tfgraph_dnn.keras_tf1 (use TF1's tf.nn.rnn_cell cells "
                                      "with tf.nn.dynamic_rnn for recurrent networks)")
    NotProvided.__name__ = NotProvided.__qualname__ = name
    return NotProvided


LSTM = _not_provided("LSTM")
GRU = _not_provided("GRU")
SimpleRNN = _not_provided("SimpleRNN")
RNN = _not_provided("RNN")
Bidirectional = _not_provided("Bidirectional")
TimeDistributed = _not_provided("TimeDistributed")
CuDNNLSTM = _not_provided("CuDNNLSTM")
CuDNNGRU = _not_provided("CuDNNGRU")
Conv3D = _not_provided("Conv3D")
Conv2DTranspose = _not_provided("Conv2DTranspose")
SeparableConv2D = _not_provided("SeparableConv2D")
UpSampling2D = _not_provided("UpSampling2D")
ZeroPadding2D = _not_provided("ZeroPadding2D")

__all__ = [
    "Activation", "Add", "Average", "AveragePooling1D", "AveragePooling2D", "AvgPool1D",
    "AvgPool2D", "BatchNormalization", "Bidirectional", "Concatenate", "Conv1D", "Conv2D",
    "Conv2DTranspose", "Conv3D", "Convolution1D", "Convolution2D", "CuDNNGRU", "CuDNNLSTM",
    "Dense", "Dropout", "Embedding", "Flatten", "GRU", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D",
    "GlobalMaxPool2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "Input", "InputLayer",
    "InputSpec", "LSTM", "Lambda", "Layer", "LeakyReLU", "MaxPool1D", "MaxPool2D",
    "MaxPooling1D", "MaxPooling2D", "Maximum", "Minimum", "Multiply", "RNN", "ReLU", "Reshape",
    "SeparableConv2D", "SimpleRNN", "Softmax", "Subtract", "TimeDistributed", "UpSampling2D",
    "ZeroPadding2D", "add", "average", "concatenate", "maximum", "minimum", "multiply",
    "subtract",
]
