"""``Dense``, ``Dropout``, ``Flatten`` and their functional forms (TF1 ``tf.layers`` core).

Room: ``layers``; tensor -> tensor.  Drop-in replacements for TF1's
``tf.layers`` core layers, which raise under Keras 3.  The functional forms
are thin: ``dense(x, ...)`` is ``Dense(..., name=name, _scope=name,
_reuse=reuse)(x)`` as in TF1, so variables follow the *variable* scope only
(``hidden1/kernel`` even under ``tf.name_scope('dnn')``) while ops follow the
name scope (``dnn/hidden1/MatMul``).  ``dropout`` and ``flatten`` take no
``reuse`` and get unique scopes (``dropout``, ``dropout_1``...), like TF1.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np
import tensorflow as tf

from .activations import get_activation
from .base import Layer, TrainingFlag, resolve_use_resource, smart_cond, static_bool
from .conv_utils import check_positive_int, normalize_data_format
from .input_spec import InputSpec

v1 = tf.compat.v1

__all__ = ["Dense", "Dropout", "Flatten", "add_variable", "check_rate", "dense",
           "dropout", "flatten", "resolve_use_resource", "smart_cond", "static_bool",
           "TrainingFlag"]


def add_variable(name: str, shape, dtype, initializer=None, regularizer=None,
                 trainable: bool = True, constraint=None) -> tf.Variable:
    """``get_variable`` in the current variable scope, regularized once when created.

    For graph code outside a :class:`Layer`; the regularizer's loss (if not
    ``None``) joins ``REGULARIZATION_LOSSES`` unless the scope reuses variables.
    """
    variable = v1.get_variable(name, shape=shape, dtype=dtype, initializer=initializer,
                               trainable=trainable, constraint=constraint,
                               use_resource=resolve_use_resource())
    if regularizer is not None and not v1.get_variable_scope().reuse:
        with v1.name_scope(f"{name}/Regularizer"):
            loss = regularizer(variable)
        if loss is not None:
            v1.add_to_collection(v1.GraphKeys.REGULARIZATION_LOSSES, loss)
    return variable


class Dense(Layer):
    """Densely-connected layer ``activation(inputs @ kernel + bias)`` (TF1 ``tf.layers.Dense``).

    Variables ``kernel`` (``[input_dim, units]``) and ``bias`` (``[units]``).
    Arguments as for :func:`dense`, without ``inputs`` and ``reuse``.
    """

    def __init__(self, units: int, activation: Optional[Callable] = None, use_bias: bool = True,
                 kernel_initializer=None, bias_initializer=v1.zeros_initializer(),
                 kernel_regularizer: Optional[Callable] = None,
                 bias_regularizer: Optional[Callable] = None,
                 activity_regularizer: Optional[Callable] = None,
                 kernel_constraint: Optional[Callable] = None,
                 bias_constraint: Optional[Callable] = None, trainable: bool = True,
                 name: Optional[str] = None, **kwargs) -> None:
        self.units = check_positive_int(units, "units", "Dense")
        self.activation = get_activation(activation)
        super().__init__(trainable=trainable, name=name,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.use_bias = use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.input_spec = InputSpec(min_ndim=2)
        self.kernel = self.bias = None

    def build(self, input_shape) -> None:
        last_dim = tf.TensorShape(input_shape).as_list()[-1]
        if last_dim is None:
            raise ValueError("The last dimension of the inputs to `Dense` should be defined. "
                             "Found `None`.")
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last_dim})
        self.kernel = self.add_weight("kernel", [last_dim, self.units], self.dtype,
                                      self.kernel_initializer, self.kernel_regularizer,
                                      True, self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", [self.units], self.dtype, self.bias_initializer,
                                        self.bias_regularizer, True, self.bias_constraint)
        self.built = True

    def call(self, inputs):
        inputs = tf.cast(inputs, self.dtype)
        rank = inputs.shape.rank
        if rank == 2:
            outputs = tf.matmul(inputs, self.kernel)
        else:
            outputs = tf.tensordot(inputs, self.kernel, [[rank - 1], [0]])
            outputs.set_shape(inputs.shape[:-1].concatenate([self.units]))
        if self.bias is not None:
            outputs = tf.nn.bias_add(outputs, self.bias)
        return self.activation(outputs) if self.activation is not None else outputs

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        input_shape = tf.TensorShape(input_shape).with_rank_at_least(2)
        if tf.compat.dimension_value(input_shape[-1]) is None:
            raise ValueError(f"The innermost dimension of input_shape must be defined, "
                             f"but saw: {input_shape}")
        return input_shape[:-1].concatenate([self.units])


def dense(inputs, units: int, activation: Optional[Callable] = None, use_bias: bool = True,
          kernel_initializer=None, bias_initializer=v1.zeros_initializer(),
          kernel_regularizer: Optional[Callable] = None,
          bias_regularizer: Optional[Callable] = None,
          activity_regularizer: Optional[Callable] = None,
          kernel_constraint: Optional[Callable] = None,
          bias_constraint: Optional[Callable] = None,
          trainable: bool = True, name: Optional[str] = None, reuse=None) -> tf.Tensor:
    """Densely-connected layer, ``tf.layers.dense`` re-implemented.

    Parameters
    ----------
    inputs : Tensor
        Input of rank >= 2 with a known last dimension.
    units : int
        Number of output units.
    activation : callable or str, optional
        Applied to the output; ``None`` keeps it linear.
    use_bias : bool, default=True
    kernel_initializer : callable, optional
        ``None``: the variable scope's initializer, else Glorot uniform, as in TF1.
    bias_initializer : callable, default=zeros
    kernel_regularizer, bias_regularizer : callable, optional
        Functions of the variable returning a scalar loss (or ``None``).
    activity_regularizer : callable, optional
        Function of the output; its loss, divided by the batch size as in
        TF1.15, joins ``REGULARIZATION_LOSSES``.
    kernel_constraint, bias_constraint : callable, optional
        Projections applied by ``tf.compat.v1.train`` optimizers after each update.
    trainable : bool, default=True
        Whether the variables join ``TRAINABLE_VARIABLES``.
    name : str, optional
        Variable scope; unnamed layers become ``dense``, ``dense_1``, ...
    reuse : bool, optional
        Reuse the variables of a previous layer with the same name.

    Returns
    -------
    Tensor of shape ``inputs.shape[:-1] + (units,)``.
    """
    layer = Dense(units, activation=activation, use_bias=use_bias,
                  kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                  kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                  activity_regularizer=activity_regularizer,
                  kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                  trainable=trainable, name=name, _scope=name, _reuse=reuse)
    return layer.apply(inputs)


def check_rate(rate, what: str):
    """A numeric ``rate`` as a float in ``[0, 1)``; a tensor passes unchecked, as in TF1."""
    if tf.is_tensor(rate):
        return rate
    if not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"{what}: rate must be in [0, 1), got {rate!r}")
    return float(rate)


class Dropout(Layer):
    """Zero units with probability ``rate`` while training (TF1 ``tf.layers.Dropout``).

    Kept units are scaled by ``1 / (1 - rate)``; ``rate`` may be a scalar
    tensor (as in TF1, which ``contrib.layers.dropout``'s ``keep_prob`` relies
    on).  ``noise_shape`` entries that
    are ``None`` take the input's dynamic size.  Call with ``training=`` a
    Python bool or a boolean tensor (default ``False``: identity).
    """

    def __init__(self, rate=0.5, noise_shape: Optional[Sequence] = None,
                 seed: Optional[int] = None, name: Optional[str] = None, **kwargs) -> None:
        self.rate = check_rate(rate, "Dropout")
        super().__init__(name=name, **kwargs)
        self.noise_shape, self.seed = noise_shape, seed

    def _get_noise_shape(self, inputs):
        if self.noise_shape is None:
            return None
        if tf.is_tensor(self.noise_shape):
            return self.noise_shape
        dynamic = tf.shape(inputs)
        return tf.stack([dynamic[i] if size is None else tf.constant(size, tf.int32)
                         for i, size in enumerate(self.noise_shape)])

    def call(self, inputs, training: TrainingFlag = False):
        if isinstance(self.rate, float) and self.rate == 0.0:
            return tf.identity(inputs)
        return smart_cond(
            training,
            lambda: tf.nn.dropout(inputs, rate=self.rate,
                                  noise_shape=self._get_noise_shape(inputs), seed=self.seed),
            lambda: tf.identity(inputs))

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        return tf.TensorShape(input_shape)


def dropout(inputs, rate: float = 0.5, noise_shape=None, seed: Optional[int] = None,
            training: TrainingFlag = False, name: Optional[str] = None) -> tf.Tensor:
    """``tf.layers.dropout``: zero units with probability ``rate`` while training.

    Parameters
    ----------
    inputs : Tensor
    rate : float, default=0.5
        Fraction dropped, in ``[0, 1)``.
    noise_shape : sequence of int or None, optional
        Shape of the keep/drop mask (``None`` entries follow the input).
    seed : int, optional
        Op-level seed.
    training : bool or boolean Tensor, default=False
        ``False`` returns the input unchanged.
    name : str, optional
        Name scope (made unique, as in TF1).

    Returns
    -------
    Tensor of the input's shape.
    """
    layer = Dropout(rate, noise_shape=noise_shape, seed=seed, name=name)
    return layer.apply(inputs, training=training)


class Flatten(Layer):
    """Flatten all but the batch axis (TF1 ``tf.layers.Flatten``).

    With ``data_format='channels_first'`` the channel axis is moved last first,
    so the element order matches a ``channels_last`` model's.
    """

    def __init__(self, data_format: Optional[str] = None, name: Optional[str] = None,
                 **kwargs) -> None:
        self.data_format = normalize_data_format(data_format, "Flatten")
        super().__init__(name=name, **kwargs)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        rank = inputs.shape.rank
        if self.data_format == "channels_first" and rank is not None and rank > 2:
            inputs = tf.transpose(inputs, [0] + list(range(2, rank)) + [1])
        if rank == 1:
            return tf.expand_dims(inputs, 1)
        rest = inputs.shape[1:]
        if rest.is_fully_defined():
            outputs = tf.reshape(inputs, (-1, int(np.prod(rest.as_list()))))
        else:
            batch = tf.compat.dimension_value(inputs.shape[0])
            outputs = tf.reshape(inputs, (batch if batch is not None else tf.shape(inputs)[0], -1))
        if rank is not None:
            outputs.set_shape(self.compute_output_shape(inputs.shape))
        return outputs

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        dims = tf.TensorShape(input_shape).as_list()
        if len(dims) == 1:
            return tf.TensorShape([dims[0], 1])
        size = int(np.prod(dims[1:])) if all(d is not None for d in dims[1:]) else None
        return tf.TensorShape([dims[0], size])


def flatten(inputs, name: Optional[str] = None, data_format: str = "channels_last") -> tf.Tensor:
    """``tf.layers.flatten``: reshape to ``(batch, -1)`` keeping the batch axis.

    Parameters
    ----------
    inputs : Tensor
        Rank >= 1; a rank-1 input becomes ``(batch, 1)``.
    name : str, optional
        Name scope (made unique).
    data_format : {'channels_last', 'channels_first'}, default='channels_last'
        Layout of the input; ``channels_first`` inputs are flattened in
        channels-last order.

    Returns
    -------
    Tensor of shape ``(batch, prod(other dims))``.
    """
    return Flatten(name=name, data_format=data_format).apply(inputs)
