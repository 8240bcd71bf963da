"""``slim.model_analyzer``: sizes of a graph's variables and op outputs, as TF-Slim printed them.

::

    total_params, total_bytes = slim.model_analyzer.analyze_vars(
        slim.get_model_variables(), print_info=True)
"""
from __future__ import annotations

from typing import Iterable, Tuple

__all__ = ["analyze_ops", "analyze_vars", "tensor_description"]


def tensor_description(var) -> str:
    """``(dtype AxBxC)`` for a tensor or variable, e.g. ``(float32 3x3x1x16)``.

    Parameters
    ----------
    var : Tensor or Variable

    Returns
    -------
    str
    """
    dims = "x".join(str(dim) for dim in var.get_shape().as_list()) \
        if var.get_shape().ndims is not None else "?"
    return f"({var.dtype.name} {dims})"


def analyze_vars(variables: Iterable, print_info: bool = False) -> Tuple[int, int]:
    """Count the elements and bytes of ``variables``.

    Parameters
    ----------
    variables : iterable of Variable
        E.g. ``tf.global_variables()`` or ``slim.get_model_variables()``.
    print_info : bool, default=False
        Print one line per variable and the totals.

    Returns
    -------
    (int, int)
        Total number of elements, total bytes (unknown shapes count 0).
    """
    if print_info:
        print("---------\nVariables: name (type shape) [size]\n---------")
    total_size = total_bytes = 0
    for var in variables:
        size = var.get_shape().num_elements() or 0
        nbytes = size * var.dtype.size
        total_size += size
        total_bytes += nbytes
        if print_info:
            print(var.name, tensor_description(var), "[%d, bytes: %d]" % (size, nbytes))
    if print_info:
        print("Total size of variables: %d" % total_size)
        print("Total bytes of variables: %d" % total_bytes)
    return total_size, total_bytes


def analyze_ops(graph, print_info: bool = False) -> int:
    """Sum the (static) element counts of every op output in ``graph``.

    Parameters
    ----------
    graph : tf.Graph
    print_info : bool, default=False
        Print one line per op.

    Returns
    -------
    int
        Unknown sizes count 0.
    """
    if print_info:
        print("---------\nOperations: name -> (type shapes) [size]\n---------")
    total = 0
    for op in graph.get_operations():
        size = sum(out.get_shape().num_elements() or 0 for out in op.outputs)
        if print_info:
            shapes = ", ".join(tensor_description(out) for out in op.outputs)
            print(op.name, "\t->", shapes, "[%d]" % size)
        total += size
    return total
