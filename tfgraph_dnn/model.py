"""Assemble the chapter's deep net as a TF1 graph (room: ``model``).

Pure graph construction on top of :mod:`tfgraph_dnn.layers`: given a
:class:`NetworkSpec` it builds, in the *current default graph*, the input
placeholders, ``hidden1 ... hiddenN`` and ``logits`` layers, the outputs and the
loss, and returns them as :class:`Endpoints`.  It knows nothing about
optimizers, sessions or data; :mod:`tfgraph_dnn.training` adds those.

Variable names read like the chapter's checkpoints: ``hidden1/kernel``,
``hidden1/bias``, ``hidden1/batch_normalization/moving_mean``, ``logits/kernel``.

Input preprocessing is part of the net: with ``NetworkSpec.feature_scaling``
the inputs go through :func:`scale_features`, ``(X - offset) / scale`` with two
non-trainable variables ``feature_scaling/offset`` and ``feature_scaling/scale``
of shape ``(n_inputs,)`` -- saved with the weights, never trained, set per fit
by the estimator.  The inference net and the training step both call it, so
every path (training, validation, predictions, MC dropout, cached frozen
layers, exports) sees the same scaled inputs.

Initial weights and dropout masks are stateless random numbers, functions of
the ``seed`` knob (and, for masks, of the global step): a graph built once
gives every fit the weights of its own ``random_state``, and a fit resumed
from a checkpoint draws the masks an uninterrupted fit would have drawn.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Callable, List, Optional, Sequence, Union

from . import _tf  # noqa: F401  (TensorFlow, imported quietly: see _tf)
import tensorflow as tf

from . import layers
from .knobs import Knobs
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
    feature_scaling : bool
        Whether the inputs are scaled in the graph (:func:`scale_features`);
        the offset and scale themselves are variables, set per fit.
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
    feature_scaling: bool = False

    @property
    def frozen_layers_deterministic(self) -> bool:
        """True when the frozen layers compute the same thing while training and not.

        Then their outputs can be computed once per fit and cached (no dropout,
        no training-mode batch norm below the trainable layers).
        """
        return self.n_frozen > 0 and not self.dropout_rate and self.batch_norm_momentum is None

    @property
    def cacheable(self) -> bool:
        """Whether a graph built for this spec can serve other fits of its structure:
        named initializers are stateless functions of the seed knob; a user's
        callable draws from TensorFlow's stateful generators."""
        return isinstance(self.initializer, str)

    def knob_values(self) -> dict:
        """The per-fit values that are on (penalties, dropout rate, max-norm), by knob
        name; the seed knob is set apart, as it is always there."""
        return {name: float(getattr(self, name)) for name in ("l1", "l2", "dropout_rate",
                                                               "max_norm")
                if getattr(self, name)}

    def structure(self) -> "NetworkSpec":
        """This spec with the per-fit values (seed, penalties, rates, thresholds)
        reduced to whether they are on: equal structures build equal graphs."""
        return replace(self, hidden_layer_sizes=tuple(int(s) for s in self.hidden_layer_sizes),
                       l1=bool(self.l1), l2=bool(self.l2),
                       dropout_rate=bool(self.dropout_rate), max_norm=self.max_norm is not None,
                       seed=None, feature_scaling=bool(self.feature_scaling))


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
    variables: List[tf.Variable] = field(default_factory=list)  # the net's, no optimizer slots
    trainable_variables: List[tf.Variable] = field(default_factory=list)  # minus frozen ones
    # int64 scalar keying the dropout masks: the global step unless fed (MC dropout feeds
    # a fresh value per pass); None without dropout.
    dropout_step: Optional[tf.Tensor] = None
    knobs: Optional[Knobs] = None   # the per-fit values (set before each fit's initializers)
    kernels: List[tf.Variable] = field(default_factory=list)  # hidden1..N, logits
    # (offset, scale) of the input scaling; empty without it.  Non-trainable, saved with
    # the weights, never warm-started: their values are the fit's, not a checkpoint's.
    scaling_variables: List[tf.Variable] = field(default_factory=list)


_MAX_SEED = 2 ** 31 - 1
_HEAD_OFFSET = 999        # seed offsets: hidden{i} uses i, logits this, dropout 1000 + i
_DROPOUT_OFFSET = 1000


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


SCALING_SCOPE = "feature_scaling"
SCALING_OFFSET = f"{SCALING_SCOPE}/offset"
SCALING_SCALE = f"{SCALING_SCOPE}/scale"


def scaling_variables(spec: NetworkSpec) -> List[tf.Variable]:
    """``[offset, scale]`` of the input scaling (created on first call, then reused).

    Non-trainable float32 variables of shape ``(n_inputs,)``, initialized to 0
    and 1 (no scaling) and assigned per fit; global, so the Saver, the weight
    snapshot and exports hold them.
    """
    with v1.variable_scope(SCALING_SCOPE, reuse=v1.AUTO_REUSE, use_resource=True):
        return [v1.get_variable(name, shape=(spec.n_inputs,), dtype=tf.float32,
                                initializer=init, trainable=False)
                for name, init in (("offset", v1.zeros_initializer()),
                                   ("scale", v1.ones_initializer()))]


