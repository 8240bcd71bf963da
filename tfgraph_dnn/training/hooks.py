"""Training hooks (room: ``training``; each one training concern, no graph building).

A hook is a small object with ``on_train_begin`` / ``on_epoch_begin`` /
``on_epoch_end`` / ``on_train_end`` methods that the loop calls with its
:class:`~tfgraph_dnn.training.loop.TrainingState`.
"""
from __future__ import annotations

import sys
from typing import Any, Dict, TextIO


class Hook:
    """Base class: every method is a no-op; override what the concern needs."""

    def build(self, endpoints) -> None:
        """Called inside the estimator's graph before it is finalized: create ops here."""

    def on_train_begin(self, state) -> None:
        """Called once before the first epoch."""

    def on_epoch_begin(self, state) -> None:
        """Called before each epoch (``state.epoch`` is 0-based)."""

    def on_epoch_end(self, state, logs: Dict[str, Any]) -> None:
        """Called after each epoch with that epoch's history row."""

    def on_train_end(self, state) -> None:
        """Called once after the last epoch, even when a hook stopped training."""


def format_logs(logs: Dict[str, Any], n_epochs: int) -> str:
    """One human-readable line for an epoch's history row."""
    parts = [f"epoch {logs['epoch']:>{len(str(n_epochs))}}/{n_epochs}"]
    for key, value in logs.items():
        if key in ("epoch",):
            continue
        parts.append(f"{key} {value:.2f}s" if key == "seconds" else f"{key} {value:.4f}")
    return "  ".join(parts)


class ProgressPrinter(Hook):
    """``verbose >= 1``: print one line per epoch."""

    def __init__(self, stream: TextIO = None):
        self.stream = stream

    def on_epoch_end(self, state, logs):
        print(format_logs(logs, state.n_epochs), file=self.stream or sys.stdout, flush=True)

    def on_train_end(self, state):
        if state.stop_reason:
            print(state.stop_reason, file=self.stream or sys.stdout, flush=True)
