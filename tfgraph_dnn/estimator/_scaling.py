"""The ``feature_scaling`` parameter: its constraint and the fitted offset and scale.

Room: ``estimator``.  A model carries its input preprocessing: the estimator
fits ``feature_offset_`` and ``feature_scale_`` (arrays of ``n_features_in_``)
from the training ``X`` once per new model, and the net applies
``(X - offset) / scale`` inside its graph (:func:`tfgraph_dnn.model.scale_features`),
so predictions, exports and saved models take raw features.

``feature_scaling`` is one of

* ``None`` -- no scaling (the graph has no scaling variables);
* ``"standard"`` -- offset the mean, scale the standard deviation (``ddof=0``,
  as scikit-learn's ``StandardScaler``) of each feature, a zero deviation
  counting as 1;
* ``"minmax"`` -- offset the minimum, scale the range (to ``[0, 1]``), a zero
  range counting as 1;
* a pair ``(offset, scale)`` of numbers or 1-D arrays of ``n_features``
  values, fixed by the user (``(0, 255)`` for raw pixels).
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np
from sklearn.utils._param_validation import Options, StrOptions

from ..model import SCALING_OFFSET, SCALING_SCALE
from ._float32 import check_scaled_columns, float32_problem

STANDARD = "standard"
MINMAX = "minmax"
FIXED = "fixed"  # a user's (offset, scale) pair


def _as_values(value: Any) -> Optional[np.ndarray]:
    """A number or a 1-D array-like of finite reals as a float64 array, else ``None``."""
    if isinstance(value, (str, bytes, bool, np.bool_)):
        return None
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if array.ndim > 1 or array.size == 0 or not np.all(np.isfinite(array)):
        return None
    return array


def _pair(value: Any) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """``(offset, scale)`` as float64 arrays if ``value`` is a valid pair, else ``None``."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return None
    offset, scale = (_as_values(item) for item in value)
    if offset is None or scale is None or np.any(scale == 0):
        return None
    if offset.ndim == scale.ndim == 1 and offset.shape != scale.shape:
        return None
    return offset, scale


class ScalingPair(Options):
    """scikit-learn parameter constraint: a valid ``(offset, scale)`` pair.

    (An :class:`~sklearn.utils._param_validation.Options` because scikit-learn
    accepts only its own constraint classes; the test is :meth:`is_satisfied_by`.)
    """

    def __init__(self):
        super().__init__((tuple, list), set())

    def is_satisfied_by(self, val) -> bool:
        return _pair(val) is not None

    def __str__(self) -> str:
        return ("a pair (offset, scale) of finite numbers or 1-D arrays of one length, "
                "scale non-zero")


#: The entry of ``_parameter_constraints``.
CONSTRAINT = [StrOptions({STANDARD, MINMAX}), ScalingPair(), None]


def scaling_kind(param: Any) -> Optional[str]:
    """``None``, ``"standard"``, ``"minmax"`` or ``"fixed"`` (a pair)."""
    if param is None:
        return None
    return param if isinstance(param, str) else FIXED


def describe_scaling(param: Any) -> Optional[str]:
    """The parameter as one short string (for TensorBoard's HParams): the name, the
    pair of numbers, or ``"(per-feature offset, per-feature scale)"``-like text."""
    if scaling_kind(param) != FIXED:
        return param
    pair = _pair(param)
    if pair is None:
        return repr(param)
    parts = [f"{float(part):g}" if part.ndim == 0 else f"per-feature {name}"
             for name, part in zip(("offset", "scale"), pair)]
    return f"({parts[0]}, {parts[1]})"


def scaling_key(param: Any) -> Any:
    """A comparable form of the parameter: what a continued fit may not change."""
    if scaling_kind(param) != FIXED:
        return param
    pair = _pair(param)
    return (FIXED,) + tuple(part.tolist() for part in pair) if pair else repr(param)


