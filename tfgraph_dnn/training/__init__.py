"""Training: optimizers, the loop and its callbacks (room: ``training``).

Depends on :mod:`tfgraph_dnn.model` (endpoints) and TensorFlow; never on the
estimator.
"""
from .. import _tf  # noqa: F401  (TensorFlow, imported quietly: see _tf)
from .hooks import Callback, Hook, ProgressPrinter
from .loop import TrainingState, evaluate, fit_loop, run_epoch
from .optimizers import OPTIMIZERS, build_train_op, make_optimizer

__all__ = ["Callback", "Hook", "OPTIMIZERS", "ProgressPrinter", "TrainingState", "build_train_op",
           "evaluate", "fit_loop", "make_optimizer", "run_epoch"]
