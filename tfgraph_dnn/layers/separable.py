"""``SeparableConv1D`` / ``SeparableConv2D`` and their functional forms (room: ``layers``).

TF1's depthwise-separable convolutions on ``tf.nn.separable_conv2d``: a
depthwise convolution (variable ``depthwise_kernel``, shape ``kernel_size +
(in_channels, depth_multiplier)``) followed by a 1x1 pointwise one
(``pointwise_kernel``, ``(1,) * rank + (in_channels * depth_multiplier,
filters)``) and ``bias``.  1-D inputs get a unit height axis, as in TF1.
``channels_first`` is transposed around the op (CPU kernels need NHWC).
"""
from __future__ import annotations

from typing import Optional

import tensorflow as tf

from . import conv_utils as cu
from .input_spec import InputSpec
from .convolutional import _ZEROS, Conv


class _SeparableConv(Conv):
    """Depthwise-separable convolution base (1-D or 2-D)."""

    def __init__(self, rank: int, filters: int, kernel_size, strides, padding: str,
                 data_format: str, dilation_rate, depth_multiplier: int = 1,
                 activation=None, use_bias: bool = True, depthwise_initializer=None,
                 pointwise_initializer=None, bias_initializer=_ZEROS,
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, trainable: bool = True,
                 name: Optional[str] = None, **kwargs) -> None:
        super().__init__(rank, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, trainable=trainable, name=name,
                         **kwargs)
        self.depth_multiplier = cu.check_positive_int(depth_multiplier, "depth_multiplier",
                                                      type(self).__name__)
        self.depthwise_initializer = depthwise_initializer
        self.pointwise_initializer = pointwise_initializer
        self.depthwise_regularizer = depthwise_regularizer
        self.pointwise_regularizer = pointwise_regularizer
        self.depthwise_constraint = depthwise_constraint
        self.pointwise_constraint = pointwise_constraint
        self.depthwise_kernel = self.pointwise_kernel = None

    def build(self, input_shape) -> None:
        channels = self._input_channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (channels, self.depth_multiplier),
            self.dtype, self.depthwise_initializer, self.depthwise_regularizer, True,
            self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", (1,) * self.rank + (channels * self.depth_multiplier,
                                                    self.filters),
            self.dtype, self.pointwise_initializer, self.pointwise_regularizer, True,
            self.pointwise_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.filters,), self.dtype,
                                        self.bias_initializer, self.bias_regularizer,
                                        True, self.bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})
        self.built = True

    def _convolve(self, inputs):
        depthwise, pointwise = self.depthwise_kernel, self.pointwise_kernel
        strides, dilations = self.strides, self.dilation_rate
        padding = "VALID" if self.padding in ("valid", "causal") else "SAME"
        if self.padding == "causal":
            inputs = self._causal_pad(inputs)
        if self.rank == 1:  # (N, W, C) -> (N, 1, W, C), as TF1 did
            inputs = tf.expand_dims(inputs, 1)
            depthwise, pointwise = tf.expand_dims(depthwise, 0), tf.expand_dims(pointwise, 0)
            strides, dilations = strides * 2, (1,) + dilations
        outputs = tf.nn.separable_conv2d(inputs, depthwise, pointwise, [1, *strides, 1],
                                         padding, dilations=list(dilations))
        return tf.squeeze(outputs, [1]) if self.rank == 1 else outputs


class SeparableConv1D(_SeparableConv):
    """Depthwise-separable 1-D convolution (TF1 ``tf.layers.SeparableConv1D``).

    See :func:`separable_conv1d` for the arguments.
    """

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 data_format: str = "channels_last", dilation_rate=1,
                 depth_multiplier: int = 1, activation=None, use_bias: bool = True,
                 depthwise_initializer=None, pointwise_initializer=None,
                 bias_initializer=_ZEROS, depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 trainable: bool = True, name: Optional[str] = None, **kwargs) -> None:
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, depthwise_initializer,
                         pointwise_initializer, bias_initializer, depthwise_regularizer,
                         pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint,
                         trainable, name, **kwargs)


