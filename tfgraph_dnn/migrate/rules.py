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

_CONTRIB_KERAS = ("tf.contrib.keras was TF 1.x's early copy of Keras; use tf.keras "
                  "(tfgraph_dnn.tf1.keras, TF1's tf.keras inside graphs)")
_RNN = ("not provided: tfgraph_dnn.tf1 has TF1's core RNN cells (tf.nn.rnn_cell, "
        "tf.contrib.rnn) and tf.nn.dynamic_rnn & co., not contrib's seq2seq, cuDNN or "
        "grid RNNs")
_QUEUES = ("queue-runner input pipelines are deprecated and unreliable on TensorFlow 2; "
           "feed arrays with feed_dict or use tf.data")
_CONTRIB_HINTS: Dict[str, str] = {
    "seq2seq": _RNN, "cudnn_rnn": _RNN, "grid_rnn": _RNN,
    "keras": _CONTRIB_KERAS,
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


# ------------------------------------------------------------ tf.estimator
# A ``tf.estimator.*`` chain that never existed in TF 1.15 is reported from this table;
# one that did is looked up in the served package (``tfgraph_dnn.tf1.estimator``).

#: TF 1.15's ``tf.estimator`` (its v1 API, tensorflow_estimator 1.15): sub-module -> names.
ESTIMATOR_V1: Dict[str, FrozenSet[str]] = {
    "": frozenset({
        "BaselineClassifier", "BaselineEstimator", "BaselineRegressor", "BestExporter",
        "BinaryClassHead", "BoostedTreesClassifier", "BoostedTreesEstimator",
        "BoostedTreesRegressor", "CheckpointSaverHook", "CheckpointSaverListener",
        "DNNClassifier", "DNNEstimator", "DNNLinearCombinedClassifier",
        "DNNLinearCombinedEstimator", "DNNLinearCombinedRegressor", "DNNRegressor",
        "Estimator", "EstimatorSpec", "EvalSpec", "Exporter", "FeedFnHook", "FinalExporter",
        "FinalOpsHook", "GlobalStepWaiterHook", "Head", "LatestExporter", "LinearClassifier",
        "LinearEstimator", "LinearRegressor", "LoggingTensorHook", "LogisticRegressionHead",
        "ModeKeys", "MultiClassHead", "MultiHead", "MultiLabelHead",
        "NanLossDuringTrainingError", "NanTensorHook", "PoissonRegressionHead",
        "ProfilerHook", "RegressionHead", "RunConfig", "SecondOrStepTimer", "SessionRunArgs",
        "SessionRunContext", "SessionRunHook", "SessionRunValues", "StepCounterHook",
        "StopAtStepHook", "SummarySaverHook", "TrainSpec", "VocabInfo", "WarmStartSettings",
        "add_metrics", "classifier_parse_example_spec", "regressor_parse_example_spec",
        "train_and_evaluate", "experimental", "export", "inputs", "tpu"}),
    "inputs": frozenset({"numpy_input_fn", "pandas_input_fn"}),
    "export": frozenset({
        "ClassificationOutput", "EvalOutput", "ExportOutput", "PredictOutput",
        "RegressionOutput", "ServingInputReceiver", "TensorServingInputReceiver",
        "build_parsing_serving_input_receiver_fn", "build_raw_serving_input_receiver_fn"}),
    "experimental": frozenset({
        "InMemoryEvaluatorHook", "KMeans", "LinearSDCA", "build_raw_supervised_input_receiver_fn",
        "call_logit_fn", "dnn_logit_fn_builder", "linear_logit_fn_builder",
        "make_early_stopping_hook", "make_stop_at_checkpoint_step_hook", "stop_if_higher_hook",
        "stop_if_lower_hook", "stop_if_no_decrease_hook", "stop_if_no_increase_hook"}),
    "tpu": frozenset({"InputPipelineConfig", "RunConfig", "TPUConfig", "TPUEstimator",
                      "TPUEstimatorSpec", "experimental"}),
    "tpu.experimental": frozenset({"EmbeddingConfigSpec"}),
}

#: Paths of the namespace that ``tfgraph_dnn.tf1`` registers as modules (``import`` /
#: ``from ... import`` targets) besides ``layers``, ``contrib.*`` and ``nn.rnn_cell``.
NAMESPACE_MODULES: FrozenSet[Tuple[str, ...]] = frozenset({
    ("estimator",), ("estimator", "inputs"), ("estimator", "export"),
    ("estimator", "experimental"), ("keras",),
    # ``from tensorflow.keras.layers import Dense`` worked in TF 1.15: the namespace
    # registers each tf.keras submodule it serves.
    *(("keras", name) for name in (
        "activations", "backend", "callbacks", "initializers", "layers", "losses", "metrics",
        "models", "optimizers", "regularizers", "utils"))})


def estimator_reason(parts: Sequence[str]) -> Optional[str]:
    """Why ``tf.estimator.<parts>`` never existed in TF 1.15 (or ``None``), by :data:`ESTIMATOR_V1`.

    Whether a TF 1.15 name is *provided* is not decided here: the served package
    (:mod:`tfgraph_dnn.estimator_tf1`) answers that through the resolver, so the list of
    what is provided lives in one place.  Only the module-level part of a chain is
    checked: ``tf.estimator.Estimator.train`` stops at the class.
    """
    module = ""
    for name in parts:
        dotted = f"{module}.{name}" if module else name
        if name not in ESTIMATOR_V1.get(module, frozenset()):
            return f"tf.estimator.{dotted} does not exist in TF 1.15's tf.estimator"
        if dotted not in ESTIMATOR_V1:
            return None  # a class or function: what follows is its attribute
        module = dotted
    return None


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
    if head == "keras" and second == "datasets":
        return ("tf.keras.datasets downloads its data at run time; load data with "
                "tfgraph_dnn.data or a local file")
    if head == "estimator" and estimator_reason(parts[1:]):
        return estimator_reason(parts[1:])
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
        return parts in ([], ["layers"], ["contrib"], ["nn"]) or tuple(parts) in NAMESPACE_MODULES
    if parts == ["nn", "rnn_cell"]:  # tfgraph_dnn.tf1 registers both as modules
        return True
    if tuple(parts) in NAMESPACE_MODULES:
        return True
    return len(parts) == 2 and parts[0] == "contrib" and CONTRIB.get(parts[1], False)


def module_name(parts: Sequence[str]) -> str:
    """The dotted name of ``tfgraph_dnn.tf1.<parts>``."""
    return ".".join([TF1, *parts])


def dotted(parts: Sequence[str], root: str = "tf") -> str:
    """``tf.a.b`` for display."""
    return ".".join([root, *parts])
