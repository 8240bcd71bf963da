"""TF1's whole-number float dimensions (``z_dim / 2 == 50.0``) in the ``tfgraph_dnn.tf1`` API.

TF 1.15's ``tensor_shape.Dimension(value)`` took ``int(value)`` and refused
only values whose ``int`` differs from them (``ValueError: Ambiguous
dimension: 2.5``), so ``tf.placeholder(tf.float32, [None, z_dim / 2])`` and
``tf.get_variable("w", [784, z_dim / 2])`` ran on Python 3.  TensorFlow 2
accepts only ``__index__`` values there.  Programs written for Python 2, where
``z_dim / 2`` was an int, pass such floats to every shape-taking function
(``tf.random_normal``, ``tf.reshape``...), which TF1 on Python 3 refused with a
``TypeError`` (a float32 shape tensor); the namespace accepts them too, so those
programs run unchanged.

:data:`SHAPE_ARGUMENTS` is the table of the namespace's shape-taking functions
and the parameters holding dimensions; :func:`accept_float_dimensions` wraps
one function.  ``tfgraph_dnn.tf1`` installs the wrapped functions as its own
attributes; TensorFlow's modules are never changed.  Importing this module
imports nothing from TensorFlow.
"""
from __future__ import annotations

import functools
import inspect
import math
import numbers
from typing import Callable, Dict, Tuple

#: Top-level ``tf.<function>`` of the namespace -> parameters holding a shape or a
#: dimension.  Sub-module members are written ``"module.function"``.
SHAPE_ARGUMENTS: Dict[str, Tuple[str, ...]] = {
    # Through TensorShape / Dimension in TF 1.15 (accepted there on Python 3).
    "placeholder": ("shape",),
    "placeholder_with_default": ("shape",),
    "sparse_placeholder": ("shape",),
    "get_variable": ("shape",),
    "get_local_variable": ("shape",),
    "zeros": ("shape",),
    "ones": ("shape",),
    "constant": ("shape",),
    # Through a shape tensor in TF 1.15 (a TypeError there for floats; see the module notes).
    "reshape": ("shape",),
    "fill": ("dims",),
    "eye": ("num_rows", "num_columns", "batch_shape"),
    "one_hot": ("depth",),
    "random_normal": ("shape",),
    "truncated_normal": ("shape",),
    "random_uniform": ("shape",),
    "random_gamma": ("shape",),
    "random_poisson": ("shape",),
    "random.normal": ("shape",),
    "random.truncated_normal": ("shape",),
    "random.uniform": ("shape",),
    "random.gamma": ("shape",),
    "random.poisson": ("shape",),
}


def whole_dimension(value):
    """``value`` as TF 1.15's ``Dimension`` read it, for floats; anything else unchanged.

    Parameters
    ----------
    value : object
        One entry of a shape.

    Returns
    -------
    object
        ``int(value)`` for a float (Python or NumPy) equal to a whole number,
        else ``value`` itself (ints, ``None``, tensors... are TensorFlow's to check).

    Raises
    ------
    ValueError
        ``Ambiguous dimension: <value>`` (TF1's message) for a float that is
        not a whole number (``2.5``, ``nan``, ``inf``).
    """
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        number = float(value)
        if not math.isfinite(number) or number != int(number):
            raise ValueError(f"Ambiguous dimension: {value}")
        return int(number)
    return value


def whole_shape(shape):
    """``shape`` with each whole-number float entry made an ``int`` (see :func:`whole_dimension`).

    A scalar, a list or tuple (nested entries unchanged unless floats) or a
    NumPy float array; tensors, ``TensorShape`` and everything else are
    returned as they are.

    Raises
    ------
    ValueError
        For a float entry that is not a whole number.
    """
    if isinstance(shape, (list, tuple)):
        converted = [whole_dimension(entry) for entry in shape]
        if all(new is old for new, old in zip(converted, shape)):
            return shape
        return type(shape)(converted) if isinstance(shape, list) else tuple(converted)
    if type(shape).__module__ == "numpy" and getattr(shape, "ndim", None) == 1 \
            and shape.dtype.kind == "f":  # np.array([50.0, 10.0])
        return [whole_dimension(entry) for entry in shape.tolist()]
    return whole_dimension(shape)


def accept_float_dimensions(function: Callable, parameters: Tuple[str, ...]) -> Callable:
    """``function`` taking whole-number floats in ``parameters`` (passed by position or name).

    Parameters
    ----------
    function : callable
        A TensorFlow function (left unchanged: a new function is returned).
    parameters : tuple of str
        Its parameters holding a shape or a dimension.

    Returns
    -------
    callable
        Same name, docstring and signature (``functools.wraps``).
    """
    try:
        names = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):  # no signature: keyword arguments only
        names = []
    positions = {names.index(name): name for name in parameters if name in names}

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        args = list(args)
        for index, name in positions.items():
            if index < len(args):
                args[index] = whole_shape(args[index])
        for name in parameters:
            if name in kwargs:
                kwargs[name] = whole_shape(kwargs[name])
        return function(*args, **kwargs)

    wrapper.__tf1_float_dimensions__ = tuple(parameters)
    return wrapper
