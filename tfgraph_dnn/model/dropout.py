"""Dropout of the chapter's net: plain and alpha (SELU) dropout (room: ``model``).

:func:`dropout` is the estimator's: stateless masks keyed by the seed knob and
the step, so a resumed fit draws the masks an uninterrupted fit would have.
:func:`alpha_dropout` is the chapter's stand-alone version for SELU nets
(TensorFlow's stateful random numbers, like ``tf.layers.dropout``).  Both use
the same mix of kept and saturated units.
"""
from __future__ import annotations

import math
from typing import Optional

from .. import _tf  # noqa: F401  (TensorFlow, imported quietly: see _tf)
import tensorflow as tf

from ..layers.base import TrainingFlag, smart_cond
from ..layers.core import check_rate
from .init import DROPOUT_OFFSET, MAX_SEED
from .spec import NetworkSpec

v1 = tf.compat.v1

__all__ = ["alpha_dropout", "dropout"]

# Fixed point of SELU: dropped units are set to its negative saturation value.
_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805
_ALPHA_PRIME = -_SELU_SCALE * _SELU_ALPHA


def _alpha_mix(inputs: tf.Tensor, keep: tf.Tensor, a, b) -> tf.Tensor:
    """Kept units as they are, dropped ones at SELU's saturation value, then ``a * x + b``
    (``a``, ``b``: the correction that keeps the mean and variance for the rate)."""
    keep = tf.cast(keep, inputs.dtype)
    return a * (inputs * keep + _ALPHA_PRIME * (1.0 - keep)) + b


def alpha_dropout(inputs, rate: float = 0.5, noise_shape=None, seed: Optional[int] = None,
                  training: TrainingFlag = False, name: Optional[str] = None) -> tf.Tensor:
    """Alpha dropout for self-normalizing (SELU) nets.

    Dropped units take SELU's saturation value and an affine correction keeps
    the mean and variance of the activations, so self-normalization survives.
    ``training`` may be a Python bool or a boolean tensor.
    """
    rate = check_rate(rate, "alpha_dropout")
    with v1.name_scope(name, "alpha_dropout", [inputs]):
        inputs = tf.convert_to_tensor(inputs)
        if rate == 0.0:
            return tf.identity(inputs)
        keep_prob = 1.0 - rate
        a = 1.0 / math.sqrt(keep_prob * (1.0 + rate * _ALPHA_PRIME ** 2))
        b = -a * _ALPHA_PRIME * rate

        def dropped():
            shape = noise_shape if noise_shape is not None else tf.shape(inputs)
            keep = tf.random.uniform(shape, seed=seed, dtype=inputs.dtype) >= rate
            return _alpha_mix(inputs, keep, a, b)

        return smart_cond(training, dropped, lambda: tf.identity(inputs))


def dropout(inputs: tf.Tensor, spec: NetworkSpec, knobs: dict, index: int, training,
            step) -> tf.Tensor:
    """Dropout of ``hidden{index}``'s output (alpha dropout for SELU) with stateless masks.

    The mask is ``stateless_uniform(seed=[layer seed, step]) >= rate``, the
    layer seed being ``seed + 1000 + index``: the same (random_state, step)
    gives the same mask in any Session, so nothing about it needs saving in a
    checkpoint.  Kept units are scaled by ``1 / (1 - rate)``; alpha dropout
    sets dropped units to SELU's saturation value and corrects mean and
    variance, as :func:`alpha_dropout`.

    Parameters
    ----------
    inputs : Tensor
    spec : NetworkSpec
    knobs : dict
        :func:`~.init.network_knobs`: the rate and the seed.
    index : int
        The layer (1-based): each layer has its own seed.
    training : bool or boolean Tensor
        ``False``: the input unchanged.
    step : int64 scalar Tensor
        The global step (or any value that differs between the masks wanted).
    """
    rate = knobs["dropout_rate"]
    with v1.name_scope(f"dropout{index}"):
        def dropped():
            layer_seed = (knobs["seed"] + (DROPOUT_OFFSET + index)) % MAX_SEED
            key = tf.stack([layer_seed, tf.cast(step, tf.int64)])
            noise = tf.random.stateless_uniform(tf.shape(inputs), seed=key, dtype=inputs.dtype)
            keep = noise >= rate
            if spec.activation != "selu":
                return tf.where(keep, inputs * (1.0 / (1.0 - rate)), tf.zeros_like(inputs))
            a = (1.0 - rate) * (1.0 + rate * _ALPHA_PRIME ** 2)
            a = 1.0 / tf.sqrt(a)
            b = -a * _ALPHA_PRIME * rate
            return _alpha_mix(inputs, keep, a, b)

        return smart_cond(training, dropped, lambda: tf.identity(inputs))

