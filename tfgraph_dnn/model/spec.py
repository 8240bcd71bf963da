"""What fixes the chapter's net and what a built net exposes (room: ``model``).

:class:`NetworkSpec` is the architecture (sizes, activation, initializer,
batch norm, dropout, penalties, frozen layers, input scaling); equal
:meth:`NetworkSpec.structure` values build equal graphs, so one graph serves
every fit of a structure.  :class:`Endpoints` are the named tensors
:func:`~tfgraph_dnn.model.network.build_network` returns.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, List, Optional, Sequence, Union

from .. import _tf  # noqa: F401  (TensorFlow, imported quietly: see _tf)
import tensorflow as tf

from .knobs import Knobs

__all__ = ["CLASSIFICATION", "REGRESSION", "Endpoints", "NetworkSpec"]

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
        Names of :data:`tfgraph_dnn.options.ACTIVATIONS` / ``INITIALIZERS``.
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
