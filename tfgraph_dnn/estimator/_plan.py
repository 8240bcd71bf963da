"""Parameters in, one fit plan out (room: ``estimator``; builds graphs, runs nothing).

A fit's parameters (a snapshot taken when it starts) and what its data fixes
(``n_features_in_``, ``classes_`` or ``n_outputs_``, the training rows) are
turned ONCE into a :class:`FitPlan`: the :class:`~tfgraph_dnn.model.NetworkSpec`
and :class:`~tfgraph_dnn.training.graph.TrainingSpec` the graph is built
from, the graph-cache key and knob values, the fingerprint a checkpoint must
match, the HParams TensorBoard shows, and the built-in callbacks the
estimator's parameters translate to (not yet initialized: a fit copies and
initializes them).  Everything after reads the plan; nothing rebuilds a spec.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any, Mapping, Optional, Tuple

import tensorflow as tf

from ..model import CLASSIFICATION, NetworkSpec, build_network
from ..training.cache import BuiltGraph
from ..training.checkpoint import CheckpointHook
from ..training.graph import TrainingSpec, build_training_graph
from ..training.hooks import Callback, ProgressBar, ProgressPrinter
from ..training.optimizers import OptimizerSpec
from ..training.stopping import EarlyStopping, StopOnNonFinite
from ..training.tensorboard import TensorBoardHook
from ..training.transfer import as_warm_start_settings, selects
from ._description import FrozenMapping, snapshot_params
from ._params import hidden_layer_sizes
from ._scaling import describe_scaling, scaling_kind

v1 = tf.compat.v1

# Paths, logging, resumption, caching, threads: where and how fast, not which model.
_PLUMBING = {"log_dir", "run_name", "log_histograms", "checkpoint_dir", "checkpoint_every",
             "resume", "warm_start", "warm_start_from", "cache_frozen", "callbacks",
             "n_threads", "verbose"}


@dataclass(frozen=True)
class FitPlan:
    """Everything derived from a fit's parameters and data shape, computed once.

    Attributes
    ----------
    estimator, task : str
        The estimator's class name and task.
    params : FrozenMapping
        The parameters the fit runs with (deep copies; ``callbacks`` excluded).
    graph_seed, n_train : int
        Seed of the graph; training rows its schedule is built for.
    network : NetworkSpec
    training : TrainingSpec
    cache_key : tuple or None
        The graph cache's key (``training.structure()``).
    knob_values : FrozenMapping
        The graph's knobs for this fit.
    fingerprint : FrozenMapping
        What fixes the variables: what a checkpoint or a save must match.
    caches_frozen : bool
        Train on the frozen layers' outputs, computed once.
    hparams : FrozenMapping
        The model-shaping parameters, for TensorBoard's HParams dashboard.
    fit : FrozenMapping or None
        The fit's fingerprint with ``checkpoint_dir`` (its own checkpoint directory).
    callbacks : tuple of (name, Callback)
        The built-in callbacks the parameters ask for, not initialized; ``None``
        in place of the learning-rate schedule's (the graph's) and of the user's.
    user_callbacks : tuple of Callback
        The ``callbacks`` parameter's objects (used as given, not copied).
    """

    estimator: str
    task: str
    params: FrozenMapping
    graph_seed: int
    n_train: int
    network: NetworkSpec
    training: TrainingSpec
    cache_key: Optional[tuple]
    knob_values: FrozenMapping
    fingerprint: FrozenMapping
    caches_frozen: bool
    hparams: FrozenMapping
    fit: Optional[FrozenMapping]
    callbacks: Tuple[Tuple[str, Optional[Callback]], ...]
    user_callbacks: Tuple[Callback, ...] = ()

    def new_callbacks(self, schedule: Optional[Callback] = None):
        """This fit's callbacks, in the order they run: fresh initialized copies of
        the built-in ones, ``schedule`` (the graph's learning-rate callback, already
        this fit's copy) and the user's callbacks (initialized, not copied)."""
        made = []
        for name, template in self.callbacks:
            if name == "schedule":
                made.append((name, schedule))
            elif name == "user":
                made.extend(("user", callback.initialize()
                             if hasattr(callback, "initialize") else callback)
                            for callback in self.user_callbacks)
            else:
                made.append((name, copy.copy(template).initialize()))
        return [(name, callback) for name, callback in made if callback is not None]

    def without_callbacks(self) -> "FitPlan":
        """The plan without the objects watching the fit (what a fitted model keeps)."""
        return replace(self, callbacks=(), user_callbacks=())


def n_outputs(task: str, fitted: Mapping[str, Any]) -> int:
    """Output units: the classes of a classifier, the targets of a regressor."""
    return len(fitted["classes_"]) if task == CLASSIFICATION else int(fitted["n_outputs_"])


def hparams(params: Mapping[str, Any]) -> dict:
    """The parameters that shape the model, for TensorBoard's HParams dashboard."""
    shaping = {name: value for name, value in params.items() if name not in _PLUMBING}
    shaping["feature_scaling"] = describe_scaling(shaping.get("feature_scaling"))
    return shaping


def fingerprint(task: str, fitted: Mapping[str, Any], p: Mapping[str, Any]) -> dict:
    """What fixes the variables, hence what a checkpoint or a save must match."""
    name = lambda value: getattr(value, "__name__", str(value))  # noqa: E731
    printed = {"task": task, "n_inputs": int(fitted["n_features_in_"]),
               "n_outputs": int(n_outputs(task, fitted)),
               "hidden_layer_sizes": [int(s) for s in hidden_layer_sizes(p)],
               "batch_norm": p["batch_norm_momentum"] is not None,
               "n_frozen": int(p["n_frozen"]),
               "optimizer": p["optimizer"], "activation": name(p["activation"]),
               "lr_schedule": name(p["lr_schedule"])}
    if p.get("reused_lr_multiplier") not in (None, 1.0):  # a second optimizer's slots
        printed["reused_lr"] = True
    kind = scaling_kind(p.get("feature_scaling"))
    if kind is not None:  # absent otherwise: earlier models and checkpoints still match
        printed["feature_scaling"] = kind
    return printed


def _network(task: str, fitted: Mapping[str, Any], p: Mapping[str, Any],
             seed: Optional[int]) -> NetworkSpec:
    return NetworkSpec(
        n_inputs=fitted["n_features_in_"], n_outputs=n_outputs(task, fitted),
        hidden_layer_sizes=tuple(hidden_layer_sizes(p)), task=task,
        activation=p["activation"], initializer=p["initializer"],
        batch_norm_momentum=p["batch_norm_momentum"], dropout_rate=p["dropout_rate"],
        l1=p["l1"], l2=p["l2"], max_norm=p["max_norm"], seed=seed,
        n_frozen=int(p["n_frozen"]),
        feature_scaling=scaling_kind(p.get("feature_scaling")) is not None)


def _builtin_callbacks(p: Mapping[str, Any], n_train: int, quiet: bool, printed: dict,
                       shaping: dict, fit) -> tuple:
    """The estimator's callback parameters as callbacks, in the order they run."""
    callbacks = []
    if p["verbose"] and not quiet:
        callbacks.append(("progress", ProgressBar(n_train) if p["verbose"] >= 2
                          else ProgressPrinter()))
    callbacks += [("schedule", None), ("stop_on_non_finite", StopOnNonFinite())]
    if p["early_stopping"] and not quiet:
        callbacks.append(("early_stopping", EarlyStopping(
            patience=p["patience"], min_delta=p["min_delta"],
            monitor=p["early_stopping_monitor"])))
    callbacks.append(("user", None))
    if p["log_dir"] is not None and not quiet:  # the run directory is made when it starts
        callbacks.append(("tensorboard", TensorBoardHook(
            None, log_histograms=p["log_histograms"], hparams=shaping)))
    if p["checkpoint_dir"] is not None:  # saves the stateful callbacks: set when it starts
        callbacks.append(("checkpoint", CheckpointHook(
            p["checkpoint_dir"], p["checkpoint_every"], printed, [],
            fit=None if fit is None else dict(fit))))
    return tuple(callbacks)


def make_plan(estimator: str, task: str, params: Mapping[str, Any],
              fitted: Mapping[str, Any], graph_seed: int, n_train: int,
              fit: Optional[Mapping[str, Any]] = None, quiet: bool = False,
              user_callbacks=()) -> FitPlan:
    """The plan of a fit of ``params`` on data as described by ``fitted``.

    Parameters
    ----------
    estimator, task : str
    params : mapping
        Every constructor parameter (snapshotted here unless already a snapshot).
    fitted : mapping
        What the data fixes: ``n_features_in_`` and ``classes_`` / ``n_outputs_``.
    graph_seed, n_train : int
    fit : mapping, optional
        The fit's fingerprint (with ``checkpoint_dir``).
    quiet : bool
        ``partial_fit``'s epochs: no progress, early stopping or TensorBoard run.
    user_callbacks : sequence of Callback
    """
    p = params if isinstance(params, FrozenMapping) else snapshot_params(params)
    network = _network(task, fitted, p, graph_seed)
    caches_frozen = bool(p["cache_frozen"] and network.frozen_layers_deterministic)
    optimizer = OptimizerSpec(
        name=p["optimizer"], learning_rate=p["learning_rate"], beta1=p["beta1"],
        beta2=p["beta2"], momentum=p["momentum"], schedule=p["lr_schedule"],
        clip_value=p["gradient_clip_value"], clip_norm=p["gradient_clip_norm"],
        clip_global_norm=p["gradient_clip_global_norm"])
    multiplier = p.get("reused_lr_multiplier")
    multiplier = 1.0 if multiplier is None else float(multiplier)
    slow = reused_layers(p.get("warm_start_from"), network) if multiplier != 1.0 else ()
    # Weight histograms cost graph-building time: built only for fits that log them.
    histograms = bool(p["log_histograms"] and p["log_dir"] is not None and not quiet) or any(
        bool(getattr(callback, "log_histograms", False)) for callback in user_callbacks or ())
    training = TrainingSpec(
        network, optimizer, batch_size=p["batch_size"],
        steps_per_epoch=-(-n_train // p["batch_size"]), n_epochs=p["n_epochs"],
        first_layer=network.n_frozen + 1 if caches_frozen else 1,
        slow_layers=slow, reused_lr_multiplier=multiplier, histograms=histograms)
    printed, shaping = fingerprint(task, fitted, p), hparams(p)
    return FitPlan(
        estimator=estimator, task=task, params=p, graph_seed=int(graph_seed),
        n_train=int(n_train), network=network, training=training,
        cache_key=training.structure(), knob_values=FrozenMapping(training.knob_values()),
        fingerprint=FrozenMapping(printed), caches_frozen=caches_frozen,
        hparams=FrozenMapping(shaping), fit=None if fit is None else FrozenMapping(fit),
        callbacks=_builtin_callbacks(p, n_train, quiet, printed, shaping, fit),
        user_callbacks=tuple(user_callbacks or ()))


def build_graph(spec: TrainingSpec) -> BuiltGraph:
    """Build the net and its training ops in a new, finalized graph."""
    graph = tf.Graph()
    with graph.as_default():
        endpoints = build_network(spec.network)
        ops = build_training_graph(spec, endpoints)
        init = v1.global_variables_initializer()
    graph.finalize()  # callbacks only run ops: the graph never grows after this
    return BuiltGraph(graph, init, endpoints, ops)


def reused_layers(warm_start_from, network: NetworkSpec) -> tuple:
    """The trainable hidden layers (``"hidden2"``...) whose kernel ``warm_start_from``
    initializes: those trained at ``reused_lr_multiplier`` times the rate."""
    if warm_start_from is None:
        return ()
    settings = as_warm_start_settings(warm_start_from)
    return tuple(f"hidden{index}"
                 for index in range(network.n_frozen + 1, len(network.hidden_layer_sizes) + 1)
                 if selects(settings, f"hidden{index}/kernel"))
