"""``tf.estimator.ModeKeys`` and ``tf.estimator.EstimatorSpec``, validated as TF 1.15 did.

An ``EstimatorSpec`` is what a ``model_fn`` returns: the tensors and ops the
:class:`~tfgraph_dnn.estimator_tf1.Estimator` runs in each mode.  Its checks (which field each
mode needs, tensors from the default graph, a scalar loss, ``(value, update_op)`` metrics,
hooks that are ``SessionRunHook``s) raise the errors TF1 raised.
"""
from __future__ import annotations

import collections
from typing import Any

from .. import _tf

tf = _tf.tensorflow
v1 = tf.compat.v1

LOSS_METRIC_KEY = "loss"
AVERAGE_LOSS_METRIC_KEY = "average_loss"
DEFAULT_SERVING_KEY = tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY


class ModeKeys:
    """Standard names for model modes (``TRAIN``, ``EVAL``, ``PREDICT``)."""

    TRAIN = "train"
    EVAL = "eval"
    PREDICT = "infer"


#: SavedModel tags per mode.
EXPORT_TAG_MAP = {
    ModeKeys.PREDICT: [tf.saved_model.SERVING],
    ModeKeys.TRAIN: [tf.saved_model.TRAINING],
    ModeKeys.EVAL: ["eval"],
}

_NOT_DEFAULT_GRAPH = (
    '{0} with "{1}" must be from the default graph. Possible causes of this error include: \n\n'
    "1) {0} was created outside the context of the default graph.\n\n"
    '2) The object passed through to EstimatorSpec was not created in the most recent call to '
    '"model_fn".')


def _is_tensor(x: Any) -> bool:
    return isinstance(x, (tf.Tensor, tf.Variable))


def _check_tensor(x, name: str):
    if not _is_tensor(x):
        raise TypeError(f"{name} must be Tensor, given: {x}")
    return tf.convert_to_tensor(x) if isinstance(x, tf.Variable) else x


def _check_tensor_or_op(x, name: str) -> None:
    if not (isinstance(x, tf.Operation) or _is_tensor(x)):
        raise TypeError(f"{name} must be Operation or Tensor, given: {x}")


def _in_default_graph(x, what: str, label: str) -> None:
    if x.graph is not v1.get_default_graph():
        raise ValueError(_NOT_DEFAULT_GRAPH.format(what, label))


def _validate_train_op(train_op, mode):
    if train_op is None:
        if mode == ModeKeys.TRAIN:
            raise ValueError("Missing train_op.")
        return None
    _check_tensor_or_op(train_op, "train_op")
    _in_default_graph(train_op, "train_op", train_op.name)
    return train_op


def _validate_loss(loss, mode):
    if loss is None:
        if mode in (ModeKeys.TRAIN, ModeKeys.EVAL):
            raise ValueError("Missing loss.")
        return None
    loss = _check_tensor(loss, "loss")
    if loss.shape.num_elements() not in (None, 1):
        raise ValueError(f"Loss must be scalar, given: {loss}")
    _in_default_graph(loss, "loss", loss.name)
    if not loss.shape.is_compatible_with(tf.TensorShape([])):
        loss = v1.reshape(loss, [])
    return loss


def _validate_predictions(predictions, mode):
    if predictions is None:
        if mode == ModeKeys.PREDICT:
            raise ValueError("Missing predictions.")
        return {}
    if isinstance(predictions, dict):
        predictions = {k: _check_tensor(v, f"predictions[{k}]") for k, v in predictions.items()}
        for key, value in predictions.items():
            _in_default_graph(value, "prediction values", f"{key}: {value.name}")
        return predictions
    predictions = _check_tensor(predictions, "predictions")
    _in_default_graph(predictions, "prediction values", predictions.name)
    return predictions


def _validate_export_outputs(export_outputs, predictions, mode):
    if mode != ModeKeys.PREDICT:
        return export_outputs
    from .export.export_output import ExportOutput, PredictOutput

    if export_outputs is None:
        export_outputs = {DEFAULT_SERVING_KEY: PredictOutput(predictions)}
    if not isinstance(export_outputs, dict):
        raise TypeError(f"export_outputs must be dict, given: {export_outputs}")
    for value in export_outputs.values():
        if not isinstance(value, ExportOutput):
            raise TypeError(
                f"Values in export_outputs must be ExportOutput objects. Given: {export_outputs}")
    export_outputs = dict(export_outputs)
    if len(export_outputs) == 1:
        (key, value), = export_outputs.items()
        export_outputs.setdefault(DEFAULT_SERVING_KEY, value)
    if len(export_outputs) > 1 and DEFAULT_SERVING_KEY not in export_outputs:
        raise ValueError(
            "Multiple export_outputs were provided, but none of them is specified as the "
            "default.  Do this by naming one of them with "
            "signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY.")
    return export_outputs


