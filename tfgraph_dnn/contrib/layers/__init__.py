"""``tfgraph_dnn.contrib.layers``: TF1's ``tf.contrib.layers`` on today's TensorFlow.

Replace ``tf.contrib.layers`` (or ``slim``'s layers) with
``tfgraph_dnn.contrib.layers`` and TF1 code keeps its signatures, defaults,
variable names (``fully_connected/weights``, ``Conv/biases``,
``BatchNorm/moving_mean``...) and collections, so TF1 checkpoints load.
Every layer works with :func:`tfgraph_dnn.contrib.framework.arg_scope`.
"""
from ..framework.arg_scope import add_arg_scope, arg_scope
from .batch_norm import batch_norm
from .convolutional import (
    conv1d,
    conv2d,
    conv2d_in_plane,
    conv2d_transpose,
    conv3d,
    convolution,
    convolution1d,
    convolution2d,
    convolution2d_in_plane,
    convolution2d_transpose,
    convolution3d,
    separable_conv2d,
    separable_convolution2d,
)
from .core import (
    bias_add,
    dense_to_sparse,
    dropout,
    elu,
    flatten,
    fully_connected,
    linear,
    maxout,
    one_hot_encoding,
    relu,
    relu6,
    repeat,
    softmax,
    stack,
    unit_norm,
)
from .encoders import bow_encoder, embed_sequence
from .initializers import (
    variance_scaling_initializer,
    xavier_initializer,
    xavier_initializer_conv2d,
)
from .normalization import group_norm, instance_norm, layer_norm
from .optimizers import (
    OPTIMIZER_CLS_NAMES,
    OPTIMIZER_SUMMARIES,
    adaptive_clipping_fn,
    optimize_loss,
)
from .pooling import avg_pool2d, avg_pool3d, max_pool2d, max_pool3d, pool
from .regularizers import (
    apply_regularization,
    l1_l2_regularizer,
    l1_regularizer,
    l2_regularizer,
    sum_regularizer,
)
from .summaries import (
    summarize_activation,
    summarize_activations,
    summarize_biases,
    summarize_collection,
    summarize_tensor,
    summarize_tensors,
    summarize_variables,
    summarize_weights,
)
from . import utils  # tf.contrib.layers.utils (slim.utils): convert_collection_to_dict & co.
from .utils import collect_named_outputs, convert_collection_to_dict

__all__ = [
    "OPTIMIZER_CLS_NAMES", "OPTIMIZER_SUMMARIES", "adaptive_clipping_fn", "optimize_loss",
    "add_arg_scope", "apply_regularization", "arg_scope", "avg_pool2d", "avg_pool3d",
    "batch_norm", "bias_add", "bow_encoder", "collect_named_outputs", "conv1d", "conv2d", "conv2d_in_plane",
    "conv2d_transpose", "conv3d", "convert_collection_to_dict", "convolution",
    "convolution1d", "convolution2d", "convolution2d_in_plane", "convolution2d_transpose",
    "convolution3d", "dense_to_sparse", "dropout", "elu", "embed_sequence", "flatten", "fully_connected",
    "group_norm", "instance_norm", "l1_l2_regularizer", "l1_regularizer", "l2_regularizer",
    "layer_norm", "linear", "max_pool2d", "max_pool3d", "maxout", "one_hot_encoding", "pool",
    "relu", "relu6", "repeat", "separable_conv2d", "separable_convolution2d", "softmax",
    "stack", "sum_regularizer", "summarize_activation", "summarize_activations",
    "summarize_biases", "summarize_collection", "summarize_tensor", "summarize_tensors",
    "summarize_variables", "summarize_weights", "unit_norm", "utils",
    "variance_scaling_initializer",
    "xavier_initializer", "xavier_initializer_conv2d",
]
