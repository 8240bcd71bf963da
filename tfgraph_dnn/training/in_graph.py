"""Whole epochs in one ``Session.run`` (room: ``training``; builds ops once per graph).

Feeding mini-batches from Python costs a ``session.run`` per step.  Here the
training set lives in the graph (a local variable loaded once per fit), the
loop feeds only a shuffled row order, and a ``tf.while_loop`` runs every step
of the epoch: gather the batch, rebuild the forward pass on it with the net's
own variables (``reuse=True``), apply the optimizer, run batch norm's updates
and max-norm clipping, then go on.  The step reads the learning rate of its own
global step, so schedules behave exactly as when feeding.

Each iteration's reads depend on the previous iteration's updates (the loop
counter carries the dependency, ``parallel_iterations=1``), so the result is the
sequential SGD of the feeding loop, not a racy one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Optional, Sequence

import numpy as np
import tensorflow as tf

from ..model import CLASSIFICATION, NetworkSpec, build_head, build_hidden_layers, \
    kernel_regularization_losses
from .optimizers import build_train_op

v1 = tf.compat.v1

# Above this size the data stays in NumPy and batches are fed (the graph copy
# would double the memory held for the training set).
MAX_IN_GRAPH_BYTES = 2 * 1024 ** 3


class StepRates:
    """The learning rate (and momentum) an optimizer reads while a step is built.

    TF1 optimizers accept callables; they call them when a step is built, so one
    optimizer (hence one set of slots) serves the fed step, built with the rate
    of the global step, and the loop body, built with the rate of its own step.
    """

    def __init__(self, learning_rate: tf.Tensor, momentum=None):
        self.learning_rate, self.momentum = learning_rate, momentum

    def rate(self):
        return self.learning_rate

    def momentum_value(self):
        return self.momentum


@dataclass
class InGraphEpoch:
    """Ops that hold the data and run an epoch.

    Attributes
    ----------
    data_X, data_y : tf.Variable
        Local (unsaved) variables of any row count, loaded by :meth:`load`.
    order : tf.Tensor
        int32 placeholder: the shuffled row indices of the epoch.
    totals : dict
        Row-weighted sums of the step losses (and accuracies) over the epoch.
    n_columns : int
        Width of the data rows (features, or the frozen layers' output when cached).
    batch_size : int
        Rows per step (fixed when the loop is built).
    """

    data_X: tf.Variable
    data_y: tf.Variable
    load_op: tf.Operation
    load_X: tf.Tensor
    load_y: tf.Tensor
    order: tf.Tensor
    totals: Dict[str, tf.Tensor]
    n_columns: int
    batch_size: int

    def fits(self, X: np.ndarray, y: np.ndarray, batch_size: int) -> bool:
        """Whether this loop can train on ``X`` (width, batch size, memory)."""
        return X.ndim == 2 and X.shape[1] == self.n_columns and \
            batch_size == self.batch_size and X.nbytes + y.nbytes <= MAX_IN_GRAPH_BYTES

    def load(self, session: v1.Session, X: np.ndarray, y: np.ndarray) -> None:
        """Copy the training set into the graph (once per fit)."""
        session.run(self.load_op, {self.load_X: X, self.load_y: y})

    def run(self, session: v1.Session, order: np.ndarray) -> Dict[str, float]:
        """Train one epoch over the rows in ``order``; return mean loss (and accuracy)."""
        totals = session.run(self.totals, {self.order: order.astype(np.int32)})
        return {key: float(value) / len(order) for key, value in totals.items()}


def build_in_graph_epoch(spec: NetworkSpec, optimizer, rates: StepRates,
                         at_step: Callable, global_step: tf.Variable, batch_size: int,
                         var_list: Sequence[tf.Variable], first_layer: int = 1,
                         clip_value: Optional[float] = None, clip_norm: Optional[float] = None,
                         clip_global_norm: Optional[float] = None) -> InGraphEpoch:
    """Add the data variables and the epoch ``while_loop`` to the default graph.

    Call it after the fed training step was built with ``optimizer`` (its slots
    exist then, and the loop body must not create variables).  ``first_layer >
    1`` trains from cached outputs of the frozen layers below it.
    """
    width = spec.n_inputs if first_layer == 1 else int(spec.hidden_layer_sizes[first_layer - 2])
    classification = spec.task == CLASSIFICATION
    with v1.name_scope("in_graph_epoch"):
        data_X, load_X = _local_data("data_X", tf.float32, (None, width))
        data_y, load_y = (_local_data("data_y", tf.int32, (None,)) if classification else
                          _local_data("data_y", tf.float32, (None, spec.n_outputs)))
        load_op = tf.group(data_X.initializer, data_y.initializer, name="load_data")
        order = v1.placeholder(tf.int32, shape=(None,), name="order")
        n_ordered = tf.size(order)
        # (n - 1) // b + 1, not (n + b - 1) // b: no int32 overflow for any batch size.
        n_batches = tf.where(n_ordered > 0, (n_ordered - 1) // batch_size + 1, 0)
    kernels = [v for v in v1.global_variables() if v.op.name.endswith("/kernel")
               and v.op.name.split("/")[0].startswith(("hidden", "logits"))]
    trainable_kernels = [v for v in var_list if v.op.name.endswith("/kernel")
                         and v.op.name.startswith("hidden")]

    def step(index, loss_sum, accuracy_sum):
        # Reads of this step wait for the previous step's writes (carried by `index`).
        with tf.control_dependencies([index]):
            start = index * batch_size  # < n_ordered: so the end cannot overflow either
            rows = order[start:start + tf.minimum(batch_size, n_ordered - start)]
            X = tf.ensure_shape(tf.gather(data_X, rows), (None, width))
            y = tf.gather(data_y, rows)
            n_rows = tf.cast(tf.size(rows), tf.float32)
            updates_before = set(v1.get_collection(v1.GraphKeys.UPDATE_OPS))
            with v1.variable_scope(v1.get_variable_scope(), reuse=True):
                # The step's own global step keys its dropout masks, as when fed.
                step_key = global_step.read_value() if spec.dropout_rate else None
                hidden = build_hidden_layers(X, spec, True, first_layer, dropout_step=step_key)
                top = hidden[-1] if hidden else X
                _, _, _, loss, accuracy = build_head(
                    top, y, spec, kernel_regularization_losses(spec, kernels))
            update_ops = [op for op in v1.get_collection(v1.GraphKeys.UPDATE_OPS)
                          if op not in updates_before]
            outer = (rates.learning_rate, rates.momentum)
            rates.learning_rate, rates.momentum = at_step(global_step)
            if rates.momentum is None:
                rates.momentum = outer[1]
            try:
                train_op = build_train_op(loss, optimizer, global_step, var_list=var_list,
                                          clip_value=clip_value, clip_norm=clip_norm,
                                          clip_global_norm=clip_global_norm,
                                          update_ops=update_ops)
            finally:
                rates.learning_rate, rates.momentum = outer
        done = [train_op]
        if spec.max_norm is not None:
            with tf.control_dependencies([train_op]):
                done += [kernel.assign(tf.clip_by_norm(kernel.read_value(), spec.max_norm,
                                                       axes=[1]), read_value=False)
                         for kernel in trainable_kernels]
        with tf.control_dependencies(done):
            accuracy = accuracy if accuracy is not None else tf.constant(0.0)
            return index + 1, loss_sum + loss * n_rows, accuracy_sum + accuracy * n_rows

    zero = tf.constant(0.0)
    _, loss_sum, accuracy_sum = tf.while_loop(
        lambda index, *_: index < n_batches, step, [tf.constant(0), zero, zero],
        parallel_iterations=1, name="epoch")
    totals = {"loss": loss_sum}
    if classification:
        totals["accuracy"] = accuracy_sum
    return InGraphEpoch(data_X, data_y, load_op, load_X, load_y, order, totals, width,
                        batch_size)


def _local_data(name: str, dtype, shape):
    """A resource variable of any row count, outside the Saver and the weight snapshot,
    and the placeholder its initializer (the load) reads."""
    value = v1.placeholder(dtype, shape=shape, name=f"{name}_value")
    variable = v1.Variable(value, trainable=False, validate_shape=False, use_resource=True,
                           collections=[v1.GraphKeys.LOCAL_VARIABLES], name=name)
    return variable, value
