"""Weight initializers (room: ``layers``; touches only ``tf.compat.v1`` init ops).

Provides TF1 contrib's ``variance_scaling_initializer`` with its exact
meaning (He initialization by default) and the usual names of the chapter
(``he_normal``, ``glorot_uniform``, ``lecun_normal``...), resolved by
:func:`get_initializer` (as TF1's Keras-backed layers and cells resolved
names).  The estimator's stateless versions are :mod:`tfgraph_dnn.model.init`.
"""
from __future__ import annotations

import math
from typing import Callable, Optional, Union

import tensorflow as tf

v1 = tf.compat.v1

_MODES = ("FAN_IN", "FAN_OUT", "FAN_AVG")


def fans(shape) -> tuple[float, float]:
    """Fan-in and fan-out of a kernel shape, as TF1 contrib computed them."""
    if not shape:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    receptive_field = 1
    for dim in shape[:-2]:
        receptive_field *= int(dim)
    return float(shape[-2] * receptive_field), float(shape[-1] * receptive_field)


def variance_scaling_initializer(
    factor: float = 2.0,
    mode: str = "FAN_IN",
    uniform: bool = False,
    seed: Optional[int] = None,
    dtype=tf.float32,
) -> Callable:
    """TF1 contrib's ``variance_scaling_initializer``, re-implemented.

    With the defaults this is He initialization: a truncated normal with
    ``stddev = sqrt(1.3 * factor / fan_in)`` (the 1.3 compensates for the
    truncation, as in TF1 contrib), or uniform in ``[-limit, limit]`` with
    ``limit = sqrt(3 * factor / n)`` when ``uniform=True``.

    Parameters
    ----------
    factor : float, default=2.0
        Multiplicative factor (2.0 for He, 1.0 for LeCun/Xavier-like).
    mode : {'FAN_IN', 'FAN_OUT', 'FAN_AVG'}, default='FAN_IN'
        Which fan ``n`` counts.
    uniform : bool, default=False
        Uniform instead of truncated-normal sampling.
    seed : int or None
        Op-level seed.
    dtype : tf.DType
        Only floating types are accepted.

    Returns
    -------
    initializer : callable ``(shape, dtype=None, partition_info=None)``

    Raises
    ------
    TypeError
        If ``mode`` is not one of the three modes or ``dtype`` is not floating
        (as TF1 contrib).
    """
    if mode not in _MODES:  # TF1 raised TypeError here
        raise TypeError(f"variance_scaling_initializer: mode must be one of {_MODES}, "
                        f"got {mode!r}")
    if not tf.as_dtype(dtype).is_floating:
        raise TypeError(f"variance_scaling_initializer: dtype must be floating, got {dtype}")

    def _initializer(shape, dtype=dtype, partition_info=None):
        dtype = tf.as_dtype(dtype)
        if not dtype.is_floating:
            raise TypeError(f"variance_scaling_initializer: cannot initialize a {dtype} "
                            "variable, a floating dtype is needed")
        shape = tf.TensorShape(shape).as_list()  # ints, also from TF1 Dimensions
        fan_in, fan_out = fans(shape)
        n = {"FAN_IN": fan_in, "FAN_OUT": fan_out, "FAN_AVG": (fan_in + fan_out) / 2.0}[mode]
        if uniform:
            limit = math.sqrt(3.0 * factor / n)
            return tf.random.uniform(shape, -limit, limit, dtype, seed=seed)
        stddev = math.sqrt(1.3 * factor / n)
        return tf.random.truncated_normal(shape, 0.0, stddev, dtype, seed=seed)

    return _initializer


def _core_variance_scaling(scale: float, mode: str, distribution: str) -> Callable:
    def make(seed: Optional[int] = None):
        return v1.variance_scaling_initializer(
            scale=scale, mode=mode, distribution=distribution, seed=seed
        )

    return make


# name -> factory(seed) producing a tf.compat.v1 initializer (Keras semantics).
INITIALIZERS: dict[str, Callable] = {
    "he_normal": _core_variance_scaling(2.0, "fan_in", "truncated_normal"),
    "he_uniform": _core_variance_scaling(2.0, "fan_in", "uniform"),
    "lecun_normal": _core_variance_scaling(1.0, "fan_in", "truncated_normal"),
    "lecun_uniform": _core_variance_scaling(1.0, "fan_in", "uniform"),
    "glorot_normal": _core_variance_scaling(1.0, "fan_avg", "truncated_normal"),
    "glorot_uniform": _core_variance_scaling(1.0, "fan_avg", "uniform"),
    "variance_scaling": lambda seed=None: variance_scaling_initializer(seed=seed),
}


def he_normal(seed: Optional[int] = None) -> Callable:
    """He normal initializer (truncated normal, ``scale=2``, fan in)."""
    return INITIALIZERS["he_normal"](seed)


def he_uniform(seed: Optional[int] = None) -> Callable:
    """He uniform initializer."""
    return INITIALIZERS["he_uniform"](seed)


def lecun_normal(seed: Optional[int] = None) -> Callable:
    """LeCun normal initializer, the one SELU networks need."""
    return INITIALIZERS["lecun_normal"](seed)


def lecun_uniform(seed: Optional[int] = None) -> Callable:
    """LeCun uniform initializer."""
    return INITIALIZERS["lecun_uniform"](seed)


def glorot_normal(seed: Optional[int] = None) -> Callable:
    """Glorot (Xavier) normal initializer."""
    return INITIALIZERS["glorot_normal"](seed)


def glorot_uniform(seed: Optional[int] = None) -> Callable:
    """Glorot (Xavier) uniform initializer, TF1's default for ``dense``."""
    return INITIALIZERS["glorot_uniform"](seed)


def get_initializer(initializer: Union[str, Callable, None],
                    seed: Optional[int] = None) -> Optional[Callable]:
    """Resolve an initializer name (see ``INITIALIZERS``) or pass a callable through.

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the valid names.
    """
    if initializer is None or callable(initializer):
        return initializer
    if isinstance(initializer, str) and initializer in INITIALIZERS:
        return INITIALIZERS[initializer](seed)
    raise ValueError(
        f"Unknown initializer {initializer!r}; valid names are {sorted(INITIALIZERS)} "
        "or a callable."
    )
