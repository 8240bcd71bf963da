"""Build the canned models without TensorFlow's notices about the TF1 APIs they use on purpose.

``tf.compat.v1.feature_column``, ``tf.compat.v1.metrics.auc`` and the v1 optimizers print
"deprecated" notices, a Keras ``add_variable`` warning and (PR-AUC) a "Trapezoidal rule"
warning while a graph is built; the user can act on none of them (TF1's canned heads chose
these APIs), so the canned ``model_fn``s build inside :func:`quietly`.
"""
from __future__ import annotations

import contextlib
import logging
import warnings
from typing import Iterator

from ... import _tf


@contextlib.contextmanager
def quietly() -> Iterator[None]:
    """A block in which TensorFlow's Python warnings and deprecation notices are off.

    TensorFlow's logger level is restored afterwards (it is only raised, never lowered).
    """
    logger = logging.getLogger("tensorflow")
    previous = logger.level
    with _tf.deprecation_notices_silenced(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*add_variable.*is deprecated")
        warnings.filterwarnings("ignore", message=".*AUC.*may race", category=UserWarning)
        if logger.getEffectiveLevel() < logging.ERROR:
            logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            logger.setLevel(previous)
