"""Seeds and initial weights of the net: stateless functions of the ``seed`` knob (room: ``model``).

Initial weights are stateless random numbers keyed by ``[seed, offset]``
(hidden layer ``i`` uses offset ``i``, the logits layer :data:`HEAD_OFFSET`,
dropout masks :data:`DROPOUT_OFFSET` ``+ i``): a graph built once gives every
fit the weights of its own ``random_state``, in any Session.
"""
from __future__ import annotations

import math
import random
from typing import Callable

from .. import _tf  # noqa: F401  (TensorFlow, imported quietly: see _tf)
import tensorflow as tf

from ..layers.initializers import fans, get_initializer
from .knobs import Knobs
from .spec import NetworkSpec

__all__ = ["DROPOUT_OFFSET", "HEAD_OFFSET", "MAX_SEED", "initializer_for", "network_knobs",
           "seed_pair", "stateless_initializer"]

MAX_SEED = 2 ** 31 - 1
HEAD_OFFSET = 999        # seed offsets: hidden{i} uses i, logits this, dropout 1000 + i
DROPOUT_OFFSET = 1000

# name -> (scale, fan mode, distribution) of the stateless versions below.
_STATELESS = {
    "he_normal": (2.0, "fan_in", "truncated_normal"),
    "he_uniform": (2.0, "fan_in", "uniform"),
    "lecun_normal": (1.0, "fan_in", "truncated_normal"),
    "lecun_uniform": (1.0, "fan_in", "uniform"),
    "glorot_normal": (1.0, "fan_avg", "truncated_normal"),
    "glorot_uniform": (1.0, "fan_avg", "uniform"),
    "variance_scaling": (2.0, "fan_in", "contrib_truncated_normal"),
}
# Keras' truncated normal: the stddev of a unit normal truncated at +-2 is this much.
_TRUNCATED_STDDEV = 0.87962566103423978


def stateless_initializer(name: str, seed: tf.Tensor) -> Callable:
    """The initializer ``name`` (of :data:`tfgraph_dnn.options.INITIALIZERS`), stateless.

    Same distribution as ``get_initializer(name)``; the values are a function of
    ``seed`` (an int64 ``[2]`` tensor) alone, so a graph built once gives each
    fit the weights of its own seed, in any Session, any number of times.

    Raises
    ------
    ValueError
        If ``name`` is not an initializer name.
    """
    if name not in _STATELESS:
        raise ValueError(f"Unknown initializer {name!r}; valid names are "
                         f"{sorted(_STATELESS)}")
    scale, mode, distribution = _STATELESS[name]

    def _initializer(shape, dtype=tf.float32, partition_info=None):
        shape = tf.TensorShape(shape).as_list()
        fan_in, fan_out = fans(shape)
        n = max(1.0, fan_in if mode == "fan_in" else (fan_in + fan_out) / 2.0)
        dtype = tf.as_dtype(dtype or tf.float32)
        if distribution == "uniform":
            limit = math.sqrt(3.0 * scale / n)
            return tf.random.stateless_uniform(shape, seed, -limit, limit, dtype)
        stddev = math.sqrt(1.3 * scale / n) if distribution == "contrib_truncated_normal" \
            else math.sqrt(scale / n) / _TRUNCATED_STDDEV
        return tf.random.stateless_truncated_normal(shape, seed, 0.0, stddev, dtype)

    return _initializer


def network_knobs(spec: NetworkSpec, knobs: Knobs) -> dict:
    """Create the spec's per-fit values in ``knobs``; ``{name: tensor}`` (present ones)."""
    seed = random.randrange(MAX_SEED) if spec.seed is None else int(spec.seed)
    made = {"seed": knobs.add("seed", seed, tf.int64)}
    for name, value in spec.knob_values().items():
        made[name] = knobs.add(name, value)
    return made


def seed_pair(knobs: dict, offset: int) -> tf.Tensor:
    """``[seed, offset]``: the int64 key of a stateless random op."""
    return tf.stack([knobs["seed"], tf.constant(offset, tf.int64)])


def initializer_for(spec: NetworkSpec, knobs: dict, offset: int) -> Callable:
    """The kernel initializer of the layer at seed ``offset``: stateless for a name, else the
    user's callable as given (it draws from TensorFlow's stateful generators)."""
    if isinstance(spec.initializer, str):  # stateless: keyed by the seed knob
        return stateless_initializer(spec.initializer, seed_pair(knobs, offset))
    return get_initializer(spec.initializer)  # a user's callable, as given
