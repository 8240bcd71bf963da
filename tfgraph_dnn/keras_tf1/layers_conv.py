"""tf.keras 1.15 convolution, pooling, normalization and merge layers for TF1 graphs.

Room: ``keras_tf1``.  ``Conv1D/2D``, ``MaxPooling``/``AveragePooling`` 1D/2D and
``BatchNormalization`` are our ``tf.layers`` classes with Keras' signatures
(``data_format=None`` is ``image_data_format()``, pooling ``strides=None`` is
the pool size, string initializers).  Batch normalization keeps its moving
averages' updates in ``layer.updates`` / ``model.updates`` (run by ``fit``), not
in ``UPDATE_OPS``, as tf.keras 1.15 did.  Global pooling and the merge layers
(``Add``, ``Concatenate``...) are one TensorFlow op each.
"""
from __future__ import annotations

from typing import Optional

import tensorflow as tf

from .. import layers as tf_layers
from . import backend, initializers, regularizers
from .engine import KerasLayer, Layer
from .layers_core import _act


def _data_format(data_format: Optional[str]) -> str:
    return data_format or backend.image_data_format()


def _conv_kwargs(activation, kernel_initializer, bias_initializer, kernel_regularizer,
                 bias_regularizer, activity_regularizer) -> dict:
    return dict(activation=_act(activation),
                kernel_initializer=initializers.get(kernel_initializer),
                bias_initializer=initializers.get(bias_initializer),
                kernel_regularizer=regularizers.get(kernel_regularizer),
                bias_regularizer=regularizers.get(bias_regularizer),
                activity_regularizer=regularizers.get(activity_regularizer))


class Conv1D(KerasLayer, tf_layers.Conv1D):
    """``tf.keras.layers.Conv1D`` (``padding='causal'`` allowed)."""

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 data_format: str = "channels_last", dilation_rate=1, activation=None,
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs) -> None:
        tf_layers.Conv1D.__init__(
            self, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, use_bias=use_bias,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
            **_conv_kwargs(activation, kernel_initializer, bias_initializer,
                           kernel_regularizer, bias_regularizer, activity_regularizer),
            **self._keras_init(kwargs))


class Conv2D(KerasLayer, tf_layers.Conv2D):
    """``tf.keras.layers.Conv2D``."""

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
                 data_format: Optional[str] = None, dilation_rate=(1, 1), activation=None,
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs) -> None:
        tf_layers.Conv2D.__init__(
            self, filters, kernel_size, strides=strides, padding=padding,
            data_format=_data_format(data_format), dilation_rate=dilation_rate,
            use_bias=use_bias, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **_conv_kwargs(activation, kernel_initializer, bias_initializer,
                           kernel_regularizer, bias_regularizer, activity_regularizer),
            **self._keras_init(kwargs))


def _pooling(base, rank: int, default_format):
    """A Keras pooling class over a ``tf.layers`` pooling class."""

    class Pooling(KerasLayer, base):
        __doc__ = f"``tf.keras.layers.{base.__name__}`` (``strides=None``: the pool size)."

        def __init__(self, pool_size=2 if rank == 1 else (2, 2), strides=None,
                     padding: str = "valid", data_format=default_format, **kwargs) -> None:
            base.__init__(self, pool_size, pool_size if strides is None else strides,
                          padding=padding, data_format=_data_format(data_format),
                          **self._keras_init(kwargs))

    Pooling.__name__ = Pooling.__qualname__ = base.__name__
    return Pooling


MaxPooling1D = MaxPool1D = _pooling(tf_layers.MaxPooling1D, 1, "channels_last")
AveragePooling1D = AvgPool1D = _pooling(tf_layers.AveragePooling1D, 1, "channels_last")
MaxPooling2D = MaxPool2D = _pooling(tf_layers.MaxPooling2D, 2, None)
AveragePooling2D = AvgPool2D = _pooling(tf_layers.AveragePooling2D, 2, None)


