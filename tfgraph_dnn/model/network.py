"""Assemble the chapter's deep net as a TF1 graph (room: ``model``).

Pure graph construction on top of :mod:`tfgraph_dnn.layers`: given a
:class:`~.spec.NetworkSpec` it builds, in the *current default graph*, the
input placeholders, ``hidden1 ... hiddenN`` and ``logits`` layers, the outputs
and the loss, and returns them as :class:`~.spec.Endpoints`.  It knows nothing
about optimizers, sessions or data; :mod:`tfgraph_dnn.training` adds those.

Variable names read like the chapter's checkpoints: ``hidden1/kernel``,
``hidden1/bias``, ``hidden1/batch_normalization/moving_mean``, ``logits/kernel``.
Inputs are scaled in the graph (:mod:`.scaling`); initial weights and dropout
masks are stateless random numbers of the ``seed`` knob (:mod:`.init`,
:mod:`.dropout`), so a fit resumed from a checkpoint draws the masks an
uninterrupted fit would have drawn.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

from .. import _tf  # noqa: F401  (TensorFlow, imported quietly: see _tf)
import tensorflow as tf

from .. import layers
from ..layers.activations import get_activation
from .dropout import dropout
from .init import HEAD_OFFSET, initializer_for, network_knobs
from .knobs import Knobs
from .penalties import regularization_loss
from .scaling import scale_features, scaling_variables
from .spec import CLASSIFICATION, Endpoints, NetworkSpec

v1 = tf.compat.v1

__all__ = ["Head", "Tower", "build_head", "build_hidden_layers", "build_network"]


@dataclass
class Tower:
    """What :func:`build_hidden_layers` built: each layer's output, the kernels
    (``hidden{i}/kernel`` of the layers built) and batch norm's update ops."""

    outputs: List[tf.Tensor]
    kernels: List[tf.Variable]
    updates: List[tf.Operation]


@dataclass
class Head:
    """What :func:`build_head` built."""

    logits: tf.Tensor
    outputs: tf.Tensor
    base_loss: tf.Tensor
    loss: tf.Tensor
    accuracy: Optional[tf.Tensor]
    kernel: tf.Variable


def build_hidden_layers(inputs: tf.Tensor, spec: NetworkSpec, knobs: dict, training,
                        first_layer: int = 1,
                        dropout_training: Optional[tf.Tensor] = None,
                        dropout_step: Optional[tf.Tensor] = None) -> Tower:
    """Build ``hidden{first_layer} ...`` on ``inputs``.

    Each layer is dense -> (batch norm) -> activation -> (dropout); its variables
    all live under ``hidden{i}/``.  ``first_layer > 1`` builds only the upper
    layers.  ``training`` drives batch norm and ``dropout_training`` (default:
    ``training``) drives dropout, so MC dropout can sample with batch norm in
    inference mode; ``dropout_step`` (default: the graph's global step) keys
    the dropout masks (:func:`dropout`).  The output of
    ``hidden{spec.n_frozen}`` goes through ``tf.stop_gradient``, so no
    gradient reaches the frozen layers.  Called again under a reusing variable
    scope it builds the same layers on other inputs (the training step).
    """
    dropout_training = training if dropout_training is None else dropout_training
    if spec.dropout_rate and dropout_step is None:
        dropout_step = v1.train.get_or_create_global_step().read_value()
    activation = get_activation(spec.activation)
    updates_before = set(v1.get_collection(v1.GraphKeys.UPDATE_OPS))
    outputs, kernels = [], []
    layer = inputs
    for index in range(first_layer, len(spec.hidden_layer_sizes) + 1):
        name = f"hidden{index}"
        dense = layers.Dense(int(spec.hidden_layer_sizes[index - 1]),
                             kernel_initializer=initializer_for(spec, knobs, index), name=name)
        layer = dense(layer)
        kernels.append(dense.kernel)
        if spec.batch_norm_momentum is not None:
            with v1.variable_scope(name):
                # An explicit name, so a rebuild with reuse finds the same variables.
                layer = layers.batch_normalization(
                    layer, training=training, momentum=spec.batch_norm_momentum,
                    name="batch_normalization")
        layer = activation(layer)
        if spec.dropout_rate:
            layer = dropout(layer, spec, knobs, index, dropout_training, dropout_step)
        if index == spec.n_frozen:
            layer = tf.stop_gradient(layer, name=f"{name}_frozen")
        outputs.append(layer)
    updates = [op for op in v1.get_collection(v1.GraphKeys.UPDATE_OPS)
               if op not in updates_before]
    return Tower(outputs, kernels, updates)


