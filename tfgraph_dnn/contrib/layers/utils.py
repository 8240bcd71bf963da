"""Helpers shared by the contrib layers (TF1's ``contrib/layers/python/layers/utils.py``).

Output collection with aliases (``collect_named_outputs``: a layer's output
joins ``outputs_collections`` tagged with the layer's scope name, readable
with ``convert_collection_to_dict``), static/dynamic conditionals on
``is_training``, per-variable collections, shape checks that work with both
TensorShape v1 (``Dimension``) and v2, the contrib layers' variable maker, and
the adapter that runs a :mod:`tfgraph_dnn.layers` class as a contrib layer
(:func:`apply_layer`), as TF1 contrib did.
"""
from __future__ import annotations

import collections as _collections
import numbers
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import tensorflow as tf

from ..._quiet import quiet_device_setup

from ..framework.variables import model_variable

v1 = tf.compat.v1

__all__ = [
    "append_tensor_alias", "channel_dimension", "collect_named_outputs", "constant_value",
    "adapter_kwargs", "apply_layer", "collect_layer_variables", "layer_data_format",
    "convert_collection_to_dict", "gather_tensors_aliases", "get_tensor_aliases",
    "get_variable_collections", "last_dimension", "n_positive_integers", "positive_integers",
    "smart_cond",
    "static_cond", "two_element_tuple",
]

Collections = Union[None, str, Sequence[str], Dict[str, Sequence[str]]]


# ------------------------------------------------------------------- outputs
def append_tensor_alias(tensor, alias: str):
    """Add ``alias`` (without a trailing ``/``) to ``tensor.aliases``; return the tensor."""
    alias = alias[:-1] if alias.endswith("/") else alias
    if hasattr(tensor, "aliases"):
        tensor.aliases.append(alias)
    else:
        tensor.aliases = [alias]
    return tensor


def collect_named_outputs(collections, alias: str, outputs):
    """Tag ``outputs`` with ``alias``, add it to ``collections`` (name or list), return it."""
    if collections:
        append_tensor_alias(outputs, alias)
        v1.add_to_collections(collections, outputs)
    return outputs


def get_tensor_aliases(tensor) -> List[str]:
    """The tensor's aliases, or its op name (its name if not output 0) when it has none."""
    if hasattr(tensor, "aliases"):
        return tensor.aliases
    return [tensor.op.name] if tensor.name.endswith(":0") else [tensor.name]


def gather_tensors_aliases(tensors) -> List[str]:
    """All aliases of ``tensors``, in order."""
    return [alias for tensor in tensors for alias in get_tensor_aliases(tensor)]


def convert_collection_to_dict(collection: str, clear_collection: bool = False):
    """An ``OrderedDict`` ``{alias: tensor}`` of a collection filled by ``outputs_collections``."""
    output = _collections.OrderedDict(
        (alias, tensor) for tensor in v1.get_collection(collection)
        for alias in get_tensor_aliases(tensor))
    if clear_collection:
        v1.get_default_graph().clear_collection(collection)
    return output


# -------------------------------------------------------------- conditionals
def constant_value(value_or_tensor_or_var, dtype=None):
    """The Python value of a constant, a constant tensor's value, else ``None``.

    Variables are never constant.

    Raises
    ------
    ValueError
        If the argument is ``None`` or a tensor/variable of another ``dtype``.
    """
    if value_or_tensor_or_var is None:
        raise ValueError("constant_value: value_or_tensor_or_var cannot be None")
    value = value_or_tensor_or_var
    if isinstance(value, (tf.Tensor, tf.Variable)):
        if dtype is not None and value.dtype != dtype:
            raise ValueError(f"constant_value: dtype is {value.dtype}, expected {dtype}")
        if isinstance(value, tf.Variable):
            return None
        return tf.get_static_value(value)
    return value


def static_cond(pred, fn1: Callable, fn2: Callable):
    """``fn1()`` if the Python value ``pred`` is true, else ``fn2()``."""
    if not callable(fn1):
        raise TypeError("static_cond: fn1 must be callable")
    if not callable(fn2):
        raise TypeError("static_cond: fn2 must be callable")
    return fn1() if pred else fn2()


def smart_cond(pred, fn1: Callable, fn2: Callable, name: Optional[str] = None):
    """:func:`static_cond` when ``pred`` is known at graph-build time, else ``tf.cond``."""
    value = constant_value(pred)
    if value is not None:
        return static_cond(value, fn1, fn2)
    quiet_device_setup()  # tf.cond sets the devices up: its "no GPU" line captured
    return tf.cond(pred, fn1, fn2, name=name)


