"""The checkpoint hook: save the training loop's state as it goes (room: ``training``).

What a checkpoint directory holds, how it is written atomically, recovered
after a crash and read back to resume is :mod:`tfgraph_dnn.storage`'s (see
:mod:`tfgraph_dnn.storage.checkpoints`); this hook only decides *when* to save
and gathers the loop's state.  The storage names below are re-exported for the
modules that imported them from here.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from ..storage import (MODEL_PREFIX, TMP_PREFIX, atomic_write_text, describe_error,
                       latest_save_dir, prepare_checkpoint_dir, read_latest,
                       remove_leftovers, rng_from_json, rng_to_json,
                       saver_writer, write_checkpoint)
from .hooks import Callback

__all__ = ["CheckpointHook", "MODEL_PREFIX", "TMP_PREFIX", "atomic_write_text",
           "describe_error", "latest_save_dir", "read_latest", "remove_leftovers",
           "rng_from_json", "rng_to_json"]


class CheckpointHook(Callback):
    """Save every ``every`` epochs and at the end of training.

    Parameters
    ----------
    checkpoint_dir : str
        Absent, empty or a checkpoint directory; anything else (a ``save()``
        directory, a directory of the user's) is refused when training begins.
    every : int
        Save after epochs ``every, 2*every, ...`` and after the last one.
    fingerprint : dict
        Describes the architecture; resuming refuses a different one.
    hooks : list of Callback
        Whose ``state_dict`` is saved alongside (keyed by class name).
    keep : int
        Complete epoch directories kept (the newest ones).
    fit : dict, optional
        The fit's fingerprint (:func:`tfgraph_dnn.storage.fit_fingerprint`):
        checkpoints go to its own ``fit-<key>/`` directory inside
        ``checkpoint_dir`` (without it, into ``checkpoint_dir`` itself).
    """

    def __init__(self, checkpoint_dir: str, every: int, fingerprint: Dict[str, Any],
                 hooks: List[Callback], keep: int = 2, fit: Optional[Dict[str, Any]] = None):
        self.checkpoint_dir = checkpoint_dir
        self.every = every
        self.fingerprint = fingerprint
        self.hooks = hooks
        self.keep = keep
        self.fit = fit
        self.initialize()

    def initialize(self) -> "CheckpointHook":
        """The directory is decided again when training begins."""
        self.directory = self.checkpoint_dir
        return self

    def on_train_begin(self, state):
        self.directory = prepare_checkpoint_dir(self.checkpoint_dir, self.fit)

    def on_epoch_end(self, state, logs):
        if logs["epoch"] % self.every == 0:
            self.save(state)

    def on_train_end(self, state):
        if state.history:  # after early stopping restored the best weights
            self.save(state)

    def save(self, state) -> str:
        """Write the current epoch atomically and point ``latest`` at it."""
        return write_checkpoint(
            self.directory, saver_writer(state.session, state.ops.saver),
            epoch=state.history[-1]["epoch"] if state.history else 0, history=state.history,
            hook_states={type(hook).__name__: hook.state_dict() for hook in self.hooks},
            rng=state.rng, fingerprint=self.fingerprint, stopped=state.stop_training,
            keep=self.keep, fit=None if self.fit is None else self.fit["key"])
