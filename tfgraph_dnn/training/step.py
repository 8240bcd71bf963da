"""The training step, built once, run ``k`` steps per ``Session.run`` (room: ``training``).

:func:`build_step_loop` is the only place a training step is built: gather a
mini-batch of the rows held in the graph, run the net's input scaling and
layers on it (the model's own functions, reusing its variables), add the penalties, take the
gradients, clip them (:func:`~.optimizers.clip_gradients`), apply the
optimizer with the schedule's rate at the step's own global step, run batch
norm's updates and max-norm clipping.  A ``tf.while_loop`` runs as many steps
as the fed row order holds: a whole epoch, or fewer when a hook wants to see
steps.

The training set (or a chunk of it, when it is too large to copy) lives in
local variables loaded once per fit; only the shuffled row order is fed.
Each iteration's reads wait for the previous iteration's writes (the loop
counter carries the dependency, ``parallel_iterations=1``): the result is
plain sequential SGD.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Sequence

import numpy as np
import tensorflow as tf

from ..model import (CLASSIFICATION, Endpoints, NetworkSpec, build_head, build_hidden_layers,
                     scale_features)
from .optimizers import CLIPS, OptimizerSpec, build_train_op, make_optimizer

v1 = tf.compat.v1

MOMENTUM_OPTIMIZERS = ("momentum", "nesterov")

# Above this size the training set is loaded in chunks (a whole copy in the graph would
# double the memory held for it).
MAX_IN_GRAPH_BYTES = 2 * 1024 ** 3


@dataclass
class StepLoop:
    """Ops that hold the data and run steps.

    Attributes
    ----------
    data_X, data_y : tf.Variable
        Local (unsaved) variables of any row count, set by :meth:`load`: raw
        features (scaled inside each step, as the inference net does).
    order : tf.Tensor
        int32 placeholder: the rows of the steps to run, batch after batch.
    totals : dict
        Row-weighted sums of the step losses (and accuracies) over the run.
    n_columns : int
        Width of the data rows (features, or the frozen layers' output when cached).
    """

    data_X: tf.Variable
    data_y: tf.Variable
    load_op: tf.Operation
    load_X: tf.Tensor
    load_y: tf.Tensor
    order: tf.Tensor
    totals: Dict[str, tf.Tensor]
    n_columns: int

    def load(self, session: v1.Session, X: np.ndarray, y: np.ndarray) -> None:
        """Copy rows into the graph (once per fit, or once per chunk)."""
        session.run(self.load_op, {self.load_X: X, self.load_y: y})

    def unload(self, session: v1.Session) -> None:
        """Free the rows (a Session kept for later fits keeps no training set)."""
        self.load(session, np.zeros((0, self.n_columns), self.load_X.dtype.as_numpy_dtype),
                  np.zeros((0,) + tuple(self.load_y.shape.as_list()[1:]),
                           self.load_y.dtype.as_numpy_dtype))

    def run(self, session: v1.Session, order: np.ndarray) -> Dict[str, float]:
        """Train on the rows in ``order`` (batch after batch); row-weighted loss sums."""
        return session.run(self.totals, {self.order: order.astype(np.int32, copy=False)})


def build_step_loop(network: NetworkSpec, optimizer: OptimizerSpec, knobs: Dict[str, tf.Tensor],
                    at_step: Callable, global_step: tf.Variable, endpoints: Endpoints,
                    first_layer: int = 1, slow_layers: Sequence[str] = ()) -> StepLoop:
    """Add the data variables and the training ``while_loop`` to the default graph.

    Parameters
    ----------
    network, optimizer : NetworkSpec, OptimizerSpec
    knobs : dict
        The per-fit tensors: the network's (:func:`~tfgraph_dnn.model.network_knobs`),
        ``learning_rate``, ``beta1``, ``beta2``, ``momentum``, the clips that are
        on, and ``batch_size``.
    at_step : callable
        ``at_step(step) -> (rate, momentum or None)``: the schedule at a step.
    endpoints : Endpoints
        The built net (its variables are reused, its kernels regularized).
    first_layer : int
        ``> 1``: train from cached outputs of the frozen layers below it.
    slow_layers : sequence of str
        Layer names (``"hidden1"``...) whose variables are trained at
        ``knobs["reused_lr_multiplier"]`` times the schedule's rate (by a second
        optimizer of the same kind: reused layers next to a new head).
    """
    width = network.n_inputs if first_layer == 1 else \
        int(network.hidden_layer_sizes[first_layer - 2])
    classification = network.task == CLASSIFICATION
    batch_size = knobs["batch_size"]
    with v1.name_scope("step_loop"):
        data_X, load_X = _local_data("data_X", tf.float32, (None, width))
        data_y, load_y = (_local_data("data_y", tf.int32, (None,)) if classification else
                          _local_data("data_y", tf.float32, (None, network.n_outputs)))
        load_op = tf.group(data_X.initializer, data_y.initializer, name="load_data")
        order = v1.placeholder(tf.int32, shape=(None,), name="order")
        n_ordered = tf.size(order)
        # (n - 1) // b + 1, not (n + b - 1) // b: no int32 overflow for any batch size.
        n_batches = tf.where(n_ordered > 0, (n_ordered - 1) // batch_size + 1, 0)
    var_list = endpoints.trainable_variables
    slow_prefixes = tuple(f"{name}/" for name in slow_layers)
    slow_vars = [v for v in var_list if slow_prefixes and v.op.name.startswith(slow_prefixes)]
    frozen = network.n_frozen
    lower_kernels = endpoints.kernels[:first_layer - 1]  # cached: not rebuilt, still penalized
    clipping = {name: knobs[name] for name in CLIPS if name in knobs}

    def step(index, loss_sum, accuracy_sum):
        # Reads of this step wait for the previous step's writes (carried by `index`).
        with tf.control_dependencies([index]):
            start = index * batch_size  # < n_ordered: so the end cannot overflow either
            rows = order[start:start + tf.minimum(batch_size, n_ordered - start)]
            X = tf.ensure_shape(tf.gather(data_X, rows), (None, width))
            y = tf.gather(data_y, rows)
            n_rows = tf.cast(tf.size(rows), tf.float32)
            with v1.variable_scope(v1.get_variable_scope(), reuse=True):
                # The step's own global step keys its dropout masks.
                step_key = global_step.read_value() if network.dropout_rate else None
                if first_layer == 1:  # raw features (cached frozen outputs are scaled)
                    X = scale_features(X, network)
                tower = build_hidden_layers(X, network, knobs, True, first_layer,
                                            dropout_step=step_key)
                top = tower.outputs[-1] if tower.outputs else X
                head = build_head(top, y, network, knobs, lower_kernels + tower.kernels)
            rate, momentum = at_step(global_step)
            if momentum is None or optimizer.name not in MOMENTUM_OPTIMIZERS:
                momentum = knobs["momentum"]
            slow_optimizer = None
            if slow_vars:
                slow_optimizer = make_optimizer(
                    optimizer.name, rate * knobs["reused_lr_multiplier"], momentum=momentum,
                    beta1=knobs["beta1"], beta2=knobs["beta2"])
            train_op = build_train_op(
                head.loss, make_optimizer(optimizer.name, rate, momentum=momentum,
                                          beta1=knobs["beta1"], beta2=knobs["beta2"]),
                global_step, var_list=var_list, clipping=clipping, update_ops=tower.updates,
                slow_optimizer=slow_optimizer, slow_vars=slow_vars)
        done = [train_op]
        if network.max_norm:
            with tf.control_dependencies([train_op]):
                done += [_max_norm(kernel, knobs["max_norm"])
                         for index, kernel in enumerate(tower.kernels, first_layer)
                         if index > frozen]
        with tf.control_dependencies(done):
            accuracy = head.accuracy if head.accuracy is not None else tf.constant(0.0)
            return index + 1, loss_sum + head.loss * n_rows, accuracy_sum + accuracy * n_rows

    zero = tf.constant(0.0)
    _, loss_sum, accuracy_sum = tf.while_loop(
        lambda index, *_: index < n_batches, step, [tf.constant(0), zero, zero],
        parallel_iterations=1, name="steps")
    totals = {"loss": loss_sum}
    if classification:
        totals["accuracy"] = accuracy_sum
    return StepLoop(data_X, data_y, load_op, load_X, load_y, order, totals, width)


def _max_norm(kernel: tf.Variable, threshold: tf.Tensor) -> tf.Operation:
    """The chapter's max-norm: clip each row (an input unit's outgoing weights)."""
    clipped = tf.clip_by_norm(kernel.read_value(), threshold, axes=[1])
    return kernel.assign(clipped, read_value=False)


def _local_data(name: str, dtype, shape):
    """A resource variable of any row count, outside the Saver and the weight snapshot,
    and the placeholder its initializer (the load) reads."""
    value = v1.placeholder(dtype, shape=shape, name=f"{name}_value")
    variable = v1.Variable(value, trainable=False, validate_shape=False, use_resource=True,
                           collections=[v1.GraphKeys.LOCAL_VARIABLES], name=name)
    return variable, value


def row_chunks(n_rows: int, rows_per_chunk: int) -> Sequence[slice]:
    """Consecutive slices of at most ``rows_per_chunk`` rows covering ``n_rows``."""
    return [slice(start, min(start + rows_per_chunk, n_rows))
            for start in range(0, n_rows, max(1, rows_per_chunk))]
