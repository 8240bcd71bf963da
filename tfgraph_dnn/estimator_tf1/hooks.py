"""The session-run hooks of ``tf.estimator`` / ``tf.train``: TensorFlow's own, re-exported.

TensorFlow 2 still ships ``tf.compat.v1.train``'s hook machinery and it runs in graph
mode unchanged, so the Estimator uses it as it is (nothing is re-implemented here).
"""
from __future__ import annotations

from .. import _tf

_train = _tf.tensorflow.compat.v1.train

SessionRunHook = _train.SessionRunHook
SessionRunArgs = _train.SessionRunArgs
SessionRunContext = _train.SessionRunContext
SessionRunValues = _train.SessionRunValues
LoggingTensorHook = _train.LoggingTensorHook
StopAtStepHook = _train.StopAtStepHook
CheckpointSaverHook = _train.CheckpointSaverHook
CheckpointSaverListener = _train.CheckpointSaverListener
StepCounterHook = _train.StepCounterHook
SummarySaverHook = _train.SummarySaverHook
NanTensorHook = _train.NanTensorHook
NanLossDuringTrainingError = _train.NanLossDuringTrainingError
GlobalStepWaiterHook = _train.GlobalStepWaiterHook
FinalOpsHook = _train.FinalOpsHook
FeedFnHook = _train.FeedFnHook
ProfilerHook = _train.ProfilerHook
SecondOrStepTimer = _train.SecondOrStepTimer

__all__ = ["SessionRunHook", "SessionRunArgs", "SessionRunContext", "SessionRunValues",
           "LoggingTensorHook", "StopAtStepHook", "CheckpointSaverHook",
           "CheckpointSaverListener", "StepCounterHook", "SummarySaverHook", "NanTensorHook",
           "NanLossDuringTrainingError", "GlobalStepWaiterHook", "FinalOpsHook", "FeedFnHook",
           "ProfilerHook", "SecondOrStepTimer"]
