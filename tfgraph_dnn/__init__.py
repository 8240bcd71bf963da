"""tfgraph_dnn: TensorFlow 1 graph-mode deep nets on today's TensorFlow.

``tfgraph_dnn.layers`` re-implements TF1's ``tf.layers`` and
``tfgraph_dnn.contrib`` the parts of ``tf.contrib.layers`` / ``framework`` real
code used, with TF1's names, in any TensorFlow mode; ``import tfgraph_dnn.tf1 as
tf`` is the one-import TF1 namespace (it switches the process to TF1 semantics,
nothing else here does); :class:`DNNClassifier` is a scikit-learn estimator over
the techniques of Hands-On ML chapter 11.

TensorFlow is imported lazily (on first use of one of these names), so the
command line answers quickly.  Importing this package changes nothing outside
it: no import hook, no environment variable, no logger, TensorFlow's mode
untouched.  When *this package* is the first to import TensorFlow it does so
quietly (see :mod:`tfgraph_dnn._quiet`; ``TF_CPP_MIN_LOG_LEVEL=0`` shows
everything).  The graph cache behind the estimators is visible and clearable:
:func:`clear_cache`.
"""
import importlib
from . import exceptions as _exceptions

__version__ = "0.1.0"

_LAZY = {
    "layers": ("tfgraph_dnn.layers", None),
    "contrib": ("tfgraph_dnn.contrib", None),
    "DNNClassifier": ("tfgraph_dnn.estimator", "DNNClassifier"),
    "DNNRegressor": ("tfgraph_dnn.estimator", "DNNRegressor"),
    "WarmStartSettings": ("tfgraph_dnn.storage", "WarmStartSettings"),
    "transfer": ("tfgraph_dnn.training.transfer", None),
    "exceptions": ("tfgraph_dnn.exceptions", None),
}
# Every exception class, as ``tfgraph_dnn.CheckpointError`` etc. (exceptions.py needs no
# TensorFlow: importing it here keeps its list the only one).
_LAZY.update({name: ("tfgraph_dnn.exceptions", name) for name in _exceptions.__all__})
__all__ = sorted(_LAZY) + ["__version__", "cache_info", "clear_cache"]


def clear_cache() -> None:
    """Forget the graphs the estimators keep for their next fits and close idle Sessions.

    Every fit of a new structure builds a graph; the estimators keep the last
    few (see :class:`tfgraph_dnn.training.cache.GraphCache`) with a few idle
    Sessions, so a search's next fit of the same structure skips building.
    Call this to free that memory, from any thread at any time; fitted
    estimators keep working (their own Sessions stay open, also while they
    predict), fits in progress finish on the graph they have, and the next fit
    builds again.  Does nothing (and
    imports nothing) when no estimator was used.
    """
    import sys
    cache_module = sys.modules.get("tfgraph_dnn.training.cache")
    if cache_module is not None:
        cache_module.GRAPH_CACHE.clear()


def cache_info() -> dict:
    """What the graph cache holds: ``graphs``, ``idle_sessions``, ``builds``, ``max_graphs``.

    All zero (and nothing imported) when no estimator was used.
    """
    import sys
    cache_module = sys.modules.get("tfgraph_dnn.training.cache")
    if cache_module is None:
        return {"graphs": 0, "idle_sessions": 0, "builds": 0, "max_graphs": 0}
    return cache_module.GRAPH_CACHE.info()


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'tfgraph_dnn' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__():
    return __all__
