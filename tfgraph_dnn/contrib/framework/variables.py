"""Variable helpers of TF1's ``tf.contrib.framework`` (global step, model variables, restore).

``variable`` / ``model_variable`` wrap ``tf.compat.v1.get_variable`` with TF1
contrib's collections: a model variable is always in ``GLOBAL_VARIABLES`` and
``MODEL_VARIABLES`` (plus ``TRAINABLE_VARIABLES`` when trainable).  A
regularizer runs once, when the variable is created (never on reuse), and its
loss joins ``REGULARIZATION_LOSSES`` under ``<variable>/Regularizer/``, as TF1's
``get_variable`` did.  Variables are reference variables unless the variable
scope (or ``use_resource=True``) asks for resource variables, as in TF1.

The filters (``get_variables`` & co.) match the collection's variable names
against a scope regex, exactly like TF1.
"""
from __future__ import annotations

import logging
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import tensorflow as tf

from ...layers import base as layers_base
from .arg_scope import add_arg_scope

v1 = tf.compat.v1
GraphKeys = v1.GraphKeys
_LOG = logging.getLogger(__name__)

__all__ = [
    "add_model_variable", "assert_global_step", "assert_or_get_global_step",
    "assign_from_checkpoint", "assign_from_checkpoint_fn", "assign_from_values",
    "assign_from_values_fn", "create_global_step", "get_global_step",
    "get_local_variables", "get_model_variables", "get_or_create_global_step",
    "get_trainable_variables", "get_unique_variable", "get_variable_full_name",
    "get_variables", "get_variables_by_name", "get_variables_by_suffix",
    "get_variables_to_restore", "local_variable", "model_variable", "variable",
]

VarList = Union[Sequence[tf.Variable], Dict[str, tf.Variable]]


# ----------------------------------------------------------------- global step
def assert_global_step(global_step_tensor) -> None:
    """Raise ``TypeError`` unless the argument is a scalar integer variable or tensor."""
    v1.train.assert_global_step(global_step_tensor)


def get_global_step(graph: Optional[tf.Graph] = None):
    """The graph's global step (``GLOBAL_STEP`` collection or ``global_step:0``), or None."""
    return v1.train.get_global_step(graph)


def create_global_step(graph: Optional[tf.Graph] = None):
    """Create the int64 ``global_step`` variable; ``ValueError`` if one exists."""
    return v1.train.create_global_step(graph)


def get_or_create_global_step(graph: Optional[tf.Graph] = None):
    """The global step variable, created on first use."""
    return v1.train.get_or_create_global_step(graph)


def assert_or_get_global_step(graph: Optional[tf.Graph] = None, global_step_tensor=None):
    """Check ``global_step_tensor`` if given, else look the global step up (maybe None)."""
    if global_step_tensor is None:
        return get_global_step(graph)
    assert_global_step(global_step_tensor)
    return global_step_tensor


# ------------------------------------------------------------------- creation
def resolve_use_resource(use_resource: Optional[bool]) -> bool:
    """TF1's default: reference variables unless the argument or the scope says otherwise."""
    if use_resource is not None:
        return bool(use_resource)
    return layers_base.resolve_use_resource()


def get_variable_once(name: str, regularizer: Optional[Callable] = None,
                      regularizer_scope: Optional[str] = None, **get_variable_kwargs):
    """``get_variable`` that applies ``regularizer`` once, to newly created variables only.

    Parameters
    ----------
    name : str
        Variable name inside the current variable scope.
    regularizer : callable, optional
        ``regularizer(variable) -> scalar or None``; the loss joins
        ``REGULARIZATION_LOSSES``.
    regularizer_scope : str, optional
        Name scope for the regularizer ops; by default the absolute scope
        ``<full variable name>/Regularizer/`` that TF1's ``get_variable`` used.
    **get_variable_kwargs
        Passed to ``tf.compat.v1.get_variable``.
    """
    created: List[tf.Variable] = []

    def record(next_creator, **kwargs):
        new = next_creator(**kwargs)
        created.append(new)
        return new

    with v1.variable_creator_scope(record):
        var = v1.get_variable(name, **get_variable_kwargs)
    if regularizer is not None:
        for part in created:
            with v1.name_scope(regularizer_scope or part.op.name + "/Regularizer/"):
                loss = regularizer(part)
            if loss is not None:
                v1.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return var


