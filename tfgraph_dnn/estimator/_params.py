"""Parameter declarations shared by the estimators (room: ``estimator``).

The ``_parameter_constraints`` of the estimators' constructor arguments
(scikit-learn validates them once per ``fit``), kept apart so the estimator
classes stay short.
"""
from __future__ import annotations

import numbers
import os

from sklearn.utils._param_validation import Interval, StrOptions

from .. import layers
from ..training import OPTIMIZERS
from ..training.schedules import SCHEDULES, Schedule
from ..training.transfer import WarmStartSettings

def _positive(kind=numbers.Real):
    return Interval(kind, 0, None, closed="neither")


def _non_negative(kind=numbers.Real):
    return Interval(kind, 0, None, closed="left")


PARAMETER_CONSTRAINTS: dict = {
    "n_hidden": [_non_negative(numbers.Integral)],
    "n_neurons": [_positive(numbers.Integral)],
    "hidden_layer_sizes": ["array-like", None],
    "activation": [StrOptions(set(layers.ACTIVATIONS)), callable],
    "initializer": [StrOptions(set(layers.INITIALIZERS)), callable],
    "optimizer": [StrOptions(set(OPTIMIZERS))],
    "learning_rate": [_positive()],
    "beta1": [Interval(numbers.Real, 0, 1, closed="left")],
    "beta2": [Interval(numbers.Real, 0, 1, closed="left")],
    "momentum": [Interval(numbers.Real, 0, 1, closed="left")],
    "batch_size": [_positive(numbers.Integral)],
    "n_epochs": [_positive(numbers.Integral)],
    "batch_norm_momentum": [Interval(numbers.Real, 0, 1, closed="left"), None],
    "dropout_rate": [Interval(numbers.Real, 0, 1, closed="left"), None],
    "l1": [_non_negative()],
    "l2": [_non_negative()],
    "max_norm": [_positive(), None],
    "gradient_clip_value": [_positive(), None],
    "gradient_clip_norm": [_positive(), None],
    "gradient_clip_global_norm": [_positive(), None],
    "lr_schedule": [StrOptions(set(SCHEDULES)), Schedule, None],
    "early_stopping": ["boolean"],
    "early_stopping_monitor": [StrOptions({"val_loss", "val_accuracy", "loss", "accuracy"})],
    "patience": [_positive(numbers.Integral)],
    "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
    "checkpoint_dir": [str, os.PathLike, None],
    "checkpoint_every": [_positive(numbers.Integral)],
    "resume": ["boolean"],
    "log_dir": [str, os.PathLike, None],
    "run_name": [str, None],
    "log_histograms": ["boolean"],
    "warm_start": ["boolean"],
    "warm_start_from": [str, os.PathLike, WarmStartSettings, None],
    "n_frozen": [_non_negative(numbers.Integral)],
    "cache_frozen": ["boolean"],
    "callbacks": [list, tuple, None],
    "n_threads": [_positive(numbers.Integral), None],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}
