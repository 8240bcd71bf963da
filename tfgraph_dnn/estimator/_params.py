"""Parameter declarations shared by the estimators (room: ``estimator``).

The ``_parameter_constraints`` of the estimators' constructor arguments
(scikit-learn validates them once per ``fit`` and ``partial_fit``), with upper
bounds where a larger value would overflow TensorFlow's int32 shapes, its
int64 step counter or float32; and which parameters shape the network's
variables (:func:`structural_changes`, what ``warm_start`` and ``partial_fit``
cannot change).  Kept apart so the
estimator classes stay short.
"""
from __future__ import annotations

import numbers
import os
from typing import Any, Dict, List

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .. import options
from ..training import OPTIMIZERS
from ..training.schedules import SCHEDULES, Schedule
from ..training.transfer import WarmStartSettings
from . import _scaling

MAX_LAYERS = 1000            # hidden layers (n_hidden, n_frozen, len(hidden_layer_sizes))
MAX_UNITS = 2 ** 31 - 1      # units of a layer, rows of a batch: TensorFlow's int32 shapes
MAX_EPOCHS = 10 ** 9         # epochs times steps per epoch must fit the int64 global step
MAX_THREADS = 4096
FLOAT32_MAX = float(np.finfo(np.float32).max)  # rates and penalties are float32 in the graph


def _positive(kind=numbers.Real, high=None):
    return Interval(kind, 0, high, closed="neither" if high is None else "right")


def _non_negative(kind=numbers.Real, high=None):
    return Interval(kind, 0, high, closed="left" if high is None else "both")


def _between(low: int, high: int):
    return Interval(numbers.Integral, low, high, closed="both")


#: Parameters that do not change what a fit computes, epoch by epoch: left out of a fit's
#: fingerprint (where it writes, how verbose, how long -- ``n_epochs`` may grow on resume).
NOT_SHAPING = frozenset({
    "n_epochs", "verbose", "log_dir", "run_name", "log_histograms", "checkpoint_dir",
    "checkpoint_every", "resume", "n_threads", "callbacks", "cache_frozen", "warm_start"})


def shaping_params(params: Dict[str, Any]) -> Dict[str, Any]:
    """``params`` without :data:`NOT_SHAPING`: what a fit's fingerprint digests."""
    return {name: value for name, value in params.items() if name not in NOT_SHAPING}


PARAMETER_CONSTRAINTS: dict = {
    "n_hidden": [_between(0, MAX_LAYERS)],
    "n_neurons": [_between(1, MAX_UNITS)],
    "hidden_layer_sizes": ["array-like", None],
    "activation": [StrOptions(set(options.ACTIVATIONS)), callable],
    "initializer": [StrOptions(set(options.INITIALIZERS)), callable],
    "optimizer": [StrOptions(set(OPTIMIZERS))],
    "learning_rate": [_positive(high=FLOAT32_MAX)],
    "beta1": [Interval(numbers.Real, 0, 1, closed="left")],
    "beta2": [Interval(numbers.Real, 0, 1, closed="left")],
    "momentum": [Interval(numbers.Real, 0, 1, closed="left")],
    "batch_size": [_between(1, MAX_UNITS)],
    "n_epochs": [_between(1, MAX_EPOCHS)],
    "batch_norm_momentum": [Interval(numbers.Real, 0, 1, closed="left"), None],
    "dropout_rate": [Interval(numbers.Real, 0, 1, closed="left"), None],
    "l1": [_non_negative(high=FLOAT32_MAX)],
    "l2": [_non_negative(high=FLOAT32_MAX)],
    "max_norm": [_positive(high=FLOAT32_MAX), None],
    "gradient_clip_value": [_positive(high=FLOAT32_MAX), None],
    "gradient_clip_norm": [_positive(high=FLOAT32_MAX), None],
    "gradient_clip_global_norm": [_positive(high=FLOAT32_MAX), None],
    "lr_schedule": [StrOptions(set(SCHEDULES)), Schedule, None],
    "early_stopping": ["boolean"],
    "early_stopping_monitor": [StrOptions({"val_loss", "val_accuracy", "loss", "accuracy"})],
    "patience": [_positive(numbers.Integral)],
    "min_delta": [_non_negative(high=FLOAT32_MAX)],
    "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
    "checkpoint_dir": [str, os.PathLike, None],
    "checkpoint_every": [_positive(numbers.Integral)],
    "resume": ["boolean"],
    "log_dir": [str, os.PathLike, None],
    "run_name": [str, None],
    "log_histograms": ["boolean"],
    "warm_start": ["boolean"],
    "warm_start_from": [str, os.PathLike, WarmStartSettings, None],
    "n_frozen": [_between(0, MAX_LAYERS)],
    "cache_frozen": ["boolean"],
    "reused_lr_multiplier": [_positive(high=1.0)],
    "feature_scaling": _scaling.CONSTRAINT,
    "callbacks": [list, tuple, None],
    "n_threads": [_between(1, MAX_THREADS), None],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}

