"""One fit, from plan to trained model (room: ``estimator``; publishes nothing).

:func:`new_model` opens the network a plan describes (warm-started from
``warm_start_from``, resumed from its own checkpoint in ``checkpoint_dir``),
:func:`continued_model` the published one continued (``warm_start``,
``partial_fit``);
:func:`train` composes the plan's callbacks into the loop
(:func:`~tfgraph_dnn.training.loop.fit_loop`) and records what the epochs
produced as fitted attributes.  The estimator publishes the model afterwards,
only if all of this succeeded.
"""
from __future__ import annotations

import copy
import os
from typing import Any, Dict, Optional

import numpy as np

from .. import storage
from ..training import TrainingState, fit_loop
from ..exceptions import CheckpointError
from ..training.checkpoint import latest_save_dir, read_latest, rng_from_json
from ..training.stopping import EarlyStopping
from ..training.tensorboard import new_run_dir
from ..training.transfer import as_warm_start_settings, read_warm_start_values
from . import _fitted
from ._model import FittedNetwork
from ._params import structural_changes
from ._plan import FitPlan


def new_model(plan: FitPlan, fitted: Dict[str, Any], rng) -> FittedNetwork:
    """A new network for ``plan``, warm-started from ``warm_start_from`` and/or resumed
    from ``checkpoint_dir`` (with ``resume``) as the plan's parameters say."""
    model = FittedNetwork.open(plan, dict(fitted, warm_started_vars_=[]), [], rng)
    params = plan.params
    try:
        if params["warm_start_from"] is not None:
            settings = as_warm_start_settings(params["warm_start_from"])
            # The input scaling is this fit's (fitted on its X), never a checkpoint's.
            scaling = {v.op.name for v in model.endpoints.scaling_variables}
            values = read_warm_start_values(settings, [
                v for v in model.endpoints.variables if v.op.name not in scaling])
            model.assign(values)
            model.attributes["warm_started_vars_"] = sorted(values)
        if params["checkpoint_dir"] is not None and params["resume"]:
            _resume(model, plan)
    except BaseException:
        model.retire()
        raise
    return model


def continued_model(previous: FittedNetwork, plan: FitPlan,
                    fitted: Dict[str, Any]) -> FittedNetwork:
    """A new model going on from ``previous`` in the graph of ``plan``, whose parameters
    must not change the variables (scikit-learn's convention: a ``ValueError`` naming
    the parameters)."""
    before = previous.plan.params
    changed = structural_changes(before, plan.params)
    if changed:
        changes = ", ".join(f"{name} ({before[name]!r} -> {plan.params[name]!r})"
                            for name in changed)
        raise ValueError(
            f"{changes}: set_params changed the network's structure since the last "
            "fit, so warm_start=True (or partial_fit) cannot continue training it. Set "
            "the parameters back, or fit with warm_start=False to train a new network.")
    return previous.continued(plan, fitted)


def _resume(model: FittedNetwork, plan: FitPlan) -> None:
    """Resume this fit from its own checkpoint in ``checkpoint_dir``, if there is one."""
    directory = plan.params["checkpoint_dir"]
    expected = dict(plan.fingerprint)

    def check(saved: dict) -> None:
        if saved["fingerprint"] != expected:
            keys = sorted(set(expected) | set(saved["fingerprint"]))
            diff = {k: (saved["fingerprint"].get(k), expected.get(k)) for k in keys
                    if saved["fingerprint"].get(k) != expected.get(k)}
            raise CheckpointError(f"The checkpoint in {directory} is of another "
                                  f"model; (checkpoint, this estimator) differ in {diff}")

    if plan.fit is None:  # not reached by fit(); kept for callers without a fingerprint
        saved = read_latest(directory)
        if saved is None:
            return
        check(saved)
        model.restore(saved["model_prefix"])
    else:
        with storage.resuming(os.fspath(directory), dict(plan.fit), check) as saved:
            if saved is None:
                return
            model.restore(saved["model_prefix"])
    _adopt_restored_scaling(model)
    model.history = saved["history"]
    model.rng = rng_from_json(saved["rng_state"])
    model.hook_states = saved["hooks"]
    model.resumed = saved


