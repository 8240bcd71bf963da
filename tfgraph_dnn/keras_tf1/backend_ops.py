"""The tensor functions of ``tf.keras.backend`` TF1 programs called in custom losses and layers.

Room: ``keras_tf1``.  Each is the TensorFlow op Keras' TF backend used
(``K.mean`` is ``tf.reduce_mean``...), plus :func:`function`, which runs
fetches in :func:`backend.get_session` with the learning phase fed when asked.
Re-exported by :mod:`.backend`.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1


def _floatx():
    from .backend import floatx
    return floatx()


def mean(x, axis=None, keepdims: bool = False):
    """Mean over ``axis``."""
    return tf.reduce_mean(x, axis=axis, keepdims=keepdims)


def sum(x, axis=None, keepdims: bool = False):  # noqa: A001  (Keras' name)
    """Sum over ``axis``."""
    return tf.reduce_sum(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims: bool = False):  # noqa: A001
    """Maximum over ``axis``."""
    return tf.reduce_max(x, axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims: bool = False):  # noqa: A001
    """Minimum over ``axis``."""
    return tf.reduce_min(x, axis=axis, keepdims=keepdims)


def square(x):
    """Element-wise square."""
    return tf.square(x)


def sqrt(x):
    """Element-wise square root, negatives clipped to 0 first."""
    zero = tf.constant(0.0, x.dtype.base_dtype)
    return tf.sqrt(tf.maximum(x, zero))  # Keras clipped negatives to 0


def exp(x):
    """Element-wise exponential."""
    return tf.exp(x)


def log(x):
    """Element-wise natural logarithm."""
    return tf.math.log(x)


def abs(x):  # noqa: A001
    """Element-wise absolute value."""
    return tf.abs(x)


def clip(x, min_value, max_value):
    """Values clipped to ``[min_value, max_value]``."""
    return tf.clip_by_value(x, min_value, max_value)


def argmax(x, axis: int = -1):
    """Index of the maximum along ``axis``."""
    return tf.argmax(x, axis)


def cast(x, dtype):
    """``x`` cast to ``dtype``."""
    return tf.cast(x, dtype)


def dot(x, y):
    """Matrix product."""
    return tf.matmul(x, y)


def concatenate(tensors, axis: int = -1):
    """Tensors joined along ``axis``."""
    return tf.concat(list(tensors), axis)


def reshape(x, shape):
    """``x`` reshaped."""
    return tf.reshape(x, shape)


def flatten(x):
    """``x`` as a vector."""
    return tf.reshape(x, [-1])


def batch_flatten(x):
    """``x`` as ``[batch, features]``."""
    return tf.reshape(x, [-1, int(np.prod(x.shape.as_list()[1:]))])


def shape(x):
    """The dynamic shape (a tensor)."""
    return tf.shape(x)


def ndim(x) -> Optional[int]:
    """The static rank."""
    return x.shape.rank


def stop_gradient(x):
    """``x`` with no gradient flowing back."""
    return tf.stop_gradient(x)


def gradients(loss, variables):
    """Gradients of ``loss`` with respect to ``variables``."""
    return tf.gradients(loss, variables)


def constant(value, dtype=None, shape=None, name: Optional[str] = None):
    """A constant tensor (default float type)."""
    return tf.constant(value, dtype=dtype or _floatx(), shape=shape, name=name)


def zeros(shape, dtype=None, name: Optional[str] = None):
    """A tensor of zeros (default float type)."""
    return tf.zeros(shape, dtype or _floatx(), name=name)


def ones(shape, dtype=None, name: Optional[str] = None):
    """A tensor of ones (default float type)."""
    return tf.ones(shape, dtype or _floatx(), name=name)


def random_normal(shape, mean: float = 0.0, stddev: float = 1.0, dtype=None,
                  seed: Optional[int] = None):
    """Normal samples (default float type)."""
    return tf.random.normal(shape, mean, stddev, dtype=dtype or _floatx(), seed=seed)


def random_uniform(shape, minval: float = 0.0, maxval: float = 1.0, dtype=None,
                   seed: Optional[int] = None):
    """Uniform samples (default float type)."""
    return tf.random.uniform(shape, minval, maxval, dtype=dtype or _floatx(), seed=seed)


def variable(value, dtype=None, name: Optional[str] = None):
    """A resource variable initialized to ``value``, initialized by ``get_session``."""
    from .backend import track_variable
    created = v1.Variable(np.asarray(value, dtype=dtype or _floatx()), name=name,
                          use_resource=True)
    track_variable(created)
    return created


def binary_crossentropy(target, output, from_logits: bool = False):
    """Element-wise binary cross-entropy (logits behind a ``Sigmoid`` output are used)."""
    from .losses import _binary_ce
    return _binary_ce(target, output, from_logits)


def categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1):
    """Per-sample categorical cross-entropy (logits behind a ``Softmax`` output are used)."""
    from .losses import _categorical_ce
    return _categorical_ce(target, output, from_logits, axis)


def sparse_categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1):
    """Per-sample cross-entropy of integer labels (logits behind a ``Softmax`` output are used)."""
    from .losses import _sparse_categorical_ce
    return _sparse_categorical_ce(target, output, from_logits)


class _Function:
    """``K.function(inputs, outputs, updates)``: call with a list of values, get a list back."""

    def __init__(self, inputs, outputs, updates=None) -> None:
        self.inputs, self.outputs = list(inputs), list(outputs)
        self.updates = [getattr(u, "op", u) for u in (updates or [])]

    def __call__(self, values):
        from .backend import get_session
        if len(values) != len(self.inputs):
            raise ValueError(f"K.function expects {len(self.inputs)} input value(s), got "
                             f"{len(values)}")
        feed = {tensor: value for tensor, value in zip(self.inputs, values)
                if tf.is_tensor(tensor)}
        results = get_session().run(self.outputs + self.updates, feed_dict=feed)
        return results[:len(self.outputs)]


def function(inputs, outputs, updates=None, name: Optional[str] = None, **kwargs) -> _Function:
    """Fetch ``outputs`` for fed ``inputs`` (the learning phase may be one of them)."""
    return _Function(inputs, outputs, updates)