def build_head(top: tf.Tensor, y: tf.Tensor, spec: NetworkSpec, knobs: dict,
               hidden_kernels: Sequence[tf.Variable] = ()) -> Head:
    """Output layer ``logits``, outputs, losses (the penalties of ``hidden_kernels``
    and of the output kernel included) and accuracy."""
    dense = layers.Dense(spec.n_outputs, kernel_initializer=initializer_for(
        spec, knobs, HEAD_OFFSET), name="logits")
    logits = dense(top)
    with v1.name_scope("loss"):
        if spec.task == CLASSIFICATION:
            xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
            base_loss = tf.reduce_mean(xentropy, name="base_loss")
        else:
            base_loss = tf.reduce_mean(tf.square(logits - y), name="base_loss")
        penalty = regularization_loss(spec, knobs, list(hidden_kernels) + [dense.kernel])
        loss = tf.add(base_loss, penalty, name="loss") if penalty is not None else \
            tf.identity(base_loss, name="loss")
    accuracy = None
    if spec.task == CLASSIFICATION:
        outputs = tf.nn.softmax(logits, name="y_proba")
        with v1.name_scope("eval"):
            correct = tf.equal(tf.argmax(logits, axis=1, output_type=tf.int32), y)
            accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")
    else:
        outputs = tf.identity(logits, name="y_pred")
    return Head(logits, outputs, base_loss, loss, accuracy, dense.kernel)


def build_network(spec: NetworkSpec, knobs: Optional[Knobs] = None) -> Endpoints:
    """Build the whole net in the current default graph and return its endpoints.

    Call it inside ``with graph.as_default():``.  Variables are resource
    variables (their names, hence checkpoints, are the same as TF1's).  The
    per-fit values (seed, penalties, dropout rate, max-norm threshold) are
    knobs in ``knobs`` (a new :class:`Knobs` by default), so the graph can
    serve every fit of the same :meth:`NetworkSpec.structure`.
    """
    if not 0 <= spec.n_frozen <= len(spec.hidden_layer_sizes):
        raise ValueError(f"n_frozen={spec.n_frozen} must be between 0 and the number of "
                         f"hidden layers ({len(spec.hidden_layer_sizes)}).")
    knobs = Knobs() if knobs is None else knobs
    if spec.seed is not None and not spec.cacheable:  # a user's stateful initializer
        v1.set_random_seed(spec.seed)
    values = network_knobs(spec, knobs)
    X = v1.placeholder(tf.float32, shape=(None, spec.n_inputs), name="X")
    if spec.task == CLASSIFICATION:
        y = v1.placeholder(tf.int32, shape=(None,), name="y")
    else:
        y = v1.placeholder(tf.float32, shape=(None, spec.n_outputs), name="y")
    training = v1.placeholder_with_default(False, shape=(), name="training")
    dropout_training = v1.placeholder_with_default(training, shape=(), name="dropout_training")
    dropout_step = None
    if spec.dropout_rate:  # the training step's global step, unless fed (MC dropout)
        global_step = v1.train.get_or_create_global_step()
        dropout_step = v1.placeholder_with_default(tf.cast(global_step, tf.int64), shape=(),
                                                   name="dropout_step")
    with v1.variable_scope(v1.get_variable_scope(), use_resource=True):
        with v1.name_scope("dnn"):
            inputs = scale_features(X, spec)
            tower = build_hidden_layers(inputs, spec, values, training,
                                        dropout_training=dropout_training,
                                        dropout_step=dropout_step)
            top = tower.outputs[-1] if tower.outputs else inputs
            head = build_head(top, y, spec, values, tower.kernels)
    steps = v1.get_collection(v1.GraphKeys.GLOBAL_STEP)
    variables = [v for v in v1.global_variables()  # the net's own
                 if not any(v is step for step in steps)]
    frozen = tuple(f"hidden{index}/" for index in range(1, spec.n_frozen + 1))
    is_frozen = lambda name: name.startswith(frozen)  # noqa: E731
    return Endpoints(X=X, y=y, training=training, dropout_training=dropout_training,
                     hidden=tower.outputs, logits=head.logits, outputs=head.outputs,
                     base_loss=head.base_loss, loss=head.loss, accuracy=head.accuracy,
                     variables=variables,
                     trainable_variables=[v for v in v1.trainable_variables()
                                          if not is_frozen(v.op.name)],
                     dropout_step=dropout_step, knobs=knobs,
                     kernels=tower.kernels + [head.kernel],
                     scaling_variables=scaling_variables(spec) if spec.feature_scaling else [])