# ---------------------------------------------------------------- variables
def get_variable_collections(variables_collections: Collections, name: str):
    """The collections for variable ``name``: a dict's entry, or the argument itself."""
    if isinstance(variables_collections, dict):
        return variables_collections.get(name)
    return variables_collections


def _as_list(collections) -> List[str]:
    if not collections:
        return []
    return [collections] if isinstance(collections, str) else list(collections)


def add_variable_to_collections(variable, variables_collections: Collections,
                                name: str) -> None:
    """Add ``variable`` (each part if partitioned) to its collections unless already there."""
    parts = [variable] if isinstance(variable, tf.Variable) else list(variable)
    for collection in _as_list(get_variable_collections(variables_collections, name)):
        present = v1.get_collection(collection)
        for part in parts:
            if not any(item is part for item in present):
                v1.add_to_collection(collection, part)


def layer_variable(name: str, shape, dtype, initializer, regularizer, trainable: bool,
                   variables_collections: Collections, collection_name: str):
    """A contrib layer's own model variable (for the layers without a ``tf.layers`` class).

    In ``GLOBAL_VARIABLES`` + ``MODEL_VARIABLES`` (+ ``TRAINABLE_VARIABLES``)
    and in ``variables_collections[collection_name]``; ``regularizer`` runs
    once, at creation, under ``<variable>/Regularizer/``.
    """
    var = model_variable(name, shape=shape, dtype=dtype, initializer=initializer,
                         regularizer=regularizer, trainable=trainable,
                         collections=_as_list(get_variable_collections(
                             variables_collections, collection_name)))
    add_variable_to_collections(var, variables_collections, collection_name)
    return var


# ------------------------------------------------------------------ adapters
#: TF1 contrib's names for the variables of the ``tf.layers`` classes.
CONTRIB_VARIABLE_NAMES = {"kernel": "weights", "bias": "biases",
                          "depthwise_kernel": "depthwise_weights",
                          "pointwise_kernel": "pointwise_weights"}

#: Layer attribute -> key of ``variables_collections``, in TF1 contrib's order.
_COLLECTION_KEYS = (("kernel", "weights"), ("depthwise_kernel", "weights"),
                    ("pointwise_kernel", "weights"), ("bias", "biases"), ("beta", "beta"),
                    ("gamma", "gamma"), ("moving_mean", "moving_mean"),
                    ("moving_variance", "moving_variance"))


def adapter_kwargs(scope, reuse, dtype) -> dict:
    """Constructor arguments making a :mod:`tfgraph_dnn.layers` class a contrib layer.

    The layer runs in the contrib layer's variable scope ``scope`` (its ops
    in that scope's name scope), honours ``reuse``, stores its variables under
    contrib's names (``weights``, ``biases``...) and makes them model
    variables, as TF1's ``tf.contrib.layers`` did with ``tf.layers``.
    """
    return dict(name=scope.name, dtype=dtype, _scope=scope, _reuse=reuse,
                _variable_names=CONTRIB_VARIABLE_NAMES,
                _variable_collections=[v1.GraphKeys.MODEL_VARIABLES])


def apply_layer(layer_class, inputs, scope, *args, reuse=None, variables_collections=None,
                call_kwargs: Optional[dict] = None, **kwargs):
    """Build ``layer_class(*args, **kwargs)`` as a contrib layer in ``scope`` and apply it.

    The layer gets :func:`adapter_kwargs` (contrib's scope, names and model
    variables, with ``inputs``' dtype) and is called on ``inputs`` with
    ``call_kwargs``; its variables then join ``variables_collections``.
    Returns the layer's output.
    """
    layer = layer_class(*args, **kwargs, **adapter_kwargs(scope, reuse, inputs.dtype.base_dtype))
    outputs = layer.apply(inputs, **(call_kwargs or {}))
    collect_layer_variables(layer, variables_collections)
    return outputs


def layer_data_format(data_format: Optional[str]) -> str:
    """``'channels_first'`` for contrib's ``'NC...'`` formats, else ``'channels_last'``."""
    return "channels_first" if data_format and data_format.startswith("NC") else "channels_last"


