"""``Conv1D`` / ``Conv2D`` / ``Conv3D`` and ``conv1d`` / ``conv2d`` / ``conv3d`` (room: ``layers``).

TF1's ``tf.layers`` convolutions re-implemented on ``tf.nn`` ops: variables
``kernel`` (``kernel_size + (in_channels, filters)``) and ``bias``
(``(filters,)``) in the layer's variable scope (``conv2d``, ``conv2d_1``...),
the kernel Glorot-uniform by default through ``get_variable``.  Padding is
``'valid'`` or ``'same'`` in any case (``'causal'`` too for 1-D, as TF1's Keras
base accepted).  ``channels_first`` inputs are transposed to channels-last
around the op, because CPU kernels only support that layout; the result is
identical.  The functional forms use ``name`` as the variable scope and honour
``reuse``, exactly like TF1.
"""
from __future__ import annotations

from typing import Callable, Optional

import tensorflow as tf

from . import conv_utils as cu
from .activations import get_activation
from .base import Layer
from .input_spec import InputSpec

v1 = tf.compat.v1

_ZEROS = v1.zeros_initializer()


class Conv(Layer):
    """N-D convolution base (``rank`` spatial dimensions); see :func:`conv2d`."""

    def __init__(self, rank: int, filters: int, kernel_size, strides=1, padding: str = "valid",
                 data_format: str = "channels_last", dilation_rate=1,
                 activation: Optional[Callable] = None, use_bias: bool = True,
                 kernel_initializer=None, bias_initializer=_ZEROS,
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, trainable: bool = True,
                 name: Optional[str] = None, **kwargs) -> None:
        owner = type(self).__name__
        self.rank = rank
        self.filters = cu.check_positive_int(filters, "filters", owner)
        self.kernel_size = cu.normalize_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = cu.normalize_tuple(strides, rank, "strides", owner)
        self.padding = cu.normalize_padding(padding, owner, allow_causal=rank == 1)
        self.data_format = cu.normalize_data_format(data_format, owner)
        self.dilation_rate = cu.normalize_tuple(dilation_rate, rank, "dilation_rate", owner)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{owner}: `strides` > 1 is incompatible with `dilation_rate` > 1, "
                             f"got strides={strides!r}, dilation_rate={dilation_rate!r}")
        self.activation = get_activation(activation)
        super().__init__(trainable=trainable, name=name,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.use_bias = use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.input_spec = InputSpec(ndim=rank + 2)
        self.kernel = self.bias = None

    @property
    def _channel_axis(self) -> int:
        return 1 if self.data_format == "channels_first" else -1

    def _input_channels(self, input_shape) -> int:
        channels = tf.TensorShape(input_shape).as_list()[self._channel_axis]
        if channels is None:
            raise ValueError(f"{type(self).__name__}: the channel dimension of the inputs "
                             "should be defined. Found `None`.")
        return channels

    def _kernel_shape(self, channels: int) -> tuple:
        return self.kernel_size + (channels, self.filters)

    def build(self, input_shape) -> None:
        channels = self._input_channels(input_shape)
        self.kernel = self.add_weight("kernel", self._kernel_shape(channels), self.dtype,
                                      self.kernel_initializer, self.kernel_regularizer,
                                      True, self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.filters,), self.dtype,
                                        self.bias_initializer, self.bias_regularizer,
                                        True, self.bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})
        self.built = True

    def _causal_pad(self, inputs):
        left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
        return tf.pad(inputs, [[0, 0], [left, 0], [0, 0]])

    def _convolve(self, inputs):
        """The convolution on channels-last ``inputs`` (no bias)."""
        padding = "VALID" if self.padding in ("valid", "causal") else "SAME"
        if self.padding == "causal":
            inputs = self._causal_pad(inputs)
        if max(self.dilation_rate) > 1:
            return tf.nn.convolution(inputs, self.kernel, strides=list(self.strides),
                                     padding=padding, dilations=list(self.dilation_rate))
        if self.rank == 1:
            return tf.nn.conv1d(inputs, self.kernel, self.strides[0], padding)
        if self.rank == 2:
            return tf.nn.conv2d(inputs, self.kernel, list(self.strides), padding)
        return tf.nn.conv3d(inputs, self.kernel, [1, *self.strides, 1], padding)

    def call(self, inputs):
        outputs = self._convolve(cu.to_channels_last(inputs, self.data_format))
        if self.bias is not None:
            outputs = tf.nn.bias_add(outputs, self.bias)
        outputs = cu.from_channels_last(outputs, self.data_format)
        return self.activation(outputs) if self.activation is not None else outputs

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        shape = tf.TensorShape(input_shape).as_list()
        space = [cu.conv_output_length(n, k, self.padding, s, d) for n, k, s, d in zip(
            cu.spatial_dims(shape, self.data_format), self.kernel_size, self.strides,
            self.dilation_rate)]
        return tf.TensorShape(cu.assemble_shape(shape[0], self.filters, space, self.data_format))


