"""``tfgraph_dnn.contrib.framework``: the parts of TF1's ``tf.contrib.framework`` real code used.

``arg_scope`` / ``add_arg_scope`` (scoped default arguments) and the variable
helpers (global step, ``model_variable``, variable filters, restoring from a
checkpoint), re-implemented on ``tf.compat.v1``: TF1 code importing contrib's
``framework`` module imports ``tfgraph_dnn.contrib.framework`` instead.
"""
from .arg_scope import (
    add_arg_scope,
    arg_scope,
    arg_scope_func_key,
    arg_scoped_arguments,
    current_arg_scope,
    has_arg_scope,
)
from .variables import (
    add_model_variable,
    assert_global_step,
    assert_or_get_global_step,
    assign_from_checkpoint,
    assign_from_checkpoint_fn,
    assign_from_values,
    assign_from_values_fn,
    create_global_step,
    get_global_step,
    get_local_variables,
    get_model_variables,
    get_or_create_global_step,
    get_trainable_variables,
    get_unique_variable,
    get_variable_full_name,
    get_variables,
    get_variables_by_name,
    get_variables_by_suffix,
    get_variables_to_restore,
    local_variable,
    model_variable,
    variable,
)

__all__ = [
    "add_arg_scope", "add_model_variable", "arg_scope", "arg_scope_func_key",
    "arg_scoped_arguments", "assert_global_step", "assert_or_get_global_step",
    "assign_from_checkpoint", "assign_from_checkpoint_fn", "assign_from_values",
    "assign_from_values_fn", "create_global_step", "current_arg_scope", "get_global_step",
    "get_local_variables", "get_model_variables", "get_or_create_global_step",
    "get_trainable_variables", "get_unique_variable", "get_variable_full_name",
    "get_variables", "get_variables_by_name", "get_variables_by_suffix",
    "get_variables_to_restore", "has_arg_scope", "local_variable", "model_variable",
    "variable",
]
