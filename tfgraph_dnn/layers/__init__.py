"""TF1-compatible graph builders: the whole ``tf.layers`` API plus TF1 contrib helpers.

Room: ``layers`` (tensor -> tensor, plus the graph collections TF1 used).  It
imports nothing else from ``tfgraph_dnn`` (but the quiet TensorFlow import).  Replace ``tf.layers.X`` (functions
*and* classes: ``Dense``, ``Conv2D``, ``BatchNormalization``, ``Layer``...)
with ``tfgraph_dnn.layers.X`` and TF1 code runs on TensorFlow >= 2.16 with
the same signatures, variable names and collections, so TF1 checkpoints load.
"""
from .. import _tf  # noqa: F401  (TensorFlow, imported quietly: see _tf)
from .activations import ACTIVATIONS, get_activation, leaky_relu
from .base import InputSpec, Layer
from .convolutional import (
    Conv1D, Conv2D, Conv3D, Convolution1D, Convolution2D, Convolution3D, conv1d, conv2d, conv3d,
)
from .core import Dense, Dropout, Flatten, alpha_dropout, dense, dropout, flatten, smart_cond
from .initializers import (
    INITIALIZERS,
    get_initializer,
    glorot_normal,
    glorot_uniform,
    he_normal,
    he_uniform,
    lecun_normal,
    lecun_uniform,
    stateless_initializer,
    variance_scaling_initializer,
)
from .normalization import BatchNormalization, batch_normalization
from .pooling import (
    AveragePooling1D, AveragePooling2D, AveragePooling3D, MaxPooling1D, MaxPooling2D,
    MaxPooling3D, average_pooling1d, average_pooling2d, average_pooling3d, max_pooling1d,
    max_pooling2d, max_pooling3d,
)
from .regularizers import (
    MAX_NORM_COLLECTION,
    l1_l2_regularizer,
    l1_regularizer,
    l2_regularizer,
    max_norm_ops,
    max_norm_regularizer,
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
    # helpers (TF1 contrib and the book's chapter)
    "ACTIVATIONS", "INITIALIZERS", "MAX_NORM_COLLECTION",
    "alpha_dropout", "get_activation", "get_initializer", "glorot_normal", "glorot_uniform",
    "he_normal", "he_uniform", "l1_l2_regularizer", "l1_regularizer", "l2_regularizer",
    "leaky_relu", "lecun_normal", "lecun_uniform", "max_norm_ops", "max_norm_regularizer",
    "smart_cond", "stateless_initializer", "variance_scaling_initializer",
]
