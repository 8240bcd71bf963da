"""``tf.estimator.add_metrics``: an Estimator with more evaluation metrics (TF 1.15)."""
from __future__ import annotations

from typing import Callable

from . import _util
from .estimator import Estimator
from .model_fn import ModeKeys

_VALID_METRIC_FN_ARGS = {"features", "labels", "predictions", "config"}


def add_metrics(estimator: Estimator, metric_fn: Callable) -> Estimator:
    """A new Estimator (same model_fn, model_dir, config) whose evaluation adds metrics.

    Parameters
    ----------
    estimator : Estimator
    metric_fn : callable
        ``metric_fn(features, labels, predictions, config)`` (any subset) returning a dict
        of ``(value, update_op)`` tuples; a name already used replaces that metric.

    Raises
    ------
    ValueError
        ``metric_fn`` takes other arguments.
    """
    unexpected = sorted(set(_util.fn_args(metric_fn)) - _VALID_METRIC_FN_ARGS)
    if unexpected:
        raise ValueError(f"metric_fn ({metric_fn}) has following not expected args: "
                         f"{unexpected}")
    base_model_fn = estimator.model_fn

    def new_model_fn(features, labels, mode, config):
        spec = base_model_fn(features, labels, mode, config)
        if mode != ModeKeys.EVAL:
            return spec
        names = _util.fn_args(metric_fn)
        available = {"features": features, "labels": labels,
                     "predictions": spec.predictions, "config": config}
        new_metrics = metric_fn(**{k: v for k, v in available.items() if k in names})
        metrics = dict(spec.eval_metric_ops or {})
        metrics.update(new_metrics)
        return spec._replace(eval_metric_ops=metrics)

    return Estimator(model_fn=new_model_fn, model_dir=estimator.model_dir,
                     config=estimator.config, warm_start_from=estimator._warm_start_settings)