def collect_layer_variables(layer, variables_collections: Collections) -> None:
    """Add ``layer``'s variables to ``variables_collections`` (a list, or a dict per name)."""
    if not variables_collections:
        return
    for attribute, key in _COLLECTION_KEYS:
        variable = getattr(layer, attribute, None)
        if variable is not None:
            add_variable_to_collections(variable, variables_collections, key)


# -------------------------------------------------------------------- shapes
def _dimension(shape, index: int, min_rank: int, what: str) -> int:
    shape = tf.TensorShape(shape)
    if shape.rank is None:
        raise ValueError(f"{what}: the rank of the inputs must be known, got shape {shape}")
    if shape.rank < min_rank:
        raise ValueError(f"{what}: the inputs must have rank >= {min_rank}, got shape {shape}")
    value = shape.as_list()[index]
    if value is None:
        raise ValueError(f"{what}: dimension {index} of the inputs must be known, "
                         f"got shape {shape}")
    return int(value)


def last_dimension(shape, min_rank: int = 1) -> int:
    """The known last dimension of ``shape``; ``ValueError`` if unknown or rank < ``min_rank``."""
    return _dimension(shape, -1, min_rank, "last_dimension")


def channel_dimension(shape, data_format: str, min_rank: int = 1) -> int:
    """The channel dimension (``'channels_first'`` or ``'channels_last'``) of ``shape``."""
    index = 1 if data_format == "channels_first" else -1
    return _dimension(shape, index, min_rank, "channel_dimension")


def two_element_tuple(int_or_tuple):
    """``(h, w)`` from an int, a pair or a rank-2 ``TensorShape`` (TF1's conversions).

    As in TF1, a pair's entries go through ``int()`` and a ``TensorShape``'s
    entries are returned as they are (``Dimension`` objects in TF1 mode).

    Raises
    ------
    ValueError
        If the argument is none of those.
    """
    if isinstance(int_or_tuple, (list, tuple)):
        if len(int_or_tuple) != 2:
            raise ValueError(f"two_element_tuple: must be a list with 2 elements, "
                             f"got {int_or_tuple!r}")
        return int(int_or_tuple[0]), int(int_or_tuple[1])
    if isinstance(int_or_tuple, int):
        return int(int_or_tuple), int(int_or_tuple)
    if isinstance(int_or_tuple, tf.TensorShape) and len(int_or_tuple) == 2:
        return int_or_tuple[0], int_or_tuple[1]
    raise ValueError("two_element_tuple: must be an int, a list with 2 elements or a "
                     f"TensorShape of length 2, got {int_or_tuple!r}")


def n_positive_integers(n, value) -> Tuple[int, ...]:
    """``value`` as a tuple of ``n`` positive ints, converted with ``int()`` as TF1 did.

    A single value convertible to ``int`` is repeated ``n`` times; otherwise
    ``value`` must be a sequence (or ``TensorShape``) of ``n`` such values.

    Raises
    ------
    TypeError
        If ``n`` is not convertible to an int.
    ValueError
        If ``n`` is not a positive integer, ``value`` has the wrong length or
        holds values that are not positive integers.
    """
    count = int(n)
    if count < 1 or count != n:
        raise ValueError(f"n_positive_integers: n must be a positive integer, got {n!r}")
    try:
        single = int(value)
    except (TypeError, ValueError):
        single = None
    if single is not None:
        values: Tuple[int, ...] = (single,) * count
    else:
        try:
            values = tuple(int(item) for item in value)
        except (TypeError, ValueError):
            values = ()
        if len(values) != count:
            raise ValueError(f"n_positive_integers: expected a sequence of {count} positive "
                             f"integers, got {value!r}")
    for item in values:
        if item < 1:
            raise ValueError(f"n_positive_integers: expected positive integers, got {value!r}")
    return values


def positive_integers(n: int, value, allow_zero: bool = False) -> Tuple[int, ...]:
    """Strict :func:`n_positive_integers` for tfgraph_dnn's own layers: ints only.

    Raises
    ------
    ValueError
        If ``value`` is not an int or a sequence of ``n`` ints (floats and
        bools included), or holds non-positive values.
    """
    if isinstance(value, tf.TensorShape):
        value = value.as_list()
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        values = (int(value),) * n
    elif isinstance(value, (list, tuple)) and len(value) == n and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value):
        values = tuple(int(v) for v in value)
    else:
        raise ValueError(f"expected an int or a sequence of {n} ints, got {value!r}")
    if any(v < (0 if allow_zero else 1) for v in values):
        raise ValueError(f"expected positive integers, got {value!r}")
    return values
