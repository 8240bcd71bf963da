"""Contrib ``batch_norm``: TF1's defaults, variable names, update ops and fused kernel.

An adapter over :class:`tfgraph_dnn.layers.BatchNormalization` (the one
batch-norm implementation).  Defaults differ from
``tf.layers.batch_normalization``: ``decay=0.999``, ``scale=False`` (no
``gamma``), ``is_training=True``, scope ``BatchNorm``.  Variables ``beta``
(+ ``gamma``), ``moving_mean``, ``moving_variance`` are model variables, made
in that order.  While training, two ``AssignMovingAvg`` ops go to
``updates_collections`` (``UPDATE_OPS`` by default, whatever ``trainable``);
``updates_collections=None`` runs them in place, before the output is
returned.  With a tensor ``is_training`` the updates' decay becomes 1 at
inference, so they change nothing.

As in TF1 (``fused=None`` means fused), 2-D and 4-D float inputs use the fused
kernel (2-D ones seen as ``[N, 1, 1, C]``): it normalizes with the biased batch
variance but hands the unbiased (Bessel-corrected) one to the
``moving_variance`` update, and clamps ``epsilon`` to at least 1.001e-5; the
non-fused path (``fused=False``, other ranks, ``batch_weights``) uses the
biased one for both.  ``zero_debias_moving_mean`` adds TF1's
``<scope>/<moving_mean>/biased`` and ``local_step`` variables.
"""
from __future__ import annotations

from typing import Callable, Optional

import tensorflow as tf

from ...layers.base import smart_cond
from ...layers.normalization import BatchNormalization
from ..framework.arg_scope import add_arg_scope
from .core import DATA_FORMAT_NCHW, DATA_FORMAT_NHWC, check_data_format
from .utils import apply_layer, collect_named_outputs, layer_variable

v1 = tf.compat.v1

__all__ = ["batch_norm"]

_FUSED_DTYPES = (tf.float16, tf.bfloat16, tf.float32)


class _ContribBatchNorm(BatchNormalization):
    """``BatchNormalization`` with contrib's extras: weighted moments, zero-debiased mean,
    update collections (or in-place updates) and contrib's parameter order and dtypes."""

    _param_order = ("beta", "gamma")

    def __init__(self, updates_collections, zero_debias_moving_mean: bool, batch_weights,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self._updates_collections = updates_collections
        self._zero_debias = zero_debias_moving_mean
        self._batch_weights = batch_weights

    @property
    def _param_dtype(self):
        # The fused kernel wants float32 parameters; contrib's plain path the input's dtype.
        return tf.float32 if self.fused else (self.dtype or tf.float32)

    def _moments(self, inputs, reduction_axes, keepdims: bool):
        if self._batch_weights is None:
            return super()._moments(inputs, reduction_axes, keepdims)
        weights = tf.reshape(tf.convert_to_tensor(self._batch_weights),
                             [-1] + [1] * (inputs.shape.rank - 1))
        return tf.nn.weighted_moments(inputs, reduction_axes, weights, keepdims=keepdims)

    def _assign_moving_average(self, variable, value, momentum, training):
        if self._zero_debias and variable is self.moving_mean:
            return self._zero_debias_update(variable, value, momentum, training)
        return super()._assign_moving_average(variable, value, momentum, training)

    def _zero_debias_update(self, moving, value, momentum, training):
        """TF1's zero-debiased moving average of ``value`` into ``moving``."""
        dtype = moving.dtype.base_dtype

        def make(name, shape):
            # TF1 made these model variables only on the non-fused (custom getter) path.
            if not self.fused:
                return layer_variable(name, shape, dtype, v1.zeros_initializer(), None, False,
                                      None, name)
            return v1.get_variable(name, shape, dtype, v1.zeros_initializer(), trainable=False,
                                   use_resource=bool(v1.get_variable_scope().use_resource))

        with v1.variable_scope(moving.op.name):
            biased = make("biased", moving.shape.as_list())
            local_step = make("local_step", [])
        decay = tf.cast(momentum, dtype)
        step = smart_cond(training, lambda: tf.constant(1.0, dtype),
                          lambda: tf.constant(0.0, dtype))
        with v1.name_scope(None, "AssignMovingAvg", [moving, value]) as scope:
            new_biased = v1.assign_sub(biased, (biased - tf.cast(value, dtype)) * (1.0 - decay))
            new_step = v1.assign_add(local_step, step)
            debiased = new_biased / (1.0 - tf.pow(decay, new_step))
            # Inference with a tensor is_training: keep the moving mean as it is.
            return v1.assign(moving, tf.where(step > 0.0, debiased, tf.identity(moving)),
                             name=scope)

    def call(self, inputs, training=False):
        before = len(self._updates)
        outputs = super().call(inputs, training)
        if self._updates_collections is None and len(self._updates) > before:
            with tf.control_dependencies(self._updates[before:]):
                outputs = tf.identity(outputs)
        return outputs

    def _publish_updates(self) -> None:
        if self._updates_collections is not None:
            for update in self._updates:
                v1.add_to_collections(self._updates_collections, update)


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
    axis = 1 if data_format == DATA_FORMAT_NCHW else rank - 1
    if inputs.shape.as_list()[axis] is None:
        raise ValueError(f"batch_norm: inputs {inputs.name} has undefined channels dimension "
                         f"(shape {inputs.shape})")
    initializers = dict(param_initializers or {})
    regularizers = dict(param_regularizers or {})
    defaults = {"beta": v1.zeros_initializer(), "gamma": v1.ones_initializer(),
                "moving_mean": v1.zeros_initializer(), "moving_variance": v1.ones_initializer()}
    with v1.variable_scope(scope, "BatchNorm", [inputs], reuse=reuse) as sc:
        arguments = dict(
            axis=-1 if rank == 2 else axis, momentum=decay, epsilon=epsilon, center=center,
            scale=scale, beta_regularizer=regularizers.get("beta"),
            gamma_regularizer=regularizers.get("gamma"), fused=use_fused, trainable=trainable,
            reuse=reuse, variables_collections=variables_collections,
            call_kwargs={"training": is_training},
            **{f"{name}_initializer": initializers.get(name, default)
               for name, default in defaults.items()})
        flat = use_fused and rank == 2  # the fused kernel sees [N, 1, 1, C], as in TF1
        layer_inputs = tf.reshape(inputs, [-1, 1, 1, inputs.shape[-1]]) if flat else inputs
        outputs = apply_layer(_ContribBatchNorm, layer_inputs, sc, updates_collections,
                              zero_debias_moving_mean, batch_weights, **arguments)
        if flat:
            outputs = tf.reshape(outputs, tf.shape(inputs))
            outputs.set_shape(inputs.shape)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return collect_named_outputs(outputs_collections, sc.name, outputs)
