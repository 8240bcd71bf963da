"""Labels and targets as users have them, checked first (room: ``estimator``).

:func:`labels_array` turns ``y`` -- a list, a NumPy array (object arrays
included), a pandas Series or DataFrame of any dtype (nullable ``Int64``,
``boolean``, ``string``, ``category``...) -- into a NumPy array of one kind of
value, or raises one ``ValueError`` naming ``y`` and the problem: missing
labels (``None``, ``NaN``, ``pd.NA``, ``NaT``) with their positions, labels of
mixed types (``"a"`` and ``1``: NumPy would silently turn ``1`` into ``"1"``),
bytes, or text targets for a regressor.  Labels keep their type: a nullable
``Int64`` column gives integer classes, not floats.
"""
from __future__ import annotations

import numbers
from typing import Optional

import numpy as np

_LISTED = 10


def _is_missing(value) -> bool:
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, (float, np.floating)) and value != value


def _kind(value) -> str:
    if isinstance(value, (str, np.str_)):
        return "str"
    if isinstance(value, (bytes, np.bytes_)):
        return "bytes"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (numbers.Integral, np.integer)):
        return "int"
    if isinstance(value, (numbers.Real, np.floating)):
        return "float"
    return type(value).__name__


def _positions(mask: np.ndarray) -> str:
    rows = [int(row) for row in np.flatnonzero(mask)]
    shown = ", ".join(str(row) for row in rows[:_LISTED])
    more = f", ... ({len(rows)} in all)" if len(rows) > _LISTED else ""
    return f"position{'s' if len(rows) > 1 else ''} {shown}{more}"


def _as_numpy(y):
    """``y`` as a NumPy array; pandas extension dtypes and Python lists as objects, so
    that no value is converted (or lost) before it is checked."""
    if isinstance(y, np.ndarray):
        return y
    module = type(y).__module__ or ""
    if module.startswith("pandas"):
        dtypes = list(y.dtypes) if hasattr(y, "columns") else [getattr(y, "dtype", None)]
        if all(isinstance(dtype, np.dtype) for dtype in dtypes):
            return np.asarray(y)
        return np.asarray(y, dtype=object)
    try:
        return np.asarray(y, dtype=object)
    except ValueError:  # ragged: scikit-learn's validation names the problem
        return None


def labels_array(y, name: str = "y", task: str = "classification") -> Optional[np.ndarray]:
    """``y`` as a NumPy array of one kind of value, checked.

    Parameters
    ----------
    y : array-like or None
        Labels (classification) or targets (regression); ``None`` is returned
        as is (scikit-learn's validation says that ``y`` is required).
    name : str, default="y"
        What the messages call it (``"y"``, ``"y_valid"``...).
    task : {"classification", "regression"}
        A regressor also refuses text.

    Returns
    -------
    ndarray or None
        Integers, floats or booleans when every value is one; strings stay an
        object array of ``str``.

    Raises
    ------
    ValueError
        Missing values (with their positions, counting from 0), mixed types,
        bytes, or (regression) text.
    """
    if y is None:
        return None
    array = _as_numpy(y)
    if array is None:
        return y
    what = "label" if task == "classification" else "target value"
    rows = (lambda mask: mask if mask.ndim == 1 else mask.reshape(len(mask), -1).any(axis=1))
    if array.dtype.kind == "f":
        missing = np.isnan(array)
        if array.ndim and missing.any():
            raise ValueError(f"{name} has missing {what}s (NaN) at "
                             f"{_positions(rows(missing))} (counting from 0); drop or fill "
                             "those rows")
        return array
    if array.dtype.kind != "O" or array.size == 0:
        if task == "regression" and array.dtype.kind in "US":
            raise ValueError(f"{name} holds text ({array.flat[0]!r}); a regressor needs "
                             "numeric targets")
        return array
    flat = array.ravel()
    missing = np.array([_is_missing(value) for value in flat]).reshape(array.shape)
    if missing.any():
        raise ValueError(f"{name} has missing {what}s (None, NaN or pd.NA) at "
                         f"{_positions(rows(missing) if array.ndim else missing)} (counting "
                         "from 0); drop or fill those rows")
    kinds = {}
    for value in flat:
        kinds.setdefault(_kind(value), value)
    numeric = set(kinds) <= {"int", "float"}
    if len(kinds) > 1 and not numeric:
        examples = ", ".join(f"{value!r} ({kind})" for kind, value in kinds.items())
        raise ValueError(f"{name} mixes {what} types: {examples}; use one type for all "
                         "(e.g. y.astype(str)), so that none is silently converted")
    if set(kinds) == {"bytes"}:
        raise ValueError(f"{name} holds bytes ({flat[0]!r}); decode the {what}s to str")
    if task == "regression" and "str" in kinds:
        raise ValueError(f"{name} holds text ({kinds['str']!r}); a regressor needs numeric "
                         "targets")
    if numeric or set(kinds) == {"bool"}:
        converted = np.array(flat.tolist())
        if converted.dtype.kind in "biuf":  # (Python ints beyond int64 stay objects)
            return converted.reshape(array.shape)
    return array
