"""Contrib pooling layers: ``max_pool2d``, ``avg_pool2d``, ``max_pool3d``, ``avg_pool3d``, ``pool``.

TF1 contrib defaults: ``stride=2``, ``padding='VALID'``, ``data_format='NHWC'``
(``'NDHWC'`` in 3-D); name scopes ``MaxPool2D``, ``AvgPool2D``, ``MaxPool3D``,
``AvgPool3D`` and ``<type>_pool``.  Pooling layers have no variables; the
output joins ``outputs_collections`` aliased with the name scope.  The
fixed-rank layers are :mod:`tfgraph_dnn.layers.pooling`'s classes run in
contrib's scope; ``pool`` (N-D, dilated) is ``tf.nn.pool``, as in TF1.
"""
from __future__ import annotations

from typing import Optional

import tensorflow as tf

from ...layers import conv_utils
from ...layers import pooling as pooling_layers
from ..framework.arg_scope import add_arg_scope
from .convolutional import check_padding
from .core import DATA_FORMAT_NHWC, check_data_format
from .utils import apply_layer, collect_named_outputs, layer_data_format, positive_integers

v1 = tf.compat.v1

__all__ = ["avg_pool2d", "avg_pool3d", "max_pool2d", "max_pool3d", "pool"]

DATA_FORMAT_NCDHW = "NCDHW"
DATA_FORMAT_NDHWC = "NDHWC"


_LAYERS = {("MAX", 2): pooling_layers.MaxPooling2D, ("AVG", 2): pooling_layers.AveragePooling2D,
           ("MAX", 3): pooling_layers.MaxPooling3D, ("AVG", 3): pooling_layers.AveragePooling3D}


def _pool(kind: str, n: int, inputs, kernel_size, stride, padding, data_format,
          outputs_collections, scope, default_name: str):
    """The fixed-rank pooling layers: the ``tf.layers`` pooling class in contrib's scope."""
    padding = check_padding(padding)
    with v1.variable_scope(scope, default_name, [inputs]) as sc:
        inputs = tf.convert_to_tensor(inputs)
        if inputs.shape.rank is not None and inputs.shape.rank != n + 2:
            raise ValueError(f"{default_name}: inputs must have rank {n + 2}, got shape "
                             f"{inputs.shape}")
        outputs = apply_layer(_LAYERS[(kind, n)], inputs, sc, positive_integers(n, kernel_size),
                              positive_integers(n, stride), padding.lower(),
                              layer_data_format(data_format))
        return collect_named_outputs(outputs_collections, sc.original_name_scope, outputs)


@add_arg_scope
def max_pool2d(inputs, kernel_size, stride=2, padding: str = "VALID",
               data_format: str = DATA_FORMAT_NHWC, outputs_collections=None, scope=None):
    """2-D max pooling over ``kernel_size`` windows (an int or ``[kh, kw]``).

    Parameters
    ----------
    inputs : Tensor
        4-D, ``NHWC`` or ``NCHW`` as ``data_format`` says.
    kernel_size, stride : int or pair of ints
    padding : {'VALID', 'SAME'}
    data_format : {'NHWC', 'NCHW'}
    outputs_collections : str or list, optional
    scope : str, optional
        Name scope; default ``MaxPool2D``.

    Raises
    ------
    ValueError
        For a bad ``data_format``, ``padding``, ``kernel_size`` or rank.
    """
    check_data_format(data_format)
    return _pool("MAX", 2, inputs, kernel_size, stride, padding, data_format,
                 outputs_collections, scope, "MaxPool2D")


@add_arg_scope
def avg_pool2d(inputs, kernel_size, stride=2, padding: str = "VALID",
               data_format: str = DATA_FORMAT_NHWC, outputs_collections=None, scope=None):
    """2-D average pooling; parameters as for :func:`max_pool2d`, default scope ``AvgPool2D``."""
    check_data_format(data_format)
    return _pool("AVG", 2, inputs, kernel_size, stride, padding, data_format,
                 outputs_collections, scope, "AvgPool2D")


@add_arg_scope
def max_pool3d(inputs, kernel_size, stride=2, padding: str = "VALID",
               data_format: str = DATA_FORMAT_NDHWC, outputs_collections=None, scope=None):
    """3-D max pooling of ``NDHWC``/``NCDHW`` inputs, default scope ``MaxPool3D``."""
    check_data_format(data_format, (DATA_FORMAT_NCDHW, DATA_FORMAT_NDHWC))
    return _pool("MAX", 3, inputs, kernel_size, stride, padding, data_format,
                 outputs_collections, scope, "MaxPool3D")


@add_arg_scope
def avg_pool3d(inputs, kernel_size, stride=2, padding: str = "VALID",
               data_format: str = DATA_FORMAT_NDHWC, outputs_collections=None, scope=None):
    """3-D average pooling of ``NDHWC``/``NCDHW`` inputs, default scope ``AvgPool3D``."""
    check_data_format(data_format, (DATA_FORMAT_NCDHW, DATA_FORMAT_NDHWC))
    return _pool("AVG", 3, inputs, kernel_size, stride, padding, data_format,
                 outputs_collections, scope, "AvgPool3D")


@add_arg_scope
def pool(inputs, kernel_size, pooling_type: str, padding: str = "VALID",
         data_format: Optional[str] = None, dilation_rate=1, stride=1,
         outputs_collections=None, scope=None):
    """N-D pooling (``pooling_type`` ``'MAX'`` or ``'AVG'``) of rank N + 2 inputs.

    Default name scope ``max_pool`` / ``avg_pool``; defaults ``stride=1`` and
    ``padding='VALID'`` as in TF1.  ``data_format`` starting with ``'NC'``
    means channels first.

    Raises
    ------
    ValueError
        If the rank is unknown or < 3, or an argument is invalid.
    """
    if pooling_type not in ("MAX", "AVG"):
        raise ValueError(f"pool: pooling_type must be 'MAX' or 'AVG', got {pooling_type!r}")
    padding = check_padding(padding)
    with v1.name_scope(scope, f"{pooling_type.lower()}_pool", [inputs]) as sc:
        inputs = tf.convert_to_tensor(inputs)
        rank = inputs.shape.rank
        if rank is None or rank < 3:
            raise ValueError(f"pool: inputs must have a known rank >= 3, got shape "
                             f"{inputs.shape}")
        n = rank - 2
        layer_format = layer_data_format(data_format)
        outputs = tf.nn.pool(conv_utils.to_channels_last(inputs, layer_format),
                             list(positive_integers(n, kernel_size)), pooling_type,
                             strides=list(positive_integers(n, stride)), padding=padding,
                             dilations=list(positive_integers(n, dilation_rate)))
        outputs = conv_utils.from_channels_last(outputs, layer_format)
        return collect_named_outputs(outputs_collections, sc, outputs)

