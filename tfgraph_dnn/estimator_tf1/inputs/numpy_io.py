"""``tf.estimator.inputs.numpy_input_fn``: an input_fn over NumPy arrays (TF 1.15 semantics)."""
from __future__ import annotations

import collections
from typing import Callable

import numpy as np

from ._batches import batch_tensors

_DIRECT_KEY = "__direct_np_input_key__"
_TARGET_KEY = "__target_key__"


def _features_as_dict(x) -> "collections.OrderedDict":
    if isinstance(x, dict):
        if not x:
            raise ValueError("x cannot be an empty dict")
        return collections.OrderedDict(sorted((k, np.asarray(v)) for k, v in x.items()))
    if isinstance(x, np.ndarray):
        if x.size == 0:
            raise ValueError("x cannot be an empty array")
        return collections.OrderedDict([(_DIRECT_KEY, x)])
    raise TypeError(f"x must be a dict or array; got {type(x).__name__}")


def _unique_target_key(features: dict) -> str:
    key = _TARGET_KEY
    while key in features:
        key += "_n"
    return key


def numpy_input_fn(x, y=None, batch_size: int = 128, num_epochs: int = 1, shuffle=None,
                   queue_capacity: int = 1000, num_threads: int = 1) -> Callable:
    """An ``input_fn`` feeding dicts of NumPy arrays (or one array) to an Estimator.

    Parameters
    ----------
    x : dict of ndarray, or ndarray
        Features; an array is one unnamed feature (``features`` is then a tensor).
    y : ndarray or dict of ndarray, optional
        Labels.
    batch_size : int, default 128
    num_epochs : int or None, default 1
        ``None`` repeats forever.
    shuffle : bool
        Required (TF1 refused a default).
    queue_capacity, num_threads : int
        Accepted for compatibility; the queue-free pipeline needs neither.

    Returns
    -------
    callable
        ``input_fn()`` -> ``features`` or ``(features, labels)``.

    Raises
    ------
    ValueError
        ``shuffle`` not a bool; empty ``x``; ``x``/``y`` lengths differ; a key in both.
    """
    if not isinstance(shuffle, bool):
        raise ValueError("shuffle must be provided and explicitly set as boolean (it is "
                         f"recommended to set it as True for training); got {shuffle}")

    def input_fn():
        data = _features_as_dict(x)
        feature_keys = list(data)
        if y is None:
            target_keys = None
        elif isinstance(y, dict):
            if not y:
                raise ValueError("y cannot be empty dict, use None instead.")
            targets = collections.OrderedDict(sorted((k, np.asarray(v)) for k, v in y.items()))
            target_keys = list(targets)
            duplicates = set(feature_keys) & set(target_keys)
            if duplicates:
                raise ValueError(f"{len(duplicates)} duplicate keys are found in both x and y: "
                                 f"{duplicates}")
            data.update(targets)
        else:
            target_keys = _unique_target_key(data)
            data[target_keys] = np.asarray(y)
        if len({len(v) for v in data.values()}) != 1:
            x_shapes = {k: data[k].shape for k in feature_keys}
            if target_keys is None:
                y_shapes = None
            elif isinstance(target_keys, str):
                y_shapes = data[target_keys].shape
            else:
                y_shapes = {k: data[k].shape for k in target_keys}
            raise ValueError("Length of tensors in x and y is mismatched. All elements in x "
                             f"and y must have the same length.\nShapes in x: {x_shapes}\n"
                             f"Shapes in y: {y_shapes}\n")
        batch = dict(zip(data, batch_tensors(list(data.values()), batch_size, num_epochs,
                                             shuffle)))
        if isinstance(x, np.ndarray):
            features = batch[_DIRECT_KEY]
        else:
            features = {k: batch[k] for k in feature_keys}
        if target_keys is None:
            return features
        if isinstance(target_keys, str):
            return features, batch[target_keys]
        return features, {k: batch[k] for k in target_keys}

    return input_fn
