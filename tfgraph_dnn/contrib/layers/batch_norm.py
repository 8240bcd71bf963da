"""Contrib ``batch_norm``: TF1's defaults, variable names, update ops and fused kernel.

Defaults differ from ``tf.layers.batch_normalization``: ``decay=0.999``,
``scale=False`` (no ``gamma``), ``is_training=True``, scope ``BatchNorm``.
Variables ``beta`` (+ ``gamma``), ``moving_mean``, ``moving_variance`` are
model variables.  While training, two ``AssignMovingAvg`` ops go to
``updates_collections`` (``UPDATE_OPS`` by default); ``updates_collections=None``
runs them in place, before the output is returned.  With a tensor
``is_training`` the updates' decay becomes 1 at inference, so they change nothing.

As in TF1 (``fused=None`` means fused), 2-D and 4-D float inputs use the fused
kernel: it normalizes with the biased batch variance but hands the unbiased
(Bessel-corrected) one to the ``moving_variance`` update; the non-fused path
(``fused=False``, other ranks, ``batch_weights``) uses the biased one for both.
``zero_debias_moving_mean`` adds TF1's ``<scope>/<moving_mean>/biased`` and
``local_step`` variables.
"""
from __future__ import annotations

from typing import Callable, Optional

import tensorflow as tf

from ..framework.arg_scope import add_arg_scope
from ..framework.variables import resolve_use_resource
from .convolutional import to_channels_first, to_channels_last
from .core import DATA_FORMAT_NCHW, DATA_FORMAT_NHWC, check_data_format
from .utils import collect_named_outputs, constant_value, layer_variable, smart_cond

v1 = tf.compat.v1

__all__ = ["batch_norm"]

_FUSED_DTYPES = (tf.float16, tf.bfloat16, tf.float32)


def _gated_decay(decay, is_training, dtype):
    """``decay`` while training, 1.0 (no change) when a tensor ``is_training`` is false."""
    return smart_cond(is_training, lambda: tf.cast(decay, dtype), lambda: tf.constant(1.0, dtype))


def _zero_debias_update(moving, value, decay, is_training, model_vars: bool):
    """TF1's zero-debiased moving average of ``value`` into ``moving``."""
    dtype = moving.dtype.base_dtype

    def make(name, shape):
        # TF1 made these model variables only on the non-fused (custom getter) path.
        if model_vars:
            return layer_variable(name, shape, dtype, v1.zeros_initializer(), None, False, None,
                                  name)
        return v1.get_variable(name, shape, dtype, v1.zeros_initializer(), trainable=False,
                               use_resource=resolve_use_resource(None))

    with v1.variable_scope(moving.op.name):
        biased = make("biased", moving.shape.as_list())
        local_step = make("local_step", [])
    decay_t = _gated_decay(decay, is_training, dtype)
    step = smart_cond(is_training, lambda: tf.constant(1.0, dtype),
                      lambda: tf.constant(0.0, dtype))
    with v1.name_scope(None, "AssignMovingAvg", [moving, value]) as scope:
        new_biased = v1.assign_sub(biased, (biased - value) * (1.0 - decay_t))
        new_step = v1.assign_add(local_step, step)
        debiased = new_biased / (1.0 - tf.pow(decay_t, new_step))
        # Inference with a tensor is_training: keep the moving mean as it is.
        return v1.assign(moving, tf.where(step > 0.0, debiased, tf.identity(moving)),
                         name=scope)


def _moving_average_update(moving, value, decay, is_training, zero_debias=False,
                           model_vars=False):
    """``moving -= (moving - value) * (1 - decay)``, in a name scope ``AssignMovingAvg``."""
    if zero_debias:
        return _zero_debias_update(moving, value, decay, is_training, model_vars)
    dtype = moving.dtype.base_dtype
    decay_t = _gated_decay(decay, is_training, dtype)
    with v1.name_scope(None, "AssignMovingAvg", [moving, value]) as scope:
        return v1.assign_sub(moving, (moving - tf.cast(value, dtype)) * (1.0 - decay_t),
                             name=scope)


def _fused_forward(inputs, gamma, beta, moving_mean, moving_variance, epsilon, is_training,
                   channels_first: bool):
    """``(outputs, batch mean, unbiased batch variance)`` with the fused kernel."""
    original_shape = tf.shape(inputs)
    rank = inputs.shape.rank
    if rank == 2:
        x = tf.reshape(inputs, [-1, 1, 1, inputs.shape.as_list()[-1]])
    else:
        x = to_channels_last(inputs, channels_first)

    def training():
        return v1.nn.fused_batch_norm(x, gamma, beta, epsilon=epsilon, is_training=True)

    def inference():
        return v1.nn.fused_batch_norm(x, gamma, beta, mean=tf.identity(moving_mean),
                                      variance=tf.identity(moving_variance), epsilon=epsilon,
                                      is_training=False)

    outputs, mean, variance = smart_cond(is_training, training, inference)
    if rank == 2:
        outputs = tf.reshape(outputs, original_shape)
    else:
        outputs = to_channels_first(outputs, channels_first)
    outputs.set_shape(inputs.shape)
    return outputs, mean, variance


