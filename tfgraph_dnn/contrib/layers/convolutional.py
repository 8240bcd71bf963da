"""Contrib convolutions: ``convolution`` (1-3-D), ``conv1d``/``conv2d``/``conv3d``,
``conv2d_in_plane``, ``conv2d_transpose`` and ``separable_conv2d``.

TF1 contrib conventions: ReLU by default, kernels named ``weights``
(``[*kernel_size, in_channels, num_outputs]``; ``[kh, kw, num_outputs,
in_channels]`` for the transpose), ``biases`` unless a ``normalizer_fn`` is
given, default scopes ``Conv``, ``ConvInPlane``, ``Conv2d_transpose`` and
``SeparableConv2d``.  ``convolution``, ``conv2d_transpose`` and
``separable_conv2d`` are adapters over :mod:`tfgraph_dnn.layers`' ``Conv1D``/
``Conv2D``/``Conv3D``, ``Conv2DTranspose`` and ``SeparableConv2D`` (as in TF1);
``conv2d_in_plane`` and the depthwise-only ``separable_conv2d`` have no
``tf.layers`` counterpart and keep TF1 contrib's own code.  Channels-first
inputs (``data_format`` starting with ``'NC'``) are transposed to
channels-last around the op, so they also run on CPUs whose kernels only
support NHWC.
"""
from __future__ import annotations

from typing import Callable, Optional

import tensorflow as tf

from ...layers import conv_utils
from ...layers.convolutional import Conv1D, Conv2D, Conv3D
from ...layers.separable import SeparableConv2D
from ...layers.transposed import Conv2DTranspose
from ..framework.arg_scope import add_arg_scope
from .core import (
    DATA_FORMAT_NHWC,
    check_data_format,
    check_num_outputs,
    finish_layer,
    kernel_arguments,
)
from .initializers import xavier_initializer
from .utils import (
    apply_layer,
    channel_dimension,
    layer_data_format,
    layer_variable,
    positive_integers,
)

v1 = tf.compat.v1

__all__ = [
    "conv1d", "conv2d", "conv2d_in_plane", "conv2d_transpose", "conv3d", "convolution",
    "convolution1d", "convolution2d", "convolution2d_in_plane", "convolution2d_transpose",
    "convolution3d", "separable_conv2d", "separable_convolution2d",
]

_CONV_FORMATS = (None, "NWC", "NCW", "NHWC", "NCHW", "NDHWC", "NCDHW")


def check_padding(padding: str) -> str:
    """``'SAME'`` or ``'VALID'`` (any case); ``ValueError`` naming ``padding`` otherwise."""
    if not isinstance(padding, str) or padding.upper() not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    return padding.upper()


