"""``tf.estimator.TrainSpec``, ``EvalSpec`` and ``train_and_evaluate`` (local, one process).

As TF 1.15 ran it without a cluster: one ``train`` call to ``max_steps`` whose checkpoint
listener evaluates after each new checkpoint (at most every ``throttle_secs``) and once at
the end, then runs the exporters on each evaluation.
"""
from __future__ import annotations

import collections
import os
from typing import Optional

from .. import _tf
from . import _util
from .estimator import Estimator
from .exporter import Exporter

tf = _tf.tensorflow
v1 = tf.compat.v1


class TrainSpec(collections.namedtuple("TrainSpec", ["input_fn", "max_steps", "hooks",
                                                     "saving_listeners"])):
    """The training half of :func:`train_and_evaluate`.

    Parameters
    ----------
    input_fn : callable
    max_steps : int, optional
        Positive; ``None`` trains until the input ends.
    hooks : list of SessionRunHook, optional
    saving_listeners : list of CheckpointSaverListener, optional
    """

    def __new__(cls, input_fn, max_steps=None, hooks=None, saving_listeners=None):
        if not callable(input_fn):
            raise TypeError(f"`input_fn` must be callable, given: {input_fn}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        return super().__new__(cls, input_fn, max_steps, tuple(_util.check_hooks(hooks)),
                               tuple(_util.check_listeners(saving_listeners)))


class EvalSpec(collections.namedtuple("EvalSpec", [
        "input_fn", "steps", "name", "hooks", "exporters", "start_delay_secs",
        "throttle_secs"])):
    """The evaluation half of :func:`train_and_evaluate`.

    Parameters
    ----------
    input_fn : callable
    steps : int or None, default 100
        Batches per evaluation (``None``: until the input ends).
    name : str, optional
        Evaluations go to ``eval_<name>/``.
    hooks : list of SessionRunHook, optional
    exporters : Exporter or list of Exporter, optional
    start_delay_secs : int, default 120
        Unused locally (as in TF1).
    throttle_secs : int, default 600
        At least this many seconds between evaluations.
    """

    def __new__(cls, input_fn, steps=100, name=None, hooks=None, exporters=None,
                start_delay_secs=120, throttle_secs=600):
        if not callable(input_fn):
            raise TypeError(f"`input_fn` must be callable, given: {input_fn}")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be string, given: {name}")
        if exporters is None:
            exporters = ()
        elif isinstance(exporters, Exporter):
            exporters = (exporters,)
        exporters = tuple(exporters)
        names = set()
        for exporter in exporters:
            if not isinstance(exporter, Exporter):
                raise TypeError(f"`exporters` must be an Exporter, an iterable of Exporter, or "
                                f"`None`, found {exporter}.")
            if not exporter.name or not exporter.name.strip():
                raise ValueError(f"An Exporter cannot have a name that is `None` or empty. "
                                 f"All exporter names: {[e.name for e in exporters]}")
            if exporter.name in names:
                raise ValueError(f"`exporters` must have unique names. Such a name cannot be "
                                 f"`None`. All exporter names: {[e.name for e in exporters]}")
            names.add(exporter.name)
        if start_delay_secs < 0:
            raise ValueError(f"Must specify start_delay_secs >= 0, given: {start_delay_secs}")
        if throttle_secs < 0:
            raise ValueError(f"Must specify throttle_secs >= 0, given: {throttle_secs}")
        return super().__new__(cls, input_fn, steps, name, tuple(_util.check_hooks(hooks)),
                               exporters, start_delay_secs, throttle_secs)


class _EvaluateOnSave(v1.train.CheckpointSaverListener):
    """Evaluates (and exports) after a new checkpoint, at most every ``throttle_secs``."""

    def __init__(self, estimator: Estimator, eval_spec: EvalSpec,
                 max_steps: Optional[int]) -> None:
        self._estimator, self._spec, self._max_steps = estimator, eval_spec, max_steps
        self._timer = v1.train.SecondOrStepTimer(every_secs=eval_spec.throttle_secs)
        self._previous_checkpoint = None
        self._first_save = True
        self.eval_result = None
        self.export_results = []

    def after_save(self, session, global_step_value) -> None:
        del session
        if self._first_save:  # the checkpoint written when the session starts: not trained
            self._first_save = False
            return
        if self._timer.should_trigger_for_step(global_step_value):
            self._evaluate(global_step_value)

    def end(self, session, global_step_value) -> None:
        del session
        if global_step_value != self._timer.last_triggered_step():
            self._evaluate(global_step_value)

    def _evaluate(self, global_step_value) -> None:
        self._timer.update_last_triggered_step(global_step_value)
        checkpoint = self._estimator.latest_checkpoint()
        if not checkpoint or checkpoint == self._previous_checkpoint:
            return
        metrics = self._estimator.evaluate(
            self._spec.input_fn, steps=self._spec.steps, hooks=list(self._spec.hooks),
            checkpoint_path=checkpoint, name=self._spec.name)
        final = bool(self._max_steps) and metrics["global_step"] >= self._max_steps
        self.export_results = []  # the last evaluation's exports, as TF1 returned them
        for exporter in self._spec.exporters:
            path = os.path.join(self._estimator.model_dir, "export", exporter.name)
            self.export_results.append(exporter.export(
                self._estimator, path, checkpoint, metrics, final))
        self._previous_checkpoint = checkpoint
        self.eval_result = metrics


def train_and_evaluate(estimator: Estimator, train_spec: TrainSpec, eval_spec: EvalSpec):
    """Trains ``estimator`` per ``train_spec``, evaluating (and exporting) on each checkpoint.

    Returns
    -------
    tuple
        ``(metrics of the last evaluation or None, that evaluation's export results)``.

    Raises
    ------
    TypeError
        Arguments of the wrong types.
    ValueError
        The estimator's ``RunConfig`` saves no checkpoints.
    """
    if not isinstance(estimator, Estimator):
        raise TypeError(f"`estimator` must have type `tf.estimator.Estimator`, given "
                        f"{type(estimator)}")
    if not isinstance(train_spec, TrainSpec):
        raise TypeError(f"`train_spec` must have type `tf.estimator.TrainSpec`, given "
                        f"{type(train_spec)}")
    if not isinstance(eval_spec, EvalSpec):
        raise TypeError(f"`eval_spec` must have type `tf.estimator.EvalSpec`, given "
                        f"{type(eval_spec)}")
    config = estimator.config
    if not (config.save_checkpoints_secs or config.save_checkpoints_steps):
        raise ValueError("train_and_evaluate needs checkpoints: set save_checkpoints_steps or "
                         "save_checkpoints_secs in the estimator's RunConfig.")
    listener = _EvaluateOnSave(estimator, eval_spec, train_spec.max_steps)
    estimator.train(train_spec.input_fn, hooks=list(train_spec.hooks),
                    max_steps=train_spec.max_steps,
                    saving_listeners=list(train_spec.saving_listeners) + [listener])
    return listener.eval_result, listener.export_results