def _adopt_restored_scaling(model: FittedNetwork) -> None:
    """After a resume, the input scaling is the checkpoint's (its weights were trained
    with it): the fitted attributes follow the restored variables where they differ."""
    variables = model.endpoints.scaling_variables
    if not variables:
        return
    restored = model.session.run(variables)
    for name, value in zip(("feature_offset_", "feature_scale_"), restored):
        if not np.array_equal(np.asarray(model.attributes[name], np.float32), value):
            model.attributes[name] = value.astype(np.float64)


def has_checkpoint(checkpoint_dir, fit: Optional[dict] = None) -> bool:
    """Whether ``checkpoint_dir`` (this fit's own directory in it) holds a checkpoint."""
    try:
        directory = os.fspath(checkpoint_dir)
        if fit is not None:
            directory = storage.fit_directory(directory, dict(fit))
        return latest_save_dir(directory) is not None
    except Exception:  # an unreadable directory: no advice rather than a second error
        return False


def _callbacks(model: FittedNetwork, plan: FitPlan):
    """This fit's callbacks in order, and its copy of the schedule's callback."""
    schedule = copy.copy(model.ops.schedule_hook)  # this fit's; the graph's stays clean
    named = plan.new_callbacks(schedule)
    for name, callback in named:
        if name == "tensorboard":
            callback.set_params(run_dir=new_run_dir(plan.params["log_dir"],
                                                    plan.params["run_name"]))
            model.attributes["log_dir_"] = callback.run_dir
        elif name == "checkpoint":  # the stateful callbacks are saved with the weights
            callback.set_params(hooks=[c for n, c in named if n == "early_stopping"
                                       or c is schedule])
    callbacks = [callback for _, callback in named]
    for callback in callbacks:
        if type(callback).__name__ in model.hook_states:
            callback.load_state_dict(model.hook_states[type(callback).__name__])
    return callbacks, schedule


def train(model: FittedNetwork, plan: FitPlan, X, y, valid, n_new_epochs: int,
          quiet: bool) -> None:
    """Train ``model`` for up to ``n_new_epochs`` epochs and record the fitted attributes
    (``history_``, ``n_epochs_``, ``best_epoch_``, the MLP-style curves...)."""
    inputs = None
    if plan.caches_frozen:  # run the data through the frozen layers once
        inputs = model.endpoints.hidden[plan.network.n_frozen - 1]
        X = model.frozen_outputs(X)
        if valid is not None:
            valid = (model.frozen_outputs(valid[0]), valid[1])
    callbacks, schedule = _callbacks(model, plan)
    resumed = model.resumed
    start = len(model.history)
    training = TrainingState(
        session=model.session, endpoints=model.endpoints, ops=model.ops,
        n_epochs=start + max(n_new_epochs, 0), batch_size=plan.params["batch_size"],
        rng=model.rng, history=model.history,
        stop_training=bool(resumed and resumed["stopped"] and not quiet), inputs=inputs)
    fit_loop(training, callbacks, X, y, *(valid or (None, None)), start_epoch=start)
    # A continued fit goes on with the schedule's state (not with early stopping's).
    model.hook_states = {} if schedule is None else \
        {type(schedule).__name__: schedule.state_dict()}
    fitted = model.attributes
    fitted.update(history_=training.history, n_epochs_=len(training.history),
                  n_layers_=len(model.endpoints.hidden) + 1)
    best_epoch = None
    for callback in callbacks:
        if isinstance(callback, EarlyStopping):
            kept = [row for row in training.history if row["epoch"] == callback.best_epoch]
            fitted["best_epoch_"] = best_epoch = callback.best_epoch
            fitted["best_val_loss_"] = kept[0].get("val_loss", callback.best_value) if kept \
                else callback.best_value
    fitted.update(_fitted.curve_attributes(
        plan.task, training.history, start, None if valid is None else valid[1],
        fitted.get("validation_scores_"), best_epoch))
    model.resumed = None
