"""Core contrib layers: ``fully_connected`` (and ``linear``/``relu``/``relu6``/``elu``),
``bias_add``, ``dropout``, ``flatten``, ``one_hot_encoding``, ``softmax``,
``unit_norm``, ``maxout``, ``dense_to_sparse``, ``repeat`` and ``stack``.

They keep TF1 contrib's signatures and defaults, which differ from
``tf.layers``: ``fully_connected`` applies ReLU by default, names its variables
``weights``/``biases`` (``fully_connected/weights``, then ``fully_connected_1/...``),
skips the biases when a ``normalizer_fn`` is given and puts every variable in
``MODEL_VARIABLES``; ``dropout`` takes a ``keep_prob`` and drops by default
(``is_training=True``).  Each layer honours :func:`arg_scope`.
``fully_connected``, ``dropout`` and ``flatten`` are adapters over
:mod:`tfgraph_dnn.layers`' ``Dense``, ``Dropout`` and ``Flatten`` (one
implementation), as TF1's were over ``tf.layers``.
"""
from __future__ import annotations

import functools
import numbers
from typing import Callable, Optional, Sequence

import tensorflow as tf

from ..framework.arg_scope import add_arg_scope
from .initializers import xavier_initializer
from ...layers import core as core_layers
from .utils import (
    apply_layer,
    collect_named_outputs,
    last_dimension,
    layer_variable,
)

v1 = tf.compat.v1

__all__ = [
    "bias_add", "dense_to_sparse", "dropout", "elu", "flatten", "fully_connected", "linear",
    "maxout", "one_hot_encoding", "relu", "relu6", "repeat", "softmax", "stack", "unit_norm",
]

DATA_FORMAT_NCHW = "NCHW"
DATA_FORMAT_NHWC = "NHWC"


def check_data_format(data_format: str, allowed=(DATA_FORMAT_NCHW, DATA_FORMAT_NHWC)) -> None:
    """``ValueError`` naming ``data_format`` unless it is one of ``allowed``."""
    if data_format not in allowed:
        raise ValueError(f"data_format must be one of {list(allowed)}, got {data_format!r}")


def check_num_outputs(num_outputs, what: str) -> int:
    """``num_outputs`` as an int; ``ValueError`` naming it for non-integers (bools included)."""
    if not isinstance(num_outputs, numbers.Integral) or isinstance(num_outputs, bool) \
            or num_outputs <= 0:
        raise ValueError(f"{what}: num_outputs must be a positive int, got {num_outputs!r}")
    return int(num_outputs)


def kernel_arguments(normalizer_fn, weights_initializer, weights_regularizer,
                     biases_initializer, biases_regularizer) -> dict:
    """Contrib's ``weights_*``/``biases_*`` arguments as a ``tf.layers`` class's ``kernel_*``/``bias_*``.

    As in TF1 contrib, no biases when a ``normalizer_fn`` replaces them or
    ``biases_initializer`` is ``None``.
    """
    return dict(use_bias=normalizer_fn is None and biases_initializer is not None,
                kernel_initializer=weights_initializer, bias_initializer=biases_initializer,
                kernel_regularizer=weights_regularizer, bias_regularizer=biases_regularizer)


def finish_layer(outputs, normalizer_fn, normalizer_params, activation_fn,
                 outputs_collections, alias: str):
    """Apply the normalizer, then the activation, then collect the output under ``alias``."""
    if normalizer_fn is not None:
        outputs = normalizer_fn(outputs, **(normalizer_params or {}))
    if activation_fn is not None:
        outputs = activation_fn(outputs)
    return collect_named_outputs(outputs_collections, alias, outputs)


