"""Early stopping and divergence handling (room: ``training``; runs ops, builds none).

Both keep weights in memory through the :class:`~.graph.WeightSnapshot` that
the training graph provides, so restoring the best epoch costs no disk I/O.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..exceptions import DivergenceError
from .hooks import Callback
from .loop import evaluate


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs; keep the best epoch.

    An epoch *improves* when ``monitor`` beats the best value so far by more
    than ``min_delta``.  When it is an accuracy, an epoch that ties the best
    accuracy (not worse, but not better by more than ``min_delta``) also
    improves if its ``tie_break`` loss is lower than the best epoch's: on small
    validation sets accuracy moves in coarse steps and stays flat for many
    epochs while the loss still tells the epochs apart; on batch-norm nets the
    validation loss drifts up (over-confidence) while the accuracy still rises.
    ``patience`` counts the epochs since the last improvement: training stops
    after ``patience`` epochs in a row without one.  At the end of training the
    weights of the best epoch are restored (from memory) and that epoch is
    recorded as the loop state's ``kept_epoch``.

    Parameters
    ----------
    patience : int, default=10
    monitor : str, default='val_loss'
        A key of the epoch logs.
    min_delta : float, default=0.0
        Smallest change of ``monitor`` that counts as an improvement.
    mode : {'min', 'max'}, default=None
        Whether lower or higher is better; by default 'max' for accuracies,
        'min' otherwise.
    tie_break : str or None, default='auto'
        Log key (a loss: lower is better) that decides between epochs of equal
        ``monitor``; 'auto': the loss of the same data for an accuracy
        (``val_accuracy`` -> ``val_loss``, ``accuracy`` -> ``loss``), none
        otherwise.  Ignored when the logs lack it.

    Attributes
    ----------
    best_value, best_epoch : float, int
        Best monitored value and its 1-based epoch.
    best_tie_value : float
        The ``tie_break`` value of the best epoch (``inf`` without one).
    """

    def __init__(self, patience: int = 10, monitor: str = "val_loss", min_delta: float = 0.0,
                 mode: Optional[str] = None, tie_break: Optional[str] = "auto"):
        self.patience = patience
        self.monitor = monitor
        if not min_delta >= 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta!r}")
        self.min_delta = min_delta
        self.mode = mode or ("max" if "accuracy" in monitor else "min")
        if self.mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        if tie_break == "auto":
            tie_break = monitor.replace("accuracy", "loss") if "accuracy" in monitor else None
        self.tie_break = tie_break
        self.initialize()

    def initialize(self) -> "EarlyStopping":
        """Forget the best epoch: a fit starts with none."""
        self._sign = 1.0 if self.mode == "min" else -1.0  # compare sign * value, lower wins
        self.best_value = math.inf if self.mode == "min" else -math.inf
        self.best_tie_value = math.inf
        self.best_epoch: Optional[int] = None
        self.wait = 0
        self.best_weights: Optional[Dict[str, Any]] = None
        return self

    def improves(self, value: float, tie_value: Optional[float] = None) -> bool:
        """Whether an epoch with ``monitor == value`` (and ``tie_break == tie_value``)
        improves on the best epoch so far."""
        if not math.isfinite(value):
            return False
        score, best = self._sign * value, self._sign * self.best_value
        if score < best - self.min_delta:
            return True
        return (score <= best and tie_value is not None and math.isfinite(tie_value)
                and tie_value < self.best_tie_value)

    def on_epoch_end(self, state, logs):
        value = logs.get(self.monitor)
        if value is None:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, which the epoch "
                             f"logs lack (they have {sorted(logs)})")
        tie_value = logs.get(self.tie_break) if self.tie_break else None
        if self.improves(value, tie_value):
            if self._sign * value < self._sign * self.best_value:
                self.best_value = value
            self.best_tie_value = math.inf if tie_value is None else tie_value
            self.best_epoch, self.wait = logs["epoch"], 0
            self.best_weights = state.ops.snapshot.capture(state.session)
            return
        self.wait += 1
        if self.wait >= self.patience and not state.stop_training:
            state.stop_training = True
            state.stop_reason = (f"early stopping after epoch {logs['epoch']}: {self.monitor} "
                                 f"has not improved for {self.patience} epochs "
                                 f"(best {self.best_value:.4f} at epoch {self.best_epoch})")

    def on_train_end(self, state):
        if self.best_weights is not None:
            state.ops.snapshot.restore(state.session, self.best_weights)
            state.kept_epoch = self.best_epoch

    def state_dict(self):
        return {"best_value": self.best_value, "best_epoch": self.best_epoch,
                "best_tie_value": self.best_tie_value, "wait": self.wait,
                "arrays": self.best_weights or {}}

    def load_state_dict(self, saved):
        self.best_value = saved["best_value"]
        self.best_epoch = saved["best_epoch"]
        self.wait = saved["wait"]
        self.best_tie_value = saved["best_tie_value"]
        self.best_weights = saved.get("arrays") or None