@add_arg_scope
def variable(name: str, shape=None, dtype=None, initializer=None, regularizer=None,
             trainable: bool = True, collections: Optional[Sequence[str]] = None,
             caching_device=None, device=None, partitioner=None, custom_getter=None,
             use_resource: Optional[bool] = None):
    """Get an existing variable or create one, TF1 contrib style.

    Parameters
    ----------
    name : str
        Name inside the current variable scope.
    shape, dtype, initializer :
        As for ``get_variable`` (``dtype=None`` means float32).
    regularizer : callable, optional
        Applied once at creation; its loss joins ``REGULARIZATION_LOSSES``.
    trainable : bool, default=True
        Also add the variable to ``TRAINABLE_VARIABLES``.
    collections : list of str, optional
        Collections of the new variable; default ``[GLOBAL_VARIABLES]``.
    caching_device, partitioner :
        As for ``get_variable``.
    device : str or callable, optional
        Device to place the variable on.
    custom_getter : callable, optional
        Called instead of ``get_variable`` with the same keyword arguments
        plus ``reuse``.
    use_resource : bool, optional
        Resource variable if True; default follows the variable scope, then
        TF1 (reference variables).

    Returns
    -------
    The created or reused variable.
    """
    collections = set(collections if collections is not None else [GraphKeys.GLOBAL_VARIABLES])
    kwargs = dict(shape=shape, dtype=dtype, initializer=initializer, trainable=trainable,
                  collections=list(collections), caching_device=caching_device,
                  partitioner=partitioner, use_resource=resolve_use_resource(use_resource))
    with tf.device(device or ""):
        if custom_getter is not None:
            return custom_getter(name, regularizer=regularizer,
                                 reuse=v1.get_variable_scope().reuse, **kwargs)
        return get_variable_once(name, regularizer=regularizer, **kwargs)


@add_arg_scope
def model_variable(name: str, shape=None, dtype=tf.float32, initializer=None,
                   regularizer=None, trainable: bool = True,
                   collections: Optional[Sequence[str]] = None, caching_device=None,
                   device=None, partitioner=None, custom_getter=None,
                   use_resource: Optional[bool] = None):
    """Like :func:`variable`, and always also in ``GLOBAL_VARIABLES`` and ``MODEL_VARIABLES``.

    Parameters are those of :func:`variable`; ``collections`` are extra
    collections.  Returns the created or reused variable.
    """
    collections = list(collections or []) + [GraphKeys.GLOBAL_VARIABLES,
                                             GraphKeys.MODEL_VARIABLES]
    return variable(name, shape=shape, dtype=dtype, initializer=initializer,
                    regularizer=regularizer, trainable=trainable, collections=collections,
                    caching_device=caching_device, device=device, partitioner=partitioner,
                    custom_getter=custom_getter, use_resource=use_resource)


def local_variable(initial_value, validate_shape: bool = True, name: Optional[str] = None):
    """A non-trainable variable in ``LOCAL_VARIABLES`` only."""
    return v1.Variable(initial_value, trainable=False, collections=[GraphKeys.LOCAL_VARIABLES],
                       validate_shape=validate_shape, name=name,
                       use_resource=resolve_use_resource(None))


def add_model_variable(var) -> None:
    """Add ``var`` to ``MODEL_VARIABLES`` unless it is already there."""
    if not any(v is var for v in v1.get_collection(GraphKeys.MODEL_VARIABLES)):
        v1.add_to_collection(GraphKeys.MODEL_VARIABLES, var)


# -------------------------------------------------------------------- filters
def get_variables(scope=None, suffix: Optional[str] = None,
                  collection: str = GraphKeys.GLOBAL_VARIABLES) -> List:
    """Variables of ``collection`` whose names match the ``scope`` regex and end with ``suffix``.

    ``scope`` may be a string (a regex matched at the start of the name) or a
    ``VariableScope``.
    """
    if isinstance(scope, v1.VariableScope):
        scope = scope.name
    if suffix is not None:
        if ":" not in suffix:
            suffix += ":"
        scope = (scope or "") + ".*" + suffix
    return v1.get_collection(collection, scope)


def get_model_variables(scope=None, suffix: Optional[str] = None) -> List:
    """:func:`get_variables` over ``MODEL_VARIABLES``."""
    return get_variables(scope, suffix, GraphKeys.MODEL_VARIABLES)


def get_local_variables(scope=None, suffix: Optional[str] = None) -> List:
    """:func:`get_variables` over ``LOCAL_VARIABLES``."""
    return get_variables(scope, suffix, GraphKeys.LOCAL_VARIABLES)


def get_trainable_variables(scope=None, suffix: Optional[str] = None) -> List:
    """:func:`get_variables` over ``TRAINABLE_VARIABLES``."""
    return get_variables(scope, suffix, GraphKeys.TRAINABLE_VARIABLES)


def get_variables_by_suffix(suffix: str, scope=None) -> List:
    """Global variables whose names end with ``suffix``."""
    return get_variables(scope=scope, suffix=suffix)


def get_variables_by_name(given_name: str, scope=None) -> List:
    """Global variables whose last name component is ``given_name``."""
    return get_variables(scope=scope, suffix=f"/{given_name}:|^{given_name}:")


