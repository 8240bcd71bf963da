"""Everything training adds to a net's graph (room: ``training``; builds ops once).

:func:`build_training_graph` runs inside the estimator's graph before it is
finalized and returns a :class:`TrainingGraph`: the step loop
(:mod:`.step`), global step, learning-rate (and momentum) schedule, the knobs
of the per-fit values, a weight snapshot for early stopping / divergence
recovery (which also saves and restores checkpoints: :class:`SnapshotSaver`)
and, for fits that log them, weight histograms.  Only what a fit uses is
built: every op costs building time on a structure's first fit and makes each
new ``Session.run`` signature slower to prepare.  Hooks only *run* these ops,
so a finalized graph never grows, whatever hooks a later ``fit`` brings; and a
graph built from a :class:`TrainingSpec` serves every fit of the same
:meth:`TrainingSpec.structure` once its knobs are set.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

from .. import _tf, storage
from ..model.knobs import Knobs, initializer_feed
from ..model import Endpoints, NetworkSpec, network_knobs
from .optimizers import OptimizerSpec
from .schedules import get_schedule
from .step import StepLoop, build_step_loop

v1 = tf.compat.v1


class WeightSnapshot:
    """Copy variables to NumPy and back, with no ops of its own.

    A variable is set by running its initializer with the value fed in place
    of the initial value (the tensor the initializer assigns): the graph needs
    no placeholder or assign op per variable, which would cost building time
    and make every new ``Session.run`` signature slower to prepare.

    Parameters
    ----------
    variables : list of tf.Variable
        Built in the current default graph.
    """

    def __init__(self, variables: Sequence[tf.Variable]):
        self.variables = list(variables)
        self.names = [variable.op.name for variable in self.variables]
        self._assign_ops, self._placeholders = [], []
        for variable in self.variables:
            # Feeding the initializer's value also skips the initial value's computation,
            # guards on other variables included.
            assign, value = initializer_feed(variable) or (None, None)
            if value is None or value in self._placeholders:  # not a plain assign: own ops
                with v1.name_scope("snapshot"):
                    value = v1.placeholder(variable.dtype.base_dtype, variable.shape)
                    assign = v1.assign(variable, value).op
            self._assign_ops.append(assign)
            self._placeholders.append(value)

    def capture(self, session) -> Dict[str, np.ndarray]:
        """Current values, ``{variable name: array}``."""
        return dict(zip(self.names, session.run(self.variables)))

    def restore(self, session, values: Dict[str, np.ndarray]) -> None:
        """Assign previously captured values (every variable must be present)."""
        missing = [name for name in self.names if name not in values]
        if missing:
            raise ValueError(f"Snapshot lacks variables {missing}")
        self._set(session, values)

    def assign(self, session, values: Dict[str, np.ndarray]) -> None:
        """Assign some variables (``{name: array}``); the others keep their values."""
        unknown = sorted(set(values) - set(self.names))
        if unknown:
            raise ValueError(f"No variables named {unknown} in this graph")
        self._set(session, values)

    def _set(self, session, values: Dict[str, np.ndarray]) -> None:
        """One run setting the snapshot's variables named in ``values``."""
        ops, feed = [], {}
        for name, placeholder, op in zip(self.names, self._placeholders, self._assign_ops):
            if name in values:
                ops.append(op)
                feed[placeholder] = _checked(values[name], placeholder, name)
        if ops:
            session.run(ops, feed)


