"""A ``tf.estimator`` DNN model directory as a fitted estimator (room: ``estimator``).

TF1's canned ``tf.estimator.DNNClassifier`` / ``DNNRegressor`` (and
:mod:`tfgraph_dnn.estimator_tf1`'s, which write the same directories) keep
their network as ``dnn/hiddenlayer_<i>/kernel|bias`` and ``dnn/logits/kernel|bias``;
ours is ``hidden<i+1>/kernel|bias`` and ``logits/kernel|bias``, computed the same
way (dense layers with the activation, then the logits; softmax or identity).
:func:`read_canned_dnn` reads such a checkpoint, infers the layer sizes and input
width from the kernels, and refuses, with one :class:`~tfgraph_dnn.storage.CheckpointError`
naming the variables, what has no exact counterpart here.
:func:`from_estimator_dir` builds the estimator's plan for those shapes, opens its
:class:`~._model.FittedNetwork`, assigns the weights and publishes it: the result is
a fitted estimator (predict, ``fit`` with ``warm_start``, ``save``, pickle, export)
without any training.

Two heads need care:

* TF's binary classifier has ONE logit ``z`` and a sigmoid; ours is a softmax over
  two logits, and ``softmax([0, z]) == [1 - sigmoid(z), sigmoid(z)]``: the logits
  layer becomes ``[0, w]`` / ``[0, b]``, exactly the same probabilities.
* TF's ``label_vocabulary`` orders the logits as given; ``classes_`` is sorted here,
  so the logits' columns are permuted to the sorted order.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple, Union

import numpy as np
from sklearn.utils import check_random_state

from .. import storage
from ..model.init import MAX_SEED
from ..storage import CheckpointError
from ._fitted import curve_attributes
from ._labels import labels_array
from ._model import FittedNetwork

_LAYER = re.compile(r"^dnn/(hiddenlayer_(\d+)|logits)/(kernel|bias)(/.*)?$")
# Variables a canned DNN's checkpoint may hold besides the network: the step, the TF1
# optimizers' slots (under the variable's own name, matched above) and Adam's powers,
# tf.keras optimizers' state (TF2's DNNClassifierV2).
_BOOKKEEPING = re.compile(r"^(global_step|beta[12]_power(_\d+)?|training/.*)$")
# Parameters the checkpoint decides, or that have no value without training data.
_FROM_CHECKPOINT = ("hidden_layer_sizes", "n_hidden", "n_neurons")
_MUST_BE_NONE = {
    "batch_norm_momentum": "the canned DNN has no batch norm unless its checkpoint says so, "
                           "and then it normalizes after the activation (ours: before)",
    "feature_scaling": "there is no training data to fit the input scaling on; scale X "
                       "outside the estimator (the canned DNN saw raw feature columns)",
    "warm_start_from": "the weights come from model_dir",
}


@dataclass(frozen=True)
class CannedDNN:
    """A canned DNN's network as read from its checkpoint.

    Attributes
    ----------
    prefix : str
        The checkpoint read.
    hidden_layer_sizes : tuple of int
    n_inputs : int
        Width of the input layer (the feature columns' concatenated output).
    n_logits : int
        Units of ``dnn/logits`` (1 for TF's binary classifier).
    values : dict
        ``{our variable name: float32 array}`` (``hidden1/kernel`` ... ``logits/bias``),
        the logits as TF stores them.
    """

    prefix: str
    hidden_layer_sizes: Tuple[int, ...]
    n_inputs: int
    n_logits: int
    values: Dict[str, np.ndarray]


def _refusals(prefix: str, names: Sequence[str]) -> Optional[str]:
    """Why the checkpoint cannot map onto our network (``None`` if it can)."""
    linear = [n for n in names if n.startswith("linear/")]
    if linear:
        return (f"{prefix} holds a linear model ({linear[0]}...): a DNNLinearCombined or "
                "Linear estimator's directory; only DNNClassifier / DNNRegressor map here")
    inputs = [n for n in names if n.startswith("dnn/input_from_feature_columns/")]
    if inputs:
        return (f"{prefix}: the input layer has variables ({', '.join(inputs[:3])}): "
                "embedding (or shared-embedding) columns have no counterpart here; only "
                "numeric and indicator columns map to columns of X")
    batch_norm = [n for n in names if re.match(r"^dnn/hiddenlayer_\d+/batchnorm_\d+/", n)]
    if batch_norm:
        return (f"{prefix}: the DNN has batch norm ({batch_norm[0]}...): TF's canned DNN "
                "normalizes after the activation, ours before it, so no renaming gives "
                "the same predictions")
    parts = [n for n in names if re.match(r"^dnn/.*/part_\d+(/|$)", n)]
    if parts:
        return (f"{prefix}: partitioned variables ({parts[0]}...) are not supported; "
                "TF1's Saver stores a partitioned variable whole under its own name, "
                "which is what loads here")
    unknown = [n for n in names if not (_LAYER.match(n) or _BOOKKEEPING.match(n))]
    if unknown:
        return (f"{prefix} holds variables that are not a canned DNNClassifier's or "
                f"DNNRegressor's: {unknown[:5]}{' ...' if len(unknown) > 5 else ''}")
    return None


def _layer_shapes(prefix: str, shapes: Dict[str, Tuple[int, ...]]):
    """``(layers, hidden sizes, n_inputs, n_logits)``, checked; ``layers`` pairs each
    TF layer scope with ours (``("dnn/hiddenlayer_0", "hidden1")``...)."""
    indexes = sorted({int(m.group(2)) for m in map(_LAYER.match, shapes)
                      if m and m.group(2) is not None and m.group(4) is None})
    if "dnn/logits/kernel" not in shapes:
        raise CheckpointError(f"{prefix} is not a canned DNNClassifier / DNNRegressor "
                              f"checkpoint: no 'dnn/logits/kernel' among its variables "
                              f"{sorted(shapes)[:8]}")
    if indexes != list(range(len(indexes))):
        raise CheckpointError(f"{prefix}: hidden layers {indexes} are not numbered 0..N-1")
    layers = [(f"dnn/hiddenlayer_{i}", f"hidden{i + 1}") for i in indexes]
    layers.append(("dnn/logits", "logits"))
    width, sizes = None, []  # width: the units of the layer below (first: the inputs)
    for tf_name, _ in layers:
        kernel, bias = shapes.get(f"{tf_name}/kernel"), shapes.get(f"{tf_name}/bias")
        if kernel is None or bias is None:
            raise CheckpointError(f"{prefix}: {tf_name} lacks its "
                                  f"{'kernel' if kernel is None else 'bias'}")
        if len(kernel) != 2 or kernel[0] < 1 or kernel[1] < 1 or tuple(bias) != kernel[1:]:
            raise CheckpointError(f"{prefix}: {tf_name}/kernel has shape {list(kernel)} and "
                                  f"its bias {list(bias)}: not a dense layer")
        if width is None:
            n_inputs = int(kernel[0])
        elif kernel[0] != width:
            raise CheckpointError(f"{prefix}: {tf_name}/kernel takes {kernel[0]} inputs but "
                                  f"the layer below has {width} units")
        width = kernel[1]
        sizes.append(int(kernel[1]))
    return layers, tuple(sizes[:-1]), n_inputs, sizes[-1]


def read_canned_dnn(model_dir: Union[str, os.PathLike]) -> CannedDNN:
    """Read the network of a canned ``DNNClassifier`` / ``DNNRegressor`` checkpoint.

    Parameters
    ----------
    model_dir : str or path-like
        A model directory (with TF's ``checkpoint`` file: its latest checkpoint)
        or a checkpoint prefix (``.../model.ckpt-20``).

    Raises
    ------
    FileNotFoundError
        Nothing at ``model_dir``.
    tfgraph_dnn.storage.CheckpointError
        No readable checkpoint, a damaged one, or one that does not map (linear
        parts, embedding columns, batch norm, partitioned variables, other
        variables), naming the checkpoint and the variables.
    """
    prefix = storage.resolve_checkpoint(model_dir)
    reader = storage.open_checkpoint(prefix)
    shapes = storage.checkpoint_shapes(prefix, reader)
    refusal = _refusals(prefix, sorted(shapes))
    if refusal is not None:
        raise CheckpointError(refusal)
    layers, hidden, n_inputs, n_logits = _layer_shapes(prefix, shapes)
    wanted = {f"{ours}/{part}": f"{theirs}/{part}" for theirs, ours in layers
              for part in ("kernel", "bias")}
    values = storage.read_tensors(prefix, wanted, reader)
    for name, value in values.items():
        value = np.asarray(value)
        if value.dtype.kind != "f" or not np.isfinite(value).all():
            raise CheckpointError(f"{prefix}: {wanted[name]} is not a finite float tensor "
                                  f"(dtype {value.dtype})")
        values[name] = value.astype(np.float32)
    return CannedDNN(prefix, hidden, n_inputs, n_logits, values)


def _classes_and_logits(network: CannedDNN, classes) -> Tuple[np.ndarray, Dict[str, Any]]:
    """``classes_`` and the logits layer for our softmax head (binary: ``[0, w]``; a
    ``label_vocabulary`` permuted to the sorted order of ``classes_``)."""
    kernel, bias = network.values["logits/kernel"], network.values["logits/bias"]
    if network.n_logits == 1:  # sigmoid(z) == softmax([0, z])[1]
        kernel = np.concatenate([np.zeros_like(kernel), kernel], axis=1)
        bias = np.concatenate([np.zeros_like(bias), bias])
    n_classes = kernel.shape[1]
    if classes is None:
        return np.arange(n_classes), {"logits/kernel": kernel, "logits/bias": bias}
    given = labels_array(classes, "classes")
    if given.ndim != 1 or len(given) != n_classes:
        raise ValueError(f"classes must list the {n_classes} labels of the model's logits in "
                         f"their order (TF's label_vocabulary); got {np.shape(given)} labels: "
                         f"{np.asarray(given).tolist()[:10]!r}")
    sorted_classes, first = np.unique(given, return_index=True)
    if len(sorted_classes) != n_classes:
        raise ValueError(f"classes holds repeated labels: {np.asarray(given).tolist()!r}")
    return sorted_classes, {"logits/kernel": kernel[:, first], "logits/bias": bias[first]}


def from_estimator_dir(cls, model_dir: Union[str, os.PathLike], activation: Any = "relu",
                       classes=None, params: Optional[Dict[str, Any]] = None):
    """A fitted ``cls`` holding the network of a canned DNN model directory.

    See ``DNNClassifier.from_estimator_dir`` (the public entry point).
    """
    params = dict(params or {})
    for name in _FROM_CHECKPOINT:
        if name in params:
            raise TypeError(f"from_estimator_dir() reads the layer sizes from the "
                            f"checkpoint; do not pass {name}")
    for name, why in _MUST_BE_NONE.items():
        if params.get(name) is not None:
            raise ValueError(f"from_estimator_dir() cannot use {name}={params[name]!r}: "
                             f"{why}")
    network = read_canned_dnn(model_dir)
    estimator = cls(hidden_layer_sizes=network.hidden_layer_sizes, activation=activation,
                    **params)
    estimator._check_params()
    values = dict(network.values)
    fitted: Dict[str, Any] = {"n_features_in_": network.n_inputs}
    if estimator._task == "classification":
        fitted["classes_"], logits = _classes_and_logits(network, classes)
        values.update(logits)
    else:
        fitted["n_outputs_"] = network.n_logits
    rng = check_random_state(estimator.random_state)
    # One step per epoch: there are no training rows; a warm-started fit keeps this.
    plan = estimator._plan(fitted, int(rng.randint(MAX_SEED)), estimator.batch_size,
                           quiet=True)
    model = FittedNetwork.open(plan, dict(fitted, warm_started_vars_=sorted(values)), [], rng)
    try:
        model.assign(values)
        model.attributes.update(history_=[], n_epochs_=0,
                                n_layers_=len(network.hidden_layer_sizes) + 1,
                                **curve_attributes(estimator._task, [], 0, None, None, None))
    except BaseException:
        model.retire()
        raise
    estimator._publish(model)
    return estimator
