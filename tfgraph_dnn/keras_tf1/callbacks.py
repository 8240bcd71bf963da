"""``tf.keras.callbacks`` for ``fit`` in a TF1 graph: ``Callback``, ``History``, ``EarlyStopping``.

Room: ``keras_tf1``.  ``fit`` calls the hooks of TF 1.15 (``on_train_begin``,
``on_epoch_begin/end``, ``on_batch_begin/end`` and their ``on_train_batch_*``
names) with the same ``logs`` keys (``loss``, ``acc``, ``val_loss``...).  The
callbacks that write files or change the learning rate (``ModelCheckpoint``,
``TensorBoard``, ``ReduceLROnPlateau``, ``CSVLogger``...) are not provided.
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np


class Callback:
    """Base class; ``self.model`` and ``self.params`` are set by ``fit``."""

    def __init__(self) -> None:
        self.model = None
        self.params: dict = {}
        self.validation_data = None

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_batch_begin(self, batch, logs=None): pass
    def on_batch_end(self, batch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): pass
    def on_train_batch_end(self, batch, logs=None): pass


class History(Callback):
    """Per-epoch logs: ``history.history == {'loss': [...], 'acc': [...], 'val_loss': [...]}``."""

    def on_train_begin(self, logs=None):
        self.epoch: list = []
        self.history: dict = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class LambdaCallback(Callback):
    """Callbacks from plain functions (``on_epoch_end=lambda epoch, logs: ...``)."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None) -> None:
        super().__init__()
        for name, fn in (("on_epoch_begin", on_epoch_begin), ("on_epoch_end", on_epoch_end),
                         ("on_batch_begin", on_batch_begin), ("on_batch_end", on_batch_end),
                         ("on_train_begin", on_train_begin), ("on_train_end", on_train_end)):
            if fn is not None:
                setattr(self, name, fn)


class EarlyStopping(Callback):
    """Stop when ``monitor`` stops improving for ``patience`` epochs (TF 1.15 defaults)."""

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: Optional[float] = None,
                 restore_best_weights: bool = False) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor, self.patience, self.baseline = monitor, int(patience), baseline
        self.restore_best_weights = restore_best_weights
        maximize = mode == "max" or (mode == "auto" and "acc" in monitor)
        self._better: Callable = np.greater if maximize else np.less
        self.min_delta = abs(min_delta) if maximize else -abs(min_delta)
        self.stopped_epoch = 0

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_weights = 0, 0, None
        self.best = self.baseline if self.baseline is not None else (
            -np.inf if self._better is np.greater else np.inf)

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            return
        if self._better(current - self.min_delta, self.best):
            self.best, self.wait = current, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                self.model.set_weights(self.best_weights)


def _not_provided(name: str):
    class NotProvided(Callback):
        def __init__(self, *args, **kwargs):
            raise NotImplementedError(f"keras.callbacks.{name} is not provided by "
                                      "tfgraph_dnn.keras_tf1")
    NotProvided.__name__ = NotProvided.__qualname__ = name
    return NotProvided


ModelCheckpoint = _not_provided("ModelCheckpoint")
TensorBoard = _not_provided("TensorBoard")
ReduceLROnPlateau = _not_provided("ReduceLROnPlateau")
LearningRateScheduler = _not_provided("LearningRateScheduler")
CSVLogger = _not_provided("CSVLogger")
