"""JSON encoding of parameters and fitted attributes (``estimator.json``), never pickle.

Arrays become ``{"__ndarray__": [...], "dtype": "<f4"}``, tuples
``{"__tuple__": [...]}`` and :class:`~tfgraph_dnn.storage.reading.WarmStartSettings`
``{"__warm_start__": {...}}``; everything else must already be JSON (names,
numbers, strings, lists, dicts).  NumPy's RandomState is kept as its state list.
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from .reading import WarmStartSettings


def encode(value: Any, what: str) -> Any:
    """JSON-safe form of a parameter or fitted attribute (arrays keep their dtype).

    Parameters
    ----------
    value : object
    what : str
        Names the value in errors ("parameter activation").

    Raises
    ------
    ValueError
        ``value`` cannot be saved without pickling (a function, an object...).
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            if not all(isinstance(item, str) for item in value.ravel()):
                raise ValueError(f"Cannot save {what}: an object array of non-strings.")
            value = value.astype(str)
        if value.dtype.kind not in "biufU":
            raise ValueError(f"Cannot save {what}: arrays of dtype {value.dtype} are not "
                             "supported.")
        return {"__ndarray__": value.tolist(), "dtype": value.dtype.str}
    if isinstance(value, WarmStartSettings):
        return {"__warm_start__": {
            "ckpt_to_initialize_from": os.fspath(value.ckpt_to_initialize_from),
            "vars_to_warm_start": encode(value.vars_to_warm_start, what),
            "var_name_to_prev_var_name": dict(value.var_name_to_prev_var_name)}}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(item, what) for item in value]}
    if isinstance(value, list):
        return [encode(item, what) for item in value]
    if isinstance(value, dict):
        return {str(key): encode(item, what) for key, item in value.items()}
    raise ValueError(f"Cannot save {what}={value!r}: only names, numbers, strings and "
                     "arrays are saved (e.g. pass activation='relu' rather than a function).")


# The largest array element a description may declare (a long label is a few KiB).
_MAX_ITEMSIZE = 1 << 20


def _array(value: Any) -> np.ndarray:
    """An encoded array; any malformed one (unknown or huge dtype, values out of its
    range, ragged nesting) is a ``ValueError``."""
    try:
        dtype = np.dtype(value["dtype"])
        if dtype.kind not in "biufU" or dtype.itemsize > _MAX_ITEMSIZE:
            raise ValueError(f"unsupported array dtype {value['dtype']!r}")
        return np.asarray(value["__ndarray__"], dtype=dtype)
    except (TypeError, KeyError, OverflowError, RecursionError) as error:
        raise ValueError(f"malformed array ({error})") from error


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return _array(value)
        if "__tuple__" in value:
            return tuple(_decode(item) for item in value["__tuple__"])
        if "__warm_start__" in value:
            return WarmStartSettings(**value["__warm_start__"])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def decode(value: Any) -> Any:
    """Inverse of :func:`encode`.

    Raises
    ------
    TypeError, ValueError
        A malformed encoding (the caller names the file).
    """
    try:
        return _decode(value)
    except RecursionError as error:
        raise ValueError("nested too deeply") from error


def rng_to_json(rng: np.random.RandomState) -> list:
    """The state of a NumPy ``RandomState`` as a JSON list."""
    kind, keys, pos, has_gauss, cached = rng.get_state()
    return [kind, keys.tolist(), int(pos), int(has_gauss), float(cached)]


def rng_from_json(saved: list) -> np.random.RandomState:
    """Rebuild a ``RandomState`` exactly where :func:`rng_to_json` left it.

    Raises
    ------
    TypeError, ValueError
        ``saved`` is not such a state.
    """
    rng = np.random.RandomState()
    try:
        kind, keys, pos, has_gauss, cached = saved
        rng.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    except (OverflowError, IndexError, KeyError, RecursionError) as error:
        raise ValueError(f"not a RandomState state ({error})") from error
    return rng