@add_arg_scope
def batch_norm(inputs, decay=0.999, center: bool = True, scale: bool = False,
               epsilon: float = 0.001, activation_fn: Optional[Callable] = None,
               param_initializers=None, param_regularizers=None,
               updates_collections=v1.GraphKeys.UPDATE_OPS, is_training=True, reuse=None,
               variables_collections=None, outputs_collections=None, trainable: bool = True,
               batch_weights=None, fused: Optional[bool] = None,
               data_format: str = DATA_FORMAT_NHWC, zero_debias_moving_mean: bool = False,
               scope=None, renorm: bool = False, renorm_clipping=None,
               renorm_decay: float = 0.99, adjustment=None):
    """Batch normalization (Ioffe & Szegedy, 2015), TF1 contrib's version.

    Parameters
    ----------
    inputs : Tensor
        Rank >= 2, known rank and channels; normalized over all axes but the
        channel axis (last for ``'NHWC'``, 1 for ``'NCHW'``).
    decay : float, default=0.999
        Decay of the moving averages.
    center, scale : bool, default True, False
        Learn an offset ``beta`` / a scale ``gamma``.
    epsilon : float, default=0.001
        Added to the variance.
    activation_fn : callable, optional
        Applied to the output.
    param_initializers, param_regularizers : dict, optional
        Initializers for ``'beta'``, ``'gamma'``, ``'moving_mean'``,
        ``'moving_variance'``; regularizers for ``'beta'``, ``'gamma'``.
    updates_collections : str, list or None, default=UPDATE_OPS
        Where the moving-average update ops go; ``None`` runs them in place.
    is_training : bool or boolean Tensor, default=True
        Batch statistics (and updates) or moving statistics.
    reuse, variables_collections, outputs_collections, trainable, scope :
        As for :func:`fully_connected`; default scope ``BatchNorm``.
    batch_weights : Tensor, optional
        ``[batch]`` weights for weighted moments (non-fused path).
    fused : bool, optional
        ``None``/``True``: fused kernel for 2-D/4-D float inputs.
    data_format : {'NHWC', 'NCHW'}
    zero_debias_moving_mean : bool, default=False
        Zero-debias the moving mean.
    renorm, renorm_clipping, renorm_decay, adjustment :
        Batch renormalization and adjustments are not supported.

    Returns
    -------
    Tensor shaped like ``inputs``.

    Raises
    ------
    ValueError
        For a bad ``data_format``, an unknown rank or channel dimension.
    NotImplementedError
        If ``renorm`` or ``adjustment`` is used.
    """
    if renorm or adjustment is not None:
        raise NotImplementedError("batch_norm: renorm and adjustment are not supported")
    check_data_format(data_format)
    inputs = tf.convert_to_tensor(inputs)
    rank = inputs.shape.rank
    if rank is None:
        raise ValueError(f"batch_norm: inputs {inputs.name} has undefined rank")
    if rank < 2:
        raise ValueError(f"batch_norm: inputs must have rank >= 2, got shape {inputs.shape}")
    use_fused = (fused is None or bool(fused)) and batch_weights is None and rank in (2, 4) \
        and inputs.dtype.base_dtype in _FUSED_DTYPES
    channels_first = data_format == DATA_FORMAT_NCHW
    axis = 1 if channels_first else rank - 1
    channels = inputs.shape.as_list()[axis]
    if channels is None:
        raise ValueError(f"batch_norm: inputs {inputs.name} has undefined channels dimension "
                         f"(shape {inputs.shape})")
    param_initializers = param_initializers or {}
    param_regularizers = param_regularizers or {}
    dtype = tf.float32 if use_fused else inputs.dtype.base_dtype

    with v1.variable_scope(scope, "BatchNorm", [inputs], reuse=reuse) as sc:
        def param(name, default_init, trainable_=trainable, regularizer=None):
            return layer_variable(name, [channels], dtype,
                                  param_initializers.get(name, default_init), regularizer,
                                  trainable_, variables_collections, name)

        beta = param("beta", v1.zeros_initializer(),
                     regularizer=param_regularizers.get("beta")) if center else None
        gamma = param("gamma", v1.ones_initializer(),
                      regularizer=param_regularizers.get("gamma")) if scale else None
        moving_mean = param("moving_mean", v1.zeros_initializer(), trainable_=False)
        moving_variance = param("moving_variance", v1.ones_initializer(), trainable_=False)

        training_value = constant_value(is_training)
        need_updates = training_value is None or bool(training_value)
        if use_fused:
            outputs, mean, variance = _fused_forward(
                inputs, gamma if gamma is not None else tf.ones([channels], dtype),
                beta if beta is not None else tf.zeros([channels], dtype),
                moving_mean, moving_variance, epsilon, is_training, channels_first)
        else:
            reduction = [a for a in range(rank) if a != axis]
            if need_updates:
                if batch_weights is None:
                    mean, variance = tf.nn.moments(inputs, reduction)
                else:
                    weights = tf.reshape(tf.convert_to_tensor(batch_weights),
                                         [-1] + [1] * (rank - 1))
                    mean, variance = tf.nn.weighted_moments(inputs, reduction, weights)
                used_mean, used_variance = smart_cond(
                    is_training, lambda: (tf.identity(mean), tf.identity(variance)),
                    lambda: (tf.identity(moving_mean), tf.identity(moving_variance)))
            else:
                used_mean, used_variance = moving_mean, moving_variance
            broadcast = [1] * rank
            broadcast[axis] = channels

            def shaped(t):
                return None if t is None else tf.reshape(t, broadcast)

            outputs = tf.nn.batch_normalization(
                inputs, shaped(used_mean), shaped(used_variance), shaped(beta), shaped(gamma),
                epsilon)
            outputs.set_shape(inputs.shape)

        if need_updates:
            updates = [
                _moving_average_update(moving_mean, mean, decay, is_training,
                                       zero_debias_moving_mean, model_vars=not use_fused),
                _moving_average_update(moving_variance, variance, decay, is_training),
            ]
            if updates_collections is None:
                with tf.control_dependencies(updates):
                    outputs = tf.identity(outputs)
            else:
                for update in updates:
                    v1.add_to_collections(updates_collections, update)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return collect_named_outputs(outputs_collections, sc.name, outputs)