@add_arg_scope
def fully_connected(inputs, num_outputs: int, activation_fn: Optional[Callable] = tf.nn.relu,
                    normalizer_fn: Optional[Callable] = None, normalizer_params=None,
                    weights_initializer=xavier_initializer(), weights_regularizer=None,
                    biases_initializer=v1.zeros_initializer(), biases_regularizer=None,
                    reuse=None, variables_collections=None, outputs_collections=None,
                    trainable: bool = True, scope=None):
    """A dense layer: ``activation_fn(normalizer_fn(x @ weights) or x @ weights + biases)``.

    Parameters
    ----------
    inputs : Tensor
        Rank >= 2 with a known last dimension; higher ranks are multiplied
        along their last axis.
    num_outputs : int
        Number of output units.
    activation_fn : callable or None, default=tf.nn.relu
        ``None`` keeps the layer linear.
    normalizer_fn : callable, optional
        E.g. ``batch_norm``; replaces the biases (none are created).
    normalizer_params : dict, optional
        Keyword arguments of ``normalizer_fn``.
    weights_initializer, biases_initializer :
        Xavier uniform and zeros by default; ``biases_initializer=None`` skips biases.
    weights_regularizer, biases_regularizer : callable, optional
        Their losses join ``REGULARIZATION_LOSSES`` once.
    reuse : bool, optional
        Reuse the variables of ``scope``.
    variables_collections : list or dict, optional
        Extra collections for all variables, or per name (``'weights'``, ``'biases'``).
    outputs_collections : str or list, optional
        Collections receiving the output, aliased with the scope name.
    trainable : bool, default=True
        Whether the variables join ``TRAINABLE_VARIABLES``.
    scope : str or VariableScope, optional
        Variable scope; default ``fully_connected`` (uniquified).

    Returns
    -------
    Tensor of shape ``inputs.shape[:-1] + [num_outputs]``.

    Raises
    ------
    ValueError
        If ``num_outputs`` is not an int, or the inputs have rank < 2 or an
        unknown last dimension.
    """
    num_outputs = check_num_outputs(num_outputs, "fully_connected")
    with v1.variable_scope(scope, "fully_connected", [inputs], reuse=reuse) as sc:
        inputs = tf.convert_to_tensor(inputs)
        last_dimension(inputs.shape, min_rank=2)
        outputs = apply_layer(
            core_layers.Dense, inputs, sc, num_outputs, reuse=reuse,
            variables_collections=variables_collections, trainable=trainable,
            **kernel_arguments(normalizer_fn, weights_initializer, weights_regularizer,
                               biases_initializer, biases_regularizer))
        return finish_layer(outputs, normalizer_fn, normalizer_params, activation_fn,
                            outputs_collections, sc.name)


# Aliases of fully_connected with another default activation, as in TF1.
elu = functools.partial(fully_connected, activation_fn=tf.nn.elu)
relu = functools.partial(fully_connected, activation_fn=tf.nn.relu)
relu6 = functools.partial(fully_connected, activation_fn=tf.nn.relu6)
linear = functools.partial(fully_connected, activation_fn=None)


@add_arg_scope
def bias_add(inputs, activation_fn: Optional[Callable] = None,
             initializer=v1.zeros_initializer(), regularizer=None, reuse=None,
             variables_collections=None, outputs_collections=None, trainable: bool = True,
             data_format: str = DATA_FORMAT_NHWC, scope=None):
    """Add a learned ``biases`` vector over the channel axis (scope ``BiasAdd``).

    ``data_format='NCHW'`` needs a 4-D input.  Returns a tensor shaped like
    ``inputs``.  Raises ``ValueError`` for a bad ``data_format``, an unknown
    rank or an unknown channel dimension.
    """
    check_data_format(data_format)
    with v1.variable_scope(scope, "BiasAdd", [inputs], reuse=reuse) as sc:
        inputs = tf.convert_to_tensor(inputs)
        rank = inputs.shape.rank
        if rank is None:
            raise ValueError("bias_add: the rank of the inputs must be known")
        if data_format == DATA_FORMAT_NCHW and rank != 4:
            raise ValueError(f"bias_add: data_format 'NCHW' needs 4-D inputs, got rank {rank}")
        axis = 1 if data_format == DATA_FORMAT_NCHW else -1
        num_features = inputs.shape.as_list()[axis]
        if num_features is None:
            raise ValueError("bias_add: the channel dimension of the inputs must be known, "
                             f"got shape {inputs.shape}")
        biases = layer_variable("biases", [num_features], inputs.dtype.base_dtype, initializer,
                                regularizer, trainable, variables_collections, "biases")
        fmt = "NCHW" if data_format == DATA_FORMAT_NCHW else None
        outputs = tf.nn.bias_add(inputs, biases, data_format=fmt)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return collect_named_outputs(outputs_collections, sc.name, outputs)


