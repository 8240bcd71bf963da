"""What ``tfgraph-dnn migrate`` rewrites and what it reports, as plain tables (no libcst).

A TF1 module path (``tensorflow.contrib.layers.python.layers``) or attribute
chain (``tf.contrib.rnn.BasicLSTMCell``) is handled as its *parts* after the
root: ``["contrib", "layers", "python", "layers"]``.  :func:`normalize` maps
them onto the ``tfgraph_dnn.tf1`` namespace (``compat.v1`` is the namespace
itself; contrib's ``python.*`` internals are the public contrib module),
:func:`classify` says why a path cannot be migrated (or ``None``), and
:func:`importable` whether ``tfgraph_dnn.tf1.<path>`` can stand in an
``import`` statement (the rest are attributes, reached with ``from ... import``).

The list of provided contrib members comes from :mod:`tfgraph_dnn.tf1_api`
(side-effect free, no TensorFlow import).
"""
from __future__ import annotations

from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

#: The package every migrated import points at.
TF1 = "tfgraph_dnn.tf1"

#: ``tf.contrib.<name>`` modules whose ``python.*`` internals are flattened
#: (``tensorflow.contrib.layers.python.layers.layers`` -> ``contrib.layers``).
_FLATTENED = ("layers", "framework", "distributions", "slim", "losses", "rnn", "metrics",
              "learn")

#: TF1 internal module names under ``contrib.<x>.python...`` that are the public
#: module itself once flattened (``from ...python.layers import layers as layers_lib``).
INTERNAL_MODULES: Dict[Tuple[str, ...], FrozenSet[str]] = {
    ("contrib", "layers"): frozenset({"layers", "initializers", "regularizers"}),
    ("contrib", "framework"): frozenset({"variables"}),
    ("contrib", "rnn"): frozenset({"rnn", "rnn_cell", "core_rnn_cell"}),
    ("contrib", "metrics"): frozenset({"metrics", "metric_ops", "classification",
                                       "confusion_matrix_ops", "set_ops"}),
    ("contrib", "learn"): frozenset({"learn", "metric_spec", "prediction_key", "model_fn"}),
}

_KERAS3 = ("Keras 3 here, not TF1's tf.keras; not graph-mode compatible "
           "(left unchanged)")
_RNN = ("not provided: tfgraph_dnn.tf1 has TF1's core RNN cells (tf.nn.rnn_cell, "
        "tf.contrib.rnn) and tf.nn.dynamic_rnn & co., not contrib's seq2seq, cuDNN or "
        "grid RNNs")
_QUEUES = ("queue-runner input pipelines are deprecated and unreliable on TensorFlow 2; "
           "feed arrays with feed_dict or use tf.data")
_CONTRIB_HINTS: Dict[str, str] = {
    "seq2seq": _RNN, "cudnn_rnn": _RNN, "grid_rnn": _RNN,
    "keras": _KERAS3,
    "data": "tf.contrib.data is gone; use tf.data",
}
#: TF-Slim modules beyond its layer-building API (``tf.contrib.slim`` itself is provided).
_SLIM_MISSING = frozenset({"learning", "evaluation", "nets", "data", "queues", "summaries"})
#: ``tf.contrib.rnn`` members beyond TF1's core cells (tfgraph_dnn.nn.rnn_cell has the rest).
_CONTRIB_RNN_MISSING = frozenset({
    "EmbeddingWrapper", "LayerNormBasicLSTMCell", "LayerNormLSTMCell", "LSTMBlockWrapper",
    "LSTMBlockCell", "GRUBlockCell", "GRUBlockCellV2", "FusedRNNCell", "FusedRNNCellAdaptor",
    "TimeReversedFusedRNN", "LSTMBlockFusedCell", "CoupledInputForgetGateLSTMCell",
    "TimeFreqLSTMCell", "GridLSTMCell", "BidirectionalGridLSTMCell", "NASCell", "UGRNNCell",
    "IntersectionRNNCell", "PhasedLSTMCell", "ConvLSTMCell", "Conv1DLSTMCell",
    "Conv2DLSTMCell", "Conv3DLSTMCell", "HighwayWrapper", "GLSTMCell", "SRUCell",
    "IndRNNCell", "IndyGRUCell", "IndyLSTMCell", "AttentionCellWrapper", "CompiledWrapper"})
_QUEUE_TRAIN = frozenset({
    "start_queue_runners", "QueueRunner", "add_queue_runner", "queue_runner",
    "string_input_producer", "input_producer", "range_input_producer",
    "slice_input_producer", "limit_epochs", "batch", "batch_join", "shuffle_batch",
    "shuffle_batch_join", "maybe_batch", "maybe_batch_join", "maybe_shuffle_batch",
    "maybe_shuffle_batch_join"})
_QUEUE_ROOT = frozenset({"TextLineReader", "TFRecordReader", "WholeFileReader",
                         "FixedLengthRecordReader", "IdentityReader", "LMDBReader",
                         "ReaderBase"})


def _contrib_table() -> Dict[str, bool]:
    """``{member: importable as a module}`` of ``tf.contrib`` in the namespace.

    ``tfgraph_dnn.tf1.contrib`` registers every member it provides as a module.
    """
    from .. import tf1_api
    return {name: True for name in tf1_api.CONTRIB}


