"""Everything training adds to a net's graph (room: ``training``; builds ops once).

:func:`build_training_graph` runs inside the estimator's graph before it is
finalized and returns a :class:`TrainingGraph`: the training op, global step,
learning-rate (and momentum) schedule, a weight snapshot for early stopping /
divergence recovery, summaries and a Saver.  Hooks only *run* these ops, so a
finalized graph never grows, whatever hooks a later ``fit`` brings.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
import tensorflow as tf

from ..model import Endpoints, NetworkSpec
from .in_graph import InGraphEpoch, StepRates, build_in_graph_epoch
from .optimizers import build_train_op, make_optimizer
from .schedules import get_schedule

v1 = tf.compat.v1

MOMENTUM_OPTIMIZERS = ("momentum", "nesterov")


class WeightSnapshot:
    """Copy variables to NumPy and back, with assign ops built once.

    Parameters
    ----------
    variables : list of tf.Variable
        Built in the current default graph.
    """

    def __init__(self, variables: Sequence[tf.Variable]):
        self.variables = list(variables)
        self.names = [variable.op.name for variable in self.variables]
        with v1.name_scope("snapshot"):
            self._placeholders = [
                v1.placeholder(variable.dtype.base_dtype, variable.shape)
                for variable in self.variables]
            self._assign_ops = [v1.assign(variable, placeholder).op
                                for variable, placeholder in zip(self.variables,
                                                                 self._placeholders)]
            self._restore_op = tf.group(*self._assign_ops)

    def capture(self, session) -> Dict[str, np.ndarray]:
        """Current values, ``{variable name: array}``."""
        return dict(zip(self.names, session.run(self.variables)))

    def restore(self, session, values: Dict[str, np.ndarray]) -> None:
        """Assign previously captured values (every variable must be present)."""
        missing = [name for name in self.names if name not in values]
        if missing:
            raise ValueError(f"Snapshot lacks variables {missing}")
        session.run(self._restore_op, {placeholder: values[name] for placeholder, name
                                       in zip(self._placeholders, self.names)})

    def assign(self, session, values: Dict[str, np.ndarray]) -> None:
        """Assign some variables (``{name: array}``); the others keep their values."""
        unknown = sorted(set(values) - set(self.names))
        if unknown:
            raise ValueError(f"No variables named {unknown} in this graph")
        ops, feed = [], {}
        for name, placeholder, op in zip(self.names, self._placeholders, self._assign_ops):
            if name in values:
                ops.append(op)
                feed[placeholder] = values[name]
        if ops:
            session.run(ops, feed)


@dataclass
class TrainingGraph:
    """Ops that the loop and hooks run."""

    train_op: tf.Operation
    global_step: tf.Variable
    learning_rate: tf.Tensor
    snapshot: WeightSnapshot
    histograms: tf.Tensor
    saver: v1.train.Saver
    schedule_hook: Optional[object] = None
    epoch: Optional[InGraphEpoch] = None  # whole epochs in one session.run


def build_training_graph(endpoints: Endpoints, *, optimizer: str, learning_rate: float,
                         momentum: float, beta1: float, beta2: float, schedule,
                         steps_per_epoch: int, n_epochs: int,
                         clip_value: Optional[float] = None, clip_norm: Optional[float] = None,
                         clip_global_norm: Optional[float] = None,
                         var_list: Optional[List[tf.Variable]] = None,
                         spec: Optional[NetworkSpec] = None, batch_size: Optional[int] = None,
                         in_graph_first_layer: int = 1) -> TrainingGraph:
    """Add optimizer, schedule, snapshot, summaries and Saver to the default graph.

    With ``spec`` and ``batch_size`` it also adds the in-graph epoch loop
    (:mod:`.in_graph`), training from layer ``in_graph_first_layer`` up.
    """
    global_step = v1.train.get_or_create_global_step()
    with v1.name_scope("schedule"):
        scheduled = get_schedule(schedule).build(learning_rate, global_step,
                                                 steps_per_epoch, n_epochs)
    cycled_momentum = scheduled.momentum is not None and optimizer in MOMENTUM_OPTIMIZERS
    at_step = scheduled.at_step
    if not cycled_momentum and at_step is not None:  # 1cycle also cycles the momentum
        at_step = lambda step, rate_at=at_step: (rate_at(step)[0], None)  # noqa: E731
    rates = StepRates(scheduled.learning_rate,
                      scheduled.momentum if cycled_momentum else momentum)
    opt = make_optimizer(optimizer, rates.rate, momentum=rates.momentum_value,
                         beta1=beta1, beta2=beta2)
    if var_list is None:  # frozen layers stay out: no gradients, no optimizer slots
        var_list = endpoints.trainable_variables or None
    train_op = build_train_op(endpoints.loss, opt, global_step, var_list=var_list,
                              clip_value=clip_value, clip_norm=clip_norm,
                              clip_global_norm=clip_global_norm)
    epoch = None
    if spec is not None and batch_size is not None and at_step is not None:
        epoch = build_in_graph_epoch(
            spec, opt, rates, at_step, global_step, batch_size,
            var_list or v1.trainable_variables(), first_layer=in_graph_first_layer,
            clip_value=clip_value, clip_norm=clip_norm, clip_global_norm=clip_global_norm)
    # Every variable, optimizer slots included: restoring only the weights after a
    # divergence would leave NaN in the slots and the next step would diverge again.
    snapshot = WeightSnapshot(v1.global_variables())
    with v1.name_scope("summaries"):
        histograms = v1.summary.merge([
            v1.summary.histogram(variable.op.name, variable)
            for variable in endpoints.variables])
    saver = v1.train.Saver(max_to_keep=None, save_relative_paths=True)
    return TrainingGraph(train_op=train_op, global_step=global_step,
                         learning_rate=tf.convert_to_tensor(scheduled.learning_rate),
                         snapshot=snapshot, histograms=histograms, saver=saver,
                         schedule_hook=scheduled.hook, epoch=epoch)
