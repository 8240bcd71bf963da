"""``tfgraph_dnn.contrib.learn``: the estimator-free part of TF1's ``tf.contrib.learn``.

TF1 scripts that never train a ``tf.contrib.learn`` estimator still touch it for
its small helpers, e.g. (Hands-On ML's TF1 code)::

    m = tf.contrib.learn.MetricSpec(metric_fn=tf.contrib.metrics.streaming_accuracy,
            prediction_key=tf.contrib.learn.prediction_key.PredictionKey.CLASSES)

Provided: :class:`MetricSpec` (with ``create_metric_ops``, TF1's rules for how
``metric_fn`` receives predictions, labels and weights), :class:`PredictionKey`
(also ``prediction_key.PredictionKey``) and :class:`ModeKeys`, with TF1's values.
Everything else — the estimators (``DNNClassifier``, ``Estimator``, ``SKCompat``
...), ``Experiment`` / ``learn_runner``, ``RunConfig``, ``monitors``, the
``datasets`` loaders — raises an ``AttributeError`` naming it, which
``tfgraph-dnn migrate`` reports.  This module does not import TensorFlow.
"""
from __future__ import annotations

import inspect
import types
from typing import Any, Callable, Optional, Tuple

__all__ = ["MetricSpec", "ModeKeys", "PredictionKey", "prediction_key"]


class PredictionKey:
    """Keys of a ``tf.contrib.learn`` model's predictions dict (TF1's values)."""

    CLASSES = "classes"
    PROBABILITIES = "probabilities"
    LOGITS = "logits"
    LOGISTIC = "logistic"
    SCORES = "scores"
    TOP_K = "top_k"
    GENERIC = "output"


class ModeKeys:
    """``tf.contrib.learn``'s model modes (TF1's values; ``tf.estimator`` says 'predict')."""

    TRAIN = "train"
    EVAL = "eval"
    INFER = "infer"


#: ``tf.contrib.learn.prediction_key`` (the module TF1 kept ``PredictionKey`` in).
prediction_key = types.ModuleType(f"{__name__}.prediction_key",
                                  "TF1's ``prediction_key`` module: :class:`PredictionKey`.")
prediction_key.PredictionKey = PredictionKey

_LABELS_ARGS = ("labels", "label", "targets", "target")
_PREDICTIONS_ARGS = ("predictions", "prediction", "logits", "logit")
_WEIGHTS_ARGS = ("weights", "weight")