@add_arg_scope
def convolution(inputs, num_outputs: int, kernel_size, stride=1, padding: str = "SAME",
                data_format: Optional[str] = None, rate=1,
                activation_fn: Optional[Callable] = tf.nn.relu, normalizer_fn=None,
                normalizer_params=None, weights_initializer=xavier_initializer(),
                weights_regularizer=None, biases_initializer=v1.zeros_initializer(),
                biases_regularizer=None, reuse=None, variables_collections=None,
                outputs_collections=None, trainable: bool = True, scope=None,
                conv_dims: Optional[int] = None):
    """An N-D convolution (N = rank - 2, 1 to 3), then normalizer or biases, then activation.

    Parameters
    ----------
    inputs : Tensor
        ``[batch, *spatial, channels]``, or ``[batch, channels, *spatial]`` if
        ``data_format`` starts with ``'NC'``; known channels.
    num_outputs : int
        Number of filters.
    kernel_size, stride, rate : int or sequence of N ints
        Filter size, strides and dilation (``rate > 1`` needs ``stride == 1``).
    padding : {'SAME', 'VALID'}
    data_format : str, optional
        ``None``/``'NWC'``/``'NHWC'``/``'NDHWC'`` or ``'NCW'``/``'NCHW'``/``'NCDHW'``.
    activation_fn, normalizer_fn, normalizer_params, weights_initializer,
    weights_regularizer, biases_initializer, biases_regularizer, reuse,
    variables_collections, outputs_collections, trainable :
        As for :func:`fully_connected`.
    scope : str, optional
        Variable scope; default ``Conv`` (uniquified).
    conv_dims : int, optional
        Expected N; ``ValueError`` if the inputs' rank is not N + 2.

    Returns
    -------
    Tensor
    """
    if data_format not in _CONV_FORMATS:
        raise ValueError(f"convolution: invalid data_format {data_format!r}; expected one of "
                         f"{list(_CONV_FORMATS)}")
    padding = check_padding(padding)
    num_outputs = check_num_outputs(num_outputs, "convolution")
    with v1.variable_scope(scope, "Conv", [inputs], reuse=reuse) as sc:
        inputs = tf.convert_to_tensor(inputs)
        rank = inputs.shape.rank
        if conv_dims is not None and rank != conv_dims + 2:
            raise ValueError(f"convolution: expected inputs of rank {conv_dims + 2}, got "
                             f"shape {inputs.shape}")
        if rank not in (3, 4, 5):
            raise ValueError(f"convolution: inputs must have rank 3, 4 or 5, got shape "
                             f"{inputs.shape}")
        n = rank - 2
        kernel = positive_integers(n, kernel_size)
        strides = positive_integers(n, stride)
        dilations = positive_integers(n, rate)
        if max(strides) > 1 and max(dilations) > 1:
            raise ValueError(f"convolution: stride {stride!r} and rate {rate!r} cannot both "
                             "be > 1")
        channel_dimension(inputs.shape, layer_data_format(data_format))
        outputs = apply_layer(
            {1: Conv1D, 2: Conv2D, 3: Conv3D}[n], inputs, sc, int(num_outputs), kernel,
            strides=strides, padding=padding.lower(), data_format=layer_data_format(data_format),
            dilation_rate=dilations, reuse=reuse, variables_collections=variables_collections,
            trainable=trainable, **kernel_arguments(normalizer_fn, weights_initializer,
                                                    weights_regularizer, biases_initializer,
                                                    biases_regularizer))
        return finish_layer(outputs, normalizer_fn, normalizer_params, activation_fn,
                            outputs_collections, sc.name)


def _fixed_rank(conv_dims: int, name: str) -> Callable:
    """``convolution`` with ``conv_dims`` fixed, as TF1's ``convolution{1,2,3}d``."""

    def conv(inputs, num_outputs, kernel_size, stride=1, padding="SAME", data_format=None,
             rate=1, activation_fn=tf.nn.relu, normalizer_fn=None, normalizer_params=None,
             weights_initializer=xavier_initializer(), weights_regularizer=None,
             biases_initializer=v1.zeros_initializer(), biases_regularizer=None, reuse=None,
             variables_collections=None, outputs_collections=None, trainable=True,
             scope=None):
        return convolution(
            inputs, num_outputs, kernel_size, stride=stride, padding=padding,
            data_format=data_format, rate=rate, activation_fn=activation_fn,
            normalizer_fn=normalizer_fn, normalizer_params=normalizer_params,
            weights_initializer=weights_initializer, weights_regularizer=weights_regularizer,
            biases_initializer=biases_initializer, biases_regularizer=biases_regularizer,
            reuse=reuse, variables_collections=variables_collections,
            outputs_collections=outputs_collections, trainable=trainable, scope=scope,
            conv_dims=conv_dims)

    conv.__name__ = conv.__qualname__ = name
    conv.__doc__ = (f"{conv_dims}-D :func:`convolution` (inputs of rank {conv_dims + 2}); "
                    "same parameters, default scope ``Conv``.")
    return add_arg_scope(conv)


convolution1d = _fixed_rank(1, "convolution1d")
convolution2d = _fixed_rank(2, "convolution2d")
convolution3d = _fixed_rank(3, "convolution3d")


