"""Activation functions by name (room: ``layers``; pure tensor -> tensor).

The chapter's leaky ReLU uses ``alpha=0.01``; :func:`leaky_relu` builds one
with any slope.  :func:`get_activation` resolves a name or passes a callable.
"""
from __future__ import annotations

import functools
from typing import Callable, Optional, Union

import tensorflow as tf


def leaky_relu(alpha: float = 0.01) -> Callable:
    """A leaky ReLU with slope ``alpha`` for negative inputs."""
    if not 0.0 <= alpha < 1.0:
        raise ValueError(f"leaky_relu: alpha must be in [0, 1), got {alpha!r}")
    return functools.partial(tf.nn.leaky_relu, alpha=alpha)


ACTIVATIONS: dict[str, Callable] = {
    "relu": tf.nn.relu,
    "leaky_relu": tf.nn.leaky_relu,  # resolved with the chapter's alpha below
    "elu": tf.nn.elu,
    "selu": tf.nn.selu,
    "tanh": tf.nn.tanh,
    "sigmoid": tf.nn.sigmoid,
    "identity": tf.identity,
}


def get_activation(activation: Union[str, Callable, None], alpha: float = 0.01) -> Optional[Callable]:
    """Resolve an activation name or pass a callable (or ``None``) through.

    Parameters
    ----------
    activation : str, callable or None
        One of ``ACTIVATIONS`` or a function of a tensor.
    alpha : float, default=0.01
        Negative slope used for ``'leaky_relu'``.

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the valid names.
    """
    if activation is None or callable(activation):
        return activation
    if activation == "leaky_relu":
        return leaky_relu(alpha)
    if isinstance(activation, str) and activation in ACTIVATIONS:
        return ACTIVATIONS[activation]
    raise ValueError(
        f"Unknown activation {activation!r}; valid names are {sorted(ACTIVATIONS)} "
        "or a callable."
    )