def _arg_names(fn: Callable) -> Tuple[str, ...]:
    """Positional argument names of ``fn`` (a ``functools.partial``'s minus its keywords)."""
    if hasattr(fn, "func") and hasattr(fn, "keywords"):
        return tuple(arg for arg in _arg_names(fn.func) if arg not in fn.keywords)
    parameters = inspect.signature(fn).parameters.values()
    return tuple(p.name for p in parameters
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def _matching_arg(fn_name: str, args: Tuple[str, ...], candidates: Tuple[str, ...],
                  required: bool) -> Optional[str]:
    found = [arg for arg in candidates if arg in args]
    if len(found) > 1:
        raise ValueError(f"Ambiguous arguments {set(found)}, must provide only one of "
                         f"{set(candidates)}.")
    if not found and required:
        raise ValueError(f"{set(candidates)} missing from {fn_name}({args}).")
    return found[0] if found else None


def _adapt_metric_fn(metric_fn: Callable, fn_name: str, labels_required: bool,
                     weights_required: bool) -> Callable:
    """``metric_fn`` as a function of the keywords ``labels``, ``predictions``, ``weights``.

    TF1's rules: an argument named like labels / predictions / weights gets that
    value by name; otherwise predictions go first positionally (after labels, if
    labels is the first argument), and labels are dropped if no argument takes them.
    """
    args = _arg_names(metric_fn)
    labels_arg = _matching_arg(fn_name, args, _LABELS_ARGS, labels_required)
    predictions_arg = _matching_arg(fn_name, args, _PREDICTIONS_ARGS, False)
    weights_arg = _matching_arg(fn_name, args, _WEIGHTS_ARGS, weights_required)

    def adapted(_sentinel=None, labels=None, predictions=None, weights=None):
        if _sentinel is not None:
            raise ValueError("`metric_fn` requires named args: `labels`, `predictions`, "
                             "and optionally `weights`.")
        kwargs = {} if weights is None else {weights_arg or "weights": weights}
        if labels_arg and predictions_arg:
            return metric_fn(**{labels_arg: labels, predictions_arg: predictions}, **kwargs)
        if labels_arg and labels_arg == args[0]:
            return metric_fn(labels, predictions, **kwargs)
        if labels_arg:
            return metric_fn(predictions, **{labels_arg: labels}, **kwargs)
        if predictions_arg:
            return metric_fn(**{predictions_arg: predictions}, **kwargs)
        return metric_fn(predictions, **kwargs)

    return adapted


def _fn_name(fn: Callable) -> str:
    return getattr(fn, "__name__", None) or getattr(getattr(fn, "func", None), "__name__",
                                                    None) or str(fn)


def _select(what: str, dict_or_tensor: Any, key: Optional[str]) -> Any:
    """``dict_or_tensor[key]``, or the single tensor / single-entry dict's value."""
    if key:
        if not isinstance(dict_or_tensor, dict):
            raise ValueError(f"MetricSpec with {what}_key specified requires {what}s dict, "
                             f"got {dict_or_tensor}.\nYou must not provide a {what}_key if "
                             f"you only have a single Tensor as {what}s.")
        if key not in dict_or_tensor:
            raise KeyError(f"Key '{key}' missing from {dict_or_tensor.keys()}.")
        return dict_or_tensor[key]
    if isinstance(dict_or_tensor, dict):
        if len(dict_or_tensor) != 1:
            raise ValueError(f"MetricSpec without specified {what}_key requires {what}s "
                             f"tensor or single element dict, got {dict_or_tensor}")
        return next(iter(dict_or_tensor.values()))
    return dict_or_tensor


class MetricSpec:
    """Connects a model's outputs to a metric function (``tf.contrib.learn.MetricSpec``).

    Parameters
    ----------
    metric_fn : callable
        Usually a ``tf.contrib.metrics`` streaming metric; returns a tensor or a
        ``(value, update_op)`` pair.  Arguments named ``predictions`` / ``labels`` /
        ``weights`` (or ``logits``, ``targets``, ``weight`` ...) receive those values
        by name; otherwise predictions are passed positionally, as in TF1.
    prediction_key : str, optional
        Key of the predictions dict to use (e.g. ``PredictionKey.CLASSES``); ``None``
        for a single tensor or a one-entry dict.
    label_key : str, optional
        Key of the labels dict to use, likewise.
    weight_key : str, optional
        Key of the inputs (features) dict holding the weights; ``None``: unweighted.

    Raises
    ------
    ValueError
        If ``metric_fn`` has two arguments for the same role, or none for labels
        (weights) while ``label_key`` (``weight_key``) is given.
    """

    def __init__(self, metric_fn: Callable, prediction_key: Optional[str] = None,
                 label_key: Optional[str] = None, weight_key: Optional[str] = None):
        self._metric_fn_name = _fn_name(metric_fn)
        self._metric_fn = _adapt_metric_fn(metric_fn, self._metric_fn_name,
                                           label_key is not None, weight_key is not None)
        self._prediction_key = prediction_key
        self._label_key = label_key
        self._weight_key = weight_key

    @property
    def prediction_key(self) -> Optional[str]:
        return self._prediction_key

    @property
    def label_key(self) -> Optional[str]:
        return self._label_key

    @property
    def weight_key(self) -> Optional[str]:
        return self._weight_key

    @property
    def metric_fn(self) -> Callable:
        """``metric_fn`` adapted to the keywords ``labels``, ``predictions``, ``weights``."""
        return self._metric_fn

    def __str__(self) -> str:
        return (f"MetricSpec(metric_fn={self._metric_fn_name}, "
                f"prediction_key={self.prediction_key}, label_key={self.label_key}, "
                f"weight_key={self.weight_key})")

    def create_metric_ops(self, inputs, labels, predictions):
        """Call ``metric_fn`` on the selected predictions, labels and weights.

        Parameters
        ----------
        inputs : dict
            Features; ``inputs[weight_key]`` are the weights (if ``weight_key``).
        labels : Tensor or dict
        predictions : Tensor or dict

        Returns
        -------
        Tensor or (Tensor, Tensor)
            Whatever ``metric_fn`` returns (a streaming metric's ``(value, update_op)``).

        Raises
        ------
        ValueError
            If a key is given for a single tensor, or none for a dict of several.
        KeyError
            If a key is missing from its dict.
        """
        prediction = _select("prediction", predictions, self.prediction_key)
        label = _select("label", labels, self.label_key)
        weights = inputs[self.weight_key] if self.weight_key else None
        return self.metric_fn(labels=label, predictions=prediction, weights=weights)


_ESTIMATORS = frozenset({
    "BaseEstimator", "DNNClassifier", "DNNEstimator", "DNNLinearCombinedClassifier",
    "DNNLinearCombinedEstimator", "DNNLinearCombinedRegressor", "DNNRegressor",
    "DynamicRnnEstimator", "Estimator", "Evaluable", "KMeansClustering", "LinearClassifier",
    "LinearEstimator", "LinearRegressor", "LogisticRegressor", "SKCompat",
    "StateSavingRnnEstimator", "SVM", "TensorFlowEstimator", "Trainable", "estimators"})
_DATA = frozenset({"datasets", "mnist", "base", "read_data_sets", "load_dataset",
                   "load_csv_with_header", "load_csv_without_header", "extract_dask_data",
                   "extract_pandas_data", "extract_pandas_labels", "extract_pandas_matrix",
                   "io"})


def _reason(name: str) -> str:
    if name in _ESTIMATORS:
        return ("contrib.learn's estimators were removed with tf.contrib; "
                "tfgraph_dnn.DNNClassifier / tfgraph_dnn.DNNRegressor are this package's "
                "scikit-learn estimators (fit / predict / score)")
    if name in _DATA:
        return ("contrib.learn's data loaders (MNIST ...) download their data; load it with "
                "tfgraph_dnn.data or sklearn.datasets")
    return ("only MetricSpec, PredictionKey (prediction_key) and ModeKeys are; the "
            "Estimator framework (Experiment, learn_runner, RunConfig, monitors ...) "
            "was removed with tf.contrib")


def __getattr__(name: str):
    """``AttributeError`` naming the ``tf.contrib.learn`` member that is not provided."""
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(f"tf.contrib.learn.{name} is not provided by tfgraph_dnn: "
                         f"{_reason(name)}")


def __dir__():
    return list(__all__)