class SeparableConv2D(_SeparableConv):
    """Depthwise-separable 2-D convolution (TF1 ``tf.layers.SeparableConv2D``).

    See :func:`separable_conv2d` for the arguments.
    """

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
                 data_format: str = "channels_last", dilation_rate=(1, 1),
                 depth_multiplier: int = 1, activation=None, use_bias: bool = True,
                 depthwise_initializer=None, pointwise_initializer=None,
                 bias_initializer=_ZEROS, depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 trainable: bool = True, name: Optional[str] = None, **kwargs) -> None:
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, depthwise_initializer,
                         pointwise_initializer, bias_initializer, depthwise_regularizer,
                         pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint,
                         trainable, name, **kwargs)


_SEPARABLE_DOC = """{title}

    Parameters
    ----------
    inputs : Tensor
        Rank {ndim} with a known channel dimension.
    filters : int
        Number of output channels (of the pointwise step).
    kernel_size, strides, dilation_rate : int or tuple of {rank} ints
        Of the depthwise step; strides > 1 and dilation > 1 exclude each other.
    padding : {{'valid', 'same'}}, default='valid'
        Case-insensitive.
    data_format : {{'channels_last', 'channels_first'}}, default='channels_last'
    depth_multiplier : int, default=1
        Depthwise output channels per input channel.
    activation : callable or str, optional
    use_bias : bool, default=True
    depthwise_initializer, pointwise_initializer : callable, optional
        ``None``: the scope's initializer, else Glorot uniform.
    bias_initializer : callable, default=zeros
    depthwise_regularizer, pointwise_regularizer, bias_regularizer, \
activity_regularizer : callable, optional
    depthwise_constraint, pointwise_constraint, bias_constraint : callable, optional
    trainable : bool, default=True
    name : str, optional
        Variable scope; unnamed layers become ``{scope}``, ``{scope}_1``...
    reuse : bool, optional
        Reuse the variables of a previous layer with the same name.

    Returns
    -------
    Tensor of rank {ndim} with ``filters`` channels.
    """


def separable_conv1d(inputs, filters: int, kernel_size, strides=1, padding: str = "valid",
                     data_format: str = "channels_last", dilation_rate=1,
                     depth_multiplier: int = 1, activation=None, use_bias: bool = True,
                     depthwise_initializer=None, pointwise_initializer=None,
                     bias_initializer=_ZEROS, depthwise_regularizer=None,
                     pointwise_regularizer=None, bias_regularizer=None,
                     activity_regularizer=None, depthwise_constraint=None,
                     pointwise_constraint=None, bias_constraint=None, trainable: bool = True,
                     name: Optional[str] = None, reuse=None) -> tf.Tensor:
    layer = SeparableConv1D(
        filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
        activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
        depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
        depthwise_constraint, pointwise_constraint, bias_constraint, trainable, name,
        _scope=name, _reuse=reuse)
    return layer.apply(inputs)


def separable_conv2d(inputs, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
                     data_format: str = "channels_last", dilation_rate=(1, 1),
                     depth_multiplier: int = 1, activation=None, use_bias: bool = True,
                     depthwise_initializer=None, pointwise_initializer=None,
                     bias_initializer=_ZEROS, depthwise_regularizer=None,
                     pointwise_regularizer=None, bias_regularizer=None,
                     activity_regularizer=None, depthwise_constraint=None,
                     pointwise_constraint=None, bias_constraint=None, trainable: bool = True,
                     name: Optional[str] = None, reuse=None) -> tf.Tensor:
    layer = SeparableConv2D(
        filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
        activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
        depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
        depthwise_constraint, pointwise_constraint, bias_constraint, trainable, name,
        _scope=name, _reuse=reuse)
    return layer.apply(inputs)


separable_conv1d.__doc__ = _SEPARABLE_DOC.format(
    title="Functional depthwise-separable 1-D convolution, ``tf.layers.separable_conv1d``.",
    ndim=3, rank=1, scope="separable_conv1d")
separable_conv2d.__doc__ = _SEPARABLE_DOC.format(
    title="Functional depthwise-separable 2-D convolution, ``tf.layers.separable_conv2d``.",
    ndim=4, rank=2, scope="separable_conv2d")

SeparableConvolution2D = SeparableConv2D
