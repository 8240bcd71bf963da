"""The training loop (room: ``training``; runs a Session, never builds the net).

One small loop: for each epoch, shuffle, run the training op over mini-batches,
evaluate, record a history row and hand it to the hooks.  Every other concern
(progress output, early stopping, checkpoints, schedules, logging) is a
:class:`~tfgraph_dnn.training.hooks.Hook` composed into the loop.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import tensorflow as tf

from ..model import Endpoints
from .graph import TrainingGraph  # noqa: F401  (type of TrainingState.ops)

EVAL_BATCH_SIZE = 8192


@dataclass
class TrainingState:
    """What the loop shares with its hooks.

    Hooks may read everything and may set ``stop_training`` (with a
    ``stop_reason``) to end the fit after the current epoch.  ``inputs`` is the
    tensor the data rows are fed to: ``endpoints.X`` by default, or the frozen
    layers' output when training on their cached activations.
    """

    session: tf.compat.v1.Session
    endpoints: Endpoints
    ops: "TrainingGraph"
    n_epochs: int
    batch_size: int
    rng: np.random.RandomState
    epoch: int = 0
    history: List[Dict[str, Any]] = field(default_factory=list)
    stop_training: bool = False
    stop_reason: Optional[str] = None
    extra_feed: Dict[Any, Any] = field(default_factory=dict)
    inputs: Optional[tf.Tensor] = None
    data_in_graph: bool = False  # the training set was loaded into ops.epoch
    train_data: Optional[tuple] = None  # (X, y) of this fit, for hooks that must check weights

    def __post_init__(self):
        if self.inputs is None:
            self.inputs = self.endpoints.X


def evaluate(session: tf.compat.v1.Session, endpoints: Endpoints, X: np.ndarray,
             y: np.ndarray, batch_size: int = EVAL_BATCH_SIZE,
             inputs: Optional[tf.Tensor] = None) -> Dict[str, float]:
    """Mean loss (and accuracy) over a data set, in inference mode, in large batches.

    ``X`` is fed to ``inputs`` (default ``endpoints.X``).
    """
    inputs = endpoints.X if inputs is None else inputs
    fetches = {"loss": endpoints.base_loss}
    if endpoints.accuracy is not None:
        fetches["accuracy"] = endpoints.accuracy
    totals = {key: 0.0 for key in fetches}
    for start in range(0, len(X), batch_size):
        stop = min(start + batch_size, len(X))
        values = session.run(fetches, {inputs: X[start:stop], endpoints.y: y[start:stop]})
        for key, value in values.items():
            totals[key] += float(value) * (stop - start)
    return {key: total / len(X) for key, total in totals.items()}


def run_epoch(state: TrainingState, X: np.ndarray, y: np.ndarray,
              batch_hooks: Sequence = ()) -> Dict[str, float]:
    """One pass over shuffled mini-batches; returns the mean training loss/accuracy.

    The whole epoch runs in the graph when the data is there and nothing needs
    to see or change single steps (batch hooks, ``extra_feed``); otherwise each
    batch is fed.  Both consume the RNG alike: one permutation per epoch.
    """
    if state.data_in_graph and not batch_hooks and not state.extra_feed:
        return state.ops.epoch.run(state.session, state.rng.permutation(len(X)))
    endpoints = state.endpoints
    fetches = {"step": state.ops.train_op, "loss": endpoints.loss}
    if endpoints.accuracy is not None:
        fetches["accuracy"] = endpoints.accuracy
    post_step = endpoints.max_norm_ops
    order = state.rng.permutation(len(X))
    totals = {"loss": 0.0, "accuracy": 0.0}
    for start in range(0, len(X), state.batch_size):
        index = order[start:start + state.batch_size]
        feed = {state.inputs: X[index], endpoints.y: y[index], endpoints.training: True}
        feed.update(state.extra_feed)
        values = state.session.run(fetches, feed)
        if post_step:
            state.session.run(post_step)
        for key in totals:
            if key in values:
                totals[key] += float(values[key]) * len(index)
        for hook in batch_hooks:
            hook.on_batch_end(state, values)
    logs = {"loss": totals["loss"] / len(X)}
    if endpoints.accuracy is not None:
        logs["accuracy"] = totals["accuracy"] / len(X)
    return logs


def fit_loop(state: TrainingState, hooks: Sequence, X: np.ndarray, y: np.ndarray,
             X_valid: Optional[np.ndarray] = None, y_valid: Optional[np.ndarray] = None,
             start_epoch: int = 0) -> TrainingState:
    """Train from ``start_epoch`` up to ``state.n_epochs`` unless a hook stops it."""
    batch_hooks = [hook for hook in hooks if hasattr(hook, "on_batch_end")]
    state.train_data = (X, y)
    epoch_op = getattr(state.ops, "epoch", None)
    if epoch_op is not None and not batch_hooks and epoch_op.fits(X, y, state.batch_size):
        epoch_op.load(state.session, X, y)
        state.data_in_graph = True
    for hook in hooks:
        hook.on_train_begin(state)
    for epoch in range(start_epoch, state.n_epochs):
        if state.stop_training:
            break
        state.epoch = epoch
        for hook in hooks:
            hook.on_epoch_begin(state)
        started = time.perf_counter()
        logs: Dict[str, Any] = {"epoch": epoch + 1}
        logs.update(run_epoch(state, X, y, batch_hooks))
        if X_valid is not None:
            logs.update({f"val_{key}": value for key, value in
                         evaluate(state.session, state.endpoints, X_valid, y_valid,
                                  inputs=state.inputs).items()})
        logs["learning_rate"] = float(state.session.run(state.ops.learning_rate))
        logs["seconds"] = time.perf_counter() - started
        state.history.append(logs)
        for hook in hooks:
            hook.on_epoch_end(state, logs)
    for hook in hooks:
        hook.on_train_end(state)
    return state
