"""``tf.estimator.inputs``: ``numpy_input_fn`` and ``pandas_input_fn`` (TF 1.15)."""
from .numpy_io import numpy_input_fn  # noqa: F401
from .pandas_io import pandas_input_fn  # noqa: F401

__all__ = ["numpy_input_fn", "pandas_input_fn"]