@add_arg_scope
def convolution2d_in_plane(inputs, kernel_size, stride=1, padding: str = "SAME",
                           activation_fn: Optional[Callable] = tf.nn.relu, normalizer_fn=None,
                           normalizer_params=None, weights_initializer=xavier_initializer(),
                           weights_regularizer=None, biases_initializer=v1.zeros_initializer(),
                           biases_regularizer=None, reuse=None, variables_collections=None,
                           outputs_collections=None, trainable: bool = True, scope=None):
    """The same ``[kh, kw]`` filter applied to every channel of NHWC inputs (scope ``ConvInPlane``).

    One ``weights`` variable of shape ``[kh, kw, 1, 1]``; ``biases`` has one
    entry per channel.  Other parameters as for :func:`convolution`.
    """
    padding = check_padding(padding)
    with v1.variable_scope(scope, "ConvInPlane", [inputs], reuse=reuse) as sc:
        inputs = tf.convert_to_tensor(inputs)
        dtype = inputs.dtype.base_dtype
        kernel_h, kernel_w = positive_integers(2, kernel_size)
        stride_h, stride_w = positive_integers(2, stride)
        num_filters_in = channel_dimension(inputs.shape, "channels_last", min_rank=4)
        weights = layer_variable("weights", [kernel_h, kernel_w, 1, 1], dtype,
                                 weights_initializer, weights_regularizer, trainable,
                                 variables_collections, "weights")
        depthwise = tf.tile(weights, [1, 1, num_filters_in, 1])
        outputs = tf.nn.depthwise_conv2d(inputs, depthwise, [1, stride_h, stride_w, 1], padding)
        if normalizer_fn is None and biases_initializer is not None:
            biases = layer_variable("biases", [num_filters_in], dtype, biases_initializer,
                                    biases_regularizer, trainable, variables_collections,
                                    "biases")
            outputs = tf.nn.bias_add(outputs, biases)
        return finish_layer(outputs, normalizer_fn, normalizer_params, activation_fn,
                            outputs_collections, sc.name)


@add_arg_scope
def convolution2d_transpose(inputs, num_outputs: int, kernel_size, stride=1,
                            padding: str = "SAME", data_format: str = DATA_FORMAT_NHWC,
                            activation_fn: Optional[Callable] = tf.nn.relu, normalizer_fn=None,
                            normalizer_params=None, weights_initializer=xavier_initializer(),
                            weights_regularizer=None, biases_initializer=v1.zeros_initializer(),
                            biases_regularizer=None, reuse=None, variables_collections=None,
                            outputs_collections=None, trainable: bool = True, scope=None):
    """A transposed 2-D convolution ("deconvolution"), default scope ``Conv2d_transpose``.

    ``weights`` has shape ``[kh, kw, num_outputs, in_channels]``.  The output's
    spatial size is ``in * stride`` with ``'SAME'`` padding and
    ``in * stride + max(k - stride, 0)`` with ``'VALID'``.  Other parameters as
    for :func:`convolution`; ``data_format`` is ``'NHWC'`` or ``'NCHW'``.
    """
    padding = check_padding(padding)
    check_data_format(data_format)
    num_outputs = check_num_outputs(num_outputs, "conv2d_transpose")
    with v1.variable_scope(scope, "Conv2d_transpose", [inputs], reuse=reuse) as sc:
        inputs = tf.convert_to_tensor(inputs)
        channel_dimension(inputs.shape, layer_data_format(data_format), min_rank=4)
        outputs = apply_layer(
            Conv2DTranspose, inputs, sc, int(num_outputs), positive_integers(2, kernel_size),
            strides=positive_integers(2, stride), padding=padding.lower(),
            data_format=layer_data_format(data_format), reuse=reuse,
            variables_collections=variables_collections, trainable=trainable,
            **kernel_arguments(normalizer_fn, weights_initializer, weights_regularizer,
                               biases_initializer, biases_regularizer))
        return finish_layer(outputs, normalizer_fn, normalizer_params, activation_fn,
                            outputs_collections, sc.name)


