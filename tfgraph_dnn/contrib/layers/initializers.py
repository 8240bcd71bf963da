"""Weight initializers of TF1's ``tf.contrib.layers`` (Xavier/Glorot and variance scaling).

Contrib semantics, which differ from ``tf.compat.v1.variance_scaling_initializer``:
the truncated normal uses ``stddev = sqrt(1.3 * factor / n)`` (the 1.3 makes up
for the truncation at two standard deviations), the uniform one draws from
``[-sqrt(3 * factor / n), sqrt(3 * factor / n)]``, fans multiply in the
receptive field of convolution kernels, and a bad ``mode`` is a ``TypeError``.
``fully_connected`` and the convolutions default to
``xavier_initializer()`` = ``variance_scaling_initializer(1.0, 'FAN_AVG', uniform=True)``.
"""
from __future__ import annotations

import math
from typing import Callable, Optional

import tensorflow as tf

__all__ = ["variance_scaling_initializer", "xavier_initializer", "xavier_initializer_conv2d"]

_MODES = ("FAN_IN", "FAN_OUT", "FAN_AVG")


def _fans(shape) -> tuple:
    """Contrib's fan estimate: the last two dims times the receptive field."""
    if len(shape) == 0:
        raise ValueError("variance_scaling_initializer: cannot initialize a scalar variable")
    fan_in = float(shape[-2]) if len(shape) > 1 else float(shape[-1])
    fan_out = float(shape[-1])
    for dim in shape[:-2]:
        fan_in *= float(dim)
        fan_out *= float(dim)
    return fan_in, fan_out


def variance_scaling_initializer(factor: float = 2.0, mode: str = "FAN_IN",
                                 uniform: bool = False, seed: Optional[int] = None,
                                 dtype: tf.DType = tf.float32) -> Callable:
    """An initializer keeping the activations' variance constant (He init by default).

    Parameters
    ----------
    factor : float, default=2.0
        Multiplicative factor of the variance.
    mode : {'FAN_IN', 'FAN_OUT', 'FAN_AVG'}, default='FAN_IN'
        Which fan ``n`` divides ``factor``.
    uniform : bool, default=False
        Uniform instead of truncated-normal sampling.
    seed : int, optional
        Op-level random seed.
    dtype : tf.DType, default=tf.float32
        A floating type.

    Returns
    -------
    callable
        ``initializer(shape, dtype=dtype, partition_info=None) -> Tensor``.

    Raises
    ------
    TypeError
        If ``dtype`` is not floating or ``mode`` is not one of the three modes.
    """
    dtype = tf.as_dtype(dtype)
    if not dtype.is_floating:
        raise TypeError(f"variance_scaling_initializer: dtype must be floating, got {dtype}")
    if mode not in _MODES:
        raise TypeError(f"variance_scaling_initializer: mode must be one of {_MODES}, "
                        f"got {mode!r}")

    def _initializer(shape, dtype=dtype, partition_info=None):
        dtype = tf.as_dtype(dtype)
        if not dtype.is_floating:
            raise TypeError(f"variance_scaling_initializer: cannot initialize a {dtype} "
                            "variable, a floating dtype is needed")
        shape = tf.TensorShape(shape).as_list()
        fan_in, fan_out = _fans(shape)
        n = {"FAN_IN": fan_in, "FAN_OUT": fan_out, "FAN_AVG": (fan_in + fan_out) / 2.0}[mode]
        if uniform:
            limit = math.sqrt(3.0 * factor / n)
            return tf.random.uniform(shape, -limit, limit, dtype, seed=seed)
        stddev = math.sqrt(1.3 * factor / n)
        return tf.random.truncated_normal(shape, 0.0, stddev, dtype, seed=seed)

    return _initializer


def xavier_initializer(uniform: bool = True, seed: Optional[int] = None,
                       dtype: tf.DType = tf.float32) -> Callable:
    """Glorot/Xavier initialization: ``variance_scaling_initializer(1.0, 'FAN_AVG', uniform)``.

    Uniform in ``[-sqrt(6 / (fan_in + fan_out)), +...]`` by default, else a
    truncated normal of standard deviation ``sqrt(1.3 * 2 / (fan_in + fan_out))``.
    """
    return variance_scaling_initializer(factor=1.0, mode="FAN_AVG", uniform=uniform,
                                        seed=seed, dtype=dtype)


xavier_initializer_conv2d = xavier_initializer
