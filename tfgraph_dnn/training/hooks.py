"""Training callbacks (room: ``training``; each one training concern, no graph building).

A callback has scikit-learn-style parameters and skorch's shape
(``skorch.callbacks.Callback``): its constructor only stores parameters
(:meth:`Callback.get_params` / :meth:`Callback.set_params`),
:meth:`Callback.initialize` (re)sets what it learns during a fit and returns
the callback, and the loop calls ``on_train_begin`` / ``on_epoch_begin`` /
``on_epoch_end`` / ``on_train_end`` with its
:class:`~tfgraph_dnn.training.loop.TrainingState`.  The estimators translate
their parameters (``verbose``, ``early_stopping``, ``log_dir``,
``checkpoint_dir``...) into the built-in callbacks and add the user's
``callbacks`` after them.  ``Hook`` is the earlier name of :class:`Callback`.
"""
from __future__ import annotations

import inspect
import sys
from typing import Any, Dict, Optional, TextIO


class Callback:
    """Base class: every event is a no-op; override what the concern needs.

    Parameters are the constructor's arguments, stored under their own names
    (as scikit-learn estimators and skorch callbacks do); what the callback
    learns during a fit is (re)set by :meth:`initialize`.
    """

    def initialize(self) -> "Callback":
        """Reset what a fit taught the callback (called before each fit); returns ``self``."""
        return self

    @classmethod
    def _param_names(cls) -> list:
        signature = inspect.signature(cls.__init__)
        return sorted(name for name, parameter in signature.parameters.items()
                      if name != "self" and parameter.kind not in
                      (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD))

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        """The constructor's parameters by name (``deep`` is accepted for scikit-learn's
        sake; callbacks hold no nested estimators)."""
        return {name: getattr(self, name, None) for name in self._param_names()}

    def set_params(self, **params: Any) -> "Callback":
        """Set constructor parameters by name; returns ``self``.

        Raises
        ------
        ValueError
            A name that is not a parameter of this callback.
        """
        valid = set(self._param_names())
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for callback "
                                 f"{type(self).__name__}; valid parameters: {sorted(valid)}")
            setattr(self, name, value)
        return self

    def on_train_begin(self, state) -> None:
        """Called once before the first epoch."""

    def on_epoch_begin(self, state) -> None:
        """Called before each epoch (``state.epoch`` is 0-based)."""

    def on_epoch_end(self, state, logs: Dict[str, Any]) -> None:
        """Called after each epoch with that epoch's history row."""

    def on_train_end(self, state) -> None:
        """Called once after the last epoch, even when a callback stopped training."""

    # A callback may also define ``on_batch_end(state, values)``: the loop then runs
    # ``steps_per_run`` steps per session.run (an int, or a callable of the epoch's
    # batch count; default 1) and calls it after each run with the run's mean
    # ``loss`` (and ``accuracy``) and its number of ``steps``.

    def state_dict(self) -> Dict[str, Any]:
        """JSON-able state to checkpoint (NumPy arrays allowed under ``'arrays'``)."""
        return {}

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""


#: The earlier name of :class:`Callback` (user callbacks subclass either).
Hook = Callback


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


def on_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` shows a live progress bar: a terminal or a Jupyter kernel.

    A pipe, a file or a captured stream (pytest, a CI log) is neither; there
    a bar's carriage-return redraws are never seen as progress.
    """
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
    shell = sys.modules.get("IPython")
    get_ipython = getattr(shell, "get_ipython", None)
    return get_ipython is not None and hasattr(get_ipython(), "kernel")


class ProgressPrinter(Callback):
    """``verbose >= 1``: print one line per epoch, and why training stopped early.

    Parameters
    ----------
    stream : text stream, optional
        Where to print; ``sys.stdout`` at the time of printing by default.
    """

    def __init__(self, stream: Optional[TextIO] = None):
        self.stream = stream

    def _print(self, text: str) -> None:
        print(text, file=self.stream or sys.stdout, flush=True)

    def on_epoch_end(self, state, logs):
        self._print(format_logs(logs, state.n_epochs))

    def on_train_end(self, state):
        if state.stop_reason:
            self._print(state.stop_reason)


class ProgressBar(ProgressPrinter):
    """``verbose >= 2``: a tqdm bar over the batches of each epoch, then the epoch line.

    The bar is drawn on the stream the epoch lines go to, and only when that
    is a terminal (or a notebook, see :func:`on_terminal`); elsewhere (piped,
    redirected, captured) this prints the lines of ``verbose=1`` alone, and
    the loop runs each epoch in as few ``session.run`` calls as without a bar.
    On a terminal the bar advances about 100 times per epoch
    (:meth:`steps_per_run`), the steps between updates running in one
    ``session.run``.

    Parameters
    ----------
    n_samples : int
        Training rows per epoch (the bar's total is their batch count).
    stream : text stream, optional
        Where to draw and print; ``sys.stdout`` at train begin by default.
    """

    def __init__(self, n_samples: int, stream: Optional[TextIO] = None):
        super().__init__(stream)
        self.n_samples = n_samples
        self.initialize()

    def initialize(self) -> "ProgressBar":
        self.live: Optional[bool] = None  # decided at train begin
        self._bar = None
        return self

    def steps_per_run(self, n_batches: int) -> int:
        """Steps per ``session.run``: ~1 % of an epoch with a bar, the whole epoch without."""
        return max(1, n_batches // 100) if self.live is not False else n_batches

    def on_train_begin(self, state):
        self.live = on_terminal(self.stream or sys.stdout)

    def on_epoch_begin(self, state):
        if not self.live:
            return
        from tqdm.auto import tqdm

        self._bar = tqdm(total=-(-self.n_samples // state.batch_size), leave=False,
                         file=self.stream or sys.stdout, unit="batch",
                         desc=f"epoch {state.epoch + 1}/{state.n_epochs}")

    def on_batch_end(self, state, values):
        if self._bar is not None:
            self._bar.update(values["steps"])
            self._bar.set_postfix(loss=f"{values['loss']:.4f}", refresh=False)

    def on_epoch_end(self, state, logs):
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        super().on_epoch_end(state, logs)

    def on_train_end(self, state):
        if self._bar is not None:  # a hook stopped mid-epoch or an error ended the fit
            self._bar.close()
            self._bar = None
        super().on_train_end(state)