@add_arg_scope
def dropout(inputs, keep_prob=0.5, noise_shape=None, is_training=True,
            outputs_collections=None, scope=None, seed: Optional[int] = None):
    """Keep each element with probability ``keep_prob``, scaled by ``1 / keep_prob``, in training.

    Note the TF1 contrib default ``is_training=True``: it drops unless told
    otherwise.  ``is_training`` may be a Python bool or a boolean tensor;
    when false the inputs pass through unchanged.  Scope ``Dropout``.

    Raises
    ------
    ValueError
        If a numeric ``keep_prob`` is not in ``(0, 1]``.
    """
    if isinstance(keep_prob, numbers.Real) and not 0.0 < keep_prob <= 1.0:
        raise ValueError(f"dropout: keep_prob must be in (0, 1], got {keep_prob!r}")
    with v1.variable_scope(scope, "Dropout", [inputs]) as sc:
        inputs = tf.convert_to_tensor(inputs)
        outputs = apply_layer(core_layers.Dropout, inputs, sc, 1.0 - keep_prob,
                              noise_shape=noise_shape, seed=seed,
                              call_kwargs={"training": is_training})
        return collect_named_outputs(outputs_collections, sc.name, outputs)


@add_arg_scope
def flatten(inputs, outputs_collections=None, scope=None):
    """Reshape ``[batch, d1, d2, ...]`` to ``[batch, d1 * d2 * ...]`` (name scope ``Flatten``).

    Raises ``ValueError`` if the inputs' rank is known and below 2.
    """
    with v1.variable_scope(scope, "Flatten", [inputs]) as sc:
        inputs = tf.convert_to_tensor(inputs)
        if inputs.shape.rank is not None and inputs.shape.rank < 2:
            raise ValueError(f"flatten: inputs must have rank >= 2, got shape {inputs.shape}")
        outputs = apply_layer(core_layers.Flatten, inputs, sc)
        return collect_named_outputs(outputs_collections, sc.original_name_scope, outputs)


@add_arg_scope
def one_hot_encoding(labels, num_classes: int, on_value=1.0, off_value=0.0,
                     outputs_collections=None, scope=None):
    """``tf.one_hot`` of integer labels (name scope ``OneHotEncoding``)."""
    with v1.name_scope(scope, "OneHotEncoding", [labels, num_classes]) as sc:
        labels = tf.convert_to_tensor(labels)
        if labels.dtype == tf.int32:
            labels = tf.cast(labels, tf.int64)
        outputs = tf.one_hot(labels, num_classes, on_value=on_value, off_value=off_value)
        return collect_named_outputs(outputs_collections, sc, outputs)


@add_arg_scope
def softmax(logits, scope=None):
    """Softmax over the last axis of logits of any rank >= 2 (variable scope ``softmax``)."""
    with v1.variable_scope(scope, "softmax", [logits]):
        logits = tf.convert_to_tensor(logits)
        num_logits = last_dimension(logits.shape, min_rank=2)
        predictions = tf.nn.softmax(tf.reshape(logits, [-1, num_logits]))
        predictions = tf.reshape(predictions, tf.shape(logits))
        predictions.set_shape(logits.shape)
        return predictions


@add_arg_scope
def unit_norm(inputs, dim: int, epsilon: float = 1e-7, scope=None):
    """``inputs / sqrt(epsilon + sum(inputs ** 2, dim))`` (variable scope ``UnitNorm``).

    Raises ``ValueError`` if the rank is unknown or ``dim`` is not in ``[0, rank)``.
    """
    with v1.variable_scope(scope, "UnitNorm", [inputs]):
        inputs = tf.convert_to_tensor(inputs)
        rank = inputs.shape.rank
        if rank is None:
            raise ValueError("unit_norm: the rank of the inputs must be known")
        if not 0 <= dim < rank:
            raise ValueError(f"unit_norm: dim must be in [0, {rank}), got {dim!r}")
        lengths = tf.sqrt(epsilon + tf.reduce_sum(tf.square(inputs), dim, keepdims=True))
        return tf.math.divide(inputs, lengths)


