"""``import tfgraph_dnn.tf1 as tf``: TensorFlow 1's namespace on today's TensorFlow.

Everything of ``tf.compat.v1``, plus what TensorFlow 2 lost and ``tfgraph_dnn``
re-implements: ``tf.layers`` (all of TF1's layers, functions and classes),
``tf.contrib.layers``, ``tf.contrib.framework`` (``arg_scope``...) and
``tf.contrib.distributions`` (TF1's ``tf.distributions``).  A TF1 script runs by
changing its import line; ``from tfgraph_dnn.tf1.contrib.layers import
fully_connected`` works for the ``from`` form.  ``tfgraph-dnn migrate`` makes
that change for you.

**Importing this module switches the process to TF1 semantics** — that is its
purpose.  It calls ``tf.compat.v1.disable_v2_behavior()``: graph mode instead of
eager execution, reference variables, TF1's ``TensorShape`` (``shape[1].value``,
``dims[i].value``), v1 control flow, so ``tf.placeholder``, ``tf.Session`` and
``tf.reset_default_graph()`` work at a script's top level as in TF1.  It also
hides TensorFlow's deprecation notices (TF1 code uses deprecated APIs on
purpose) and, unless ``TF_CPP_MIN_LOG_LEVEL`` is set, TensorFlow's C++ start-up
notices.  Nothing else in ``tfgraph_dnn`` changes TensorFlow's mode: import
``tfgraph_dnn.layers`` / ``tfgraph_dnn.contrib`` instead to build TF1 graphs
inside ``with tf.Graph().as_default():`` in an otherwise eager (TF2) process.
"""
from __future__ import annotations

import logging as _logging
import os as _os
import sys as _sys
import types as _types

from .. import _quiet
from .. import tf1_api as _api

if "tensorflow" not in _sys.modules:
    _os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_tf = _quiet.import_tensorflow()
_v1 = _tf.compat.v1


def _enter_tf1_mode() -> None:
    """``disable_v2_behavior`` without its own "non-resource variables" notice."""
    logger = _logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(_logging.ERROR)
    try:
        _v1.disable_v2_behavior()
    finally:
        logger.setLevel(level)
    try:  # TF1 programs call deprecated functions on purpose; don't print a notice per call.
        from tensorflow.python.util import deprecation
        deprecation._PRINT_DEPRECATION_WARNINGS = False
    except (ImportError, AttributeError):  # pragma: no cover - internal module moved
        pass


_enter_tf1_mode()

from . import contrib  # noqa: E402  (registers tfgraph_dnn.tf1.contrib.layers & co.)

layers = _api.load(*_api.OVERRIDES["layers"])
_sys.modules[__name__ + ".layers"] = layers
__version__ = _tf.__version__


_NAMESPACE = __name__


class _CompatModule(_types.ModuleType):
    """``tf.compat`` whose ``v1`` is this namespace, so ``tf.compat.v1.layers`` works too."""

    def __getattr__(self, name):
        if name == "v1":
            return _sys.modules[_NAMESPACE]
        return getattr(_tf.compat, name)

    def __dir__(self):
        return sorted(set(dir(_tf.compat)) | {"v1"})


compat = _CompatModule(__name__ + ".compat", "``tf.compat`` with ``v1`` = tfgraph_dnn.tf1.")
_sys.modules[compat.__name__] = compat


def __getattr__(name: str):
    try:
        return getattr(_v1, name)
    except AttributeError:
        raise AttributeError(
            f"module 'tfgraph_dnn.tf1' has no attribute {name!r} (neither has "
            f"tf.compat.v1 on TensorFlow {_tf.__version__})") from None


def __dir__():
    return sorted(set(dir(_v1)) | {"layers", "contrib", "compat", "__version__"})
