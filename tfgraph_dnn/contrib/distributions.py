"""``tfgraph_dnn.contrib.distributions``: TF1's ``tf.contrib.distributions``, without TFP.

Everything public in ``tf.compat.v1.distributions`` (``Normal``, ``Bernoulli``,
``Categorical``, ``kl_divergence``, ``RegisterKL`` ...) is re-exported, plus the
contrib-only classes TF1 programs used most, written on plain TF ops as
subclasses of TF's own ``Distribution`` (so ``kl_divergence``/``RegisterKL``
dispatch on them): ``MultivariateNormalDiag`` (``...WithSoftplusScale``) and
``MultivariateNormalTriL`` (``loc + scale @ Z``, ``Z ~ N(0, I)``, reparameterized
samples) and ``Independent`` (rightmost batch dimensions reinterpreted as event
dimensions).  KL is registered between any two
of the multivariate normals and between two ``Independent``.  Works in graph
mode and eagerly; importing this module never changes TensorFlow's global mode.
"""
from __future__ import annotations

import math
from typing import Any, Optional

import tensorflow as tf
from tensorflow.compat.v1.distributions import (  # noqa: F401  (re-exports)
    FULLY_REPARAMETERIZED, NOT_REPARAMETERIZED, Bernoulli, Beta, Categorical, Dirichlet,
    DirichletMultinomial, Distribution, Exponential, Gamma, Laplace, Multinomial, Normal,
    RegisterKL, ReparameterizationType, StudentT, Uniform)

from ._distribution_base import _BASE_INIT, _register_kl, kl_divergence  # noqa: F401
from ._independent import Independent

v1 = tf.compat.v1
_LOG_2PI = math.log(2.0 * math.pi)

__all__ = [
    "Bernoulli", "Beta", "Categorical", "Dirichlet", "DirichletMultinomial", "Distribution",
    "Exponential", "FULLY_REPARAMETERIZED", "Gamma", "Independent", "Laplace", "Multinomial",
    "MultivariateNormalDiag", "MultivariateNormalDiagWithSoftplusScale",
    "MultivariateNormalTriL", "NOT_REPARAMETERIZED",
    "Normal", "RegisterKL", "ReparameterizationType", "StudentT", "Uniform", "kl_divergence",
]


def _float_tensors(**values: Any) -> dict:
    """Convert the non-``None`` values to tensors of one float dtype (the first float one's)."""
    dtype = tf.float32
    for value in values.values():
        if value is not None and hasattr(value, "dtype") and tf.as_dtype(value.dtype).is_floating:
            dtype = tf.as_dtype(value.dtype)
            break
    return {key: None if value is None else tf.convert_to_tensor(value, dtype=dtype, name=key)
            for key, value in values.items()}


def _checked(tensor: tf.Tensor, validate_args: bool, what: str) -> tf.Tensor:
    """``tensor``, guarded (if ``validate_args``) by a check that it has no zero entry."""
    if not validate_args:
        return tensor
    check = v1.assert_positive(tf.abs(tensor), message=f"`{what}` must be non-zero")
    with tf.control_dependencies([check]):
        return tf.identity(tensor)


class _MultivariateNormal(Distribution):
    """Base of the multivariate normals: ``loc + scale @ Z``, ``scale`` lower triangular.

    Subclasses set ``self._loc`` and ``self._scale`` (a ``[..., k]`` diagonal when
    ``_SCALE_RANK`` is 1, a ``[..., k, k]`` lower-triangular matrix when 2), call
    :meth:`_finish`, and define ``_apply_scale``, ``_whiten``, ``_log_abs_det``,
    ``_row_sq_norms`` and ``_scale_dense``.
    """

    _SCALE_RANK = 1

    def _finish(self, parameters: dict, validate_args: bool, allow_nan_stats: bool,
                name: str) -> None:
        _BASE_INIT(self, dtype=self._loc.dtype, reparameterization_type=FULLY_REPARAMETERIZED,
                   validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                   parameters=parameters, graph_parents=[self._loc, self._scale], name=name)

    @property
    def loc(self) -> tf.Tensor:
        """The location (mean) parameter, shape ``[B1, ..., Bb, k]``."""
        return self._loc

    def _batch_shape(self) -> tf.TensorShape:
        return tf.broadcast_static_shape(self._loc.shape[:-1],
                                         self._scale.shape[:-self._SCALE_RANK])

    def _batch_shape_tensor(self) -> tf.Tensor:
        return tf.broadcast_dynamic_shape(tf.shape(self._loc)[:-1],
                                          tf.shape(self._scale)[:-self._SCALE_RANK])

    def _event_shape(self) -> tf.TensorShape:
        return self._loc.shape[-1:]

    def _event_shape_tensor(self) -> tf.Tensor:
        return tf.shape(self._loc)[-1:]

    def _event_size(self) -> tf.Tensor:
        return tf.cast(tf.shape(self._loc)[-1], self.dtype)

    def _full_shape(self) -> tf.Tensor:
        return tf.concat([self.batch_shape_tensor(), self.event_shape_tensor()], 0)

    def _sample_n(self, n: tf.Tensor, seed: Optional[int] = None) -> tf.Tensor:
        shape = tf.concat([[n], self._full_shape()], 0)
        return self._loc + self._apply_scale(tf.random.normal(shape, dtype=self.dtype, seed=seed))

    def _log_prob(self, x: tf.Tensor) -> tf.Tensor:
        z = self._whiten(x - self._loc)
        return (-0.5 * tf.reduce_sum(tf.square(z), -1) - self._log_abs_det()
                - 0.5 * self._event_size() * _LOG_2PI)

    def _entropy(self) -> tf.Tensor:
        value = 0.5 * self._event_size() * (1.0 + _LOG_2PI) + self._log_abs_det()
        return tf.broadcast_to(value, self.batch_shape_tensor())

    def _mean(self) -> tf.Tensor:
        return tf.broadcast_to(self._loc, self._full_shape())

    def _mode(self) -> tf.Tensor:
        return self._mean()

    def _variance(self) -> tf.Tensor:
        return tf.broadcast_to(self._row_sq_norms(), self._full_shape())

    def _stddev(self) -> tf.Tensor:
        return tf.sqrt(self._variance())

    def _covariance(self) -> tf.Tensor:
        scale = self._scale_dense()
        shape = tf.concat([self._full_shape(), self.event_shape_tensor()], 0)
        return tf.broadcast_to(tf.matmul(scale, scale, transpose_b=True), shape)


