"""``batch_normalization`` (room: ``layers``; builds ops and ``UPDATE_OPS``).

``tf.layers.batch_normalization`` re-implemented on ``tf.compat.v1``: variables
``gamma``, ``beta``, ``moving_mean`` and ``moving_variance`` (the last two not
trainable) inside ``variable_scope(name, default_name='batch_normalization')``.
In training mode the batch moments normalize and two ``AssignMovingAvg`` ops
join ``GraphKeys.UPDATE_OPS``; in inference mode the moving moments are used.
When ``training`` is a tensor, TF1's trick is kept: the update's decay becomes
1.0 at inference, so running ``UPDATE_OPS`` then changes nothing.
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import tensorflow as tf

from .core import TrainingFlag, add_variable, smart_cond, static_bool

v1 = tf.compat.v1


def _normalize_axes(axis: Union[int, Sequence[int]], ndims: int) -> list[int]:
    axes = [axis] if isinstance(axis, int) else list(axis)
    normalized = sorted({a % ndims if -ndims <= a < ndims else None for a in axes} - {None})
    if len(normalized) != len(axes):
        raise ValueError(f"batch_normalization: invalid axis {axis!r} for inputs of rank {ndims}")
    return normalized


def batch_normalization(inputs, axis: Union[int, Sequence[int]] = -1, momentum: float = 0.99,
                        epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                        beta_initializer=v1.zeros_initializer(),
                        gamma_initializer=v1.ones_initializer(),
                        moving_mean_initializer=v1.zeros_initializer(),
                        moving_variance_initializer=v1.ones_initializer(),
                        beta_regularizer=None, gamma_regularizer=None,
                        beta_constraint=None, gamma_constraint=None,
                        training: TrainingFlag = False, trainable: bool = True,
                        name: Optional[str] = None, reuse=None, renorm: bool = False,
                        renorm_clipping=None, renorm_momentum: float = 0.99,
                        fused=None, virtual_batch_size=None, adjustment=None):
    """Batch normalization layer with TF1's signature and variable names.

    Parameters
    ----------
    inputs : Tensor
        Input with a known rank and known sizes along ``axis``.
    axis : int or list of int, default=-1
        The feature axis (or axes) that keep their own statistics.
    momentum : float, default=0.99
        Decay of the moving averages.
    epsilon : float, default=1e-3
        Added to the variance for numerical stability.
    center, scale : bool, default=True
        Learn an offset ``beta`` / a scale ``gamma``.
    training : bool or boolean Tensor, default=False
        Normalize with the batch moments (and update the moving ones) or with
        the moving moments.
    trainable : bool, default=True
        Whether ``beta`` and ``gamma`` are trainable.
    name, reuse :
        Variable scope name and reuse flag, as for :func:`dense`.
    fused : ignored
        Accepted for compatibility; the computation is always the plain one.
    renorm, renorm_clipping, renorm_momentum, virtual_batch_size, adjustment :
        Batch renormalization and ghost batches are not supported; setting them
        raises ``NotImplementedError``.

    Returns
    -------
    Tensor of the same shape as ``inputs``.
    """
    if renorm or renorm_clipping is not None or virtual_batch_size is not None \
            or adjustment is not None:
        raise NotImplementedError(
            "batch_normalization: renorm, virtual_batch_size and adjustment are not supported")
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"batch_normalization: momentum must be in [0, 1], got {momentum!r}")
    inputs = tf.convert_to_tensor(inputs)
    ndims = inputs.shape.rank
    if ndims is None:
        raise ValueError("batch_normalization: the rank of the inputs must be known")
    axes = _normalize_axes(axis, ndims)
    param_shape = [inputs.shape[a] for a in axes]
    if any(d is None for d in param_shape):
        raise ValueError(f"batch_normalization: inputs dimension(s) {axes} must be known, "
                         f"got shape {inputs.shape}")
    param_shape = [int(d) for d in param_shape]
    reduction_axes = [a for a in range(ndims) if a not in axes]
    broadcast_shape = [1] * ndims
    for a, size in zip(axes, param_shape):
        broadcast_shape[a] = size
    needs_reshape = axes != [ndims - 1]
    dtype = inputs.dtype.base_dtype

    with v1.variable_scope(name, default_name="batch_normalization", reuse=reuse):
        gamma = add_variable("gamma", param_shape, dtype, gamma_initializer, gamma_regularizer,
                             trainable, gamma_constraint) if scale else None
        beta = add_variable("beta", param_shape, dtype, beta_initializer, beta_regularizer,
                            trainable, beta_constraint) if center else None
        moving_mean = add_variable("moving_mean", param_shape, dtype, moving_mean_initializer,
                                   trainable=False)
        moving_variance = add_variable("moving_variance", param_shape, dtype,
                                       moving_variance_initializer, trainable=False)

        def broadcast(t):
            return tf.reshape(t, broadcast_shape) if (t is not None and needs_reshape) else t

        def batch_moments():
            return tf.nn.moments(inputs, reduction_axes, keepdims=False)

        def moving_moments():
            return tf.identity(moving_mean), tf.identity(moving_variance)

        if static_bool(training) is False:  # pure inference: no update ops, as in TF1
            mean, variance = moving_moments()
        else:
            mean, variance = smart_cond(training, batch_moments, moving_moments)
            decay = smart_cond(training, lambda: tf.constant(momentum, dtype),
                               lambda: tf.constant(1.0, dtype))
            for suffix, moving, value in (("", moving_mean, mean), ("_1", moving_variance, variance)):
                update = v1.assign_sub(moving, (moving - value) * (1.0 - decay),
                                       name="AssignMovingAvg" + suffix)
                v1.add_to_collection(v1.GraphKeys.UPDATE_OPS, update)

        outputs = tf.nn.batch_normalization(
            inputs, broadcast(mean), broadcast(variance), broadcast(beta), broadcast(gamma),
            epsilon)
    return outputs
