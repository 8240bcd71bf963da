"""What a fit reports about itself: MLP-style curves and a summary of the net (room: ``estimator``).

:func:`curve_attributes` derives scikit-learn ``MLPClassifier``-style fitted
attributes from the epochs' history (``loss_curve_``, ``n_iter_``,
``validation_scores_``, ``best_loss_``, ``best_validation_score_``);
:func:`summary` describes a built net, one row per layer, like Keras'
``model.summary()``.  Both only read: numbers in, dicts and text out.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from ..model import CLASSIFICATION, SCALING_SCOPE, NetworkSpec
from ._scaling import scaling_kind


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def validation_score(task: str, row: Dict[str, Any], target_variance: Optional[float]):
    """An epoch's validation score: accuracy for a classifier; for a regressor R²
    (variance-weighted over the targets: ``1 - val_loss / mean(var(y_valid))``), or
    ``None`` when the epoch had no validation data (or its targets are unknown)."""
    if task == CLASSIFICATION:
        value = row.get("val_accuracy")
        return None if value is None else float(value)
    loss = row.get("val_loss")
    if loss is None or target_variance is None:
        return None
    if target_variance == 0:  # scikit-learn's r2_score on constant targets
        return 1.0 if loss == 0 else 0.0
    return float(1.0 - loss / target_variance)


def curve_attributes(task: str, history: Sequence[Dict[str, Any]], first_new: int,
                     y_valid: Optional[np.ndarray], previous_scores: Optional[list],
                     best_epoch: Optional[int]) -> Dict[str, Any]:
    """``loss_curve_``, ``n_iter_``, ``validation_scores_``, ``best_loss_`` and, with
    early stopping, ``best_validation_score_``.

    Parameters
    ----------
    task : str
    history : list of dict
        Every epoch's row (earlier fits' first when training went on).
    first_new : int
        Index of this fit's first epoch in ``history``.
    y_valid : ndarray or None
        This fit's encoded validation targets (a regressor's R² needs their variance).
    previous_scores : list or None
        ``validation_scores_`` of the model this fit went on from, kept for its epochs.
    best_epoch : int or None
        The epoch early stopping kept (``None`` without early stopping).
    """
    variance = None
    if y_valid is not None and task != CLASSIFICATION and len(y_valid):
        variance = float(np.mean(np.var(np.asarray(y_valid, np.float64), axis=0)))
    kept = list(previous_scores or [])[:first_new]
    if len(kept) != first_new:  # not known (resumed from a checkpoint): recompute
        kept = [validation_score(task, row, variance) for row in history[:first_new]]
    scores = kept + [validation_score(task, row, variance) for row in history[first_new:]]
    losses = [float(row["loss"]) for row in history]
    finite = [loss for loss in losses if math.isfinite(loss)]
    fitted: Dict[str, Any] = {
        "loss_curve_": losses, "n_iter_": len(history),
        "validation_scores_": scores if any(s is not None for s in scores) else None,
        # As MLPClassifier: the lowest training loss, None when early stopping kept an epoch.
        "best_loss_": None if best_epoch is not None or not finite else min(finite)}
    if best_epoch is not None:
        at_best = [score for row, score in zip(history, scores) if row["epoch"] == best_epoch]
        fitted["best_validation_score_"] = at_best[0] if at_best else None
    return fitted


# ------------------------------------------------------------------------ summary
def _layer_of(name: str) -> str:
    return name.split("/", 1)[0]


def _describe(spec: NetworkSpec, layer: str, scaling: Optional[str]) -> str:
    if layer == SCALING_SCOPE:
        return f"(X - offset) / scale, {scaling}"
    if layer == "logits":
        return "softmax" if spec.task == CLASSIFICATION else "linear"
    index = int(layer[len("hidden"):])
    activation = spec.activation if isinstance(spec.activation, str) else \
        getattr(spec.activation, "__name__", "custom")
    parts = [activation]
    if spec.batch_norm_momentum is not None:
        parts.insert(0, f"batch norm (momentum {spec.batch_norm_momentum:g})")
    if spec.dropout_rate:
        kind = "alpha dropout" if spec.activation == "selu" else "dropout"
        parts.append(f"{kind} {float(spec.dropout_rate):g}")
    if index <= spec.n_frozen:
        parts.append("frozen")
    return ", ".join(parts)


def summary(title: str, spec: NetworkSpec, variables: Sequence[Any],
            trainable: Sequence[str], scaling: Optional[str]) -> str:
    """A table of the net: one row per layer (name, output shape, parameters,
    details), then the parameter totals.

    Parameters
    ----------
    title : str
        First line (the estimator and what it maps).
    spec : NetworkSpec
    variables : list of (name, shape)
        The net's variables (no optimizer state).
    trainable : list of str
        Names of the variables the optimizer trains.
    scaling : str or None
        The ``feature_scaling`` kind, shown on the scaling row.
    """
    counts: Dict[str, int] = {}
    totals = {"trainable": 0, "frozen": 0, "non-trainable": 0}
    frozen = {f"hidden{index}" for index in range(1, spec.n_frozen + 1)}
    trained = set(trainable)
    for name, shape in variables:
        size = int(np.prod(shape)) if len(shape) else 1
        layer = _layer_of(name)
        counts[layer] = counts.get(layer, 0) + size
        statistic = name.endswith(("moving_mean", "moving_variance")) or layer == SCALING_SCOPE
        kind = "trainable" if name in trained else \
            "non-trainable" if statistic or layer not in frozen else "frozen"
        totals[kind] += size
    layers = ([SCALING_SCOPE] if spec.feature_scaling else []) + \
        [f"hidden{index}" for index in range(1, len(spec.hidden_layer_sizes) + 1)] + ["logits"]
    widths = [spec.n_inputs] * bool(spec.feature_scaling) + \
        [int(size) for size in spec.hidden_layer_sizes] + [spec.n_outputs]
    rows: List[List[str]] = [["Layer", "Output shape", "Params", "Details"]]
    for layer, width in zip(layers, widths):
        rows.append([layer, f"(None, {width})", f"{counts.get(layer, 0):,}",
                     _describe(spec, layer, scaling)])
    sizes = [max(len(row[column]) for row in rows) for column in range(3)]
    line = lambda row: (f"{row[0]:<{sizes[0]}}  {row[1]:<{sizes[1]}}  "  # noqa: E731
                        f"{row[2]:>{sizes[2]}}  {row[3]}").rstrip()
    width = max(len(line(row)) for row in rows)
    text = [title, "=" * width, line(rows[0]), "-" * width] + [line(row) for row in rows[1:]]
    text += ["=" * width, f"Total params: {sum(totals.values()):,}",
             f"Trainable params: {totals['trainable']:,}",
             f"Frozen params: {totals['frozen']:,}",
             f"Non-trainable params: {totals['non-trainable']:,}"]
    return "\n".join(text)


def model_summary(class_name: str, plan, variables: Sequence[Any],
                  trainable: Sequence[str]) -> str:
    """:func:`summary` of a fitted model's plan, titled by its estimator class and shapes."""
    spec = plan.network
    target = f"{spec.n_outputs} classes" if spec.task == "classification" else \
        f"{spec.n_outputs} target(s)"
    title = f"{class_name}: {spec.n_inputs} features -> {target}"
    return summary(title, spec, variables, trainable,
                   scaling_kind(plan.params.get("feature_scaling")))


class ScoreLoggingMixin:
    """``score()`` as scikit-learn's, and the score also reaches the fit's TensorBoard run.

    Placed before scikit-learn's ``ClassifierMixin``/``RegressorMixin``.  Only a
    model's first score is kept in its run (``overwrite=False``): in a
    cross-validation that is the held-out fold's, which HParams then shows
    beside the kept epoch's metrics.
    """

    def score(self, X, y, sample_weight=None) -> float:
        from ..training.tensorboard import log_run_metrics

        score = super().score(X, y, sample_weight=sample_weight)
        log_run_metrics(getattr(self, "log_dir_", None), {"score": float(score)},
                        overwrite=False)
        return score