@add_arg_scope
def separable_convolution2d(inputs, num_outputs: Optional[int], kernel_size,
                            depth_multiplier: int = 1, stride=1, padding: str = "SAME",
                            data_format: str = DATA_FORMAT_NHWC, rate=1,
                            activation_fn: Optional[Callable] = tf.nn.relu, normalizer_fn=None,
                            normalizer_params=None, weights_initializer=xavier_initializer(),
                            pointwise_initializer=None, weights_regularizer=None,
                            biases_initializer=v1.zeros_initializer(), biases_regularizer=None,
                            reuse=None, variables_collections=None, outputs_collections=None,
                            trainable: bool = True, scope=None):
    """A depthwise-separable 2-D convolution (default scope ``SeparableConv2d``).

    Variables ``depthwise_weights`` ``[kh, kw, in, depth_multiplier]`` and,
    unless ``num_outputs`` is None (depthwise only), ``pointwise_weights``
    ``[1, 1, in * depth_multiplier, num_outputs]``; ``biases`` unless a
    ``normalizer_fn`` is given.  ``pointwise_initializer`` defaults to
    ``weights_initializer``; ``weights_regularizer`` applies to both kernels.
    """
    check_data_format(data_format)
    padding = check_padding(padding)
    if num_outputs is not None:
        num_outputs = check_num_outputs(num_outputs, "separable_conv2d")
    with v1.variable_scope(scope, "SeparableConv2d", [inputs], reuse=reuse) as sc:
        inputs = tf.convert_to_tensor(inputs)
        kernel = positive_integers(2, kernel_size)
        strides = positive_integers(2, stride)
        dilations = positive_integers(2, rate)
        layer_format = layer_data_format(data_format)
        num_inputs = channel_dimension(inputs.shape, layer_format, min_rank=4)
        use_bias = normalizer_fn is None and biases_initializer is not None
        if num_outputs is not None:
            outputs = apply_layer(
                SeparableConv2D, inputs, sc, int(num_outputs), kernel, strides=strides,
                padding=padding.lower(), data_format=layer_format, dilation_rate=dilations,
                depth_multiplier=depth_multiplier, use_bias=use_bias,
                depthwise_initializer=weights_initializer,
                pointwise_initializer=pointwise_initializer or weights_initializer,
                bias_initializer=biases_initializer, depthwise_regularizer=weights_regularizer,
                pointwise_regularizer=weights_regularizer, bias_regularizer=biases_regularizer,
                reuse=reuse, variables_collections=variables_collections, trainable=trainable)
        else:  # depthwise only: no tf.layers counterpart, TF1 contrib's own code
            outputs = _depthwise(inputs, num_inputs, kernel, strides, dilations, padding,
                                 layer_format, depth_multiplier, weights_initializer,
                                 weights_regularizer, use_bias, biases_initializer,
                                 biases_regularizer, trainable, variables_collections)
        return finish_layer(outputs, normalizer_fn, normalizer_params, activation_fn,
                            outputs_collections, sc.name)


def _depthwise(inputs, num_inputs: int, kernel, strides, dilations, padding: str,
               layer_format: str, depth_multiplier: int, weights_initializer,
               weights_regularizer, use_biases: bool, biases_initializer, biases_regularizer,
               trainable: bool, variables_collections):
    """The depthwise convolution of ``separable_conv2d(num_outputs=None)`` (+ biases)."""
    dtype = inputs.dtype.base_dtype
    depthwise = layer_variable(
        "depthwise_weights", list(kernel) + [num_inputs, int(depth_multiplier)], dtype,
        weights_initializer, weights_regularizer, trainable, variables_collections, "weights")
    outputs = tf.nn.depthwise_conv2d(conv_utils.to_channels_last(inputs, layer_format),
                                     depthwise, [1, *strides, 1], padding,
                                     dilations=list(dilations))
    if use_biases:
        biases = layer_variable("biases", [num_inputs * int(depth_multiplier)], dtype,
                                biases_initializer, biases_regularizer, trainable,
                                variables_collections, "biases")
        outputs = tf.nn.bias_add(outputs, biases)
    return conv_utils.from_channels_last(outputs, layer_format)


conv1d = convolution1d
conv2d = convolution2d
conv3d = convolution3d
conv2d_in_plane = convolution2d_in_plane
conv2d_transpose = convolution2d_transpose
separable_conv2d = separable_convolution2d