class MultivariateNormalDiag(_MultivariateNormal):
    """Multivariate normal on ``R^k`` with ``scale = diag(scale_diag + multiplier * ones(k))``.

    Parameters
    ----------
    loc : float Tensor-like, optional
        Mean, shape ``[B1, ..., Bb, k]``; zero when ``None``.
    scale_diag : float Tensor-like, optional
        Diagonal of the scale matrix (standard deviations), shape ``[B1, ..., Bb, k]``.
    scale_identity_multiplier : float Tensor-like, optional
        Scalar (or ``[B1, ..., Bb]``) times the identity, added to the scale.  With
        neither scale argument the scale is the identity.
    validate_args : bool, default=False
        Check at run time that the scale diagonal has no zero.
    allow_nan_stats : bool, default=True
        Kept for TF1 compatibility (all statistics are always defined).
    name : str, default="MultivariateNormalDiag"

    Raises
    ------
    ValueError
        If neither ``loc`` nor ``scale_diag`` gives the event size.
    """

    def __init__(self, loc: Any = None, scale_diag: Any = None,
                 scale_identity_multiplier: Any = None, validate_args: bool = False,
                 allow_nan_stats: bool = True, name: str = "MultivariateNormalDiag") -> None:
        parameters = dict(locals())
        if loc is None and scale_diag is None:
            raise ValueError("MultivariateNormalDiag: cannot infer the event size; "
                             "give `loc` or `scale_diag`")
        with v1.name_scope(name, values=[loc, scale_diag, scale_identity_multiplier]) as name:
            t = _float_tensors(loc=loc, scale_diag=scale_diag,
                               scale_identity_multiplier=scale_identity_multiplier)
            diag, multiplier = t["scale_diag"], t["scale_identity_multiplier"]
            if diag is None:
                ones = tf.ones(tf.shape(t["loc"])[-1:], dtype=t["loc"].dtype)
                diag = ones if multiplier is None else multiplier[..., tf.newaxis] * ones
            elif multiplier is not None:
                diag = diag + multiplier[..., tf.newaxis]
            self._scale = _checked(diag, validate_args, "scale_diag")
            self._loc = tf.zeros_like(self._scale) if t["loc"] is None else t["loc"]
        self._finish(parameters, validate_args, allow_nan_stats, name)

    @property
    def scale_diag(self) -> tf.Tensor:
        """The diagonal of the scale matrix (multiplier included), shape ``[..., k]``."""
        return self._scale

    def _apply_scale(self, z: tf.Tensor) -> tf.Tensor:
        return self._scale * z

    def _whiten(self, y: tf.Tensor) -> tf.Tensor:
        return y / self._scale

    def _log_abs_det(self) -> tf.Tensor:
        return tf.reduce_sum(tf.math.log(tf.abs(self._scale)), -1)

    def _row_sq_norms(self) -> tf.Tensor:
        return tf.square(self._scale)

    def _scale_dense(self) -> tf.Tensor:
        return tf.linalg.diag(self._scale)


