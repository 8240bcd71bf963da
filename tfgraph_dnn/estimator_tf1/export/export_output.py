"""``tf.estimator.export`` outputs: what a SavedModel signature returns, as in TF 1.15.

A ``model_fn`` names its serving outputs in ``EstimatorSpec.export_outputs`` with these
classes; each turns itself into a ``SignatureDef`` for the receiver's input tensors.
"""
from __future__ import annotations

import abc
from typing import Mapping, Optional

from ... import _tf

tf = _tf.tensorflow
v1 = tf.compat.v1


class ExportOutput(abc.ABC):
    """One output of an exported model: makes its ``SignatureDef``."""

    @abc.abstractmethod
    def as_signature_def(self, receiver_tensors: Mapping):
        """The ``SignatureDef`` of this output for ``receiver_tensors``."""


def _single_string_input(receiver_tensors: Mapping, kind: str):
    if len(receiver_tensors) != 1:
        raise ValueError(f"{kind} input must be a single string Tensor; got {receiver_tensors}")
    (_, examples), = receiver_tensors.items()
    if examples.dtype != tf.string:
        raise ValueError(f"{kind} input must be a single string Tensor; got {receiver_tensors}")
    return examples


class ClassificationOutput(ExportOutput):
    """Classification scores (``float32``) and/or class names (``string``).

    Parameters
    ----------
    scores : Tensor, optional
        ``float32``, shape ``[batch, num_classes]``.
    classes : Tensor, optional
        ``string``, shape ``[batch, num_classes]``.  At least one of the two is required.
    """

    def __init__(self, scores=None, classes=None) -> None:
        if scores is not None and not (isinstance(scores, tf.Tensor)
                                        and scores.dtype == tf.float32):
            raise ValueError(f"Classification scores must be a float32 Tensor; got {scores}")
        if classes is not None and not (isinstance(classes, tf.Tensor)
                                         and classes.dtype == tf.string):
            raise ValueError(f"Classification classes must be a string Tensor; got {classes}")
        if scores is None and classes is None:
            raise ValueError("At least one of scores and classes must be set.")
        self._scores, self._classes = scores, classes

    @property
    def scores(self):
        return self._scores

    @property
    def classes(self):
        return self._classes

    def as_signature_def(self, receiver_tensors: Mapping):
        examples = _single_string_input(receiver_tensors, "Classification")
        return v1.saved_model.classification_signature_def(examples, self._classes, self._scores)


class RegressionOutput(ExportOutput):
    """A regression value (``float32``), served through the ``regress`` signature.

    Parameters
    ----------
    value : Tensor
        ``float32``, shape ``[batch]`` or ``[batch, 1]``.
    """

    def __init__(self, value) -> None:
        if not (isinstance(value, tf.Tensor) and value.dtype.is_floating):
            raise ValueError(f"Regression output value must be a float32 Tensor; got {value}")
        self._value = value

    @property
    def value(self):
        return self._value

    def as_signature_def(self, receiver_tensors: Mapping):
        examples = _single_string_input(receiver_tensors, "Regression")
        return v1.saved_model.regression_signature_def(examples, self._value)


class PredictOutput(ExportOutput):
    """Arbitrary named output tensors, served through the ``predict`` signature.

    Parameters
    ----------
    outputs : Tensor or dict of str to Tensor
        A single tensor is served under the key ``"output"``.
    """

    def __init__(self, outputs) -> None:
        if not isinstance(outputs, dict):
            outputs = {"output": outputs}
        checked = {}
        for key, value in outputs.items():
            if not isinstance(key, str):
                raise ValueError(f"Prediction output key must be a string; got {key!r}.")
            if not isinstance(value, (tf.Tensor, tf.SparseTensor)):
                raise ValueError(f"Prediction output value must be a Tensor; got {value}.")
            checked[key] = value
        self._outputs = checked

    @property
    def outputs(self) -> dict:
        return self._outputs

    def as_signature_def(self, receiver_tensors: Mapping):
        return v1.saved_model.predict_signature_def(receiver_tensors, self._outputs)


def build_all_signature_defs(receiver_tensors, export_outputs: Mapping,
                             receiver_tensors_alternatives: Optional[Mapping] = None) -> dict:
    """Every valid serving ``SignatureDef`` for the receiver(s) and the export outputs.

    Outputs whose signature cannot be made for these inputs (a ``classify`` signature
    without one string input) are left out, as TF1 left them out.
    """
    if not isinstance(receiver_tensors, dict):
        receiver_tensors = {"input": receiver_tensors}
    if export_outputs is None or not isinstance(export_outputs, dict):
        raise ValueError(f"export_outputs must be a dict and not {type(export_outputs)}")
    signatures = {}
    for key, output in export_outputs.items():
        try:
            signatures[f"{key or 'None'}"] = output.as_signature_def(receiver_tensors)
        except ValueError:
            continue
    for receiver_name, tensors in (receiver_tensors_alternatives or {}).items():
        if not isinstance(tensors, dict):
            tensors = {"input": tensors}
        for key, output in export_outputs.items():
            try:
                signatures[f"{receiver_name}:{key or 'None'}"] = output.as_signature_def(tensors)
            except ValueError:
                continue
    return {key: value for key, value in signatures.items()
            if v1.saved_model.is_valid_signature(value)}
