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

    def on_train_begin(self, state) -> None:
        """Called once before the first epoch."""

    def on_epoch_begin(self, state) -> None:
        """Called before each epoch (``state.epoch`` is 0-based)."""

    def on_epoch_end(self, state, logs: Dict[str, Any]) -> None:
        """Called after each epoch with that epoch's history row."""

    def on_train_end(self, state) -> None:
        """Called once after the last epoch, even when a hook stopped training."""

    # A hook may also define ``on_batch_end(state, values)``: the loop then runs
    # ``steps_per_run`` steps per session.run (an int, or a callable of the epoch's
    # batch count; default 1) and calls it after each run with the run's mean
    # ``loss`` (and ``accuracy``) and its number of ``steps``.

    def state_dict(self) -> Dict[str, Any]:
        """JSON-able state to checkpoint (NumPy arrays allowed under ``'arrays'``)."""
        return {}

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""


def format_logs(logs: Dict[str, Any], n_epochs: int) -> str:
    """One human-readable line for an epoch's history row."""
    parts = [f"epoch {logs['epoch']:>{len(str(n_epochs))}}/{n_epochs}"]
    for key, value in logs.items():
        if key in ("epoch",):
            continue
        if key == "seconds":
            parts.append(f"{value:.2f}s")
        else:
            parts.append(f"{key} {value:.3g}" if key == "learning_rate" else f"{key} {value:.4f}")
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


class ProgressBar(Hook):
    """``verbose >= 2``: a tqdm bar over the batches of each epoch, then the epoch line.

    It advances about 100 times per epoch (``steps_per_run``), so the steps
    between updates still run in one ``session.run``.
    """

    @staticmethod
    def steps_per_run(n_batches: int) -> int:
        return max(1, n_batches // 100)

    def __init__(self, n_samples: int):
        self.n_samples = n_samples
        self._bar = None

    def on_epoch_begin(self, state):
        from tqdm.auto import tqdm

        self._bar = tqdm(total=-(-self.n_samples // state.batch_size), leave=False,
                         desc=f"epoch {state.epoch + 1}/{state.n_epochs}", unit="batch")

    def on_batch_end(self, state, values):
        self._bar.update(values["steps"])
        self._bar.set_postfix(loss=f"{values['loss']:.4f}", refresh=False)

    def on_epoch_end(self, state, logs):
        self._bar.close()
        print(format_logs(logs, state.n_epochs), flush=True)
