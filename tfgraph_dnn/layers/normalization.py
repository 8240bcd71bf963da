"""``BatchNormalization`` / ``batch_normalization`` with TF1's statistics (room: ``layers``).

``tf.layers.BatchNormalization`` re-implemented on ``tf.compat.v1``: variables
``gamma``, ``beta``, ``moving_mean`` and ``moving_variance`` (the last two
never trainable).  In training mode the batch moments normalize and two ops,
``AssignMovingAvg`` and ``AssignMovingAvg_1``, join ``GraphKeys.UPDATE_OPS``;
in inference mode the moving moments are used and, for a Python ``False``, no
update op is built at all.

Like TF1, the *fused* kernel (``FusedBatchNormV3``) is used for 4-D inputs
whose axis is 1 (NCHW) or 3/-1 (NHWC) unless ``fused=False``.  It normalizes
with the biased batch variance but updates ``moving_variance`` with the
Bessel-corrected (unbiased) one, and clamps ``epsilon`` to at least 1.001e-5.
Every other case uses the plain formulas (biased variance everywhere).  When
``training`` is a tensor the update's decay becomes 1.0 at inference, so
running ``UPDATE_OPS`` then changes nothing.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence, Union

import tensorflow as tf

from .base import Layer, TrainingFlag, smart_cond, static_bool
from .input_spec import InputSpec

v1 = tf.compat.v1

AxisArg = Union[int, Sequence[int]]

# cuDNN's lower bound, which TF1's fused_batch_norm wrapper imposed on epsilon.
_FUSED_MIN_EPSILON = 1.001e-5


class BatchNormalization(Layer):
    """Batch normalization layer (TF1 ``tf.layers.BatchNormalization``).

    Arguments as for :func:`batch_normalization`, without ``inputs``,
    ``training`` (a call argument here) and ``reuse``.  ``momentum`` may be a
    scalar tensor.  Subclasses (``contrib.layers.batch_norm``'s adapter) may
    change :attr:`_param_order`, :meth:`_moments` and
    :meth:`_assign_moving_average`.
    """

    #: Creation order of the learned parameters (TF1's Keras layer: gamma first).
    _param_order = ("gamma", "beta")

    def __init__(self, axis: AxisArg = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True,
                 beta_initializer=v1.zeros_initializer(),
                 gamma_initializer=v1.ones_initializer(),
                 moving_mean_initializer=v1.zeros_initializer(),
                 moving_variance_initializer=v1.ones_initializer(),
                 beta_regularizer: Optional[Callable] = None,
                 gamma_regularizer: Optional[Callable] = None,
                 beta_constraint: Optional[Callable] = None,
                 gamma_constraint: Optional[Callable] = None,
                 renorm: bool = False, renorm_clipping=None, renorm_momentum: float = 0.99,
                 fused: Optional[bool] = None, trainable: bool = True,
                 virtual_batch_size: Optional[int] = None, adjustment=None,
                 name: Optional[str] = None, **kwargs) -> None:
        if renorm or renorm_clipping is not None or virtual_batch_size is not None \
                or adjustment is not None:
            raise NotImplementedError("BatchNormalization: renorm, renorm_clipping, "
                                      "virtual_batch_size and adjustment are not supported")
        if isinstance(axis, bool) or not isinstance(axis, (int, list, tuple)):
            raise TypeError(f"BatchNormalization: axis must be an int or a list of ints, "
                            f"got {axis!r}")
        if not tf.is_tensor(momentum) and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNormalization: momentum must be in [0, 1], got {momentum!r}")
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.momentum = momentum if tf.is_tensor(momentum) else float(momentum)
        self.epsilon = float(epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint
        self.renorm = False
        self.virtual_batch_size = self.adjustment = None
        # TF1 (v1 behaviour): fused=None means "fused when possible", decided in build().
        self.fused = True if fused is None else bool(fused)
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    @property
    def _param_dtype(self):
        if self.dtype in (tf.float16, tf.bfloat16):
            return tf.float32
        return self.dtype or tf.float32

    def build(self, input_shape) -> None:
        dims = tf.TensorShape(input_shape)
        if dims.rank is None:
            raise ValueError("BatchNormalization: the rank of the inputs must be known, "
                             f"got shape {dims}")
        dims = dims.as_list()
        ndims = len(dims)
        axes = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        if any(isinstance(a, bool) or not isinstance(a, int) or not -ndims <= a < ndims
               for a in axes):
            raise ValueError(f"BatchNormalization: invalid axis {self.axis!r} for inputs of "
                             f"rank {ndims}")
        axes = [a % ndims for a in axes]
        if len(set(axes)) != len(axes):
            raise ValueError(f"BatchNormalization: duplicate axis in {self.axis!r}")
        if any(dims[a] is None for a in axes):
            raise ValueError(f"BatchNormalization: inputs dimension(s) {axes} must be known, "
                             f"got shape {dims}")
        self.axis = axes
        self.fused = bool(self.fused and ndims == 4 and axes in ([1], [3]))
        self._data_format = "NCHW" if axes == [1] else "NHWC"
        self.input_spec = InputSpec(ndim=ndims, axes={a: dims[a] for a in axes})
        if len(axes) == 1:
            param_shape = [dims[axes[0]]]
        else:  # TF1 keeps the full rank (ones on the reduced axes) for multi-axis norm
            param_shape = [dims[i] if i in axes else 1 for i in range(ndims)]
        self._param_shape = param_shape
        param_dtype = self._param_dtype
        wanted = {"gamma": self.scale, "beta": self.center}
        for param in self._param_order:
            if wanted[param]:
                setattr(self, param, self.add_weight(
                    param, param_shape, param_dtype, getattr(self, f"{param}_initializer"),
                    getattr(self, f"{param}_regularizer"), True,
                    getattr(self, f"{param}_constraint")))
        self.moving_mean = self.add_weight("moving_mean", param_shape, param_dtype,
                                           self.moving_mean_initializer, trainable=False)
        self.moving_variance = self.add_weight("moving_variance", param_shape, param_dtype,
                                               self.moving_variance_initializer,
                                               trainable=False)
        self.built = True

    def _moments(self, inputs, reduction_axes, keepdims: bool):
        """Batch mean and (biased) variance of ``inputs`` over ``reduction_axes``."""
        return tf.nn.moments(inputs, reduction_axes, keepdims=keepdims)

    def _assign_moving_average(self, variable, value, momentum, training):
        """``variable -= (variable - value) * (1 - momentum)``, op ``AssignMovingAvg``."""
        with v1.name_scope("AssignMovingAvg") as scope:
            decay = tf.cast(tf.convert_to_tensor(1.0 - momentum, name="decay"),
                            variable.dtype.base_dtype)
            delta = (variable - tf.cast(value, variable.dtype.base_dtype)) * decay
            return v1.assign_sub(variable, delta, name=scope)

    def _add_updates(self, training, mean, variance) -> None:
        if static_bool(training) is None:
            momentum = smart_cond(training, lambda: tf.convert_to_tensor(self.momentum),
                                  lambda: tf.constant(1.0))
        else:
            momentum = tf.convert_to_tensor(self.momentum)
        for variable, value in ((self.moving_mean, mean), (self.moving_variance, variance)):
            self.add_update(self._assign_moving_average(variable, value, momentum, training))

    def _fused_batch_norm(self, inputs, training):
        dtype = self._param_dtype
        gamma = self.gamma if self.gamma is not None else tf.ones(self._param_shape, dtype)
        beta = self.beta if self.beta is not None else tf.zeros(self._param_shape, dtype)
        epsilon = max(self.epsilon, _FUSED_MIN_EPSILON)  # TF1's wrapper clamped it; TF2's doesn't

        def fused_training():
            return v1.nn.fused_batch_norm(inputs, gamma, beta, epsilon=epsilon,
                                          data_format=self._data_format)

        def fused_inference():
            return v1.nn.fused_batch_norm(inputs, gamma, beta, mean=self.moving_mean,
                                          variance=self.moving_variance, epsilon=epsilon,
                                          is_training=False, data_format=self._data_format)

        outputs, mean, variance = smart_cond(training, fused_training, fused_inference)
        if static_bool(training) is not False:
            self._add_updates(training, mean, variance)  # variance: Bessel-corrected, as TF1
        return outputs

    def call(self, inputs, training: TrainingFlag = False):
        if self.fused:
            return self._fused_batch_norm(inputs, training)
        ndims = inputs.shape.rank
        reduction_axes = [i for i in range(ndims) if i not in self.axis]
        broadcast_shape = [1] * ndims
        broadcast_shape[self.axis[0]] = self._param_shape[0]

        def broadcast(t):
            needs = len(self.axis) == 1 and self.axis != [ndims - 1]
            return tf.reshape(t, broadcast_shape) if t is not None and needs else t

        if static_bool(training) is False:  # pure inference: no update ops, as in TF1
            mean, variance = self.moving_mean, self.moving_variance
        else:
            batch_mean, batch_variance = self._moments(
                tf.cast(inputs, self._param_dtype), reduction_axes, len(self.axis) > 1)
            mean = smart_cond(training, lambda: batch_mean,
                              lambda: tf.convert_to_tensor(self.moving_mean))
            variance = smart_cond(training, lambda: batch_variance,
                                  lambda: tf.convert_to_tensor(self.moving_variance))
            self._add_updates(training, mean, variance)
        cast = (lambda t: None if t is None else tf.cast(t, inputs.dtype))
        outputs = tf.nn.batch_normalization(
            inputs, broadcast(cast(mean)), broadcast(cast(variance)),
            broadcast(cast(self.beta)), broadcast(cast(self.gamma)), self.epsilon)
        outputs.set_shape(inputs.shape)
        return outputs

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        return tf.TensorShape(input_shape)


def batch_normalization(inputs, axis: AxisArg = -1, momentum: float = 0.99,
                        epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                        beta_initializer=v1.zeros_initializer(),
                        gamma_initializer=v1.ones_initializer(),
                        moving_mean_initializer=v1.zeros_initializer(),
                        moving_variance_initializer=v1.ones_initializer(),
                        beta_regularizer: Optional[Callable] = None,
                        gamma_regularizer: Optional[Callable] = None,
                        beta_constraint: Optional[Callable] = None,
                        gamma_constraint: Optional[Callable] = None,
                        training: TrainingFlag = False, trainable: bool = True,
                        name: Optional[str] = None, reuse=None, renorm: bool = False,
                        renorm_clipping=None, renorm_momentum: float = 0.99,
                        fused: Optional[bool] = None, virtual_batch_size=None,
                        adjustment=None) -> tf.Tensor:
    """Batch normalization with TF1's signature, variable names and statistics.

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
    beta_initializer, gamma_initializer, moving_mean_initializer, \
moving_variance_initializer : callable
        Zeros, ones, zeros, ones by default.
    beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint : callable, optional
    training : bool or boolean Tensor, default=False
        Normalize with the batch moments (and update the moving ones) or with
        the moving moments.
    trainable : bool, default=True
        Whether ``beta`` and ``gamma`` are trainable; as in TF1, a
        non-trainable layer adds nothing to ``UPDATE_OPS``.
    name, reuse :
        Variable scope name and reuse flag, as for :func:`dense`.
    fused : bool, optional
        ``None``/``True``: TF1's fused kernel for 4-D inputs with axis 1 or 3
        (-1), which updates ``moving_variance`` with the unbiased batch
        variance; other inputs silently use the plain computation.
        ``False``: always the plain computation (biased variance).
    renorm, renorm_clipping, renorm_momentum, virtual_batch_size, adjustment :
        Batch renormalization and ghost batches are not supported; setting them
        raises ``NotImplementedError``.

    Returns
    -------
    Tensor of the same shape as ``inputs``.
    """
    layer = BatchNormalization(
        axis=axis, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
        beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
        moving_mean_initializer=moving_mean_initializer,
        moving_variance_initializer=moving_variance_initializer,
        beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
        beta_constraint=beta_constraint, gamma_constraint=gamma_constraint,
        renorm=renorm, renorm_clipping=renorm_clipping, renorm_momentum=renorm_momentum,
        fused=fused, trainable=trainable, virtual_batch_size=virtual_batch_size,
        adjustment=adjustment, name=name, _reuse=reuse, _scope=name)
    return layer.apply(inputs, training=training)