def fit_scaling(X: np.ndarray, param: Any, names=None) -> Dict[str, np.ndarray]:
    """The fitted attributes ``feature_offset_`` and ``feature_scale_`` (float64,
    shape ``(n_features,)``) for training data ``X``; ``{}`` without scaling.

    The values are checked in float32, the dtype the graph scales in
    (:func:`~._float32.check_scaled_columns`), on ``X`` as the network receives it.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The training data (float32, as validated for the network).
    param : object
        The ``feature_scaling`` parameter.
    names : sequence, optional
        Column names, for the messages.

    Raises
    ------
    ValueError
        A pair whose arrays do not have one value per feature; an offset or
        scale float32 cannot hold; a column the scaling makes non-finite, too
        large, zero or constant in float32 (the message names the column).
    """
    kind = scaling_kind(param)
    if kind is None:
        return {}
    n_features = X.shape[1]
    if kind == STANDARD:
        offset, scale = _mean_and_std(X)
    elif kind == MINMAX:
        offset = X.min(axis=0).astype(np.float64)
        scale = X.max(axis=0).astype(np.float64) - offset
    else:
        pair = _pair(param)
        for name, part in zip(("offset", "scale"), pair):
            if part.ndim == 1 and len(part) != n_features:
                raise ValueError(f"feature_scaling: the {name} has {len(part)} values but X "
                                 f"has {n_features} features.")
            _check_part(name, part)
        offset, scale = (np.broadcast_to(part, (n_features,)).astype(np.float64)
                         for part in pair)
    if kind != FIXED:
        scale = np.where(scale == 0, 1.0, scale)  # a constant feature is only centred
    check_scaled_columns(X, offset, scale, param, names)
    return {"feature_offset_": offset, "feature_scale_": scale}


def _check_part(name: str, part: np.ndarray) -> None:
    """A user's offset or scale (one number: not per column) as float32 can hold it."""
    if part.ndim:
        return  # per-feature values: check_scaled_columns names the column
    value = float(part)
    problem = float32_problem(value)
    if problem is None and name == "scale" and np.float32(value) == 0:
        problem = "is zero in float32"
    if problem is not None:
        raise ValueError(f"feature_scaling: the {name} {value!r} {problem}; the network "
                         "scales its inputs in float32.")


def _mean_and_std(X: np.ndarray, rows_per_chunk: int = 1 << 16):
    """Per-feature mean and standard deviation (``ddof=0``) in float64, two passes over
    row chunks: no float64 copy of a large ``X`` (NumPy's results for one chunk)."""
    chunks = [X[start:start + rows_per_chunk] for start in range(0, len(X), rows_per_chunk)]
    mean = sum(chunk.sum(axis=0, dtype=np.float64) for chunk in chunks) / len(X)
    squares = sum(np.square(chunk - mean).sum(axis=0) for chunk in chunks)
    return mean, np.sqrt(squares / len(X))


def scaling_values(attributes: Dict[str, Any]) -> Dict[str, np.ndarray]:
    """``{variable name: float32 array}`` of the scaling variables, from the fitted
    attributes (what a fit assigns after initializing the graph)."""
    return {SCALING_OFFSET: np.asarray(attributes["feature_offset_"], np.float32),
            SCALING_SCALE: np.asarray(attributes["feature_scale_"], np.float32)}


def check_scaling_attributes(attributes: Dict[str, Any], param: Any) -> None:
    """Refuse fitted attributes that do not describe the scaling ``param`` asks for.

    Raises
    ------
    ValueError
        Missing (or unexpected) ``feature_offset_`` / ``feature_scale_``, or not
        finite vectors of ``n_features_in_`` values with a non-zero scale.
    """
    present = [name for name in ("feature_offset_", "feature_scale_") if name in attributes]
    if scaling_kind(param) is None:
        if present:
            raise ValueError(f"{present} without feature_scaling")
        return
    n_features = int(attributes["n_features_in_"])
    for name in ("feature_offset_", "feature_scale_"):
        value = np.asarray(attributes.get(name, ()), dtype=np.float64)
        if value.shape != (n_features,) or not np.all(np.isfinite(value)):
            raise ValueError(f"{name} must hold {n_features} finite values")
    if np.any(np.asarray(attributes["feature_scale_"]) == 0):
        raise ValueError("feature_scale_ must be non-zero")