def _finite(logs: Dict[str, Any]) -> bool:
    return all(math.isfinite(logs[key]) for key in ("loss", "val_loss") if key in logs)


# Rows the end-of-fit check evaluates (a model whose outputs overflow does so on most
# rows).  Every fit pays for this forward pass: 8,192 rows cost ~10 % of a cached
# 5,000-row fit at batch 500, 1,024 rows ~2 %.
END_CHECK_ROWS = 1024
# Inputs beyond this magnitude are named when a fit diverges: the likelier cause.
LARGE_INPUT = 1e4


def _finite_on_training_data(state, limit: Optional[int] = None) -> bool:
    """Whether the session's current weights give a finite loss on the training data
    (its first ``limit`` rows when given)."""
    if state.train_data is None:
        return True
    X, y = state.train_data
    if limit is not None:
        X, y = X[:limit], y[:limit]
    return math.isfinite(evaluate(state.session, state.endpoints, X, y,
                                  inputs=state.inputs)["loss"])


def _largest_input(state) -> float:
    """The largest finite |value| the network's first layer receives from the training
    data (after the model's feature scaling, computed in float32 as the graph does)."""
    if state.train_data is None or not len(state.train_data[0]):
        return 0.0
    X = np.asarray(state.train_data[0], dtype=np.float32)
    scaling = state.endpoints.scaling_variables
    if state.inputs is state.endpoints.X and scaling:
        offset, scale = state.session.run(scaling)
        with np.errstate(all="ignore"):
            X = (X - offset) / scale
    X = np.abs(X[np.isfinite(X)])
    return float(X.max()) if X.size else math.inf


def _divergence_advice(state) -> str:
    """What to change: the inputs when they are large, else the step size."""
    largest = _largest_input(state)
    if largest > LARGE_INPUT:
        return (f"the network's inputs reach |x| = {largest:.3g} (after feature_scaling): "
                "scale them, e.g. feature_scaling='standard', or lower learning_rate.")
    return "lower learning_rate or enable gradient clipping."


class StopOnNonFinite(Callback):
    """Stop at the first epoch whose loss is NaN or infinite and keep the last finite weights.

    An epoch's training loss is measured before each step's update, so a
    finite epoch does not prove that the weights it *ended* with are finite
    (they may already overflow the logits).  On divergence the hook checks the
    end-of-epoch weights of the last finite epoch on the training data and,
    if they fail, goes back one more epoch (recorded as the loop state's
    ``kept_epoch``).  A warning names the epochs.  With nothing finite to
    keep, :class:`DivergenceError` is raised.
    """

    def __init__(self):
        self.initialize()

    def initialize(self) -> "StopOnNonFinite":
        # (epoch, weights at its end) of the last two finite epochs, oldest first.
        self.candidates: List[Tuple[int, Dict[str, Any]]] = []
        return self

    def on_train_begin(self, state):
        self.candidates = []
        finite = [row["epoch"] for row in state.history if _finite(row)]
        if finite:  # resumed or warm-started: the session holds the last finite epoch's weights
            self.candidates.append((finite[-1], state.ops.snapshot.capture(state.session)))

    def on_epoch_end(self, state, logs):
        if _finite(logs):
            weights = state.ops.snapshot.capture(state.session)
            self.candidates = (self.candidates + [(logs["epoch"], weights)])[-2:]
            return
        for epoch, weights in reversed(self.candidates):
            state.ops.snapshot.restore(state.session, weights)
            if _finite_on_training_data(state):
                break
        else:
            raise DivergenceError(
                f"The loss became non-finite (NaN or inf) in epoch {logs['epoch']} and no "
                f"earlier weights are finite; {_divergence_advice(state)}")
        state.stop_training, state.kept_epoch = True, epoch
        state.stop_reason = (f"non-finite loss in epoch {logs['epoch']}; kept the weights "
                             f"of epoch {epoch}")
        warnings.warn(state.stop_reason, RuntimeWarning, stacklevel=2)

    def on_train_end(self, state):
        """The weights the fit ends with must be finite too: an epoch's loss is measured
        before its last update, which may overflow (then the previous epoch's are kept)."""
        if not self.candidates or not state.history \
                or self.candidates[-1][0] != state.history[-1]["epoch"] \
                or _finite_on_training_data(state, END_CHECK_ROWS):
            return
        last = self.candidates[-1][0]
        for epoch, weights in reversed(self.candidates[:-1]):
            state.ops.snapshot.restore(state.session, weights)
            if _finite_on_training_data(state, END_CHECK_ROWS):
                break
        else:
            raise DivergenceError(
                f"The weights at the end of epoch {last} give a non-finite loss (NaN or "
                f"inf) and no earlier weights are finite; {_divergence_advice(state)}")
        state.kept_epoch = epoch
        state.stop_reason = (f"the weights at the end of epoch {last} give a non-finite "
                             f"loss; kept the weights of epoch {epoch}")
        warnings.warn(state.stop_reason, RuntimeWarning, stacklevel=2)
