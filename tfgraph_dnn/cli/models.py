"""The models the commands build and save (room: ``cli``): scaling inside, no silent replace.

Two rules of issue 14 live here, so ``train`` and ``search`` apply them alike:

* **A model carries its input scaling.**  :func:`build_model` gives the
  estimator ``feature_scaling`` (``None``, ``"standard"``, ``"minmax"`` or an
  ``(offset, scale)`` pair) when the estimator has that parameter, so the
  scaling is fitted, saved and applied by ``predict`` and inside the exported
  SavedModel.  With an estimator that lacks it (an older ``tfgraph_dnn``), the
  same scaling is a :class:`FeatureScaler` in front of the net and
  :func:`save_model` records it as ``preprocessing.json``, which ``predict``
  reads -- the adapter is :func:`estimator_scales_features`, nothing else
  needs to change.
* **``--save`` never silently replaces a different model.**
  :func:`tfgraph_dnn.cli.common.check_save_target` refuses, before any
  training, a directory holding a model of another class or feature count
  unless ``--overwrite``;
  :func:`save_model` passes ``overwrite`` to ``save()`` when ``save()`` takes
  it (the storage layer then has the last word).
"""
from __future__ import annotations

import inspect
from typing import Tuple, Union

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .. import storage

ScalingSpec = Union[None, str, Tuple[float, float]]
SCALER_STEP, NET_STEP = "scaler", "dnn"


def estimator_scales_features(estimator_class) -> bool:
    """Whether ``estimator_class`` takes ``feature_scaling`` (the scaling in its graph)."""
    return "feature_scaling" in inspect.signature(estimator_class.__init__).parameters


def describe_scaling(scaling: ScalingSpec) -> str:
    """``"none"``, ``"standard"``, ``"minmax"`` or ``"(x - 0) / 255"``."""
    if scaling is None:
        return "none"
    if isinstance(scaling, str):
        return scaling
    offset, scale = scaling
    return f"(x - {offset:g}) / {scale:g}"


class FeatureScaler(TransformerMixin, BaseEstimator):
    """``(X - offset_) / scale_`` with the estimator's ``feature_scaling`` semantics.

    Only used when the estimator has no ``feature_scaling`` parameter (see the
    module docstring).

    Parameters
    ----------
    scaling : {"standard", "minmax"} or (offset, scale)
        ``"standard"``: mean and standard deviation (``ddof=0``), ``"minmax"``:
        minimum and range; a zero deviation or range counts as 1.
    """

    def __init__(self, scaling: ScalingSpec = "standard"):
        self.scaling = scaling

    def fit(self, X, y=None) -> "FeatureScaler":
        """Compute ``offset_`` and ``scale_`` from ``X``."""
        X = np.asarray(X, dtype=np.float64)
        if self.scaling == "standard":
            offset, scale = X.mean(axis=0), X.std(axis=0)
        elif self.scaling == "minmax":
            offset, scale = X.min(axis=0), X.max(axis=0) - X.min(axis=0)
        else:
            offset, scale = (np.broadcast_to(np.asarray(v, np.float64), X.shape[1:])
                             for v in self.scaling)
        self.offset_ = np.array(offset, dtype=np.float64)
        self.scale_ = np.where(scale == 0, 1.0, scale).astype(np.float64)
        return self

    def transform(self, X) -> np.ndarray:
        """``(X - offset_) / scale_`` in float32, rounded as ``predict`` rounds it."""
        X = np.array(X, dtype=np.float32)
        X -= self.offset_
        X /= self.scale_
        return X


def build_model(estimator_class, params: dict, scaling: ScalingSpec):
    """The estimator with ``scaling`` inside (or a scaler + estimator pipeline, see above).

    Returns
    -------
    estimator or sklearn.pipeline.Pipeline
    """
    if estimator_scales_features(estimator_class):
        return estimator_class(feature_scaling=scaling, **params)
    net = estimator_class(**params)
    if scaling is None:
        return net
    from sklearn.pipeline import Pipeline

    return Pipeline([(SCALER_STEP, FeatureScaler(scaling)), (NET_STEP, net)])


def network_of(model):
    """The DNN estimator of what :func:`build_model` returned."""
    return model.named_steps[NET_STEP] if hasattr(model, "named_steps") else model


def param_prefix(model) -> str:
    """``""`` or ``"dnn__"``: how the search names the net's parameters."""
    return f"{NET_STEP}__" if hasattr(model, "named_steps") else ""


def _save_takes_overwrite(estimator) -> bool:
    return "overwrite" in inspect.signature(estimator.save).parameters


def save_model(model, path: str, overwrite: bool) -> str:
    """Save what :func:`build_model` returned (fitted) to ``path``; returns the save dir.

    A pipeline's scaler goes to ``preprocessing.json`` (its offset as ``mean``,
    its scale as ``scale``: ``predict`` applies ``(x - mean) / scale``).
    """
    net = network_of(model)
    save_dir = net.save(path, overwrite=overwrite) if _save_takes_overwrite(net) \
        else net.save(path)
    if net is not model:
        scaler = model.named_steps[SCALER_STEP]
        storage.write_preprocessing(path, save_dir, scaler.offset_, scaler.scale_)
    return save_dir
