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

from typing import Callable, Optional

import tensorflow as tf

# One implementation: tf.layers users reached it as tf.contrib.layers' too.
from ...layers.initializers import variance_scaling_initializer

__all__ = ["variance_scaling_initializer", "xavier_initializer", "xavier_initializer_conv2d"]


def xavier_initializer(uniform: bool = True, seed: Optional[int] = None,
                       dtype: tf.DType = tf.float32) -> Callable:
    """Glorot/Xavier initialization: ``variance_scaling_initializer(1.0, 'FAN_AVG', uniform)``.

    Uniform in ``[-sqrt(6 / (fan_in + fan_out)), +...]`` by default, else a
    truncated normal of standard deviation ``sqrt(1.3 * 2 / (fan_in + fan_out))``.
    """
    return variance_scaling_initializer(factor=1.0, mode="FAN_AVG", uniform=uniform,
                                        seed=seed, dtype=dtype)


xavier_initializer_conv2d = xavier_initializer
