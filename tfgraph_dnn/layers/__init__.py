"""TF1's ``tf.layers``: the same names, signatures, defaults, variable names and collections.

Room: ``layers`` (tensor -> tensor, plus the graph collections TF1 used).  It
imports nothing else from ``tfgraph_dnn`` (but the quiet TensorFlow import).
Replace ``tf.layers.X`` (functions *and* classes: ``Dense``, ``Conv2D``,
``BatchNormalization``, ``Layer``...) with ``tfgraph_dnn.layers.X`` and TF1
code runs on TensorFlow >= 2.16 with the same signatures, variable names and
collections, so TF1 checkpoints load.  This package exports exactly the names
of TF 1.15's ``tf.layers``; its modules also hold the one implementation of
what ``tfgraph_dnn.contrib.layers`` maps onto (regularizers, contrib's
``variance_scaling_initializer``, activations and initializers by name).  The
estimator's own helpers are :mod:`tfgraph_dnn.model`; TF1's RNN cells are
:mod:`tfgraph_dnn.nn.rnn_cell`.
"""
from .. import _tf  # noqa: F401  (TensorFlow, imported quietly: see _tf)
from .base import Layer
from .input_spec import InputSpec
from .convolutional import (
    Conv1D, Conv2D, Conv3D, Convolution1D, Convolution2D, Convolution3D, conv1d, conv2d, conv3d,
)
from .core import Dense, Dropout, Flatten, dense, dropout, flatten
from .normalization import BatchNormalization, batch_normalization
from .pooling import (
    AveragePooling1D, AveragePooling2D, AveragePooling3D, MaxPooling1D, MaxPooling2D,
    MaxPooling3D, average_pooling1d, average_pooling2d, average_pooling3d, max_pooling1d,
    max_pooling2d, max_pooling3d,
)
from .separable import (
    SeparableConv1D, SeparableConv2D, SeparableConvolution2D, separable_conv1d, separable_conv2d,
)
from .transposed import (
    Conv2DTranspose, Conv3DTranspose, Convolution2DTranspose, Convolution3DTranspose,
    conv2d_transpose, conv3d_transpose,
)

__all__ = [
    # tf.layers classes
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "BatchNormalization",
    "Conv1D", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose",
    "Convolution1D", "Convolution2D", "Convolution2DTranspose", "Convolution3D",
    "Convolution3DTranspose", "Dense", "Dropout", "Flatten", "InputSpec", "Layer",
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "SeparableConv1D", "SeparableConv2D",
    "SeparableConvolution2D",
    # tf.layers functions
    "average_pooling1d", "average_pooling2d", "average_pooling3d", "batch_normalization",
    "conv1d", "conv2d", "conv2d_transpose", "conv3d", "conv3d_transpose", "dense", "dropout",
    "flatten", "max_pooling1d", "max_pooling2d", "max_pooling3d", "separable_conv1d",
    "separable_conv2d",
]