class MultivariateNormalDiagWithSoftplusScale(MultivariateNormalDiag):
    """:class:`MultivariateNormalDiag` with ``scale_diag = softplus(scale_diag)``.

    Parameters
    ----------
    loc, scale_diag : float Tensor-like
        ``scale_diag`` is unconstrained; its softplus is the standard deviation.
    validate_args, allow_nan_stats, name
        As for :class:`MultivariateNormalDiag`.
    """

    def __init__(self, loc: Any, scale_diag: Any, validate_args: bool = False,
                 allow_nan_stats: bool = True,
                 name: str = "MultivariateNormalDiagWithSoftplusScale") -> None:
        parameters = {k: v for k, v in locals().items() if k != "__class__"}
        with v1.name_scope(name, values=[scale_diag]) as name:
            super().__init__(loc=loc, scale_diag=tf.nn.softplus(scale_diag),
                             validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                             name=name)
        self._parameters = parameters


class MultivariateNormalTriL(_MultivariateNormal):
    """Multivariate normal on ``R^k`` with a lower-triangular scale ``L`` (``cov = L @ L.T``).

    Parameters
    ----------
    loc : float Tensor-like, optional
        Mean, shape ``[B1, ..., Bb, k]``; zero when ``None``.
    scale_tril : float Tensor-like, optional
        ``L``, shape ``[B1, ..., Bb, k, k]``; its upper triangle is ignored.  Identity
        when ``None``.
    validate_args : bool, default=False
        Check at run time that the diagonal of ``L`` has no zero.
    allow_nan_stats : bool, default=True
    name : str, default="MultivariateNormalTriL"

    Raises
    ------
    ValueError
        If both ``loc`` and ``scale_tril`` are ``None``.
    """

    _SCALE_RANK = 2

    def __init__(self, loc: Any = None, scale_tril: Any = None, validate_args: bool = False,
                 allow_nan_stats: bool = True, name: str = "MultivariateNormalTriL") -> None:
        parameters = dict(locals())
        if loc is None and scale_tril is None:
            raise ValueError("MultivariateNormalTriL: give `loc`, `scale_tril` or both")
        with v1.name_scope(name, values=[loc, scale_tril]) as name:
            t = _float_tensors(loc=loc, scale_tril=scale_tril)
            if t["scale_tril"] is None:
                tril = tf.eye(tf.shape(t["loc"])[-1], dtype=t["loc"].dtype)
            else:
                tril = tf.linalg.band_part(t["scale_tril"], -1, 0)
                diag = _checked(tf.linalg.diag_part(tril), validate_args, "scale_tril diagonal")
                tril = tf.linalg.set_diag(tril, diag)
            self._scale = tril
            self._loc = tf.zeros_like(tril[..., 0]) if t["loc"] is None else t["loc"]
        self._finish(parameters, validate_args, allow_nan_stats, name)

    @property
    def scale_tril(self) -> tf.Tensor:
        """The lower-triangular scale ``L``, shape ``[..., k, k]``."""
        return self._scale

    def _apply_scale(self, z: tf.Tensor) -> tf.Tensor:
        return tf.linalg.matvec(self._scale, z)

    def _whiten(self, y: tf.Tensor) -> tf.Tensor:
        return tf.linalg.triangular_solve(self._scale, y[..., tf.newaxis], lower=True)[..., 0]

    def _log_abs_det(self) -> tf.Tensor:
        return tf.reduce_sum(tf.math.log(tf.abs(tf.linalg.diag_part(self._scale))), -1)

    def _row_sq_norms(self) -> tf.Tensor:
        return tf.reduce_sum(tf.square(self._scale), -1)

    def _scale_dense(self) -> tf.Tensor:
        return self._scale


@_register_kl(_MultivariateNormal, _MultivariateNormal)
def _kl_mvn_mvn(a: _MultivariateNormal, b: _MultivariateNormal,
                name: Optional[str] = None) -> tf.Tensor:
    """``KL(a || b)`` of two multivariate normals with triangular scales ``La``, ``Lb``."""
    with v1.name_scope(name, "kl_mvn_mvn", [a.loc, b.loc]):
        # tr(Sb^-1 Sa) = ||Lb^-1 La||_F^2; Mahalanobis term ||Lb^-1 (mu_b - mu_a)||^2.
        trace = tf.reduce_sum(tf.square(tf.linalg.triangular_solve(
            b._scale_dense(), a._scale_dense(), lower=True)), [-2, -1])
        mahalanobis = tf.reduce_sum(tf.square(b._whiten(b.loc - a.loc)), -1)
        return (0.5 * (trace + mahalanobis - a._event_size())
                + b._log_abs_det() - a._log_abs_det())


@_register_kl(MultivariateNormalDiag, MultivariateNormalDiag)
def _kl_mvn_diag(a: MultivariateNormalDiag, b: MultivariateNormalDiag,
                 name: Optional[str] = None) -> tf.Tensor:
    """``KL(a || b)`` of two diagonal multivariate normals, summed over the ``k`` axes."""
    with v1.name_scope(name, "kl_mvn_diag", [a.loc, b.loc, a.scale_diag, b.scale_diag]):
        ratio = tf.square(a.scale_diag / b.scale_diag)
        mahalanobis = tf.square((a.loc - b.loc) / b.scale_diag)
        return 0.5 * tf.reduce_sum(ratio + mahalanobis - 1.0 - tf.math.log(ratio), -1)
