"""Numbers checked in the dtype the network computes in: float32 (room: ``estimator``).

A value that is fine in float64 can overflow to ``inf``, underflow to ``0`` or
a denormal, or round to the end of its interval once it becomes a float32
knob or input of the graph: a learning rate of ``1e-50`` trains nothing, a
``beta1`` of ``1 - 1e-10`` is ``1.0`` (Adam divides by zero), a column of
``1e-300`` values is all zeros.  Each check here raises one ``ValueError``
naming the parameter or the column, before any training.

* :func:`check_float_params` -- the float parameters that become float32 knobs;
* :func:`check_input_range` -- raw data (``X``, ``X_valid``, ``predict``'s
  ``X``): finite values beyond float32's range, and columns that are not
  constant in float64 but are in float32;
* :func:`check_scaled_columns` -- the fitted scaling and the training data as
  the graph scales it (``(X - offset) / scale`` in float32).
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Mapping, Optional, Sequence

import numpy as np

FLOAT32 = np.finfo(np.float32)
FLOAT32_MAX = float(FLOAT32.max)
FLOAT32_TINY = float(FLOAT32.tiny)  # smallest normal float32; below: denormals, then 0
#: Largest |input| the network takes: its square (batch-norm variance, squared error,
#: l2 of activations) still fits float32.
MAX_INPUT = math.sqrt(FLOAT32_MAX)

# Float parameters that become float32 knobs, and whether their interval is [0, 1).
_BELOW_ONE = ("beta1", "beta2", "momentum", "batch_norm_momentum", "dropout_rate")
_UNBOUNDED = ("learning_rate", "l1", "l2", "max_norm", "gradient_clip_value",
              "gradient_clip_norm", "gradient_clip_global_norm", "reused_lr_multiplier")
FLOAT32_PARAMS = _BELOW_ONE + _UNBOUNDED
_ACCURACY_MONITORS = ("accuracy", "val_accuracy")


def float32_problem(value: float) -> Optional[str]:
    """Why ``value`` is not faithfully a float32 (``None`` when it is).

    A non-zero value must stay finite, non-zero and normal (no denormal: they
    lose precision and are flushed to zero by some CPU kernels).
    """
    value = float(value)
    if not math.isfinite(value):
        return "is not finite"
    if abs(value) > FLOAT32_MAX:
        return f"overflows float32 (largest {FLOAT32_MAX:.4g})"
    if value != 0 and abs(value) < FLOAT32_TINY:
        becomes = float(np.float32(value))
        return (f"underflows float32 (becomes {becomes!r}; smallest normal "
                f"{FLOAT32_TINY:.4g})")
    return None


def check_float_params(params: Mapping[str, Any], task: Optional[str] = None) -> None:
    """Refuse float parameters that the graph's float32 knobs cannot hold.

    Parameters
    ----------
    params : mapping
        ``get_params(deep=False)`` of an estimator (already checked against its
        ``_parameter_constraints``).
    task : {'classification', 'regression'}, optional
        Accuracy monitors of early stopping are a classifier's only.

    Raises
    ------
    ValueError
        Naming the parameter: a value that overflows or underflows float32,
        or one of an interval ``[0, 1)`` that rounds to 1 in float32.
    """
    for name in FLOAT32_PARAMS:
        value = params.get(name)
        if value is None or not isinstance(value, numbers.Real):
            continue
        problem = float32_problem(value)
        if problem is None and name in _BELOW_ONE and np.float32(value) >= 1:
            problem = "rounds to 1.0 in float32 (it must stay below 1)"
        if problem is not None:
            raise ValueError(f"{name}={value!r} {problem}: the network computes in float32.")
    monitor = params.get("early_stopping_monitor")
    if task == "regression" and params.get("early_stopping") and monitor in _ACCURACY_MONITORS:
        raise ValueError(f"early_stopping_monitor={monitor!r} is a classifier's only; a "
                         "regressor monitors 'val_loss' or 'loss'.")


def column_name(index: int, names: Optional[Sequence[Any]] = None) -> str:
    """``"column 3 ('age')"`` or ``"column 3"`` (0-based, as NumPy indexes it)."""
    if names is not None and index < len(names):
        return f"column {index} ({names[index]!r})"
    return f"column {index}"


def _float_array(X) -> Optional[np.ndarray]:
    """``X`` as a 2-D float array without losing precision, or ``None`` (not numeric:
    scikit-learn's validation names that problem)."""
    if hasattr(X, "dtypes") and hasattr(X, "columns"):  # a DataFrame: one column at a time
        try:
            X = np.column_stack([np.asarray(X[column], dtype=np.float64) for column in X.columns])
        except (TypeError, ValueError):
            return None
    try:
        array = np.asarray(X)
    except Exception:  # noqa: BLE001 - scikit-learn's validation reports it
        return None
    if array.ndim != 2 or array.dtype.kind not in "fiu" or array.size == 0:
        return None
    return array


def _names_of(X, names: Optional[Sequence[Any]]) -> Optional[Sequence[Any]]:
    if names is not None:
        return list(names)
    columns = getattr(X, "columns", None)
    return None if columns is None else [str(column) for column in columns]


def check_input_range(X, source: str = "X", names: Optional[Sequence[Any]] = None) -> None:
    """Refuse finite values that float32 cannot hold, naming the column.

    Parameters
    ----------
    X : array-like or DataFrame
        Raw data, before it is cast to float32 (anything not numeric and 2-D
        is left to scikit-learn's validation).
    source : str
        ``"X"``, ``"X_valid"``...: for the message.
    names : sequence, optional
        Column names (a DataFrame's are used when not given).

    Raises
    ------
    ValueError
        A column holds a finite value beyond float32's range, or is not
        constant but becomes constant in float32 (its values differ by less
        than float32 resolves, e.g. all in ``1e-300``): the network would see
        one value.
    """
    array = _float_array(X)
    if array is None or np.can_cast(array.dtype, np.float32, casting="safe"):
        return  # float32 and small integers are exact (NaN/inf: scikit-learn says so)
    names = _names_of(X, names)
    magnitude, low, high = _column_extremes(array)
    for index in np.flatnonzero(magnitude > FLOAT32_MAX):
        raise ValueError(
            f"{source} {column_name(index, names)} holds {magnitude[index]:.4g}, beyond "
            f"float32's range (±{FLOAT32_MAX:.4g}), the dtype the network computes in; "
            "rescale the data.")
    with np.errstate(over="ignore"):
        collapsed = (low < high) & (low.astype(np.float32) == high.astype(np.float32))
    for index in np.flatnonzero(collapsed):
        raise ValueError(
            f"{source} {column_name(index, names)} ranges from {low[index]:.6g} to "
            f"{high[index]:.6g}, which float32 (the dtype the network computes in) cannot "
            "tell apart: the network would see one value; rescale the data.")


def _column_extremes(array: np.ndarray, rows_per_chunk: int = 1 << 14):
    """Per column: the largest finite magnitude, the smallest and the largest finite
    value (``inf``/``-inf`` for a column without finite values), over row chunks."""
    n_columns = array.shape[1]
    magnitude = np.zeros(n_columns)
    low, high = np.full(n_columns, np.inf), np.full(n_columns, -np.inf)
    for start in range(0, len(array), rows_per_chunk):
        chunk = array[start:start + rows_per_chunk].astype(np.float64, copy=False)
        finite = np.isfinite(chunk)
        magnitude = np.maximum(magnitude, np.where(finite, np.abs(chunk), 0).max(axis=0))
        low = np.minimum(low, np.where(finite, chunk, np.inf).min(axis=0))
        high = np.maximum(high, np.where(finite, chunk, -np.inf).max(axis=0))
    return magnitude, low, high


def check_scaled_columns(X: np.ndarray, offset: np.ndarray, scale: np.ndarray,
                         how: Any, names: Optional[Sequence[Any]] = None) -> None:
    """Refuse a scaling whose float32 values or results the network cannot use.

    The graph computes ``(X - offset) / scale`` in float32; both are monotonic
    in ``X``, so each column's scaled extremes are those of its raw extremes.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float32
        The training data as the network receives it.
    offset, scale : ndarray of shape (n_features,)
        The fitted ``feature_offset_`` and ``feature_scale_`` (float64).
    how : object
        The ``feature_scaling`` parameter, for the message.
    names : sequence, optional
        Column names.

    Raises
    ------
    ValueError
        Naming ``feature_scaling`` and the column: an offset or scale that
        float32 cannot hold (overflow; a scale that underflows to zero or a
        denormal), or a column whose scaled values are not finite, exceed
        :data:`MAX_INPUT`, underflow, or are one value where the raw column
        has several.
    """
    label = f"feature_scaling={how!r}" if isinstance(how, str) else "feature_scaling"
    for index in range(len(offset)):
        for part, values in (("offset", offset), ("scale", scale)):
            problem = float32_problem(values[index])
            if problem is None and part == "scale" and np.float32(values[index]) == 0:
                problem = "is zero"
            if problem is not None:
                raise ValueError(f"{label}: the {part} of {column_name(index, names)} "
                                 f"({values[index]:.4g}) {problem}.")
    if X.size == 0:
        return
    X = np.asarray(X, dtype=np.float32)
    low, high = X.min(axis=0), X.max(axis=0)
    offset32, scale32 = np.float32(offset), np.float32(scale)
    with np.errstate(all="ignore"):
        ends = np.stack([(low - offset32) / scale32, (high - offset32) / scale32])
    for index in range(X.shape[1]):
        first, last = (float(value) for value in ends[:, index])
        largest = max(abs(first), abs(last))
        column = column_name(index, names)
        if not largest <= MAX_INPUT:  # inf and NaN too
            problem = (f"scales its values to {largest:.4g}, beyond what the network "
                       f"computes with in float32 (|x| <= {MAX_INPUT:.4g})")
        elif low[index] < high[index] and first == last:
            problem = (f"scales its values ({low[index]:.6g} to {high[index]:.6g}) to the one "
                       f"value {first:.6g} in float32")
        elif low[index] < high[index] and largest < FLOAT32_TINY:
            problem = (f"scales its values to at most {largest:.4g}, below float32's normal "
                       "range (the network would see zeros)")
        else:
            continue
        raise ValueError(f"{label}: {column} {problem}; the offset is {offset[index]:.6g}, "
                         f"the scale {scale[index]:.6g}.")
