"""``tf.estimator.export``'s serving input receivers, as in TF 1.15.

A ``serving_input_receiver_fn`` returns a :class:`ServingInputReceiver`: the placeholders a
served request feeds (``receiver_tensors``) and the features the ``model_fn`` gets from them.
"""
from __future__ import annotations

import collections
import os
import time
from typing import Callable, Mapping, Optional

from ... import _tf

tf = _tf.tensorflow
v1 = tf.compat.v1

SINGLE_FEATURE_DEFAULT_NAME = "feature"
SINGLE_RECEIVER_DEFAULT_NAME = "input"
SINGLE_LABEL_DEFAULT_NAME = "label"


def _as_tensor_dict(value, default_name: str, what: str) -> dict:
    if value is None:
        raise ValueError(f"{what} must be defined.")
    if not isinstance(value, dict):
        value = {default_name: value}
    for name, tensor in value.items():
        if not isinstance(name, str):
            raise ValueError(f"{what} keys must be strings: {name}.")
        if not isinstance(tensor, (tf.Tensor, tf.SparseTensor, tf.RaggedTensor)):
            raise ValueError(f"{what} must be a Tensor, SparseTensor, or RaggedTensor: {tensor}.")
    return value


class ServingInputReceiver(collections.namedtuple(
        "ServingInputReceiver", ["features", "receiver_tensors",
                                 "receiver_tensors_alternatives"])):
    """The features a served model computes and the tensors a request feeds.

    Parameters
    ----------
    features : Tensor, SparseTensor or dict of them
        A single tensor is wrapped as ``{"feature": tensor}``.
    receiver_tensors : Tensor or dict of Tensor
        Usually placeholders; a single tensor is wrapped as ``{"input": tensor}``.
    receiver_tensors_alternatives : dict, optional
        Extra named sets of receiver tensors (one more signature each).
    """

    def __new__(cls, features, receiver_tensors, receiver_tensors_alternatives=None):
        features = _as_tensor_dict(features, SINGLE_FEATURE_DEFAULT_NAME, "feature")
        receiver_tensors = _as_tensor_dict(receiver_tensors, SINGLE_RECEIVER_DEFAULT_NAME,
                                           "receiver_tensor")
        if receiver_tensors_alternatives is not None:
            if not isinstance(receiver_tensors_alternatives, dict):
                raise ValueError("receiver_tensors_alternatives must be a dict: "
                                 f"{receiver_tensors_alternatives}.")
            receiver_tensors_alternatives = {
                name: _as_tensor_dict(tensors, SINGLE_RECEIVER_DEFAULT_NAME,
                                      "receiver_tensors_alternative")
                for name, tensors in receiver_tensors_alternatives.items()}
        return super().__new__(cls, features=features, receiver_tensors=receiver_tensors,
                               receiver_tensors_alternatives=receiver_tensors_alternatives)


class TensorServingInputReceiver(collections.namedtuple(
        "TensorServingInputReceiver", ["features", "receiver_tensors",
                                       "receiver_tensors_alternatives"])):
    """Like :class:`ServingInputReceiver`, but the ``model_fn`` gets one plain tensor."""

    def __new__(cls, features, receiver_tensors, receiver_tensors_alternatives=None):
        if features is None:
            raise ValueError("features must be defined.")
        if not isinstance(features, (tf.Tensor, tf.SparseTensor)):
            raise ValueError(f"feature must be a Tensor or SparseTensor: {features}.")
        receiver = ServingInputReceiver({SINGLE_FEATURE_DEFAULT_NAME: features},
                                        receiver_tensors, receiver_tensors_alternatives)
        return super().__new__(cls, features=features,
                               receiver_tensors=receiver.receiver_tensors,
                               receiver_tensors_alternatives=receiver.receiver_tensors_alternatives)


def build_parsing_serving_input_receiver_fn(feature_spec: Mapping,
                                            default_batch_size: Optional[int] = None
                                            ) -> Callable[[], ServingInputReceiver]:
    """A receiver fn that parses serialized ``tf.Example`` protos with ``feature_spec``.

    The request feeds ``examples`` (a string tensor, placeholder
    ``input_example_tensor``); the features are ``tf.io.parse_example``'s output.
    """
    def serving_input_receiver_fn() -> ServingInputReceiver:
        serialized = v1.placeholder(dtype=tf.string, shape=[default_batch_size],
                                    name="input_example_tensor")
        features = v1.parse_example(serialized, feature_spec)
        return ServingInputReceiver(features, {"examples": serialized})

    return serving_input_receiver_fn


def _placeholder_like(tensor, default_batch_size, name=None):
    shape = [default_batch_size] + tensor.shape.as_list()[1:]
    return v1.placeholder(dtype=tensor.dtype, shape=shape, name=name or tensor.op.name)


def build_raw_serving_input_receiver_fn(features, default_batch_size: Optional[int] = None
                                        ) -> Callable[[], ServingInputReceiver]:
    """A receiver fn whose request feeds the features themselves, one placeholder each.

    Parameters
    ----------
    features : dict of str to Tensor, or Tensor
        Example tensors giving each feature's dtype and shape (batch dimension excluded);
        the placeholders are named after the dict keys.
    default_batch_size : int, optional
        The placeholders' batch dimension (``None``: any).
    """
    def serving_input_receiver_fn():
        if isinstance(features, dict):
            receivers = {name: _placeholder_like(t, default_batch_size, name)
                         for name, t in features.items()}
            return ServingInputReceiver(dict(receivers), receivers)
        receiver = _placeholder_like(features, default_batch_size)
        return TensorServingInputReceiver(receiver, receiver)

    return serving_input_receiver_fn


def get_timestamped_export_dir(export_dir_base) -> bytes:
    """``export_dir_base/<seconds since epoch>``, a name not yet taken (as bytes, as TF1)."""
    base = os.fsencode(export_dir_base)
    for _ in range(10):
        candidate = os.path.join(base, str(int(time.time())).encode())
        if not os.path.exists(candidate):
            return candidate
        time.sleep(1)
    raise RuntimeError("Failed to obtain a unique export directory name after 10 attempts.")


def get_temp_export_dir(timestamped_export_dir: bytes) -> bytes:
    """The sibling ``temp-<timestamp>`` directory an export is written to before renaming."""
    head, tail = os.path.split(timestamped_export_dir)
    return os.path.join(head, b"temp-" + tail)
