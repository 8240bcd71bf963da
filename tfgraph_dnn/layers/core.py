"""``dense``, ``dropout`` and ``alpha_dropout`` (room: ``layers``; tensor -> tensor).

Drop-in replacements for TF1's ``layers.dense`` / ``layers.dropout``, which
raise under Keras 3.  Signatures, variable names and op names follow TF1:

* variables are created with ``tf.compat.v1.get_variable`` inside
  ``variable_scope(name, default_name='dense')``, so they follow the *variable*
  scope only (``hidden1/kernel`` even under ``tf.name_scope('dnn')``) while the
  ops follow the name scope (``dnn/hidden1/MatMul``); unnamed layers become
  ``dense``, ``dense_1``, ... exactly as in TF1;
* variables are reference variables, as TF1 made them, unless an enclosing
  ``variable_scope(..., use_resource=True)`` asks for resource variables;
* a ``kernel_regularizer``'s loss goes to ``GraphKeys.REGULARIZATION_LOSSES``.
"""
from __future__ import annotations

import math
import numbers
from typing import Callable, Optional, Union

import tensorflow as tf

from .activations import get_activation

v1 = tf.compat.v1

TrainingFlag = Union[bool, tf.Tensor]


def static_bool(pred: TrainingFlag) -> Optional[bool]:
    """The value of a Python bool or constant boolean tensor, ``None`` if only known at run time."""
    static = pred if isinstance(pred, bool) else tf.get_static_value(pred)
    return None if static is None else bool(static)


def smart_cond(pred: TrainingFlag, true_fn: Callable, false_fn: Callable):
    """``tf.cond`` that resolves at graph-construction time when it can."""
    static = static_bool(pred)
    if static is None:
        return tf.cond(pred, true_fn, false_fn)
    return true_fn() if static else false_fn()


def resolve_use_resource() -> bool:
    """TF1 default (reference variables) unless the variable scope says otherwise."""
    use_resource = v1.get_variable_scope().use_resource
    return bool(use_resource) if use_resource is not None else False


def add_variable(name: str, shape, dtype, initializer=None, regularizer=None,
                 trainable: bool = True, constraint=None) -> tf.Variable:
    """``get_variable`` in the current variable scope, regularized once as TF1 layers did.

    TF 2.x's ``get_variable(regularizer=...)`` re-evaluates the regularizer lazily
    (several times), so it is applied here, once, and its loss (if any) joins
    ``REGULARIZATION_LOSSES``.  ``initializer=None`` defers to the variable
    scope's initializer, then to Glorot uniform, like TF1.
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


def dense(inputs, units: int, activation: Optional[Callable] = None, use_bias: bool = True,
          kernel_initializer=None, bias_initializer=v1.zeros_initializer(),
          kernel_regularizer: Optional[Callable] = None,
          bias_regularizer: Optional[Callable] = None,
          activity_regularizer: Optional[Callable] = None,
          kernel_constraint: Optional[Callable] = None,
          bias_constraint: Optional[Callable] = None,
          trainable: bool = True, name: Optional[str] = None, reuse=None):
    """Densely-connected layer, ``tf.layers.dense`` re-implemented.

    Parameters
    ----------
    inputs : Tensor
        Input of rank >= 2 with a known last dimension.
    units : int
        Number of output units.
    activation : callable or str, optional
        Applied to the output; ``None`` keeps it linear.
    kernel_initializer : callable, optional
        Defaults to Glorot uniform, as in TF1.
    kernel_regularizer, bias_regularizer : callable, optional
        Functions of the variable returning a scalar loss (or ``None``).
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
    if not isinstance(units, numbers.Integral) or isinstance(units, bool) or units <= 0:
        raise ValueError(f"dense: units must be a positive integer, got {units!r}")
    units = int(units)
    activation = get_activation(activation)
    inputs = tf.convert_to_tensor(inputs)
    if inputs.shape.rank is not None and inputs.shape.rank < 2:
        raise ValueError(f"dense: inputs must have rank >= 2, got shape {inputs.shape}")
    n_in = inputs.shape[-1]
    if n_in is None:
        raise ValueError("dense: the last dimension of the inputs must be known")
    dtype = inputs.dtype.base_dtype if inputs.dtype.is_floating else tf.float32
    with v1.variable_scope(name, default_name="dense", reuse=reuse):
        kernel = add_variable("kernel", (int(n_in), units), dtype, kernel_initializer,
                              kernel_regularizer, trainable, kernel_constraint)
        bias = None
        if use_bias:
            bias = add_variable("bias", (units,), dtype, bias_initializer, bias_regularizer,
                                trainable, bias_constraint)
        inputs = tf.cast(inputs, dtype)
        if inputs.shape.rank == 2:
            outputs = tf.matmul(inputs, kernel)
        else:
            outputs = tf.tensordot(inputs, kernel, [[inputs.shape.rank - 1], [0]])
        if bias is not None:
            outputs = tf.nn.bias_add(outputs, bias)
        if activation is not None:
            outputs = activation(outputs)
        if activity_regularizer is not None:
            with v1.name_scope("ActivityRegularizer"):
                penalty = activity_regularizer(outputs)
            if penalty is not None:
                v1.add_to_collection(v1.GraphKeys.REGULARIZATION_LOSSES, penalty)
    return outputs


def _check_rate(rate: float, what: str) -> float:
    if not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"{what}: rate must be in [0, 1), got {rate!r}")
    return float(rate)


def dropout(inputs, rate: float = 0.5, noise_shape=None, seed: Optional[int] = None,
            training: TrainingFlag = False, name: Optional[str] = None):
    """``tf.layers.dropout``: zero units with probability ``rate`` while training.

    Kept units are scaled by ``1 / (1 - rate)`` so nothing changes at inference.
    ``training`` may be a Python bool or a boolean tensor.
    """
    rate = _check_rate(rate, "dropout")
    with v1.name_scope(name, "dropout", [inputs]):
        inputs = tf.convert_to_tensor(inputs)
        if rate == 0.0:
            return tf.identity(inputs)
        return smart_cond(
            training,
            lambda: tf.nn.dropout(inputs, rate=rate, noise_shape=noise_shape, seed=seed),
            lambda: tf.identity(inputs),
        )


# Fixed point of SELU: dropped units are set to its negative saturation value.
_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805
_ALPHA_PRIME = -_SELU_SCALE * _SELU_ALPHA


def alpha_dropout(inputs, rate: float = 0.5, noise_shape=None, seed: Optional[int] = None,
                  training: TrainingFlag = False, name: Optional[str] = None):
    """Alpha dropout for self-normalizing (SELU) nets.

    Dropped units take SELU's saturation value and an affine correction keeps
    the mean and variance of the activations, so self-normalization survives.
    """
    rate = _check_rate(rate, "alpha_dropout")
    with v1.name_scope(name, "alpha_dropout", [inputs]):
        inputs = tf.convert_to_tensor(inputs)
        if rate == 0.0:
            return tf.identity(inputs)
        keep_prob = 1.0 - rate
        a = 1.0 / math.sqrt(keep_prob * (1.0 + rate * _ALPHA_PRIME ** 2))
        b = -a * _ALPHA_PRIME * rate

        def dropped():
            shape = noise_shape if noise_shape is not None else tf.shape(inputs)
            keep = tf.random.uniform(shape, seed=seed, dtype=inputs.dtype) >= rate
            keep = tf.cast(keep, inputs.dtype)
            return a * (inputs * keep + _ALPHA_PRIME * (1.0 - keep)) + b

        return smart_cond(training, dropped, lambda: tf.identity(inputs))
