"""The scikit-learn estimators' network: spec, graph, knobs, init, penalties (not TF1 API).

Room: ``model``; builds graph ops on :mod:`tfgraph_dnn.layers`, runs none.

* :mod:`.spec` -- :class:`NetworkSpec` (what fixes the architecture) and
  :class:`Endpoints` (the named tensors of a built net);
* :mod:`.network` -- :func:`build_network` and its parts (hidden layers, head);
* :mod:`.knobs` -- per-fit values of a graph built once (:class:`Knobs`);
* :mod:`.init` -- seeds and stateless initial weights;
* :mod:`.dropout` -- stateless (alpha) dropout of the net, and the chapter's
  :func:`alpha_dropout`;
* :mod:`.penalties` -- l1/l2 loss terms and the chapter's max-norm clipping;
* :mod:`.scaling` -- input scaling inside the graph.

The names the estimator accepts for ``activation`` and ``initializer`` are
:data:`tfgraph_dnn.options.ACTIVATIONS` / ``INITIALIZERS`` (served here too).
"""
from .. import _tf  # noqa: F401  (TensorFlow, imported quietly: see _tf)
from ..options import ACTIVATIONS, INITIALIZERS
from .dropout import alpha_dropout, dropout
from .init import network_knobs, stateless_initializer
from .knobs import Knobs
from .network import Head, Tower, build_head, build_hidden_layers, build_network
from .penalties import (MAX_NORM_COLLECTION, max_norm_ops, max_norm_regularizer,
                        regularization_loss)
from .scaling import (SCALING_OFFSET, SCALING_SCALE, SCALING_SCOPE, scale_features,
                      scaling_variables)
from .spec import CLASSIFICATION, REGRESSION, Endpoints, NetworkSpec

__all__ = [
    "ACTIVATIONS", "CLASSIFICATION", "Endpoints", "Head", "INITIALIZERS", "Knobs",
    "MAX_NORM_COLLECTION", "NetworkSpec", "REGRESSION", "SCALING_OFFSET", "SCALING_SCALE",
    "SCALING_SCOPE", "Tower", "alpha_dropout", "build_head", "build_hidden_layers",
    "build_network", "dropout", "max_norm_ops", "max_norm_regularizer", "network_knobs",
    "regularization_loss", "scale_features", "scaling_variables", "stateless_initializer",
]