class Conv1D(Conv):
    """1-D (temporal) convolution layer (TF1 ``tf.layers.Conv1D``); see :func:`conv1d`."""

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 data_format: str = "channels_last", dilation_rate=1, activation=None,
                 use_bias: bool = True, kernel_initializer=None, bias_initializer=_ZEROS,
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, trainable: bool = True,
                 name: Optional[str] = None, **kwargs) -> None:
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, trainable, name, **kwargs)


class Conv2D(Conv):
    """2-D (spatial) convolution layer (TF1 ``tf.layers.Conv2D``); see :func:`conv2d`."""

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
                 data_format: str = "channels_last", dilation_rate=(1, 1), activation=None,
                 use_bias: bool = True, kernel_initializer=None, bias_initializer=_ZEROS,
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, trainable: bool = True,
                 name: Optional[str] = None, **kwargs) -> None:
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, trainable, name, **kwargs)


class Conv3D(Conv):
    """3-D (volumetric) convolution layer (TF1 ``tf.layers.Conv3D``); see :func:`conv3d`."""

    def __init__(self, filters: int, kernel_size, strides=(1, 1, 1), padding: str = "valid",
                 data_format: str = "channels_last", dilation_rate=(1, 1, 1), activation=None,
                 use_bias: bool = True, kernel_initializer=None, bias_initializer=_ZEROS,
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, trainable: bool = True,
                 name: Optional[str] = None, **kwargs) -> None:
        super().__init__(3, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, trainable, name, **kwargs)


_CONV_PARAMETERS = """
    Parameters
    ----------
    inputs : Tensor
        Rank ``{rank} + 2`` with a known channel dimension.
    filters : int
        Number of output channels.
    kernel_size, strides, dilation_rate : int or tuple of {rank} ints
        Window size, step and dilation; strides > 1 and dilation > 1 exclude
        each other.
    padding : {{'valid', 'same'}}, default='valid'
        Case-insensitive{causal}.
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
    Tensor of rank ``{rank} + 2`` with ``filters`` channels.
    """


def _apply(layer_class, inputs, name, reuse, **kwargs) -> tf.Tensor:
    return layer_class(name=name, _scope=name, _reuse=reuse, **kwargs).apply(inputs)


def conv1d(inputs, filters: int, kernel_size, strides=1, padding: str = "valid",
           data_format: str = "channels_last", dilation_rate=1, activation=None,
           use_bias: bool = True, kernel_initializer=None, bias_initializer=_ZEROS,
           kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
           kernel_constraint=None, bias_constraint=None, trainable: bool = True,
           name: Optional[str] = None, reuse=None) -> tf.Tensor:
    return _apply(Conv1D, inputs, name, reuse, filters=filters, kernel_size=kernel_size,
                  strides=strides, padding=padding, data_format=data_format,
                  dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                  kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                  kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                  activity_regularizer=activity_regularizer,
                  kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                  trainable=trainable)


def conv2d(inputs, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
           data_format: str = "channels_last", dilation_rate=(1, 1), activation=None,
           use_bias: bool = True, kernel_initializer=None, bias_initializer=_ZEROS,
           kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
           kernel_constraint=None, bias_constraint=None, trainable: bool = True,
           name: Optional[str] = None, reuse=None) -> tf.Tensor:
    return _apply(Conv2D, inputs, name, reuse, filters=filters, kernel_size=kernel_size,
                  strides=strides, padding=padding, data_format=data_format,
                  dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                  kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                  kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                  activity_regularizer=activity_regularizer,
                  kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                  trainable=trainable)


def conv3d(inputs, filters: int, kernel_size, strides=(1, 1, 1), padding: str = "valid",
           data_format: str = "channels_last", dilation_rate=(1, 1, 1), activation=None,
           use_bias: bool = True, kernel_initializer=None, bias_initializer=_ZEROS,
           kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
           kernel_constraint=None, bias_constraint=None, trainable: bool = True,
           name: Optional[str] = None, reuse=None) -> tf.Tensor:
    return _apply(Conv3D, inputs, name, reuse, filters=filters, kernel_size=kernel_size,
                  strides=strides, padding=padding, data_format=data_format,
                  dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                  kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                  kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                  activity_regularizer=activity_regularizer,
                  kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                  trainable=trainable)


conv1d.__doc__ = ("Functional 1-D convolution, ``tf.layers.conv1d`` re-implemented.\n"
                  + _CONV_PARAMETERS.format(rank=1, scope="conv1d",
                                            causal=", or 'causal' (left padding)"))
conv2d.__doc__ = ("Functional 2-D convolution, ``tf.layers.conv2d`` re-implemented.\n"
                  + _CONV_PARAMETERS.format(rank=2, scope="conv2d", causal=""))
conv3d.__doc__ = ("Functional 3-D convolution, ``tf.layers.conv3d`` re-implemented.\n"
                  + _CONV_PARAMETERS.format(rank=3, scope="conv3d", causal=""))

Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
