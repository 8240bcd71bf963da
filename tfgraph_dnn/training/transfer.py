"""Reusing trained variables: warm start, subset restore, imported meta graphs.

Room: ``training``.  Reads TensorFlow checkpoints (ours or TF1-era ones written
by ``tf.layers`` code) and puts their values into a graph's variables.  It never
builds a net; the estimator and TF1-style user code call it.

Two kinds of callers:

* the estimator, whose graph is finalized: :func:`read_warm_start_values`
  only *reads* the checkpoint (NumPy arrays keyed by the model's variable
  names), and the caller assigns them with ops it built beforehand;
* TF1-style graph code: :func:`restore_variables` builds a subset ``Saver``
  (by scope regex or assignment map) and restores into a session, and
  :func:`mark_important_ops` / :func:`import_meta_graph` reuse a whole saved
  graph through a collection of its important ops.
"""
from __future__ import annotations

import os
import re
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import tensorflow as tf

from ..exceptions import CheckpointError
from ..storage import (WarmStartSettings, as_warm_start_settings, checkpoint_shapes,
                       describe_error, list_checkpoint_variables,
                       open_checkpoint, read_tensors, resolve_checkpoint)

v1 = tf.compat.v1

IMPORTANT_OPS = "important_ops"
__all__ = ["IMPORTANT_OPS", "WarmStartSettings", "as_warm_start_settings",
           "import_meta_graph", "list_checkpoint_variables", "mark_important_ops",
           "read_warm_start_values", "resolve_checkpoint", "restore_variables", "selects"]
PathLike = Union[str, os.PathLike]


def _matches(name: str, patterns: Union[str, Sequence[str]]) -> bool:
    patterns = [patterns] if isinstance(patterns, str) else list(patterns)
    return any(re.match(pattern, name) for pattern in patterns)


def selects(settings: WarmStartSettings, name: str) -> bool:
    """Whether ``settings.vars_to_warm_start`` selects the model variable ``name``."""
    return _matches(name, settings.vars_to_warm_start)


def read_warm_start_values(settings: WarmStartSettings,
                           variables: Sequence[tf.Variable]) -> Dict[str, np.ndarray]:
    """Read the checkpoint values of the selected ``variables``.

    Returns ``{model variable name: array}``; assigning them is the caller's job.

    Raises
    ------
    CheckpointError
        A selected variable is missing from the checkpoint or has another shape
        (every offender is listed with both shapes), or nothing was selected.
    """
    prefix = resolve_checkpoint(settings.ckpt_to_initialize_from)
    reader = open_checkpoint(prefix)
    saved = checkpoint_shapes(prefix, reader)
    renames = dict(settings.var_name_to_prev_var_name or {})
    by_name = {variable.op.name: variable for variable in variables}
    unknown = sorted(set(renames) - set(by_name))
    if unknown:
        raise CheckpointError(f"var_name_to_prev_var_name names variables this model does "
                              f"not have: {unknown}; it has {sorted(by_name)}")
    selected = [name for name in by_name if _matches(name, settings.vars_to_warm_start)]
    if not selected:
        raise CheckpointError(f"vars_to_warm_start={settings.vars_to_warm_start!r} matches "
                              f"none of the model's variables {sorted(by_name)}")
    problems, wanted = [], {}
    for name in selected:
        previous = renames.get(name, name)
        model_shape = tuple(by_name[name].shape.as_list())
        if previous not in saved:
            problems.append(f"{name}: not in the checkpoint (looked for {previous!r})")
        elif tuple(saved[previous]) != model_shape:
            problems.append(f"{name}: shape {model_shape} in the model but "
                            f"{tuple(saved[previous])} for {previous!r} in the checkpoint")
        else:
            wanted[name] = previous
    if problems:
        raise CheckpointError(f"Cannot warm-start from {prefix}:\n  " + "\n  ".join(problems)
                              + "\n(choose variables with WarmStartSettings.vars_to_warm_start"
                              " or map names with var_name_to_prev_var_name)")
    return read_tensors(prefix, wanted, reader)  # checksums verified: CheckpointError if bad


def restore_variables(session: v1.Session, checkpoint: PathLike, scope: Optional[str] = None,
                      assignment_map: Optional[Dict[str, str]] = None) -> List[str]:
    """Restore some of the session graph's global variables from a checkpoint (TF1 style).

    Parameters
    ----------
    session : tf.compat.v1.Session
        Its graph must not be finalized (a subset ``Saver`` is added to it).
    checkpoint : str or path-like
        Anything :func:`resolve_checkpoint` accepts.
    scope : str, optional
        Regex matched from the start of the variable names, e.g. ``"hidden[123]"``.
    assignment_map : dict, optional
        ``{name in the checkpoint: name in this graph}`` for renamed scopes;
        only those variables are restored.

    Returns
    -------
    list of str
        Names (in this graph) of the restored variables.
    """
    prefix = resolve_checkpoint(checkpoint)
    graph_variables = {v.op.name: v for v in session.graph.get_collection(
        v1.GraphKeys.GLOBAL_VARIABLES)}
    if assignment_map:
        missing = sorted(set(assignment_map.values()) - set(graph_variables))
        if missing:
            raise ValueError(f"assignment_map targets unknown variables {missing}")
        var_list = {saved: graph_variables[name] for saved, name in assignment_map.items()}
    else:
        pattern = scope or ".*"
        var_list = {name: v for name, v in graph_variables.items() if re.match(pattern, name)}
    if not var_list:
        raise ValueError(f"No variable of the graph matches scope={scope!r}")
    with session.graph.as_default():
        saver = v1.train.Saver(var_list)
        try:
            saver.restore(session, prefix)
        except (tf.errors.OpError, ValueError, RuntimeError, IndexError) as error:
            raise CheckpointError(f"Cannot restore {sorted(var_list)} from {prefix}: "
                                  f"{describe_error(error)}") from error
    return sorted(v.op.name for v in var_list.values())


def mark_important_ops(*ops, collection: str = IMPORTANT_OPS) -> None:
    """Add tensors/ops to a collection so a reloaded meta graph hands them back in order."""
    for op in ops:
        v1.add_to_collection(collection, op)


def import_meta_graph(meta_graph_path: PathLike, collection: str = IMPORTANT_OPS):
    """Import a ``.meta`` graph into the default graph; return ``(saver, important ops)``.

    The ops come back in the order :func:`mark_important_ops` stored them;
    any other tensor is one ``graph.get_tensor_by_name("hidden2/Relu:0")`` away.
    """
    meta_graph_path = os.fspath(meta_graph_path)
    if not os.path.exists(meta_graph_path):
        raise FileNotFoundError(f"No meta graph at {meta_graph_path}")
    saver = v1.train.import_meta_graph(meta_graph_path)
    return saver, v1.get_collection(collection)