# What fixes the network's variables (names, shapes, optimizer slots) or their meaning,
# and the parameters that set it: a continued fit cannot change these.
_STRUCTURE = {"hidden_layer_sizes": ("n_hidden", "n_neurons", "hidden_layer_sizes"),
              "batch_norm": ("batch_norm_momentum",), "activation": ("activation",),
              "optimizer": ("optimizer",), "n_frozen": ("n_frozen",),
              "learning_rate_variable": ("lr_schedule",),
              "feature_scaling": ("feature_scaling",),
              "reused_lr": ("reused_lr_multiplier",)}


def hidden_layer_sizes(params: Dict[str, Any]) -> tuple:
    """The units of ``hidden1 ... hiddenN`` from the parameters, checked.

    Raises
    ------
    ValueError
        For more than :data:`MAX_LAYERS` layers or sizes outside ``[1, MAX_UNITS]``.
    """
    sizes = params["hidden_layer_sizes"]
    if sizes is None:
        return (int(params["n_neurons"]),) * int(params["n_hidden"])
    sizes = tuple(sizes)
    if len(sizes) > MAX_LAYERS or not all(
            isinstance(s, numbers.Integral) and 0 < s <= MAX_UNITS for s in sizes):
        raise ValueError(f"hidden_layer_sizes must hold at most {MAX_LAYERS} integers in the "
                         f"range [1, {MAX_UNITS}], got {params['hidden_layer_sizes']!r}")
    return tuple(int(s) for s in sizes)


def _structure(params: Dict[str, Any]) -> Dict[str, Any]:
    schedule = params["lr_schedule"]
    return {"hidden_layer_sizes": hidden_layer_sizes(params),
            "batch_norm": params["batch_norm_momentum"] is not None,
            "activation": params["activation"], "optimizer": params["optimizer"],
            "n_frozen": int(params["n_frozen"]),
            "learning_rate_variable": getattr(schedule, "name", schedule) == "performance",
            # The inputs' meaning: a continued fit keeps the scaling its model was fitted with.
            "feature_scaling": _scaling.scaling_key(params.get("feature_scaling")),
            # A second optimizer (its own slots) for the reused layers, or none.
            "reused_lr": params.get("reused_lr_multiplier") not in (None, 1.0)}


def structural_changes(before: Dict[str, Any], after: Dict[str, Any]) -> List[str]:
    """The parameters whose change from ``before`` to ``after`` (both parameter
    dicts) changes the network's variables or what they mean."""
    old, new = _structure(before), _structure(after)
    changed: List[str] = []
    for key, names in _STRUCTURE.items():
        if old[key] != new[key]:
            changed += [name for name in names
                        if repr(before.get(name)) != repr(after.get(name))] or list(names)
    return changed
