"""Max and average pooling layers, 1-D to 3-D, with TF1's signatures (room: ``layers``).

``MaxPooling1D/2D/3D``, ``AveragePooling1D/2D/3D`` and ``max_pooling1d`` ...
``average_pooling3d``: ``pool_size`` and ``strides`` (both required, as in
TF1's ``tf.layers``) are ints or tuples, padding ``'valid'`` / ``'same'`` in any
case.  With ``'same'`` the average counts only the real (unpadded) inputs of
each window, as TensorFlow does.  Pooling layers have no variables; their
name scopes are made unique (``max_pooling2d``, ``max_pooling2d_1``...).
``channels_first`` is transposed around the op (CPU kernels need NHWC).
"""
from __future__ import annotations

from typing import Optional

import tensorflow as tf

from . import conv_utils as cu
from .base import Layer
from .input_spec import InputSpec

_POOL_OPS = {
    ("max", 1): tf.nn.max_pool1d, ("max", 2): tf.nn.max_pool2d, ("max", 3): tf.nn.max_pool3d,
    ("avg", 1): tf.nn.avg_pool1d, ("avg", 2): tf.nn.avg_pool2d, ("avg", 3): tf.nn.avg_pool3d,
}


class _Pooling(Layer):
    """Pooling base: ``kind`` is ``'max'`` or ``'avg'``, ``rank`` the spatial rank."""

    kind = "max"
    rank = 2

    def __init__(self, pool_size, strides, padding: str = "valid",
                 data_format: str = "channels_last", name: Optional[str] = None,
                 **kwargs) -> None:
        owner = type(self).__name__
        if strides is None:
            raise ValueError(f"{owner}: argument `strides` must not be None.")
        self.pool_size = cu.normalize_tuple(pool_size, self.rank, "pool_size", owner)
        self.strides = cu.normalize_tuple(strides, self.rank, "strides", owner)
        self.padding = cu.normalize_padding(padding, owner)
        self.data_format = cu.normalize_data_format(data_format, owner)
        super().__init__(name=name, **kwargs)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        pool = _POOL_OPS[(self.kind, self.rank)]
        outputs = pool(cu.to_channels_last(inputs, self.data_format), list(self.pool_size),
                       list(self.strides), self.padding.upper())
        return cu.from_channels_last(outputs, self.data_format)

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        shape = tf.TensorShape(input_shape).as_list()
        channels = shape[1] if self.data_format == "channels_first" else shape[-1]
        space = [cu.conv_output_length(n, k, self.padding, s) for n, k, s in zip(
            cu.spatial_dims(shape, self.data_format), self.pool_size, self.strides)]
        return tf.TensorShape(cu.assemble_shape(shape[0], channels, space, self.data_format))


class MaxPooling1D(_Pooling):
    """1-D max pooling (TF1 ``tf.layers.MaxPooling1D``); see :func:`max_pooling1d`."""

    kind, rank = "max", 1


class MaxPooling2D(_Pooling):
    """2-D max pooling (TF1 ``tf.layers.MaxPooling2D``); see :func:`max_pooling2d`."""

    kind, rank = "max", 2


class MaxPooling3D(_Pooling):
    """3-D max pooling (TF1 ``tf.layers.MaxPooling3D``); see :func:`max_pooling3d`."""

    kind, rank = "max", 3


class AveragePooling1D(_Pooling):
    """1-D average pooling (TF1 ``tf.layers.AveragePooling1D``); see :func:`average_pooling1d`."""

    kind, rank = "avg", 1


class AveragePooling2D(_Pooling):
    """2-D average pooling (TF1 ``tf.layers.AveragePooling2D``); see :func:`average_pooling2d`."""

    kind, rank = "avg", 2


class AveragePooling3D(_Pooling):
    """3-D average pooling (TF1 ``tf.layers.AveragePooling3D``); see :func:`average_pooling3d`."""

    kind, rank = "avg", 3


_POOL_DOC = """Functional {what} pooling over {rank}-D windows, ``tf.layers.{fn}``.

    Parameters
    ----------
    inputs : Tensor
        Rank {ndim}.
    pool_size : int or tuple of {rank} ints
        Window size.
    strides : int or tuple of {rank} ints
        Window step (required).
    padding : {{'valid', 'same'}}, default='valid'
        Case-insensitive.
    data_format : {{'channels_last', 'channels_first'}}, default='channels_last'
    name : str, optional
        Name scope (made unique: ``{fn}``, ``{fn}_1``...).

    Returns
    -------
    Tensor of rank {ndim} with the input's channels.
    """


def max_pooling1d(inputs, pool_size, strides, padding: str = "valid",
                  data_format: str = "channels_last", name: Optional[str] = None) -> tf.Tensor:
    return MaxPooling1D(pool_size, strides, padding, data_format, name).apply(inputs)


def max_pooling2d(inputs, pool_size, strides, padding: str = "valid",
                  data_format: str = "channels_last", name: Optional[str] = None) -> tf.Tensor:
    return MaxPooling2D(pool_size, strides, padding, data_format, name).apply(inputs)


def max_pooling3d(inputs, pool_size, strides, padding: str = "valid",
                  data_format: str = "channels_last", name: Optional[str] = None) -> tf.Tensor:
    return MaxPooling3D(pool_size, strides, padding, data_format, name).apply(inputs)


def average_pooling1d(inputs, pool_size, strides, padding: str = "valid",
                      data_format: str = "channels_last", name: Optional[str] = None) -> tf.Tensor:
    return AveragePooling1D(pool_size, strides, padding, data_format, name).apply(inputs)


def average_pooling2d(inputs, pool_size, strides, padding: str = "valid",
                      data_format: str = "channels_last", name: Optional[str] = None) -> tf.Tensor:
    return AveragePooling2D(pool_size, strides, padding, data_format, name).apply(inputs)


def average_pooling3d(inputs, pool_size, strides, padding: str = "valid",
                      data_format: str = "channels_last", name: Optional[str] = None) -> tf.Tensor:
    return AveragePooling3D(pool_size, strides, padding, data_format, name).apply(inputs)


for _fn, _what, _rank in ((max_pooling1d, "max", 1), (max_pooling2d, "max", 2),
                          (max_pooling3d, "max", 3), (average_pooling1d, "average", 1),
                          (average_pooling2d, "average", 2), (average_pooling3d, "average", 3)):
    _fn.__doc__ = _POOL_DOC.format(what=_what, rank=_rank, ndim=_rank + 2, fn=_fn.__name__)
del _fn, _what, _rank
