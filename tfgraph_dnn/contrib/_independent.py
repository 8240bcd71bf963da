"""``Independent``: a distribution's rightmost batch dimensions read as event dimensions.

Part of :mod:`tfgraph_dnn.contrib.distributions` (TF1's
``tf.contrib.distributions.Independent``), with the KL between two of them.
"""
from __future__ import annotations

from typing import Any, Optional

import tensorflow as tf
from tensorflow.compat.v1.distributions import Distribution

from ._distribution_base import _BASE_INIT, _register_kl, kl_divergence

v1 = tf.compat.v1


class Independent(Distribution):
    """Reinterpret the rightmost batch dimensions of a distribution as event dimensions.

    ``log_prob``/``prob``/``entropy`` sum (multiply) over the reinterpreted
    dimensions; ``sample``, ``mean``, ``mode``, ``variance``, ``stddev`` are the
    base distribution's.

    Parameters
    ----------
    distribution : Distribution
        The base distribution; its batch rank must be known statically.
    reinterpreted_batch_ndims : int, optional
        How many rightmost batch dimensions become event dimensions; by default
        all but the first, ``max(0, batch_rank - 1)``.
    validate_args : bool, default=False
    name : str, optional
        Default ``"Independent" + <base name>``.

    Raises
    ------
    ValueError
        If ``reinterpreted_batch_ndims`` is negative, not static, or exceeds the
        base distribution's batch rank.
    """

    def __init__(self, distribution: Distribution, reinterpreted_batch_ndims: Any = None,
                 validate_args: bool = False, name: Optional[str] = None) -> None:
        parameters = dict(locals())
        batch_ndims = distribution.batch_shape.ndims
        if batch_ndims is None:
            raise ValueError("Independent: the base distribution's batch rank is unknown")
        if reinterpreted_batch_ndims is None:
            reinterpreted_batch_ndims = max(0, batch_ndims - 1)
        ndims = tf.get_static_value(reinterpreted_batch_ndims)
        if ndims is None or not 0 <= int(ndims) <= batch_ndims:
            raise ValueError(f"Independent: reinterpreted_batch_ndims ({reinterpreted_batch_ndims})"
                             f" must be a static int in [0, {batch_ndims}] (the batch rank)")
        self._distribution = distribution
        self._ndims = int(ndims)
        base_name = (distribution.name or "").rstrip("/").split("/")[-1]
        with v1.name_scope(name or "Independent" + base_name) as scope:
            pass
        _BASE_INIT(self, dtype=distribution.dtype,
                   reparameterization_type=distribution.reparameterization_type,
                   validate_args=validate_args, allow_nan_stats=distribution.allow_nan_stats,
                   parameters=parameters,
                   graph_parents=list(distribution._graph_parents),  # pylint: disable=protected-access
                   name=scope)

    @property
    def distribution(self) -> Distribution:
        """The base distribution."""
        return self._distribution

    @property
    def reinterpreted_batch_ndims(self) -> int:
        """Number of base batch dimensions reinterpreted as event dimensions."""
        return self._ndims

    def _split(self) -> int:
        return self._distribution.batch_shape.ndims - self._ndims

    def _batch_shape(self) -> tf.TensorShape:
        return self._distribution.batch_shape[:self._split()]

    def _batch_shape_tensor(self) -> tf.Tensor:
        return self._distribution.batch_shape_tensor()[:self._split()]

    def _event_shape(self) -> tf.TensorShape:
        base = self._distribution
        return base.batch_shape[self._split():].concatenate(base.event_shape)

    def _event_shape_tensor(self) -> tf.Tensor:
        base = self._distribution
        return tf.concat([base.batch_shape_tensor()[self._split():],
                          base.event_shape_tensor()], 0)

    def _reduce(self, stat: tf.Tensor) -> tf.Tensor:
        return tf.reduce_sum(stat, axis=list(range(-self._ndims, 0))) if self._ndims else stat

    def _sample_n(self, n: tf.Tensor, seed: Optional[int] = None) -> tf.Tensor:
        return self._distribution.sample(n, seed=seed)

    def _log_prob(self, x: tf.Tensor) -> tf.Tensor:
        return self._reduce(self._distribution.log_prob(x))

    def _entropy(self) -> tf.Tensor:
        return self._reduce(self._distribution.entropy())

    def _mean(self) -> tf.Tensor:
        return self._distribution.mean()

    def _mode(self) -> tf.Tensor:
        return self._distribution.mode()

    def _variance(self) -> tf.Tensor:
        return self._distribution.variance()

    def _stddev(self) -> tf.Tensor:
        return self._distribution.stddev()


@_register_kl(Independent, Independent)
def _kl_independent(a: Independent, b: Independent, name: Optional[str] = None) -> tf.Tensor:
    """``KL(a || b)``: the base distributions' KL summed over the reinterpreted dimensions."""
    p, q = a.distribution, b.distribution
    if not (a.event_shape.is_compatible_with(b.event_shape)
            and p.event_shape.is_compatible_with(q.event_shape)
            and a.reinterpreted_batch_ndims == b.reinterpreted_batch_ndims):
        raise ValueError(f"KL(Independent || Independent): event shapes differ "
                         f"({a.event_shape} vs {b.event_shape})")
    return a._reduce(kl_divergence(p, q, name=name or "kl_independent"))
