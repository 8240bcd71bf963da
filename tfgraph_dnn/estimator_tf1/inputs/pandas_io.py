"""``tf.estimator.inputs.pandas_input_fn``: an input_fn over a DataFrame (TF 1.15 semantics)."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ._batches import batch_tensors


def _unique_target_key(frame, name: str) -> str:
    while name in frame:
        name += "_n"
    return name


def pandas_input_fn(x, y=None, batch_size: int = 128, num_epochs: int = 1, shuffle=None,
                    queue_capacity: int = 1000, num_threads: int = 1,
                    target_column: str = "target") -> Callable:
    """An ``input_fn`` feeding a pandas DataFrame's columns to an Estimator.

    Parameters
    ----------
    x : pandas.DataFrame
        One feature per column.
    y : pandas.Series or pandas.DataFrame, optional
        Labels, with the same index as ``x``; a DataFrame gives a dict of labels.
    batch_size : int, default 128
    num_epochs : int or None, default 1
    shuffle : bool
        Required.
    queue_capacity, num_threads : int
        Accepted for compatibility; unused by the queue-free pipeline.
    target_column : str, default "target"
        The name ``y`` takes while batched; must not be a column of ``x``.

    Raises
    ------
    ValueError
        ``shuffle`` not a bool, ``target_column`` already in ``x``, mismatched indexes.
    TypeError
        ``target_column`` not a string, or pandas missing.
    """
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is installed with the test extras
        raise TypeError("pandas_input_fn should not be called without pandas installed") \
            from None
    if not isinstance(shuffle, bool):
        raise ValueError("shuffle must be provided and explicitly set as boolean (it is "
                         f"recommended to set it as True for training); got {shuffle}")
    if not isinstance(target_column, str):
        raise TypeError("target_column must be a string type")
    if not isinstance(x, pd.DataFrame):
        raise TypeError(f"x must be a pandas DataFrame; got {type(x).__name__}")
    x = x.copy()
    label_columns = None
    if y is not None:
        if target_column in x:
            raise ValueError(f"Cannot use name {target_column} for target column: DataFrame "
                             f"already has a column with that name: {x.columns}")
        if not np.array_equal(x.index, y.index):
            raise ValueError(f"Index for x and y are mismatched.\nIndex for x: {x.index}\n"
                             f"Index for y: {y.index}\n")
        if isinstance(y, pd.DataFrame):
            label_columns = [(column, _unique_target_key(x, column)) for column in y]
            for column, name in label_columns:
                x[name] = y[column].values
        else:
            x[target_column] = y.values

    def input_fn():
        columns = list(x.columns)
        tensors = batch_tensors([x[c].to_numpy() for c in columns], batch_size, num_epochs,
                                shuffle)
        features = dict(zip(columns, tensors))
        if y is None:
            return features
        if label_columns is not None:
            return features, {column: features.pop(name) for column, name in label_columns}
        return features, features.pop(target_column)

    return input_fn
