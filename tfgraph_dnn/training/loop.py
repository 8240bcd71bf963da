"""The training loop (room: ``training``; runs a Session, never builds the net).

One small loop: for each epoch, shuffle, run the step loop over the
mini-batches (:mod:`.step`: a whole epoch per ``session.run`` unless a hook
wants to see steps), evaluate, record a history row and hand it to the hooks.  Every other concern
(progress output, early stopping, checkpoints, schedules, logging) is a
:class:`~tfgraph_dnn.training.hooks.Callback` composed into the loop.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import tensorflow as tf

from ..model import Endpoints
from .graph import TrainingGraph  # noqa: F401  (type of TrainingState.ops)
from .step import MAX_IN_GRAPH_BYTES, row_chunks

EVAL_BATCH_SIZE = 8192


@dataclass
class TrainingState:
    """What the loop shares with its hooks.

    Hooks may read everything and may set ``stop_training`` (with a
    ``stop_reason``) to end the fit after the current epoch.  ``inputs`` is the
    tensor the data rows are fed to: ``endpoints.X`` by default, or the frozen
    layers' output when training on their cached activations.  A hook that
    puts back the weights of an earlier epoch (early stopping, divergence)
    sets ``kept_epoch`` to that epoch's 1-based number, so hooks running after
    it (TensorBoard) report the epoch the model keeps; ``None`` means the last.
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
    inputs: Optional[tf.Tensor] = None
    data_loaded: bool = False  # the whole training set is in the graph (ops.steps)
    train_data: Optional[tuple] = None  # (X, y) of this fit, for hooks that must check weights
    kept_epoch: Optional[int] = None  # whose weights the fit ends with; None: the last epoch's

    def __post_init__(self):
        if self.inputs is None:
            self.inputs = self.endpoints.X

    def kept_row(self) -> Optional[Dict[str, Any]]:
        """The history row of the epoch whose weights the model keeps (``None``: no epochs)."""
        if not self.history:
            return None
        if self.kept_epoch is not None:
            for row in self.history:
                if row["epoch"] == self.kept_epoch:
                    return row
        return self.history[-1]


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


def steps_per_run(state: TrainingState, n_batches: int, batch_hooks: Sequence) -> int:
    """Steps in one ``session.run``: the whole epoch, unless a batch hook asks to see
    steps (its ``steps_per_run``: an int, or a callable of the epoch's batch count;
    one step when it does not say)."""
    wanted = [n_batches]
    for hook in batch_hooks:
        asked = getattr(hook, "steps_per_run", 1)
        wanted.append(int(asked(n_batches) if callable(asked) else asked))
    return max(1, min(wanted))


def run_epoch(state: TrainingState, X: np.ndarray, y: np.ndarray,
              batch_hooks: Sequence = ()) -> Dict[str, float]:
    """One pass over the rows in a shuffled order; returns the mean training loss/accuracy.

    The steps run in the graph, ``k`` per ``session.run`` (see
    :func:`steps_per_run`); batch hooks get ``on_batch_end(state, values)``
    after each run, ``values`` holding the run's mean ``loss`` (and
    ``accuracy``) and its number of ``steps``.  A training set too large to
    hold in the graph whole is loaded chunk by chunk of the shuffled order.
    """
    steps = state.ops.steps
    order = state.rng.permutation(len(X))
    batch = state.batch_size
    n_batches = -(-len(X) // batch)
    rows_per_run = steps_per_run(state, n_batches, batch_hooks) * batch
    totals: Dict[str, float] = {}
    if state.data_loaded:
        chunks = [(None, order)]
    else:  # whole batches per chunk, so the batches are those of one big run
        rows_per_chunk = max(batch, MAX_IN_GRAPH_BYTES // max(1, _row_bytes(X, y))
                             // batch * batch)
        chunks = [(part, np.arange(len(part))) for part in
                  (order[piece] for piece in row_chunks(len(order), rows_per_chunk))]
    for rows, chunk_order in chunks:
        if rows is not None:
            steps.load(state.session, X[rows], y[rows])
        for piece in row_chunks(len(chunk_order), rows_per_run):
            sums = steps.run(state.session, chunk_order[piece])
            for key, value in sums.items():
                totals[key] = totals.get(key, 0.0) + float(value)
            if batch_hooks:
                n = piece.stop - piece.start
                values = {key: float(value) / n for key, value in sums.items()}
                values["steps"] = -(-n // batch)
                for hook in batch_hooks:
                    hook.on_batch_end(state, values)
    return {key: total / len(X) for key, total in totals.items()}


def _row_bytes(X: np.ndarray, y: np.ndarray) -> int:
    return X[:1].nbytes + y[:1].nbytes


def fit_loop(state: TrainingState, hooks: Sequence, X: np.ndarray, y: np.ndarray,
             X_valid: Optional[np.ndarray] = None, y_valid: Optional[np.ndarray] = None,
             start_epoch: int = 0) -> TrainingState:
    """Train from ``start_epoch`` up to ``state.n_epochs`` unless a hook stops it."""
    batch_hooks = [hook for hook in hooks if hasattr(hook, "on_batch_end")]
    state.train_data = (X, y)
    if X.nbytes + y.nbytes <= MAX_IN_GRAPH_BYTES:
        state.ops.steps.load(state.session, X, y)
        state.data_loaded = True
    try:
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
    finally:  # the Session may serve later fits: it keeps no training set
        state.ops.steps.unload(state.session)
        state.data_loaded = False
    return state
