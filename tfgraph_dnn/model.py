"""Assemble the chapter's deep net as a TF1 graph (room: ``model``).

Pure graph construction on top of :mod:`tfgraph_dnn.layers`: given a
:class:`NetworkSpec` it builds, in the *current default graph*, the input
placeholders, ``hidden1 ... hiddenN`` and ``logits`` layers, the outputs and the
loss, and returns them as :class:`Endpoints`.  It knows nothing about
optimizers, sessions or data; :mod:`tfgraph_dnn.training` adds those.

Variable names read like the chapter's checkpoints: ``hidden1/kernel``,
``hidden1/bias``, ``hidden1/batch_normalization/moving_mean``, ``logits/kernel``.

Dropout masks are stateless random numbers, a function of the layer's seed
and of the global step (:func:`dropout`): a fit resumed from a checkpoint
draws the masks an uninterrupted fit would have drawn, and the same seed
gives the same masks whether batches are fed or run in a ``tf.while_loop``.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Union

import tensorflow as tf

from . import layers
from .layers.core import _ALPHA_PRIME  # SELU's saturation value, alpha dropout's fill

v1 = tf.compat.v1

CLASSIFICATION = "classification"
REGRESSION = "regression"


@dataclass(frozen=True)
class NetworkSpec:
    """Everything that fixes the architecture of the net.

    Attributes
    ----------
    n_inputs, n_outputs : int
        Feature count and number of classes (or regression targets).
    hidden_layer_sizes : tuple of int
        Units of ``hidden1 ... hiddenN``.
    task : {'classification', 'regression'}
    activation, initializer : str or callable
        Resolved by :func:`layers.get_activation` / :func:`layers.get_initializer`.
    batch_norm_momentum : float or None
        Batch normalization (before the activation) when set.
    dropout_rate : float or None
        Dropout on every hidden layer's output (alpha dropout for SELU).
    l1, l2 : float
        Kernel regularization of every layer.
    max_norm : float or None
        Max-norm threshold of the hidden kernels (ops in the ``max_norm`` collection).
    seed : int or None
        Op-level seed base, so one seed fixes every initializer and mask.
    n_frozen : int
        The lowest ``n_frozen`` hidden layers are frozen: ``tf.stop_gradient``
        on ``hidden{n_frozen}``'s output, and their variables are left out of
        :attr:`Endpoints.trainable_variables` (hence of the optimizer).
    """

    n_inputs: int
    n_outputs: int
    hidden_layer_sizes: Sequence[int]
    task: str = CLASSIFICATION
    activation: Union[str, Callable] = "elu"
    initializer: Union[str, Callable] = "he_normal"
    batch_norm_momentum: Optional[float] = None
    dropout_rate: Optional[float] = None
    l1: float = 0.0
    l2: float = 0.0
    max_norm: Optional[float] = None
    seed: Optional[int] = None
    n_frozen: int = 0

    @property
    def frozen_layers_deterministic(self) -> bool:
        """True when the frozen layers compute the same thing while training and not.

        Then their outputs can be computed once per fit and cached (no dropout,
        no training-mode batch norm below the trainable layers).
        """
        return self.n_frozen > 0 and not self.dropout_rate and self.batch_norm_momentum is None


@dataclass
class Endpoints:
    """Named tensors of a built net (the graph's public surface)."""

    X: tf.Tensor
    y: tf.Tensor
    training: tf.Tensor
    dropout_training: tf.Tensor  # defaults to ``training``; feed True alone for MC dropout
    hidden: List[tf.Tensor]      # hidden[n_frozen - 1] is the (cacheable) frozen output
    logits: tf.Tensor
    outputs: tf.Tensor          # class probabilities, or predictions for regression
    base_loss: tf.Tensor        # data loss only
    loss: tf.Tensor             # data loss + regularization losses
    accuracy: Optional[tf.Tensor]
    max_norm_ops: List[tf.Operation] = field(default_factory=list)
    variables: List[tf.Variable] = field(default_factory=list)  # the net's, no optimizer slots
    trainable_variables: List[tf.Variable] = field(default_factory=list)  # minus frozen ones
    # int64 scalar keying the dropout masks: the global step unless fed (MC dropout feeds
    # a fresh value per pass); None without dropout.
    dropout_step: Optional[tf.Tensor] = None


def _op_seed(spec: NetworkSpec, offset: int) -> Optional[int]:
    return None if spec.seed is None else (spec.seed + offset) % (2 ** 31 - 1)


def _kernel_regularizer(spec: NetworkSpec) -> Optional[Callable]:
    """The spec's l1/l2 kernel regularizer, or None without penalties."""
    if not (spec.l1 or spec.l2):
        return None
    return layers.l1_l2_regularizer(float(spec.l1), float(spec.l2))


def dropout(inputs: tf.Tensor, spec: NetworkSpec, index: int, training, step) -> tf.Tensor:
    """Dropout of ``hidden{index}``'s output (alpha dropout for SELU) with stateless masks.

    The mask is ``stateless_uniform(seed=[layer seed, step]) >= rate``: the same
    (random_state, step) gives the same mask in any Session, so nothing about
    it needs saving in a checkpoint.  Kept units are scaled by ``1 / (1 -
    rate)``; alpha dropout sets dropped units to SELU's saturation value and
    corrects mean and variance, as :func:`layers.alpha_dropout`.

    Parameters
    ----------
    inputs : Tensor
    spec : NetworkSpec
        Gives the rate and the seed (without a seed, one is drawn per call).
    index : int
        The layer (1-based): each layer has its own seed.
    training : bool or boolean Tensor
        ``False``: the input unchanged.
    step : int64 scalar Tensor
        The global step (or any value that differs between the masks wanted).
    """
    rate = float(spec.dropout_rate)
    seed = _op_seed(spec, 1000 + index)
    seed = random.randrange(2 ** 31 - 1) if seed is None else seed
    with v1.name_scope(f"dropout{index}"):
        def dropped():
            key = tf.stack([tf.constant(seed, tf.int64), tf.cast(step, tf.int64)])
            noise = tf.random.stateless_uniform(tf.shape(inputs), seed=key, dtype=inputs.dtype)
            keep = noise >= rate
            if spec.activation != "selu":
                return tf.where(keep, inputs * (1.0 / (1.0 - rate)), tf.zeros_like(inputs))
            a = (1.0 - rate) * (1.0 + rate * _ALPHA_PRIME ** 2)
            a = 1.0 / a ** 0.5
            b = -a * _ALPHA_PRIME * rate
            keep = tf.cast(keep, inputs.dtype)
            return a * (inputs * keep + _ALPHA_PRIME * (1.0 - keep)) + b

        return layers.smart_cond(training, dropped, lambda: tf.identity(inputs))


def build_hidden_layers(inputs: tf.Tensor, spec: NetworkSpec, training: tf.Tensor,
                        first_layer: int = 1,
                        dropout_training: Optional[tf.Tensor] = None,
                        dropout_step: Optional[tf.Tensor] = None) -> List[tf.Tensor]:
    """Build ``hidden{first_layer} ...`` on ``inputs`` and return every layer's output.

    Each layer is dense -> (batch norm) -> activation -> (dropout); its variables
    all live under ``hidden{i}/``.  ``first_layer > 1`` builds only the upper
    layers.  ``training`` drives batch norm and ``dropout_training`` (default:
    ``training``) drives dropout, so MC dropout can sample with batch norm in
    inference mode; ``dropout_step`` (default: the graph's global step) keys
    the dropout masks (:func:`dropout`).  The output of
    ``hidden{spec.n_frozen}`` goes through ``tf.stop_gradient``, so no
    gradient reaches the frozen layers.
    """
    dropout_training = training if dropout_training is None else dropout_training
    if spec.dropout_rate and dropout_step is None:
        dropout_step = v1.train.get_or_create_global_step().read_value()
    activation = layers.get_activation(spec.activation)
    regularizer = _kernel_regularizer(spec)
    outputs = []
    layer = inputs
    for index in range(first_layer, len(spec.hidden_layer_sizes) + 1):
        units = int(spec.hidden_layer_sizes[index - 1])
        name = f"hidden{index}"
        kernel_regularizer = regularizer
        if spec.max_norm is not None and index > spec.n_frozen:  # frozen: never rewritten
            max_norm = layers.max_norm_regularizer(spec.max_norm, axes=1)
            kernel_regularizer = _combine(regularizer, max_norm)
        layer = layers.dense(
            layer, units, kernel_initializer=layers.get_initializer(
                spec.initializer, _op_seed(spec, index)),
            kernel_regularizer=kernel_regularizer, name=name)
        if spec.batch_norm_momentum is not None:
            with v1.variable_scope(name):
                # An explicit name, so a rebuild with reuse finds the same variables.
                layer = layers.batch_normalization(
                    layer, training=training, momentum=spec.batch_norm_momentum,
                    name="batch_normalization")
        layer = activation(layer)
        if spec.dropout_rate:
            layer = dropout(layer, spec, index, dropout_training, dropout_step)
        if index == spec.n_frozen:
            layer = tf.stop_gradient(layer, name=f"{name}_frozen")
        outputs.append(layer)
    return outputs


def _combine(first: Optional[Callable], second: Callable) -> Callable:
    if first is None:
        return second

    def combined(weights):
        loss = first(weights)
        second(weights)  # max-norm adds its op to a collection and returns no loss
        return loss

    return combined


def kernel_regularization_losses(spec: NetworkSpec, kernels: Sequence[tf.Variable]) -> list:
    """The l1/l2 losses of ``kernels`` computed afresh (for a rebuilt training step)."""
    regularizer = _kernel_regularizer(spec)
    return [] if regularizer is None else [regularizer(kernel) for kernel in kernels]


def build_head(top: tf.Tensor, y: tf.Tensor, spec: NetworkSpec,
               regularization_losses: Optional[Sequence[tf.Tensor]] = None):
    """Output layer ``logits``, outputs, losses and accuracy.

    ``regularization_losses`` default to the graph's ``REGULARIZATION_LOSSES``.
    """
    regularizer = _kernel_regularizer(spec)
    initializer = layers.get_initializer(spec.initializer, _op_seed(spec, 999))
    logits = layers.dense(top, spec.n_outputs, kernel_initializer=initializer,
                          kernel_regularizer=regularizer, name="logits")
    with v1.name_scope("loss"):
        if spec.task == CLASSIFICATION:
            xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
            base_loss = tf.reduce_mean(xentropy, name="base_loss")
        else:
            base_loss = tf.reduce_mean(tf.square(logits - y), name="base_loss")
        reg_losses = list(v1.get_collection(v1.GraphKeys.REGULARIZATION_LOSSES)
                          if regularization_losses is None else regularization_losses)
        loss = tf.add_n([base_loss] + reg_losses, name="loss") if reg_losses else \
            tf.identity(base_loss, name="loss")
    accuracy = None
    if spec.task == CLASSIFICATION:
        outputs = tf.nn.softmax(logits, name="y_proba")
        with v1.name_scope("eval"):
            correct = tf.equal(tf.argmax(logits, axis=1, output_type=tf.int32), y)
            accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")
    else:
        outputs = tf.identity(logits, name="y_pred")
    return logits, outputs, base_loss, loss, accuracy


def build_network(spec: NetworkSpec) -> Endpoints:
    """Build the whole net in the current default graph and return its endpoints.

    Call it inside ``with graph.as_default():``.  Variables are resource
    variables (their names, hence checkpoints, are the same as TF1's).
    """
    if spec.seed is not None:
        v1.set_random_seed(spec.seed)
    X = v1.placeholder(tf.float32, shape=(None, spec.n_inputs), name="X")
    if spec.task == CLASSIFICATION:
        y = v1.placeholder(tf.int32, shape=(None,), name="y")
    else:
        y = v1.placeholder(tf.float32, shape=(None, spec.n_outputs), name="y")
    if not 0 <= spec.n_frozen <= len(spec.hidden_layer_sizes):
        raise ValueError(f"n_frozen={spec.n_frozen} must be between 0 and the number of "
                         f"hidden layers ({len(spec.hidden_layer_sizes)}).")
    training = v1.placeholder_with_default(False, shape=(), name="training")
    dropout_training = v1.placeholder_with_default(training, shape=(), name="dropout_training")
    dropout_step = None
    if spec.dropout_rate:  # the training step's global step, unless fed (MC dropout)
        global_step = v1.train.get_or_create_global_step()
        dropout_step = v1.placeholder_with_default(tf.cast(global_step, tf.int64), shape=(),
                                                   name="dropout_step")
    with v1.variable_scope(v1.get_variable_scope(), use_resource=True):
        with v1.name_scope("dnn"):
            hidden = build_hidden_layers(X, spec, training, dropout_training=dropout_training,
                                         dropout_step=dropout_step)
            top = hidden[-1] if hidden else X
            logits, outputs, base_loss, loss, accuracy = build_head(top, y, spec)
    steps = v1.get_collection(v1.GraphKeys.GLOBAL_STEP)
    variables = [v for v in v1.global_variables()  # the net's own
                 if not any(v is step for step in steps)]
    frozen = tuple(f"hidden{index}/" for index in range(1, spec.n_frozen + 1))
    is_frozen = lambda name: name.startswith(frozen)  # noqa: E731
    return Endpoints(X=X, y=y, training=training, dropout_training=dropout_training,
                     hidden=hidden, logits=logits, outputs=outputs, base_loss=base_loss,
                     loss=loss, accuracy=accuracy,
                     max_norm_ops=layers.max_norm_ops(),
                     variables=variables,
                     trainable_variables=[v for v in v1.trainable_variables()
                                          if not is_frozen(v.op.name)],
                     dropout_step=dropout_step)