@add_arg_scope
def maxout(inputs, num_units: int, axis: int = -1, scope=None):
    """Max over groups of ``channels // num_units`` features along ``axis`` (scope ``MaxOut``).

    Raises ``ValueError`` if the number of features is not a multiple of ``num_units``.
    """
    with v1.variable_scope(scope, "MaxOut", [inputs]):
        inputs = tf.convert_to_tensor(inputs)
        shape = inputs.shape.as_list()
        num_channels = shape[axis]
        if num_channels is None or num_channels % num_units:
            raise ValueError(f"maxout: number of features ({num_channels}) is not a multiple "
                             f"of num_units ({num_units})")
        shape[axis] = num_units
        shape += [num_channels // num_units]
        dynamic = tf.shape(inputs)
        shape = [dynamic[i] if d is None else d for i, d in enumerate(shape)]
        return tf.reduce_max(tf.reshape(inputs, shape), -1, keepdims=False)


@add_arg_scope
def dense_to_sparse(tensor, eos_token=0, outputs_collections=None, scope=None):
    """A ``SparseTensor`` of the entries of ``tensor`` that differ from ``eos_token``."""
    with v1.variable_scope(scope, "dense_to_sparse", [tensor]) as sc:
        tensor = tf.convert_to_tensor(tensor)
        indices = tf.where(tf.not_equal(tensor, tf.constant(eos_token, tensor.dtype)))
        values = tf.gather_nd(tensor, indices)
        shape = tf.shape(tensor, out_type=tf.int64)
        outputs = tf.SparseTensor(indices, values, shape)
        return collect_named_outputs(outputs_collections, sc.name, outputs)


def _layer_name(layer: Callable, fallback: str) -> str:
    if hasattr(layer, "__name__"):
        return layer.__name__
    func = getattr(layer, "func", None)
    return getattr(func, "__name__", fallback)


def repeat(inputs, repetitions: int, layer: Callable, *args, **kwargs):
    """Apply ``layer(x, *args, **kwargs)`` ``repetitions`` times.

    The calls get scopes ``<scope>/<scope>_1``, ``<scope>/<scope>_2``...,
    ``scope`` defaulting to the layer's name (outer variable scope ``Repeat``).
    """
    scope = kwargs.pop("scope", None)
    with v1.variable_scope(scope, "Repeat", [inputs]):
        outputs = tf.convert_to_tensor(inputs)
        scope = scope or _layer_name(layer, "repeat")
        for i in range(repetitions):
            kwargs["scope"] = f"{scope}_{i + 1}"
            outputs = layer(outputs, *args, **kwargs)
        return outputs


def stack(inputs, layer: Callable, stack_args: Sequence, **kwargs):
    """Apply ``layer`` once per entry of ``stack_args`` (each an argument or a tuple of them).

    The calls get scopes ``<scope>/<scope>_1``, ``<scope>/<scope>_2``...,
    ``scope`` defaulting to the layer's name (outer variable scope ``Stack``).

    Raises ``ValueError`` if ``stack_args`` is not a list or tuple.
    """
    scope = kwargs.pop("scope", None)
    if not isinstance(stack_args, (list, tuple)):
        raise ValueError(f"stack: stack_args must be a list or tuple, got "
                         f"{type(stack_args).__name__}")
    with v1.variable_scope(scope, "Stack", [inputs]):
        outputs = tf.convert_to_tensor(inputs)
        scope = scope or _layer_name(layer, "stack")
        for i, layer_args in enumerate(stack_args):
            kwargs["scope"] = f"{scope}_{i + 1}"
            if not isinstance(layer_args, (list, tuple)):
                layer_args = [layer_args]
            outputs = layer(outputs, *layer_args, **kwargs)
        return outputs
