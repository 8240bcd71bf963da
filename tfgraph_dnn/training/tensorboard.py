"""TensorBoard logging (room: ``training``; writes event files, builds no ops).

One run directory per fit, ``<log_dir>/run-<UTC timestamp>[-<name>]``, holding
the graph, per-epoch scalars (every numeric key of the epoch logs: loss,
accuracy, val_loss, val_accuracy, learning_rate) and, optionally, weight
histograms from the training graph's pre-built summary op.
"""
from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from typing import Optional

import tensorflow as tf

from .hooks import Hook

v1 = tf.compat.v1

SCALAR_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy", "learning_rate")


def sanitize_name(name: str) -> str:
    """Keep a run name to ``[A-Za-z0-9._-]`` so it cannot leave ``log_dir``."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned[:80]


def new_run_dir(log_dir: str, name: Optional[str] = None) -> str:
    """Create and return ``<log_dir>/run-<UTC timestamp>[-<name>]`` (never reused)."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    suffix = f"-{sanitize_name(name)}" if name and sanitize_name(name) else ""
    base = os.path.join(log_dir, f"run-{stamp}{suffix}")
    path, counter = base, 1
    while True:
        try:
            os.makedirs(path, exist_ok=False)
            return path
        except FileExistsError:
            counter += 1
            path = f"{base}-{counter}"


class TensorBoardHook(Hook):
    """Write the graph, epoch scalars and (optionally) histograms for TensorBoard."""

    def __init__(self, run_dir: str, log_histograms: bool = False):
        self.run_dir = run_dir
        self.log_histograms = log_histograms
        self._writer = None

    def on_train_begin(self, state):
        with state.session.graph.as_default():  # FileWriter refuses eager mode
            self._writer = v1.summary.FileWriter(self.run_dir, state.session.graph)

    def on_epoch_end(self, state, logs):
        step = logs["epoch"]
        values = [v1.Summary.Value(tag=key, simple_value=float(logs[key]))
                  for key in SCALAR_KEYS if key in logs]
        self._writer.add_summary(v1.Summary(value=values), step)
        if self.log_histograms:
            self._writer.add_summary(state.session.run(state.ops.histograms), step)
        self._writer.flush()

    def on_train_end(self, state):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
