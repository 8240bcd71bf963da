"""What ``tfgraph-dnn search`` samples, and which of a candidate's values to show (room: ``cli``).

The space is one sub-space per optimizer family (scikit-learn's
``ParameterSampler`` takes a list of dicts: it picks one dict, then samples
it), so a candidate only ever holds the hyper-parameters of its own optimizer
-- Adam's betas, or the momentum of momentum, Nesterov and RMSProp -- each
with a learning-rate range that optimizer trains well in (Adam and RMSProp
diverge at rates SGD with momentum needs).  The first candidate of every
search is ``train``'s own defaults (:func:`default_candidate`), so the search
starts from the model a plain ``train`` would fit, and
:func:`choose_candidate` replaces it only by a candidate that beats it on
the same folds by more than the folds' noise.

Which hyper-parameter applies to which optimizer comes from one table,
:data:`tfgraph_dnn.training.optimizers.OPTIMIZER_PARAMS` (imported when used:
the command has imported TensorFlow by then).
"""
from __future__ import annotations

import argparse
from typing import List, Mapping

import numpy as np

from .common import add_model_flags

#: The searched parameters shared by every optimizer (the net and its regularization).
SHARED_NAMES = ("n_hidden", "n_neurons", "activation", "batch_size", "lr_schedule",
                "batch_norm_momentum", "dropout_rate")


def _shared() -> dict:
    from scipy.stats import randint

    return {
        "n_hidden": randint(1, 6),                     # 1..5
        "n_neurons": randint(30, 151),                 # 30..150
        "activation": ["relu", "elu", "selu", "leaky_relu"],
        "batch_size": [32, 64, 128],
        "lr_schedule": [None, "exponential", "power", "performance", "1cycle"],
        "batch_norm_momentum": [None, 0.9, 0.99],
        "dropout_rate": [None, 0.1, 0.2],
    }


def search_space(prefix: str = "") -> List[dict]:
    """The sub-spaces sampled for ``<prefix><parameter>``, one per optimizer family.

    Lists are sampled uniformly, scipy distributions by their ``rvs``.

    Returns
    -------
    list of dict
        For ``ParameterSampler`` / ``RandomizedSearchCV``'s ``param_distributions``.
    """
    from scipy.stats import loguniform

    families = [
        {"optimizer": ["adam"], "learning_rate": loguniform(1e-4, 1e-2),
         "beta1": [0.85, 0.9, 0.95], "beta2": [0.99, 0.999, 0.9999]},
        {"optimizer": ["rmsprop"], "learning_rate": loguniform(1e-4, 1e-2),
         "momentum": [0.0, 0.9]},
        {"optimizer": ["momentum", "nesterov"], "learning_rate": loguniform(1e-3, 1e-1),
         "momentum": [0.9, 0.95]},
    ]
    return [{f"{prefix}{name}": values for name, values in {**_shared(), **family}.items()}
            for family in families]


def searched_names(space: List[dict]) -> set:
    """Every parameter name some sub-space of ``space`` samples."""
    return {name for sub_space in space for name in sub_space}


def default_candidate(prefix: str = "") -> dict:
    """``train``'s defaults for every parameter the search samples (``<prefix><name>``).

    Taken from ``train``'s own flag defaults, so the two cannot drift apart.
    """
    parser = argparse.ArgumentParser(add_help=False)
    add_model_flags(parser)
    defaults = vars(parser.parse_args([]))
    from ..training.optimizers import OPTIMIZER_PARAMS

    names = set(SHARED_NAMES) | {"optimizer", "learning_rate"} | \
        set(OPTIMIZER_PARAMS[defaults["optimizer"]])
    return {f"{prefix}{name}": defaults[name] for name in sorted(names)}


def applicable_params(params: Mapping[str, object]) -> dict:
    """``params`` without the optimizer hyper-parameters its ``optimizer`` does not use.

    E.g. no ``beta1``/``beta2`` beside ``optimizer="rmsprop"``, no ``momentum``
    beside ``optimizer="adam"``.  Without an ``optimizer`` key, ``params`` as it is.
    """
    from ..training.optimizers import OPTIMIZER_PARAMS

    optimizer = params.get("optimizer")
    if optimizer not in OPTIMIZER_PARAMS:
        return dict(params)
    every = {name for names in OPTIMIZER_PARAMS.values() for name in names}
    return {name: value for name, value in params.items()
            if name not in every or name in OPTIMIZER_PARAMS[optimizer]}


def choose_candidate(cv_results: Mapping[str, object]) -> int:
    """The search's pick (``refit`` of ``GridSearchCV``): the first candidate (train's
    defaults) unless another beats it by more than the noise of the folds.

    On each fold ``k`` the gain of candidate ``c`` is ``score[c, k] - score[0, k]``
    (the same rows, so the comparison is paired); ``c`` qualifies when its mean
    gain exceeds one standard error of those gains.  Of the qualifying
    candidates the one with the best mean score is chosen; none: candidate 0.
    On a few hundred validation rows a CV winner by a hair is as likely to lose
    on new data as to win, and the plain model is the one a user would
    otherwise have.  If candidate 0 failed (NaN scores), the best mean wins.

    Returns
    -------
    int
        The index into ``cv_results["params"]``.
    """
    n_splits = sum(1 for key in cv_results if key.startswith("split")
                   and key.endswith("_test_score"))
    scores = np.column_stack([np.asarray(cv_results[f"split{k}_test_score"], dtype=float)
                              for k in range(n_splits)])
    means = scores.mean(axis=1)
    finite = np.isfinite(means)
    if not finite.any():
        return 0
    if not finite[0] or n_splits < 2:
        return int(np.nanargmax(np.where(finite, means, np.nan)))
    gains = scores - scores[0]
    mean_gain = np.where(finite, gains.mean(axis=1), -np.inf)
    noise = gains.std(axis=1, ddof=1) / np.sqrt(n_splits)
    qualifies = finite & (mean_gain > 0) & (mean_gain > noise)
    if not qualifies.any():
        return 0
    return int(np.argmax(np.where(qualifies, means, -np.inf)))
