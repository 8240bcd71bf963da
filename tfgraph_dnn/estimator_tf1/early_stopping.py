"""``tf.estimator.experimental``'s early-stopping hooks (TF 1.15), single process.

A training hook that, every ``run_every_secs`` (or ``run_every_steps``), reads the
evaluation events in ``eval_dir`` and stops training when a criterion holds; it sets
TF1's ``signal_early_stopping/STOP`` variable (saved with the checkpoints, as in TF1).
"""
from __future__ import annotations

import collections
import glob
import operator
import os
from typing import Callable, Optional

from .. import _tf
from .estimator import Estimator

tf = _tf.tensorflow
v1 = tf.compat.v1


def read_eval_metrics(eval_dir: str) -> "collections.OrderedDict":
    """Evaluation scalars in ``eval_dir``'s event files: ``{step: {tag: value}}`` by step."""
    metrics: dict = collections.defaultdict(dict)
    for path in sorted(glob.glob(os.path.join(eval_dir, "events.out.tfevents.*"))):
        for event in v1.train.summary_iterator(path):
            values = {v.tag: v.simple_value for v in event.summary.value
                      if v.WhichOneof("value") == "simple_value"}
            if values:
                metrics[event.step].update(values)
    return collections.OrderedDict(sorted(metrics.items()))


def _stop_var():
    with v1.variable_scope("signal_early_stopping", reuse=v1.AUTO_REUSE):
        return v1.get_variable("STOP", shape=[], dtype=tf.bool,
                               initializer=v1.constant_initializer(False),
                               collections=[v1.GraphKeys.GLOBAL_VARIABLES], trainable=False,
                               use_resource=False)


class _StopOnPredicateHook(v1.train.SessionRunHook):
    """Requests a stop (and sets the STOP variable) when ``should_stop_fn()`` is true."""

    def __init__(self, should_stop_fn: Callable[[], bool], run_every_secs=60,
                 run_every_steps=None) -> None:
        if not callable(should_stop_fn):
            raise TypeError(f"`should_stop_fn` must be callable, given: {should_stop_fn}")
        self._should_stop_fn = should_stop_fn
        self._timer = v1.train.SecondOrStepTimer(every_secs=run_every_secs,
                                                 every_steps=run_every_steps)

    def begin(self) -> None:
        self._global_step = v1.train.get_global_step()
        self._stop_op = v1.assign(_stop_var(), True)

    def before_run(self, run_context):
        return v1.train.SessionRunArgs(self._global_step)

    def after_run(self, run_context, run_values) -> None:
        step = run_values.results
        if self._timer.should_trigger_for_step(step):
            self._timer.update_last_triggered_step(step)
            if self._should_stop_fn():
                run_context.session.run(self._stop_op)
                run_context.request_stop()


def make_early_stopping_hook(estimator: Estimator, should_stop_fn: Callable[[], bool],
                             run_every_secs: Optional[int] = 60,
                             run_every_steps: Optional[int] = None):
    """A hook stopping ``estimator``'s training once ``should_stop_fn()`` returns True."""
    if not isinstance(estimator, Estimator):
        raise TypeError(f"`estimator` must have type `tf.estimator.Estimator`. Got: "
                        f"{type(estimator)}")
    if run_every_secs is not None and run_every_steps is not None:
        raise ValueError("Only one of `run_every_secs` and `run_every_steps` can be set.")
    return _StopOnPredicateHook(should_stop_fn, run_every_secs, run_every_steps)


def _threshold_hook(estimator, metric_name, threshold, eval_dir, min_steps, run_every_secs,
                    run_every_steps, better):
    eval_dir = eval_dir or estimator.eval_dir()

    def crossed() -> bool:
        for step, metrics in read_eval_metrics(eval_dir).items():
            if step >= min_steps and better(metrics[metric_name], threshold):
                return True
        return False

    return make_early_stopping_hook(estimator, crossed, run_every_secs, run_every_steps)


def _no_improvement_hook(estimator, metric_name, max_steps, eval_dir, min_steps,
                         run_every_secs, run_every_steps, better):
    eval_dir = eval_dir or estimator.eval_dir()

    def stalled() -> bool:
        best, best_step = None, None
        for step, metrics in read_eval_metrics(eval_dir).items():
            if step < min_steps:
                continue
            value = metrics[metric_name]
            if best is None or better(value, best):
                best, best_step = value, step
            if step - best_step >= max_steps:
                return True
        return False

    return make_early_stopping_hook(estimator, stalled, run_every_secs, run_every_steps)


def stop_if_higher_hook(estimator, metric_name, threshold, eval_dir=None, min_steps=0,
                        run_every_secs=60, run_every_steps=None):
    """Stops training once an evaluation's ``metric_name`` is above ``threshold``."""
    return _threshold_hook(estimator, metric_name, threshold, eval_dir, min_steps,
                           run_every_secs, run_every_steps, operator.gt)


def stop_if_lower_hook(estimator, metric_name, threshold, eval_dir=None, min_steps=0,
                       run_every_secs=60, run_every_steps=None):
    """Stops training once an evaluation's ``metric_name`` is below ``threshold``."""
    return _threshold_hook(estimator, metric_name, threshold, eval_dir, min_steps,
                           run_every_secs, run_every_steps, operator.lt)


def stop_if_no_increase_hook(estimator, metric_name, max_steps_without_increase,
                             eval_dir=None, min_steps=0, run_every_secs=60,
                             run_every_steps=None):
    """Stops training when ``metric_name`` has not risen for that many global steps."""
    return _no_improvement_hook(estimator, metric_name, max_steps_without_increase, eval_dir,
                                min_steps, run_every_secs, run_every_steps, operator.gt)


def stop_if_no_decrease_hook(estimator, metric_name, max_steps_without_decrease,
                             eval_dir=None, min_steps=0, run_every_secs=60,
                             run_every_steps=None):
    """Stops training when ``metric_name`` has not fallen for that many global steps."""
    return _no_improvement_hook(estimator, metric_name, max_steps_without_decrease, eval_dir,
                                min_steps, run_every_secs, run_every_steps, operator.lt)