CONTRIB: Dict[str, bool] = _contrib_table()


def split_module(dotted: str) -> Optional[Tuple[str, List[str]]]:
    """Which namespace a dotted module name belongs to.

    Parameters
    ----------
    dotted : str
        E.g. ``"tensorflow.contrib.layers"`` or ``"tfgraph_dnn.tf1.layers"``.

    Returns
    -------
    (root, parts) or None
        ``root`` is ``"tensorflow"`` or :data:`TF1`, ``parts`` the rest;
        ``None`` for any other module.
    """
    for root in ("tensorflow", TF1):
        if dotted == root or dotted.startswith(root + "."):
            return root, [part for part in dotted[len(root):].split(".") if part]
    return None


def normalize(parts: Sequence[str]) -> List[str]:
    """``parts`` as a path of the ``tfgraph_dnn.tf1`` namespace.

    ``compat.v1`` prefixes are dropped (the namespace is its own
    ``compat.v1``) and ``contrib.<x>.python...`` becomes ``contrib.<x>`` for the
    contrib modules the namespace provides.

    Parameters
    ----------
    parts : sequence of str

    Returns
    -------
    list of str
    """
    parts = list(parts)
    while parts[:2] == ["compat", "v1"]:
        parts = parts[2:]
    if len(parts) > 2 and parts[0] == "contrib" and parts[1] in _FLATTENED \
            and parts[2] == "python":
        parts = parts[:2]
    return parts


def classify(parts: Sequence[str]) -> Optional[str]:
    """Why ``tf.<parts>`` cannot be migrated, or ``None`` if it can.

    Only what is known without TensorFlow: removed modules, Keras, queue
    runners, contrib's special RNN cells, TensorFlow internals.  Whether a
    name exists at all is :func:`tfgraph_dnn.tf1_api.resolve`'s business.

    Parameters
    ----------
    parts : sequence of str
        Normalized (see :func:`normalize`).

    Returns
    -------
    str or None
        A one-line reason.
    """
    head = parts[0] if parts else ""
    second = parts[1] if len(parts) > 1 else ""
    if head == "python":
        return ("TensorFlow-internal module, not a public API (it may differ on "
                "TensorFlow 2.21); left unchanged, check it by hand")
    if head == "keras":
        if second == "datasets":
            return ("tf.keras.datasets downloads its data at run time; load data with "
                    "tfgraph_dnn.data or a local file")
        return _KERAS3
    if head == "estimator":
        return ("tf.estimator was removed in TensorFlow 2.16; use tfgraph_dnn.DNNClassifier "
                "/ DNNRegressor or a Session training loop")
    if head == "examples":
        return ("tensorflow.examples (tutorials' MNIST loader) was removed and downloads "
                "its data; load data with tfgraph_dnn.data or sklearn.datasets")
    if head == "compat" and second == "v2":
        return ("TensorFlow 2 API: left on TensorFlow itself (eager by default; does not "
                "mix with TF1 graph code)")
    if head == "contrib" and second and second not in CONTRIB:
        return _CONTRIB_HINTS.get(second, (
            f"tf.contrib.{second} was removed in TensorFlow 2 and tfgraph_dnn.tf1 does not "
            f"provide it (provided: {', '.join(sorted(CONTRIB))})"))
    if head == "contrib" and second == "slim" and parts[2:3] and parts[2] in _SLIM_MISSING:
        return (f"tf.contrib.slim.{parts[2]} is not provided: tfgraph_dnn's slim is TF-Slim's "
                "layer-building API (layers, arg_scope, variables, losses)")
    if head == "contrib" and second == "rnn" and parts[2:3] and \
            parts[2] in _CONTRIB_RNN_MISSING:
        return (f"tf.contrib.rnn.{parts[2]} is not provided: tfgraph_dnn.tf1's contrib.rnn "
                "has TF1's core cells (BasicRNNCell, BasicLSTMCell, LSTMCell, GRUCell, "
                "MultiRNNCell, the wrappers) and the RNN functions")
    if (head == "train" and second in _QUEUE_TRAIN) or (head in _QUEUE_ROOT):
        return _QUEUES
    return None


def importable(parts: Sequence[str]) -> bool:
    """Whether ``import tfgraph_dnn.tf1.<parts>`` works (else it is only an attribute).

    Parameters
    ----------
    parts : sequence of str
        Normalized.

    Returns
    -------
    bool
    """
    parts = list(parts)
    if len(parts) <= 1:
        return parts in ([], ["layers"], ["contrib"], ["nn"])
    if parts == ["nn", "rnn_cell"]:  # tfgraph_dnn.tf1 registers both as modules
        return True
    return len(parts) == 2 and parts[0] == "contrib" and CONTRIB.get(parts[1], False)


def module_name(parts: Sequence[str]) -> str:
    """The dotted name of ``tfgraph_dnn.tf1.<parts>``."""
    return ".".join([TF1, *parts])


def dotted(parts: Sequence[str], root: str = "tf") -> str:
    """``tf.a.b`` for display."""
    return ".".join([root, *parts])