def _validate_hooks(hooks) -> tuple:
    hooks = tuple(hooks or [])
    for hook in hooks:
        if not isinstance(hook, v1.train.SessionRunHook):
            raise TypeError(f"All hooks must be SessionRunHook instances, given: {hook}")
    return hooks


def _validate_eval_metric_ops(eval_metric_ops) -> dict:
    if eval_metric_ops is None:
        return {}
    if not isinstance(eval_metric_ops, dict):
        raise TypeError(f"eval_metric_ops must be a dict, given: {eval_metric_ops}")
    for key, value in eval_metric_ops.items():
        if not isinstance(value, tuple) or len(value) != 2:
            raise TypeError("Values of eval_metric_ops must be (metric_value, update_op) "
                            f"tuples, given: {value} for key: {key}")
        for member in tf.nest.flatten(value):
            _check_tensor_or_op(member, f"eval_metric_ops[{key}]")
            _in_default_graph(member, "eval_metric_ops", f"{key}: {member.name}")
    return dict(eval_metric_ops)


def _validate_scaffold(scaffold):
    scaffold = scaffold or v1.train.Scaffold()
    if not isinstance(scaffold, v1.train.Scaffold):
        raise TypeError(f"scaffold must be tf.train.Scaffold. Given: {scaffold}")
    return scaffold


_FIELDS = ["mode", "predictions", "loss", "train_op", "eval_metric_ops", "export_outputs",
           "training_chief_hooks", "training_hooks", "scaffold", "evaluation_hooks",
           "prediction_hooks"]


class EstimatorSpec(collections.namedtuple("EstimatorSpec", _FIELDS)):
    """Ops and objects returned from a ``model_fn`` and passed to an ``Estimator``.

    Parameters
    ----------
    mode : str
        A :class:`ModeKeys` value.  ``TRAIN`` needs ``loss`` and ``train_op``, ``EVAL``
        needs ``loss``, ``PREDICT`` needs ``predictions``.
    predictions : Tensor or dict of Tensor, optional
    loss : Tensor, optional
        Scalar (or shape ``[1]``, reshaped to a scalar).
    train_op : Operation or Tensor, optional
    eval_metric_ops : dict of (value, update_op), optional
    export_outputs : dict of ExportOutput, optional
        In ``PREDICT`` mode a default ``PredictOutput(predictions)`` is added under
        ``"serving_default"``.
    training_chief_hooks, training_hooks, evaluation_hooks, prediction_hooks : iterable
        ``tf.compat.v1.train.SessionRunHook`` objects.
    scaffold : tf.compat.v1.train.Scaffold, optional
        A default ``Scaffold()`` when ``None``.

    Raises
    ------
    ValueError, TypeError
        As TF 1.15 raised them for missing or ill-typed fields.
    """

    def __new__(cls, mode, predictions=None, loss=None, train_op=None, eval_metric_ops=None,
                export_outputs=None, training_chief_hooks=None, training_hooks=None,
                scaffold=None, evaluation_hooks=None, prediction_hooks=None):
        train_op = _validate_train_op(train_op, mode)
        loss = _validate_loss(loss, mode)
        predictions = _validate_predictions(predictions, mode)
        return super().__new__(
            cls, mode=mode, predictions=predictions, loss=loss, train_op=train_op,
            eval_metric_ops=_validate_eval_metric_ops(eval_metric_ops),
            export_outputs=_validate_export_outputs(export_outputs, predictions, mode),
            training_chief_hooks=_validate_hooks(training_chief_hooks),
            training_hooks=_validate_hooks(training_hooks),
            scaffold=_validate_scaffold(scaffold),
            evaluation_hooks=_validate_hooks(evaluation_hooks),
            prediction_hooks=_validate_hooks(prediction_hooks))

    def _replace(self, **kwargs):
        """A new spec with some fields replaced (the mode cannot change)."""
        if "mode" in kwargs and kwargs["mode"] != self.mode:
            raise ValueError("mode of EstimatorSpec cannot be changed.")
        fields = {name: kwargs.pop(name, value) for name, value in zip(self._fields, self)}
        return EstimatorSpec(**fields)
