"""Contrib convolutions: ``convolution`` (1-3-D), ``conv1d``/``conv2d``/``conv3d``,
``conv2d_in_plane``, ``conv2d_transpose`` and ``separable_conv2d``.

TF1 contrib conventions: ReLU by default, kernels named ``weights``
(``[*kernel_size, in_channels, num_outputs]``; ``[kh, kw, num_outputs,
in_channels]`` for the transpose), ``biases`` unless a ``normalizer_fn`` is
given, default scopes ``Conv``, ``ConvInPlane``, ``Conv2d_transpose`` and
``SeparableConv2d``.  Channels-first inputs (``data_format`` starting with
``'NC'``) are transposed to channels-last around the op, so they also run on
CPUs whose kernels only support NHWC.
"""
from __future__ import annotations

from typing import Callable, Optional

import tensorflow as tf

from ..framework.arg_scope import add_arg_scope
from .core import (
    DATA_FORMAT_NCHW,
    DATA_FORMAT_NHWC,
    check_data_format,
    check_num_outputs,
    finish_layer,
)
from .initializers import xavier_initializer
from .utils import channel_dimension, layer_variable, n_positive_integers

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


def to_channels_last(x, channels_first: bool):
    """``[N, C, *spatial]`` -> ``[N, *spatial, C]`` when ``channels_first``."""
    if not channels_first:
        return x
    rank = x.shape.rank
    return tf.transpose(x, [0] + list(range(2, rank)) + [1])


def to_channels_first(x, channels_first: bool):
    """Inverse of :func:`to_channels_last`."""
    if not channels_first:
        return x
    rank = x.shape.rank
    return tf.transpose(x, [0, rank - 1] + list(range(1, rank - 1)))


def _biases(num, dtype, normalizer_fn, biases_initializer, biases_regularizer, trainable,
            variables_collections):
    if normalizer_fn is not None or biases_initializer is None:
        return None
    return layer_variable("biases", [num], dtype, biases_initializer, biases_regularizer,
                          trainable, variables_collections, "biases", "bias/Regularizer")


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
        kernel = n_positive_integers(n, kernel_size)
        strides = n_positive_integers(n, stride)
        dilations = n_positive_integers(n, rate)
        if max(strides) > 1 and max(dilations) > 1:
            raise ValueError(f"convolution: stride {stride!r} and rate {rate!r} cannot both "
                             "be > 1")
        channels_first = bool(data_format) and data_format.startswith("NC")
        num_inputs = channel_dimension(
            inputs.shape, "channels_first" if channels_first else "channels_last")
        dtype = inputs.dtype.base_dtype
        weights = layer_variable("weights", list(kernel) + [num_inputs, int(num_outputs)],
                                 dtype, weights_initializer, weights_regularizer, trainable,
                                 variables_collections, "weights", "kernel/Regularizer")
        biases = _biases(int(num_outputs), dtype, normalizer_fn, biases_initializer,
                         biases_regularizer, trainable, variables_collections)
        outputs = tf.nn.convolution(to_channels_last(inputs, channels_first), weights,
                                    strides=list(strides), padding=padding,
                                    dilations=list(dilations))
        if biases is not None:
            outputs = tf.nn.bias_add(outputs, biases)
        outputs = to_channels_first(outputs, channels_first)
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
        kernel_h, kernel_w = n_positive_integers(2, kernel_size)
        stride_h, stride_w = n_positive_integers(2, stride)
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


def _deconv_length(length, kernel: int, stride: int, padding: str):
    if length is None:
        return None
    if padding == "VALID":
        return length * stride + max(kernel - stride, 0)
    return length * stride


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
        channels_first = data_format == DATA_FORMAT_NCHW
        kernel_h, kernel_w = n_positive_integers(2, kernel_size)
        stride_h, stride_w = n_positive_integers(2, stride)
        num_inputs = channel_dimension(
            inputs.shape, "channels_first" if channels_first else "channels_last", min_rank=4)
        dtype = inputs.dtype.base_dtype
        weights = layer_variable("weights", [kernel_h, kernel_w, int(num_outputs), num_inputs],
                                 dtype, weights_initializer, weights_regularizer, trainable,
                                 variables_collections, "weights", "kernel/Regularizer")
        biases = _biases(int(num_outputs), dtype, normalizer_fn, biases_initializer,
                         biases_regularizer, trainable, variables_collections)
        x = to_channels_last(inputs, channels_first)
        dynamic = tf.shape(x)
        static = x.shape.as_list()
        out_h = _deconv_length(dynamic[1], kernel_h, stride_h, padding)
        out_w = _deconv_length(dynamic[2], kernel_w, stride_w, padding)
        outputs = tf.nn.conv2d_transpose(x, weights,
                                         tf.stack([dynamic[0], out_h, out_w, int(num_outputs)]),
                                         strides=[1, stride_h, stride_w, 1], padding=padding)
        outputs.set_shape([static[0], _deconv_length(static[1], kernel_h, stride_h, padding),
                           _deconv_length(static[2], kernel_w, stride_w, padding),
                           int(num_outputs)])
        if biases is not None:
            outputs = tf.nn.bias_add(outputs, biases)
        outputs = to_channels_first(outputs, channels_first)
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
        channels_first = data_format == DATA_FORMAT_NCHW
        dtype = inputs.dtype.base_dtype
        kernel_h, kernel_w = n_positive_integers(2, kernel_size)
        stride_h, stride_w = n_positive_integers(2, stride)
        dilations = list(n_positive_integers(2, rate))
        num_inputs = channel_dimension(
            inputs.shape, "channels_first" if channels_first else "channels_last", min_rank=4)
        separable = num_outputs is not None
        depthwise = layer_variable(
            "depthwise_weights", [kernel_h, kernel_w, num_inputs, int(depth_multiplier)], dtype,
            weights_initializer, weights_regularizer, trainable, variables_collections,
            "weights", "depthwise_kernel/Regularizer" if separable else None)
        x = to_channels_last(inputs, channels_first)
        strides = [1, stride_h, stride_w, 1]
        if separable:
            pointwise = layer_variable(
                "pointwise_weights", [1, 1, num_inputs * int(depth_multiplier),
                                      int(num_outputs)], dtype,
                pointwise_initializer or weights_initializer, weights_regularizer, trainable,
                variables_collections, "weights", "pointwise_kernel/Regularizer")
            outputs = tf.nn.separable_conv2d(x, depthwise, pointwise, strides, padding,
                                             dilations=dilations)
            num_channels, reg_scope = int(num_outputs), "bias/Regularizer"
        else:
            outputs = tf.nn.depthwise_conv2d(x, depthwise, strides, padding,
                                             dilations=dilations)
            num_channels, reg_scope = num_inputs * int(depth_multiplier), None
        if normalizer_fn is None and biases_initializer is not None:
            biases = layer_variable("biases", [num_channels], dtype, biases_initializer,
                                    biases_regularizer, trainable, variables_collections,
                                    "biases", reg_scope)
            outputs = tf.nn.bias_add(outputs, biases)
        outputs = to_channels_first(outputs, channels_first)
        return finish_layer(outputs, normalizer_fn, normalizer_params, activation_fn,
                            outputs_collections, sc.name)


conv1d = convolution1d
conv2d = convolution2d
conv3d = convolution3d
conv2d_in_plane = convolution2d_in_plane
conv2d_transpose = convolution2d_transpose
separable_conv2d = separable_convolution2d