class SnapshotSaver:
    """A ``tf.compat.v1.train.Saver`` of a snapshot's variables, with no ops in the graph.

    The files are those of ``Saver(...).save(session, prefix, write_meta_graph=False,
    write_state=False)``: a V2 checkpoint (``prefix.index``, ``prefix.data-00000-of-00001``)
    keyed by variable name, written by the same ``SaveV2`` kernel, byte for byte.  A
    Saver would add about two ops per variable to the training graph, built on every
    first fit of a structure and weighing on every new ``Session.run`` signature,
    for the few fits that save.

    Parameters
    ----------
    snapshot : WeightSnapshot
        Its variables are saved and restored (every global variable of the graph).
    """

    def __init__(self, snapshot: WeightSnapshot):
        self.snapshot = snapshot

    def save(self, session, save_path: str, write_meta_graph: bool = False,
             write_state: bool = False) -> str:
        """Write every variable's value under prefix ``save_path``; returns ``save_path``."""
        if write_meta_graph or write_state:
            raise ValueError("SnapshotSaver writes neither meta graphs nor 'checkpoint' "
                             "state files")
        values = self.snapshot.capture(session)
        names = sorted(values)
        with _tf.eager_mode():  # one kernel call: no graph, whatever the caller's mode
            tf.raw_ops.SaveV2(prefix=save_path, tensor_names=names,
                              shape_and_slices=[""] * len(names),
                              tensors=[tf.constant(values[name]) for name in names])
        return save_path

    def restore(self, session, save_path: str) -> None:
        """Set every variable from the checkpoint ``save_path`` (checksums verified).

        Raises
        ------
        CheckpointError
            An unreadable or damaged checkpoint, or one lacking a variable.
        ValueError
            A variable of another shape in the checkpoint.
        """
        names = {name: name for name in self.snapshot.names}
        self.snapshot.restore(session, storage.read_tensors(save_path, names))


def _checked(value, tensor: tf.Tensor, name: str) -> np.ndarray:
    """``value`` as an array of ``tensor``'s dtype; a ``ValueError`` naming the variable if
    its shape differs (TensorFlow's own message would name the fed initial value)."""
    array = np.asarray(value, tensor.dtype.as_numpy_dtype)
    if not tensor.shape.is_compatible_with(array.shape):
        raise ValueError(f"Cannot assign a value of shape {array.shape} to variable {name} "
                         f"of shape {tuple(tensor.shape.as_list())}")
    return array


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
    histograms : bool
        Build the weight histograms' summary op (only fits that log them pay for it).
    """

    network: NetworkSpec
    optimizer: OptimizerSpec
    batch_size: int
    steps_per_epoch: int
    n_epochs: int
    first_layer: int = 1
    slow_layers: Tuple[str, ...] = ()
    reused_lr_multiplier: float = 1.0
    histograms: bool = False

    def structure(self) -> Optional[tuple]:
        """What the graph depends on beyond its knobs; ``None`` when no graph can be
        shared (a user's initializer draws from stateful generators)."""
        if not self.network.cacheable:
            return None
        schedule = get_schedule(self.optimizer.schedule)
        length = (self.steps_per_epoch, self.n_epochs) if schedule.depends_on_length else ()
        return (self.network.structure(), self.optimizer.structure(), repr(schedule),
                length, self.first_layer, tuple(self.slow_layers), bool(self.histograms))

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
    histograms: Optional[tf.Tensor]  # None unless the spec asked for them
    saver: SnapshotSaver
    steps: StepLoop
    knobs: Knobs
    schedule_hook: Optional[object] = None


def build_training_graph(spec: TrainingSpec, endpoints: Endpoints) -> TrainingGraph:
    """Add the step loop, schedule, snapshot and its saver, and histograms (if asked) to
    the default graph (the one :func:`~tfgraph_dnn.model.build_network` built ``endpoints``
    in)."""
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
    histograms = None
    if spec.histograms:
        with v1.name_scope("summaries"):
            histograms = v1.summary.merge([
                v1.summary.histogram(variable.op.name, variable)
                for variable in endpoints.variables])
    saver = SnapshotSaver(snapshot)
    return TrainingGraph(global_step=global_step,
                         learning_rate=tf.convert_to_tensor(scheduled.learning_rate),
                         snapshot=snapshot, histograms=histograms, saver=saver, steps=steps,
                         knobs=knobs, schedule_hook=scheduled.hook)