def get_variables_to_restore(include: Optional[Sequence[str]] = None,
                             exclude: Optional[Sequence[str]] = None) -> List:
    """Global variables under any ``include`` scope and under no ``exclude`` scope.

    Raises
    ------
    TypeError
        If ``include`` or ``exclude`` is given but is not a list or tuple.
    """
    for arg, value in (("include", include), ("exclude", exclude)):
        if value is not None and not isinstance(value, (list, tuple)):
            raise TypeError(f"get_variables_to_restore: {arg} must be a list or tuple of "
                            f"scope names, got {type(value).__name__}")
    if include is None:
        candidates = get_variables()
    else:
        candidates = [var for scope in include for var in get_variables(scope)]
    excluded = {id(var) for scope in (exclude or ()) for var in get_variables(scope)}
    return [var for var in candidates if id(var) not in excluded]


def get_unique_variable(var_op_name: str):
    """The global variable whose op name is exactly ``var_op_name``.

    Raises
    ------
    ValueError
        If no variable has that name.
    """
    candidates = get_variables(scope=var_op_name)
    for candidate in candidates:
        if candidate.op.name == var_op_name:
            return candidate
    if not candidates:
        raise ValueError(f"get_unique_variable: no variable named {var_op_name!r}")
    raise ValueError(f"get_unique_variable: {var_op_name!r} does not uniquely identify a "
                     f"variable (candidates: {[c.op.name for c in candidates]})")


def get_variable_full_name(var) -> str:
    """The variable's name without the ``:0`` suffix (its save-slice name when partitioned)."""
    save_slice_info = getattr(var, "_save_slice_info", None)
    if save_slice_info:
        return save_slice_info.full_name
    return var.op.name


# ------------------------------------------------------------------ assigning
def _placeholder_assign(var, value: np.ndarray):
    placeholder = v1.placeholder(var.dtype.base_dtype, shape=var.get_shape(),
                                 name="placeholder/" + var.op.name)
    return var.assign(placeholder), {placeholder: value}


def assign_from_values(var_names_to_values: Dict[str, np.ndarray]) -> Tuple:
    """An assign op and the feed dict that set variables (by op name) to NumPy values.

    Raises
    ------
    ValueError
        If a name matches no global variable, or not exactly one.
    """
    assign_ops, feed_dict = [], {}
    for var_name, value in var_names_to_values.items():
        var = get_unique_variable(var_name)
        op, feed = _placeholder_assign(var, np.asarray(value).reshape(var.get_shape()))
        assign_ops.append(op)
        feed_dict.update(feed)
    return tf.group(*assign_ops), feed_dict


def assign_from_values_fn(var_names_to_values: Dict[str, np.ndarray]) -> Callable:
    """A function ``fn(session)`` that runs :func:`assign_from_values`."""
    assign_op, feed_dict = assign_from_values(var_names_to_values)
    return lambda session: session.run(assign_op, feed_dict)


def _as_var_dict(var_list: VarList) -> Dict[str, tf.Variable]:
    if isinstance(var_list, dict):
        return dict(var_list)
    return {var.op.name: var for var in var_list}


def assign_from_checkpoint(model_path: str, var_list: VarList) -> Tuple:
    """An assign op and the feed dict that load ``var_list`` from a checkpoint.

    Parameters
    ----------
    model_path : str
        Checkpoint prefix (e.g. ``tf.train.latest_checkpoint(dir)``).
    var_list : list of variables or dict
        Variables (saved under their op names) or ``{checkpoint name: variable}``.

    Raises
    ------
    ValueError
        If the checkpoint lacks a variable or holds it with another shape.
    """
    reader = tf.train.load_checkpoint(model_path)
    assign_ops, feed_dict = [], {}
    for ckpt_name, var in _as_var_dict(var_list).items():
        if not reader.has_tensor(ckpt_name):
            raise ValueError(f"assign_from_checkpoint: checkpoint {model_path!r} is missing "
                             f"variable {ckpt_name!r}")
        value = reader.get_tensor(ckpt_name)
        if var.get_shape().as_list() != list(value.shape):
            raise ValueError(f"assign_from_checkpoint: shape of {ckpt_name!r} is "
                             f"{list(value.shape)} in the checkpoint but "
                             f"{var.get_shape().as_list()} in the graph")
        op, feed = _placeholder_assign(var, value)
        assign_ops.append(op)
        feed_dict.update(feed)
    return tf.group(*assign_ops), feed_dict


def assign_from_checkpoint_fn(model_path: str, var_list: VarList,
                              ignore_missing_vars: bool = False,
                              reshape_variables: bool = False) -> Callable:
    """A function ``fn(session)`` restoring ``var_list`` from ``model_path`` with a Saver.

    With ``ignore_missing_vars`` variables absent from the checkpoint are
    skipped (and logged) instead of failing the restore.
    """
    var_dict = _as_var_dict(var_list)
    if ignore_missing_vars:
        reader = tf.train.load_checkpoint(model_path)
        for name in [n for n in var_dict if not reader.has_tensor(n)]:
            _LOG.warning("Variable %s missing in checkpoint %s", name, model_path)
            del var_dict[name]
    saver = v1.train.Saver(var_dict, reshape=reshape_variables)
    return lambda session: saver.restore(session, model_path)
