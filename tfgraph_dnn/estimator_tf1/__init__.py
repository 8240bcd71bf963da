"""TF 1.15's ``tf.estimator`` on ``tf.compat.v1`` primitives (served as ``tf1.estimator``).

``Estimator``, ``EstimatorSpec``, ``ModeKeys``, ``RunConfig``, ``TrainSpec`` / ``EvalSpec`` /
``train_and_evaluate``, ``WarmStartSettings``, ``inputs`` (``numpy_input_fn``,
``pandas_input_fn``), ``export`` (serving receivers and outputs), the exporters and the
session-run hooks; the canned estimators (``DNNClassifier``...) come from
:mod:`tfgraph_dnn.estimator_tf1.canned`, loaded on first use.  Importing this package
builds no graph and changes no TensorFlow mode: every Estimator call builds its own
``tf.Graph``.
"""
from __future__ import annotations

import importlib

from . import experimental, export, inputs  # noqa: F401
from .estimator import Estimator  # noqa: F401
from .extenders import add_metrics  # noqa: F401
from .exporter import BestExporter, Exporter, FinalExporter, LatestExporter  # noqa: F401
from .hooks import (CheckpointSaverHook, CheckpointSaverListener, FeedFnHook,  # noqa: F401
                    FinalOpsHook, GlobalStepWaiterHook, LoggingTensorHook,
                    NanLossDuringTrainingError, NanTensorHook, ProfilerHook, SecondOrStepTimer,
                    SessionRunArgs, SessionRunContext, SessionRunHook, SessionRunValues,
                    StepCounterHook, StopAtStepHook, SummarySaverHook)
from .hooks import __all__ as _HOOKS
from .model_fn import EstimatorSpec, ModeKeys  # noqa: F401
from .run_config import RunConfig  # noqa: F401
from .training import EvalSpec, TrainSpec, train_and_evaluate  # noqa: F401
from .warm_starting import VocabInfo, WarmStartSettings  # noqa: F401

__all__ = ["Estimator", "add_metrics", "EstimatorSpec", "ModeKeys", "RunConfig", "TrainSpec", "EvalSpec",
           "train_and_evaluate", "WarmStartSettings", "VocabInfo", "Exporter",
           "FinalExporter", "LatestExporter", "BestExporter", "export", "inputs",
           "experimental", *_HOOKS]


def _canned():
    return importlib.import_module(__name__ + ".canned")


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        canned = _canned()
    except ImportError:
        canned = None
    if canned is not None and hasattr(canned, name):
        return getattr(canned, name)
    raise AttributeError(f"tf.estimator.{name} is not provided by tfgraph_dnn "
                         f"(module {__name__!r} has no attribute {name!r})")


def __dir__():
    names = set(globals()) | set(__all__)
    try:
        names |= set(getattr(_canned(), "__all__", ()))
    except ImportError:
        pass
    return sorted(names)
