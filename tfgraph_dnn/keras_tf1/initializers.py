"""``tf.keras.initializers`` as TF 1.15 served them in graph mode (the v1 init ops, Keras defaults).

Room: ``keras_tf1``.  The classes are ``tf.compat.v1`` initializers with Keras'
defaults (``RandomNormal(stddev=0.05)``, ``RandomUniform(-0.05, 0.05)``...);
:func:`get` resolves the names a Keras layer accepts (``'glorot_uniform'``,
``'zeros'``, ``'uniform'``...).
"""
from __future__ import annotations

from typing import Callable, Optional, Union

import tensorflow as tf

v1 = tf.compat.v1

Zeros = v1.zeros_initializer
Ones = v1.ones_initializer
Constant = v1.constant_initializer
Orthogonal = v1.orthogonal_initializer
Identity = v1.initializers.identity
VarianceScaling = v1.variance_scaling_initializer
GlorotUniform = v1.glorot_uniform_initializer
GlorotNormal = v1.glorot_normal_initializer


class RandomNormal(v1.random_normal_initializer):
    """Normal with Keras' default ``stddev=0.05``."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Optional[int] = None,
                 dtype=tf.float32) -> None:
        super().__init__(mean=mean, stddev=stddev, seed=seed, dtype=dtype)


class RandomUniform(v1.random_uniform_initializer):
    """Uniform in ``[-0.05, 0.05]`` by default (Keras')."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: Optional[int] = None,
                 dtype=tf.float32) -> None:
        super().__init__(minval=minval, maxval=maxval, seed=seed, dtype=dtype)


class TruncatedNormal(v1.truncated_normal_initializer):
    """Truncated normal with Keras' default ``stddev=0.05``."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Optional[int] = None,
                 dtype=tf.float32) -> None:
        super().__init__(mean=mean, stddev=stddev, seed=seed, dtype=dtype)


def _scaling(scale: float, mode: str, distribution: str) -> Callable:
    def make(seed: Optional[int] = None):
        return v1.variance_scaling_initializer(scale=scale, mode=mode,
                                               distribution=distribution, seed=seed)
    return make


glorot_uniform = _scaling(1.0, "fan_avg", "uniform")
glorot_normal = _scaling(1.0, "fan_avg", "truncated_normal")
he_uniform = _scaling(2.0, "fan_in", "uniform")
he_normal = _scaling(2.0, "fan_in", "truncated_normal")
lecun_uniform = _scaling(1.0, "fan_in", "uniform")
lecun_normal = _scaling(1.0, "fan_in", "truncated_normal")
zero = zeros = Zeros
one = ones = Ones
constant = Constant
uniform = random_uniform = RandomUniform
normal = random_normal = RandomNormal
truncated_normal = TruncatedNormal
orthogonal, identity = Orthogonal, Identity

_BY_NAME = {
    "zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant,
    "uniform": RandomUniform,
    "random_uniform": RandomUniform, "normal": RandomNormal, "random_normal": RandomNormal,
    "truncated_normal": TruncatedNormal, "orthogonal": Orthogonal, "identity": Identity,
    "glorot_uniform": glorot_uniform, "glorot_normal": glorot_normal, "he_uniform": he_uniform,
    "he_normal": he_normal, "lecun_uniform": lecun_uniform, "lecun_normal": lecun_normal,
    "variance_scaling": VarianceScaling,
}


def get(identifier: Union[str, Callable, None]) -> Optional[Callable]:
    """A name, an initializer object or class, or ``None`` (passed through).

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        key = identifier if identifier in _BY_NAME else identifier.lower()
        if key not in _BY_NAME:
            raise ValueError(f"Unknown initializer: {identifier!r} (known: {sorted(_BY_NAME)})")
        return _BY_NAME[key]()
    if isinstance(identifier, type):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")
