"""Early stopping and divergence handling (room: ``training``; runs ops, builds none).

Both keep weights in memory through the :class:`~.graph.WeightSnapshot` that
the training graph provides, so restoring the best epoch costs no disk I/O.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Dict, Optional

from .hooks import Hook


class EarlyStopping(Hook):
    """Stop when ``monitor`` (validation loss) has not improved for ``patience`` epochs.

    At the end of training the weights of the best epoch are restored.  The
    seed watched the *training* loss; this watches the validation loss.

    Attributes
    ----------
    best_value, best_epoch : float, int
        Best monitored value and its 1-based epoch.
    """

    def __init__(self, patience: int = 10, monitor: str = "val_loss", min_delta: float = 0.0):
        self.patience = patience
        self.monitor = monitor
        self.min_delta = min_delta
        self.best_value = math.inf
        self.best_epoch: Optional[int] = None
        self.wait = 0
        self.best_weights: Optional[Dict[str, Any]] = None

    def on_epoch_end(self, state, logs):
        value = logs.get(self.monitor)
        if value is None:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, which the epoch "
                             f"logs lack (they have {sorted(logs)})")
        if math.isfinite(value) and value < self.best_value - self.min_delta:
            self.best_value, self.best_epoch, self.wait = value, logs["epoch"], 0
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

    def state_dict(self):
        return {"best_value": self.best_value, "best_epoch": self.best_epoch,
                "wait": self.wait, "arrays": self.best_weights or {}}

    def load_state_dict(self, saved):
        self.best_value = saved["best_value"]
        self.best_epoch = saved["best_epoch"]
        self.wait = saved["wait"]
        self.best_weights = saved.get("arrays") or None


class DivergenceError(FloatingPointError):
    """Training produced a non-finite loss before any finite epoch."""


def _finite(logs: Dict[str, Any]) -> bool:
    return all(math.isfinite(logs[key]) for key in ("loss", "val_loss") if key in logs)


class StopOnNonFinite(Hook):
    """Stop at the first epoch whose loss is NaN or infinite and keep the last finite weights.

    A warning names the epoch.  If even the first epoch is non-finite there is
    nothing to keep and :class:`DivergenceError` is raised.
    """

    def __init__(self):
        self.last_finite: Optional[Dict[str, Any]] = None
        self.last_finite_epoch: Optional[int] = None

    def on_train_begin(self, state):
        if state.history and self.last_finite is None:  # resumed or warm-started
            finite = [row["epoch"] for row in state.history if _finite(row)]
            if finite:  # the weights in the session are those of the last finite epoch
                self.last_finite = state.ops.snapshot.capture(state.session)
                self.last_finite_epoch = finite[-1]

    def on_epoch_end(self, state, logs):
        if _finite(logs):
            self.last_finite = state.ops.snapshot.capture(state.session)
            self.last_finite_epoch = logs["epoch"]
            return
        if self.last_finite is None:
            raise DivergenceError(
                f"The loss became non-finite (NaN or inf) in epoch {logs['epoch']} before any "
                "finite epoch; lower learning_rate or enable gradient clipping.")
        state.ops.snapshot.restore(state.session, self.last_finite)
        state.stop_training = True
        state.stop_reason = (f"non-finite loss in epoch {logs['epoch']}; kept the weights "
                             f"of epoch {self.last_finite_epoch}")
        warnings.warn(state.stop_reason, RuntimeWarning, stacklevel=2)
