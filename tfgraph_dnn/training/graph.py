"""Everything training adds to a net's graph (room: ``training``; builds ops once).

:func:`build_training_graph` runs inside the estimator's graph before it is
finalized and returns a :class:`TrainingGraph`: the step loop
(:mod:`.step`), global step, learning-rate (and momentum) schedule, the knobs
of the per-fit values, a weight snapshot for early stopping / divergence
recovery, summaries and a Saver.  Hooks only *run* these ops, so a finalized
graph never grows, whatever hooks a later ``fit`` brings; and a graph built
from a :class:`TrainingSpec` serves every fit of the same
:meth:`TrainingSpec.structure` once its knobs are set.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

from ..model.knobs import Knobs
from ..model import Endpoints, NetworkSpec, network_knobs
from .optimizers import OptimizerSpec
from .schedules import get_schedule
from .step import StepLoop, build_step_loop

v1 = tf.compat.v1


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


@dataclass(frozen=True)
class TrainingSpec:
    """Everything a fit's training graph is built from.

    Attributes
    ----------
    network : NetworkSpec
    optimizer : OptimizerSpec
    batch_size : int
    steps_per_epoch, n_epochs : int
        The length of the fit, for schedules that depend on it.
    first_layer : int
        ``> 1``: the loop trains on cached outputs of the frozen layers below it.
    slow_layers : tuple of str
        Layers (``"hidden1"``...) trained at ``reused_lr_multiplier`` times the
        rate: part of the structure (a second optimizer); the multiplier is a knob.
    reused_lr_multiplier : float
        The multiplier (used only with ``slow_layers``).
    """

    network: NetworkSpec
    optimizer: OptimizerSpec
    batch_size: int
    steps_per_epoch: int
    n_epochs: int
    first_layer: int = 1
    slow_layers: Tuple[str, ...] = ()
    reused_lr_multiplier: float = 1.0

    def structure(self) -> Optional[tuple]:
        """What the graph depends on beyond its knobs; ``None`` when no graph can be
        shared (a user's initializer draws from stateful generators)."""
        if not self.network.cacheable:
            return None
        schedule = get_schedule(self.optimizer.schedule)
        length = (self.steps_per_epoch, self.n_epochs) if schedule.depends_on_length else ()
        return (self.network.structure(), self.optimizer.structure(), repr(schedule),
                length, self.first_layer, tuple(self.slow_layers))

    def knob_values(self) -> Dict[str, Any]:
        """Every knob's value for this fit."""
        network = self.network
        values: Dict[str, Any] = {"seed": int(network.seed or 0),
                                  "batch_size": int(self.batch_size)}
        values.update(network.knob_values())
        values.update(self.optimizer.knob_values())
        if self.slow_layers:
            values["reused_lr_multiplier"] = float(self.reused_lr_multiplier)
        return values


@dataclass
class TrainingGraph:
    """Ops that the loop and hooks run."""

    global_step: tf.Variable
    learning_rate: tf.Tensor
    snapshot: WeightSnapshot
    histograms: tf.Tensor
    saver: v1.train.Saver
    steps: StepLoop
    knobs: Knobs
    schedule_hook: Optional[object] = None


def build_training_graph(spec: TrainingSpec, endpoints: Endpoints) -> TrainingGraph:
    """Add the step loop, schedule, snapshot, summaries and Saver to the default graph
    (the one :func:`~tfgraph_dnn.model.build_network` built ``endpoints`` in)."""
    knobs = endpoints.knobs
    values = network_knobs(spec.network, knobs)
    optimizer = spec.optimizer
    for name, value in optimizer.knob_values().items():
        values[name] = knobs.add(name, value)
    values["batch_size"] = knobs.add("batch_size", int(spec.batch_size), tf.int32)
    if spec.slow_layers:
        values["reused_lr_multiplier"] = knobs.add("reused_lr_multiplier",
                                                   float(spec.reused_lr_multiplier))
    global_step = v1.train.get_or_create_global_step()
    with v1.name_scope("schedule"):
        scheduled = get_schedule(optimizer.schedule).build(
            values["learning_rate"], global_step, spec.steps_per_epoch, spec.n_epochs)
    steps = build_step_loop(spec.network, optimizer, values, scheduled.at_step, global_step,
                            endpoints, spec.first_layer, spec.slow_layers)
    # Every variable, optimizer slots included: restoring only the weights after a
    # divergence would leave NaN in the slots and the next step would diverge again.
    snapshot = WeightSnapshot(v1.global_variables())
    with v1.name_scope("summaries"):
        histograms = v1.summary.merge([
            v1.summary.histogram(variable.op.name, variable)
            for variable in endpoints.variables])
    saver = v1.train.Saver(max_to_keep=None, save_relative_paths=True)
    return TrainingGraph(global_step=global_step,
                         learning_rate=tf.convert_to_tensor(scheduled.learning_rate),
                         snapshot=snapshot, histograms=histograms, saver=saver, steps=steps,
                         knobs=knobs, schedule_hook=scheduled.hook)
