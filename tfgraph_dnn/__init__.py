"""tfgraph_dnn: TensorFlow 1 graph-mode deep nets on today's TensorFlow.

``tfgraph_dnn.layers`` re-implements TF1's ``tf.layers`` and
``tfgraph_dnn.contrib`` the parts of ``tf.contrib.layers`` / ``framework`` real
code used, with TF1's names, in any TensorFlow mode; ``import tfgraph_dnn.tf1 as
tf`` is the one-import TF1 namespace (it switches the process to TF1 semantics,
nothing else here does); :class:`DNNClassifier` is a scikit-learn estimator over
the techniques of Hands-On ML chapter 11.

TensorFlow is imported lazily (on first use of one of these names), so the
command line answers quickly and can quiet TensorFlow's C++ logging first.
"""
import importlib

__version__ = "0.1.0"

_LAZY = {
    "layers": ("tfgraph_dnn.layers", None),
    "contrib": ("tfgraph_dnn.contrib", None),
    "DNNClassifier": ("tfgraph_dnn.estimator", "DNNClassifier"),
    "DNNRegressor": ("tfgraph_dnn.estimator", "DNNRegressor"),
    "WarmStartSettings": ("tfgraph_dnn.storage", "WarmStartSettings"),
    "transfer": ("tfgraph_dnn.training.transfer", None),
}
__all__ = sorted(_LAZY) + ["__version__"]


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
