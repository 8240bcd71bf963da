"""tfgraph_dnn: TensorFlow 1 graph-mode deep nets on today's TensorFlow.

``tfgraph_dnn.layers`` re-implements TF1's ``tf.layers`` and
``tfgraph_dnn.contrib`` the parts of ``tf.contrib.layers`` / ``framework`` real
code used, with TF1's names, in any TensorFlow mode; ``import tfgraph_dnn.tf1 as
tf`` is the one-import TF1 namespace (it switches the process to TF1 semantics,
nothing else here does); :class:`DNNClassifier` is a scikit-learn estimator over
the techniques of Hands-On ML chapter 11.

TensorFlow is imported lazily (on first use of one of these names), so the
command line answers quickly.  Importing this package quiets TensorFlow (see
:mod:`tfgraph_dnn._quiet`): its start-up notices, the "no GPU" error of the
first Session and the deprecation notices of the TF1 APIs used here are not
printed, in this process and in workers that unpickle an estimator.
``TF_CPP_MIN_LOG_LEVEL=0`` shows everything.  It does not change TensorFlow's
mode (eager stays eager) nor touch what the user's code prints.
"""
import importlib

from . import _quiet

_quiet.install()

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