def scale_features(inputs: tf.Tensor, spec: NetworkSpec) -> tf.Tensor:
    """``(inputs - offset) / scale`` when ``spec.feature_scaling``, else ``inputs``.

    The one place inputs are preprocessed: :func:`build_network` and the
    training step both call it (the variables are shared by name).
    """
    if not spec.feature_scaling:
        return inputs
    offset, scale = scaling_variables(spec)
    with v1.name_scope("scaled_features"):
        return tf.math.divide(inputs - offset, scale, name="value")


def network_knobs(spec: NetworkSpec, knobs: Knobs) -> dict:
    """Create the spec's per-fit values in ``knobs``; ``{name: tensor}`` (present ones)."""
    seed = random.randrange(_MAX_SEED) if spec.seed is None else int(spec.seed)
    made = {"seed": knobs.add("seed", seed, tf.int64)}
    for name, value in spec.knob_values().items():
        made[name] = knobs.add(name, value)
    return made


def _seed_pair(knobs: dict, offset: int) -> tf.Tensor:
    """``[seed, offset]``: the int64 key of a stateless random op."""
    return tf.stack([knobs["seed"], tf.constant(offset, tf.int64)])


def _initializer(spec: NetworkSpec, knobs: dict, offset: int):
    if isinstance(spec.initializer, str):  # stateless: keyed by the seed knob
        return layers.stateless_initializer(spec.initializer, _seed_pair(knobs, offset))
    return layers.get_initializer(spec.initializer)  # a user's callable, as given


def regularization_loss(spec: NetworkSpec, knobs: dict,
                        kernels: Sequence[tf.Variable]) -> Optional[tf.Tensor]:
    """``l1 * sum|w| + l2 * sum(w**2) / 2`` over ``kernels`` (None without penalties)."""
    terms = []
    with v1.name_scope("regularization"):
        for kernel in kernels:
            if "l1" in knobs:
                terms.append(knobs["l1"] * tf.reduce_sum(tf.abs(kernel)))
            if "l2" in knobs:
                terms.append(knobs["l2"] * tf.nn.l2_loss(kernel))
        return tf.add_n(terms) if terms else None


def dropout(inputs: tf.Tensor, spec: NetworkSpec, knobs: dict, index: int, training,
            step) -> tf.Tensor:
    """Dropout of ``hidden{index}``'s output (alpha dropout for SELU) with stateless masks.

    The mask is ``stateless_uniform(seed=[layer seed, step]) >= rate``, the
    layer seed being ``seed + 1000 + index``: the same (random_state, step)
    gives the same mask in any Session, so nothing about it needs saving in a
    checkpoint.  Kept units are scaled by ``1 / (1 - rate)``; alpha dropout
    sets dropped units to SELU's saturation value and corrects mean and
    variance, as :func:`layers.alpha_dropout`.

    Parameters
    ----------
    inputs : Tensor
    spec : NetworkSpec
    knobs : dict
        :func:`network_knobs`: the rate and the seed.
    index : int
        The layer (1-based): each layer has its own seed.
    training : bool or boolean Tensor
        ``False``: the input unchanged.
    step : int64 scalar Tensor
        The global step (or any value that differs between the masks wanted).
    """
    rate = knobs["dropout_rate"]
    with v1.name_scope(f"dropout{index}"):
        def dropped():
            layer_seed = (knobs["seed"] + (_DROPOUT_OFFSET + index)) % _MAX_SEED
            key = tf.stack([layer_seed, tf.cast(step, tf.int64)])
            noise = tf.random.stateless_uniform(tf.shape(inputs), seed=key, dtype=inputs.dtype)
            keep = noise >= rate
            if spec.activation != "selu":
                return tf.where(keep, inputs * (1.0 / (1.0 - rate)), tf.zeros_like(inputs))
            a = (1.0 - rate) * (1.0 + rate * _ALPHA_PRIME ** 2)
            a = 1.0 / tf.sqrt(a)
            b = -a * _ALPHA_PRIME * rate
            keep = tf.cast(keep, inputs.dtype)
            return a * (inputs * keep + _ALPHA_PRIME * (1.0 - keep)) + b

        return layers.smart_cond(training, dropped, lambda: tf.identity(inputs))


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
    activation = layers.get_activation(spec.activation)
    updates_before = set(v1.get_collection(v1.GraphKeys.UPDATE_OPS))
    outputs, kernels = [], []
    layer = inputs
    for index in range(first_layer, len(spec.hidden_layer_sizes) + 1):
        name = f"hidden{index}"
        dense = layers.Dense(int(spec.hidden_layer_sizes[index - 1]),
                             kernel_initializer=_initializer(spec, knobs, index), name=name)
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
    dense = layers.Dense(spec.n_outputs, kernel_initializer=_initializer(
        spec, knobs, _HEAD_OFFSET), name="logits")
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
