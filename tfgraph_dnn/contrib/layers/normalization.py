"""Contrib ``layer_norm``, ``instance_norm`` and ``group_norm`` (no moving statistics).

TF1 contrib conventions: variables ``beta``/``gamma`` are model variables in
the scopes ``LayerNorm``, ``InstanceNorm`` and ``GroupNorm``; ``layer_norm``
normalizes over axes ``begin_norm_axis:`` with ``epsilon = 1e-12`` (1e-3 for
float16) and learns parameters of shape ``inputs.shape[begin_params_axis:]``;
``instance_norm`` and ``group_norm`` use ``epsilon=1e-6``.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import tensorflow as tf

from ..framework.arg_scope import add_arg_scope
from .core import DATA_FORMAT_NCHW, DATA_FORMAT_NHWC, check_data_format
from .utils import collect_named_outputs, layer_variable

v1 = tf.compat.v1

__all__ = ["group_norm", "instance_norm", "layer_norm"]


def _params(shape, dtype, center: bool, scale: bool, param_initializers, trainable: bool,
            variables_collections):
    """``(beta, gamma)``, each ``None`` when not requested."""
    inits = param_initializers or {}
    beta = layer_variable("beta", shape, dtype, inits.get("beta", v1.zeros_initializer()),
                          None, trainable, variables_collections, "beta") if center else None
    gamma = layer_variable("gamma", shape, dtype, inits.get("gamma", v1.ones_initializer()),
                           None, trainable, variables_collections, "gamma") if scale else None
    return beta, gamma


@add_arg_scope
def layer_norm(inputs, center: bool = True, scale: bool = True,
               activation_fn: Optional[Callable] = None, reuse=None,
               variables_collections=None, outputs_collections=None, trainable: bool = True,
               begin_norm_axis: int = 1, begin_params_axis: int = -1, scope=None):
    """Layer normalization (Ba, Kiros & Hinton, 2016), TF1 contrib's version.

    Parameters
    ----------
    inputs : Tensor
        Known rank R; ``inputs.shape[begin_params_axis:]`` fully defined.
    center, scale : bool, default=True
        Learn ``beta`` / ``gamma`` of shape ``inputs.shape[begin_params_axis:]``.
    activation_fn : callable, optional
    reuse, variables_collections, outputs_collections, trainable, scope :
        As for :func:`fully_connected`; default scope ``LayerNorm``.
    begin_norm_axis : int, default=1
        Moments are taken over axes ``begin_norm_axis .. R - 1``.
    begin_params_axis : int, default=-1
        First axis of the parameters' shape.

    Returns
    -------
    Tensor shaped like ``inputs``.

    Raises
    ------
    ValueError
        If the rank is unknown, an axis is out of range, or the parameters'
        shape is not fully defined.
    """
    with v1.variable_scope(scope, "LayerNorm", [inputs], reuse=reuse) as sc:
        inputs = tf.convert_to_tensor(inputs)
        rank = inputs.shape.rank
        if rank is None:
            raise ValueError(f"layer_norm: inputs {inputs.name} has undefined rank")
        if begin_norm_axis < 0:
            begin_norm_axis += rank
        if begin_params_axis >= rank or not 0 <= begin_norm_axis < rank:
            raise ValueError(f"layer_norm: begin_params_axis ({begin_params_axis}) and "
                             f"begin_norm_axis ({begin_norm_axis}) must be < rank(inputs) "
                             f"({rank})")
        params_shape = inputs.shape[begin_params_axis:]
        if not params_shape.is_fully_defined():
            raise ValueError(f"layer_norm: inputs.shape[{begin_params_axis}:] must be fully "
                             f"defined, got shape {inputs.shape}")
        dtype = inputs.dtype.base_dtype
        beta, gamma = _params(params_shape.as_list(), dtype, center, scale, None, trainable,
                              variables_collections)
        mean, variance = tf.nn.moments(inputs, list(range(begin_norm_axis, rank)),
                                       keepdims=True)
        epsilon = 1e-3 if dtype == tf.float16 else 1e-12
        outputs = tf.nn.batch_normalization(inputs, mean, variance, offset=beta, scale=gamma,
                                            variance_epsilon=epsilon)
        outputs.set_shape(inputs.shape)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return collect_named_outputs(outputs_collections, sc.name, outputs)


@add_arg_scope
def instance_norm(inputs, center: bool = True, scale: bool = True, epsilon: float = 1e-6,
                  activation_fn: Optional[Callable] = None, param_initializers=None,
                  reuse=None, variables_collections=None, outputs_collections=None,
                  trainable: bool = True, data_format: str = DATA_FORMAT_NHWC, scope=None):
    """Instance normalization (Ulyanov et al., 2016): per example and per channel.

    Moments are taken over all axes but the batch and channel axes.  Other
    parameters as for :func:`batch_norm`; default scope ``InstanceNorm``.

    Raises
    ------
    ValueError
        For a bad ``data_format``, an unknown rank or channel dimension.
    """
    inputs = tf.convert_to_tensor(inputs)
    rank = inputs.shape.rank
    if rank is None:
        raise ValueError(f"instance_norm: inputs {inputs.name} has undefined rank")
    check_data_format(data_format)
    with v1.variable_scope(scope, "InstanceNorm", [inputs], reuse=reuse) as sc:
        axis = 1 if data_format == DATA_FORMAT_NCHW else rank - 1
        channels = inputs.shape.as_list()[axis]
        if channels is None:
            raise ValueError(f"instance_norm: inputs {inputs.name} has undefined channels "
                             f"dimension (shape {inputs.shape})")
        beta, gamma = _params([channels], inputs.dtype.base_dtype, center, scale,
                              param_initializers, trainable, variables_collections)
        broadcast = [1] * rank
        broadcast[axis] = channels
        beta = None if beta is None else tf.reshape(beta, broadcast)
        gamma = None if gamma is None else tf.reshape(gamma, broadcast)
        moments_axes = [a for a in range(1, rank) if a != axis]
        mean, variance = tf.nn.moments(inputs, moments_axes, keepdims=True)
        outputs = tf.nn.batch_normalization(inputs, mean, variance, beta, gamma, epsilon,
                                            name="instancenorm")
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return collect_named_outputs(outputs_collections, sc.name, outputs)


@add_arg_scope
def group_norm(inputs, groups: int = 32, channels_axis: int = -1,
               reduction_axes: Sequence[int] = (-3, -2), center: bool = True,
               scale: bool = True, epsilon: float = 1e-6,
               activation_fn: Optional[Callable] = None, param_initializers=None,
               reuse=None, variables_collections=None, outputs_collections=None,
               trainable: bool = True, scope=None):
    """Group normalization (Wu & He, 2018): moments per example over channel groups.

    ``channels_axis`` is split into ``groups``; statistics are taken over the
    group and ``reduction_axes``.  Default scope ``GroupNorm``.

    Raises
    ------
    ValueError
        If the rank or a needed dimension is unknown, an axis is out of range
        or overlaps ``channels_axis``, or ``groups`` does not divide the channels.
    """
    inputs = tf.convert_to_tensor(inputs)
    rank = inputs.shape.rank
    if rank is None:
        raise ValueError(f"group_norm: inputs {inputs.name} has undefined rank")
    if not -rank <= channels_axis < rank:
        raise ValueError(f"group_norm: channels_axis {channels_axis} is out of bounds for "
                         f"rank {rank}")
    channels_axis %= rank
    dims = inputs.shape.as_list()
    channels = dims[channels_axis]
    if channels is None:
        raise ValueError(f"group_norm: inputs {inputs.name} has undefined channel "
                         f"dimension {channels_axis}")
    axes = []
    for a in reduction_axes:
        if not -rank <= a < rank:
            raise ValueError(f"group_norm: reduction axis {a} is out of bounds")
        a %= rank
        if dims[a] is None:
            raise ValueError(f"group_norm: inputs {inputs.name} has undefined dimension {a}")
        if a == channels_axis:
            raise ValueError("group_norm: reduction_axes must be mutually exclusive with "
                             "channels_axis")
        axes.append(a)
    if groups > channels or channels % groups:
        raise ValueError(f"group_norm: {channels} channels is not commensurate with "
                         f"{groups} groups")
    dynamic = tf.shape(inputs)
    grouped_shape = ([dynamic[i] for i in range(channels_axis)] +
                     [groups, channels // groups] +
                     [dynamic[i] for i in range(channels_axis + 1, rank)])
    grouped = tf.reshape(inputs, grouped_shape)
    moments_axes = [channels_axis + 1] + [a + 1 if a > channels_axis else a for a in axes]
    broadcast = [1] * channels_axis + [groups, channels // groups] + \
        [1] * (rank - channels_axis - 1)
    with v1.variable_scope(scope, "GroupNorm", [inputs], reuse=reuse) as sc:
        beta, gamma = _params([channels], inputs.dtype.base_dtype, center, scale,
                              param_initializers, trainable, variables_collections)
        mean, variance = tf.nn.moments(grouped, moments_axes, keepdims=True)
        gain = tf.math.rsqrt(variance + epsilon)
        offset = -mean * gain
        if gamma is not None:
            gamma = tf.reshape(gamma, broadcast)
            gain, offset = gain * gamma, offset * gamma
        if beta is not None:
            offset += tf.reshape(beta, broadcast)
        outputs = tf.reshape(grouped * gain + offset, dynamic)
        outputs.set_shape(inputs.shape)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return collect_named_outputs(outputs_collections, sc.name, outputs)
