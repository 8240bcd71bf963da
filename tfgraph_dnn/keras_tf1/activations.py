"""``tf.keras.activations`` (TF 1.15 names and defaults) for graph code.  Room: ``keras_tf1``."""
from __future__ import annotations

from typing import Callable, Optional, Union

import tensorflow as tf


def linear(x):
    """Identity (the activation of ``activation=None``)."""
    return x


def relu(x, alpha: float = 0.0, max_value: Optional[float] = None, threshold: float = 0.0):
    """``max(x, 0)``; ``alpha`` slope below ``threshold``, capped at ``max_value``."""
    if alpha == 0.0 and max_value is None and threshold == 0.0:
        return tf.nn.relu(x)
    negative = alpha * tf.nn.relu(-x + threshold) if alpha else None
    clipped = x * tf.cast(tf.greater(x, threshold), x.dtype) if threshold else tf.nn.relu(x)
    if max_value is not None:
        clipped = tf.minimum(clipped, tf.cast(max_value, x.dtype))
    return clipped - negative if negative is not None else clipped


def softmax(x, axis: int = -1):
    """Softmax over ``axis`` (a ``Softmax`` op, which the cross-entropy losses look for)."""
    if x.shape.rank is not None and x.shape.rank < 2:
        raise ValueError(f"softmax: cannot apply softmax to a tensor that is 1D, got {x}")
    return tf.nn.softmax(x, axis=axis)


def elu(x, alpha: float = 1.0):
    """``x`` if positive, else ``alpha * (exp(x) - 1)``."""
    result = tf.nn.elu(x)
    return result if alpha == 1.0 else tf.where(x > 0, result, alpha * result)


def selu(x):
    """Scaled ELU."""
    return tf.nn.selu(x)


def softplus(x):
    """``log(1 + exp(x))``."""
    return tf.nn.softplus(x)


def softsign(x):
    """``x / (1 + |x|)``."""
    return tf.nn.softsign(x)


def tanh(x):
    """Hyperbolic tangent."""
    return tf.nn.tanh(x)


def sigmoid(x):
    """Logistic sigmoid (a ``Sigmoid`` op)."""
    return tf.nn.sigmoid(x)


def hard_sigmoid(x):
    """``clip(0.2 * x + 0.5, 0, 1)``, as Keras' backend."""
    return tf.clip_by_value(0.2 * x + 0.5, 0.0, 1.0)


def exponential(x):
    """``exp(x)``."""
    return tf.exp(x)


_BY_NAME = {f.__name__: f for f in (linear, relu, softmax, elu, selu, softplus, softsign,
                                     tanh, sigmoid, hard_sigmoid, exponential)}


def serialize(activation: Callable) -> str:
    """The name of an activation function."""
    return getattr(activation, "__name__", repr(activation))


def get(identifier: Union[str, Callable, None]) -> Callable:
    """A name (``'relu'``...) or callable -> the function; ``None`` -> :func:`linear`.

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]
    raise ValueError(f"Unknown activation function: {identifier!r} (known: {sorted(_BY_NAME)})")
