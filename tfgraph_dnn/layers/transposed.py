"""``Conv2DTranspose`` / ``Conv3DTranspose`` and their functional forms (room: ``layers``).

TF1's transposed ("de-") convolutions on ``tf.nn.conv2d_transpose`` /
``conv3d_transpose``.  The kernel has shape ``kernel_size + (filters,
in_channels)`` (output channels before input channels, as TF1 stored it) and
each spatial output length is ``in * stride + max(kernel - stride, 0)`` with
``'valid'`` padding and ``in * stride`` with ``'same'``, TF1's rules.  Unknown
input sizes are handled with the dynamic shape; ``channels_first`` is
transposed around the op (as TF1's Keras backend did on CPU).
"""
from __future__ import annotations

from typing import Optional

import tensorflow as tf

from . import conv_utils as cu
from .convolutional import _ZEROS, Conv


class _ConvTranspose(Conv):
    """Transposed convolution base (2-D or 3-D)."""

    def __init__(self, rank: int, filters: int, kernel_size, strides, padding: str,
                 data_format: str, **kwargs) -> None:
        super().__init__(rank, filters, kernel_size, strides, padding, data_format, 1, **kwargs)

    def _kernel_shape(self, channels: int) -> tuple:
        return self.kernel_size + (self.filters, channels)

    def _output_lengths(self, inputs) -> list:
        static = inputs.shape.as_list()[1:-1]
        dynamic = tf.shape(inputs)
        return [cu.deconv_output_length(n if n is not None else dynamic[i + 1], k,
                                        self.padding, s)
                for i, (n, k, s) in enumerate(zip(static, self.kernel_size, self.strides))]

    def _convolve(self, inputs):
        lengths = self._output_lengths(inputs)
        output_shape = tf.stack([tf.shape(inputs)[0], *lengths, self.filters])
        op = tf.nn.conv2d_transpose if self.rank == 2 else tf.nn.conv3d_transpose
        outputs = op(inputs, self.kernel, output_shape, [1, *self.strides, 1],
                     padding=self.padding.upper())
        batch = tf.compat.dimension_value(inputs.shape[0])
        outputs.set_shape([batch] + [n if isinstance(n, int) else None for n in lengths]
                          + [self.filters])
        return outputs

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        shape = tf.TensorShape(input_shape).as_list()
        space = [cu.deconv_output_length(n, k, self.padding, s) for n, k, s in zip(
            cu.spatial_dims(shape, self.data_format), self.kernel_size, self.strides)]
        return tf.TensorShape(cu.assemble_shape(shape[0], self.filters, space, self.data_format))


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution layer (TF1 ``tf.layers.Conv2DTranspose``).

    See :func:`conv2d_transpose` for the arguments.
    """

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
                 data_format: str = "channels_last", activation=None, use_bias: bool = True,
                 kernel_initializer=None, bias_initializer=_ZEROS, kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable: bool = True, name: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(2, filters, kernel_size, strides, padding, data_format,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         trainable=trainable, name=name, **kwargs)


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution layer (TF1 ``tf.layers.Conv3DTranspose``).

    See :func:`conv3d_transpose` for the arguments.
    """

    def __init__(self, filters: int, kernel_size, strides=(1, 1, 1), padding: str = "valid",
                 data_format: str = "channels_last", activation=None, use_bias: bool = True,
                 kernel_initializer=None, bias_initializer=_ZEROS, kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable: bool = True, name: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(3, filters, kernel_size, strides, padding, data_format,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         trainable=trainable, name=name, **kwargs)


_TRANSPOSE_DOC = """{title}

    Parameters
    ----------
    inputs : Tensor
        Rank {ndim} with a known channel dimension.
    filters : int
        Number of output channels.
    kernel_size, strides : int or tuple of {rank} ints
    padding : {{'valid', 'same'}}, default='valid'
        Case-insensitive.  Output length per axis: ``in * stride`` ('same') or
        ``in * stride + max(kernel - stride, 0)`` ('valid').
    data_format : {{'channels_last', 'channels_first'}}, default='channels_last'
    activation : callable or str, optional
    use_bias : bool, default=True
    kernel_initializer : callable, optional
        ``None``: the scope's initializer, else Glorot uniform.
    bias_initializer : callable, default=zeros
    kernel_regularizer, bias_regularizer, activity_regularizer : callable, optional
    kernel_constraint, bias_constraint : callable, optional
    trainable : bool, default=True
    name : str, optional
        Variable scope; unnamed layers become ``{scope}``, ``{scope}_1``...
    reuse : bool, optional
        Reuse the variables of a previous layer with the same name.

    Returns
    -------
    Tensor of rank {ndim} with ``filters`` channels.
    """


def conv2d_transpose(inputs, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
                     data_format: str = "channels_last", activation=None, use_bias: bool = True,
                     kernel_initializer=None, bias_initializer=_ZEROS, kernel_regularizer=None,
                     bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                     bias_constraint=None, trainable: bool = True, name: Optional[str] = None,
                     reuse=None) -> tf.Tensor:
    layer = Conv2DTranspose(
        filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
        activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
        bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
        bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
        kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
        trainable=trainable, name=name, _scope=name, _reuse=reuse)
    return layer.apply(inputs)


def conv3d_transpose(inputs, filters: int, kernel_size, strides=(1, 1, 1),
                     padding: str = "valid", data_format: str = "channels_last",
                     activation=None, use_bias: bool = True, kernel_initializer=None,
                     bias_initializer=_ZEROS, kernel_regularizer=None, bias_regularizer=None,
                     activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                     trainable: bool = True, name: Optional[str] = None,
                     reuse=None) -> tf.Tensor:
    layer = Conv3DTranspose(
        filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
        activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
        bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
        bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
        kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
        trainable=trainable, name=name, _scope=name, _reuse=reuse)
    return layer.apply(inputs)


conv2d_transpose.__doc__ = _TRANSPOSE_DOC.format(
    title="Functional transposed 2-D convolution, ``tf.layers.conv2d_transpose``.",
    ndim=4, rank=2, scope="conv2d_transpose")
conv3d_transpose.__doc__ = _TRANSPOSE_DOC.format(
    title="Functional transposed 3-D convolution, ``tf.layers.conv3d_transpose``.",
    ndim=5, rank=3, scope="conv3d_transpose")

Convolution2DTranspose, Convolution3DTranspose = Conv2DTranspose, Conv3DTranspose