class BatchNormalization(KerasLayer, tf_layers.BatchNormalization):
    """``tf.keras.layers.BatchNormalization`` (``training`` defaults to the learning phase)."""

    def __init__(self, axis=-1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm: bool = False, renorm_clipping=None, renorm_momentum: float = 0.99,
                 fused: Optional[bool] = None, virtual_batch_size: Optional[int] = None,
                 adjustment=None, **kwargs) -> None:
        get = initializers.get
        tf_layers.BatchNormalization.__init__(
            self, axis=axis, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
            beta_initializer=get(beta_initializer), gamma_initializer=get(gamma_initializer),
            moving_mean_initializer=get(moving_mean_initializer),
            moving_variance_initializer=get(moving_variance_initializer),
            beta_regularizer=regularizers.get(beta_regularizer),
            gamma_regularizer=regularizers.get(gamma_regularizer),
            beta_constraint=beta_constraint, gamma_constraint=gamma_constraint,
            renorm=renorm, renorm_clipping=renorm_clipping, renorm_momentum=renorm_momentum,
            fused=fused, virtual_batch_size=virtual_batch_size, adjustment=adjustment,
            **self._keras_init(kwargs))

    def call(self, inputs, training=None):
        return tf_layers.BatchNormalization.call(self, inputs, training=training)


class _GlobalPooling(Layer):
    reduce = staticmethod(tf.reduce_mean)
    rank = 2

    def __init__(self, data_format: Optional[str] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format) if self.rank == 2 else (
            data_format or "channels_last")

    def call(self, inputs):
        first = 2 if self.data_format == "channels_first" else 1
        return self.reduce(inputs, axis=list(range(first, first + self.rank)))


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps axis."""

    rank = 1


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over the two spatial axes."""


class GlobalMaxPooling1D(_GlobalPooling):
    """Maximum over the steps axis."""

    reduce = staticmethod(tf.reduce_max)
    rank = 1


class GlobalMaxPooling2D(_GlobalPooling):
    """Maximum over the two spatial axes."""

    reduce = staticmethod(tf.reduce_max)


GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D


class _Merge(Layer):
    """Element-wise merge of a list of tensors of one shape."""

    def _merge(self, inputs):
        raise NotImplementedError

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"A merge layer ({self.name}) should be called on a list of at "
                             f"least 2 inputs. Got {inputs!r}")
        return self._merge(list(inputs))


class Add(_Merge):
    """Element-wise sum of a list of tensors."""

    def _merge(self, inputs):
        return tf.add_n(inputs)


class Subtract(_Merge):
    """The first of two tensors minus the second."""

    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Subtract` layer ({self.name}) should be called on exactly "
                             "2 inputs")
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    """Element-wise product of a list of tensors."""

    def _merge(self, inputs):
        output = inputs[0]
        for tensor in inputs[1:]:
            output = output * tensor
        return output


class Average(_Merge):
    """Element-wise mean of a list of tensors."""

    def _merge(self, inputs):
        return tf.add_n(inputs) / len(inputs)


class Maximum(_Merge):
    """Element-wise maximum of a list of tensors."""

    def _merge(self, inputs):
        output = inputs[0]
        for tensor in inputs[1:]:
            output = tf.maximum(output, tensor)
        return output


class Minimum(_Merge):
    """Element-wise minimum of a list of tensors."""

    def _merge(self, inputs):
        output = inputs[0]
        for tensor in inputs[1:]:
            output = tf.minimum(output, tensor)
        return output


class Concatenate(_Merge):
    """``tf.keras.layers.Concatenate(axis=-1)``."""

    def __init__(self, axis: int = -1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def _merge(self, inputs):
        return tf.concat(inputs, axis=self.axis)


def add(inputs, **kwargs):
    """Functional form of :class:`Add`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of :class:`Subtract`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of :class:`Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of :class:`Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of :class:`Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of :class:`Minimum`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis: int = -1, **kwargs):
    """Tensors joined along ``axis``."""
    return Concatenate(axis=axis, **kwargs)(inputs)
