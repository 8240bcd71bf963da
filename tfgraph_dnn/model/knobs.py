"""Per-fit values of a graph built once (room: ``model``; builds graph ops, runs none).

A graph that serves many fits (a search's folds and candidates) cannot hold
the learning rate, the penalties or the seed as constants.  A :class:`Knobs`
holds each such value in a scalar *local* variable (outside the Saver, the
weight snapshot and checkpoints), set by running its initializer with the
value fed in place of the default (no assign op or placeholder of its own:
fewer ops to build); before a fit every knob is set in one ``session.run``,
then the initializers -- which may read knobs, e.g. stateless initializers
keyed by the ``seed`` knob -- run.
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple

from .. import _tf  # noqa: F401  (TensorFlow, imported quietly: see _tf)
import tensorflow as tf

v1 = tf.compat.v1


def initializer_feed(variable: tf.Variable) -> Optional[Tuple[tf.Operation, tf.Tensor]]:
    """``(op, value)``: running ``variable``'s initializer ``op`` with ``value`` fed sets the
    variable to the fed value -- no placeholder or assign op of its own, nor the initial
    value's computation.  ``None`` when the initializer is not one assign of one value."""
    assign = variable.initializer
    return (assign, assign.inputs[1]) if len(assign.inputs) == 2 else None


class Knobs:
    """Scalar variables set once per fit, by name.

    Build every knob with :meth:`add` before the graph is finalized, then
    :meth:`assign` them all (a name missing from the values keeps its default).
    """

    def __init__(self):
        self._variables: Dict[str, tf.Variable] = {}
        self._placeholders: Dict[str, tf.Tensor] = {}
        self._assign_ops: Dict[str, tf.Operation] = {}
        self._defaults: Dict[str, Any] = {}

    def add(self, name: str, default, dtype=tf.float32) -> tf.Variable:
        """Create knob ``name`` (once; later calls return the same variable).

        Use the returned resource variable as a tensor: each use reads it where
        it is used (inside a ``tf.while_loop`` too).
        """
        if name in self._variables:
            return self._variables[name]
        with v1.name_scope(f"knobs/{name}/"):  # absolute: the same wherever called from
            variable = v1.Variable(tf.constant(default, dtype), trainable=False,
                                   use_resource=True, name="value",
                                   collections=[v1.GraphKeys.LOCAL_VARIABLES])
        self._assign_ops[name], self._placeholders[name] = initializer_feed(variable)
        self._variables[name] = variable
        self._defaults[name] = default
        return variable

    def __contains__(self, name: str) -> bool:
        return name in self._variables

    @property
    def names(self):
        return list(self._variables)

    def variable(self, name: str) -> tf.Variable:
        return self._variables[name]

    def assign(self, session: v1.Session, values: Mapping[str, Any]) -> None:
        """Set the named knobs (unknown names raise ``KeyError``); one ``session.run``."""
        unknown = sorted(set(values) - set(self._variables))
        if unknown:
            raise KeyError(f"No knobs named {unknown}; this graph has {self.names}")
        if values:
            session.run([self._assign_ops[name] for name in values],
                        {self._placeholders[name]: value for name, value in values.items()})

    def assign_all(self, session: v1.Session, values: Mapping[str, Any]) -> None:
        """Set every knob: ``values`` where given, the default elsewhere."""
        self.assign(session, {name: values.get(name, self._defaults[name])
                              for name in self._variables})
