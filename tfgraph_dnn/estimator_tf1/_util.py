"""What the Estimator's modes share: calling user fns as TF1 did, hooks, summaries.

``input_fn`` and ``model_fn`` get only the arguments they name (TF1 inspected their
signatures); an ``input_fn`` may return ``features``, ``(features, labels)`` or a
``tf.data.Dataset`` of either (read through an initializable iterator whose initializer a
hook runs, as TF1 did).  Evaluation results go to ``eval/`` as one event of scalar
summaries, the ``checkpoint_path`` as a string tensor summary, as TF1 wrote them.
"""
from __future__ import annotations

import functools
import inspect
import os
from typing import Any, Callable, Optional

import numpy as np

from .. import _tf

tf = _tf.tensorflow
v1 = tf.compat.v1


def fn_args(fn: Callable) -> tuple:
    """The names of ``fn``'s parameters a caller may pass (bound ones excluded).

    Raises
    ------
    TypeError
        ``fn`` is not callable.
    """
    if not callable(fn):
        raise TypeError(f"{fn!r} is not callable.")
    if isinstance(fn, functools.partial):
        names = fn_args(fn.func)
        bound = set(fn.keywords or {})
        return tuple(n for n in names[len(fn.args):] if n not in bound)
    params = inspect.signature(fn).parameters.values()
    return tuple(p.name for p in params
                 if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY, p.POSITIONAL_ONLY))


def check_hooks(hooks) -> list:
    """``hooks`` as a list, every one a ``SessionRunHook`` (``TypeError`` otherwise)."""
    hooks = list(hooks or [])
    for hook in hooks:
        if not isinstance(hook, v1.train.SessionRunHook):
            raise TypeError(f"Hooks must be a SessionRunHook, given: {hook}")
    return hooks


def check_listeners(listeners) -> list:
    """``saving_listeners`` as a list of ``CheckpointSaverListener`` (``TypeError`` otherwise)."""
    listeners = list(listeners or [])
    for listener in listeners:
        if not isinstance(listener, v1.train.CheckpointSaverListener):
            raise TypeError("saving_listeners must be a list of CheckpointSaverListener, "
                            f"given: {listener}")
    return listeners


class DatasetInitializerHook(v1.train.SessionRunHook):
    """Runs an initializable iterator's initializer once the session exists."""

    def __init__(self, iterator) -> None:
        self._iterator = iterator

    def begin(self) -> None:
        self._initializer = self._iterator.initializer

    def after_create_session(self, session, coord) -> None:
        del coord
        session.run(self._initializer)


class StopAfterNEvalsHook(v1.train.SessionRunHook):
    """Requests a stop after ``num_evals`` evaluation batches."""

    def __init__(self, num_evals: int) -> None:
        self._num_evals = num_evals
        self._done = 0

    def begin(self) -> None:
        self._done = 0

    def after_run(self, run_context, run_values) -> None:
        self._done += 1
        if self._done >= self._num_evals:
            run_context.request_stop()


def parse_input_fn_result(result) -> tuple:
    """``(features, labels, input_hooks)`` from what an ``input_fn`` returned."""
    hooks = []
    if isinstance(result, tf.data.Dataset):
        iterator = v1.data.make_initializable_iterator(result)
        hooks.append(DatasetInitializerHook(iterator))
        result = iterator.get_next()
    if isinstance(result, (list, tuple)):
        if len(result) != 2:
            raise ValueError("input_fn should return (features, labels) as a len 2 tuple.")
        return result[0], result[1], hooks
    return result, None, hooks


def call_input_fn(input_fn: Callable, mode: str, params: dict, config) -> Any:
    """Calls ``input_fn`` with the subset of ``mode``/``params``/``config`` it names."""
    names = fn_args(input_fn)
    kwargs = {}
    if "mode" in names:
        kwargs["mode"] = mode
    if "params" in names:
        kwargs["params"] = params
    if "config" in names:
        kwargs["config"] = config
    with v1.device("/cpu:0"):
        return input_fn(**kwargs)


def default_session_config():
    """TF1's session config for Estimators: soft placement, one graph-rewrite pass."""
    config = v1.ConfigProto(allow_soft_placement=True)
    config.graph_options.rewrite_options.meta_optimizer_iterations = 1  # RewriterConfig.ONE
    return config


def write_dict_to_summary(output_dir: str, dictionary: dict, global_step: int) -> None:
    """One event in ``output_dir`` holding every scalar of ``dictionary`` (TF1's eval event)."""
    summary = v1.Summary()
    for key, value in dictionary.items():
        if value is None or key == "global_step":
            continue
        if isinstance(value, (np.floating, float)):
            summary.value.add(tag=key, simple_value=float(value))
        elif isinstance(value, (np.integer, int)) and not isinstance(value, bool):
            summary.value.add(tag=key, simple_value=int(value))
        elif isinstance(value, bytes):
            try:
                parsed = v1.Summary.FromString(value)
            except Exception:  # not a serialized Summary: TF1 skipped it too
                continue
            for index, item in enumerate(parsed.value):
                item.tag = f"{key}/{index}"
            summary.value.extend(parsed.value)
        elif isinstance(value, np.ndarray):
            item = summary.value.add(tag=key, node_name=key)
            item.tensor.CopyFrom(tf.make_tensor_proto(value))
    writer = v1.summary.FileWriterCache.get(output_dir)
    writer.add_summary(summary, global_step)
    writer.flush()


def write_checkpoint_path_summary(output_dir: str, checkpoint_path: str,
                                  global_step: int) -> None:
    """The evaluated checkpoint's path as a ``checkpoint_path`` string summary."""
    summary = v1.Summary()
    summary.value.add(tag="checkpoint_path",
                      tensor=tf.make_tensor_proto(checkpoint_path, dtype=tf.string))
    writer = v1.summary.FileWriterCache.get(output_dir)
    writer.add_summary(summary, global_step)
    writer.flush()


def global_step_in_checkpoint(model_dir: str) -> int:
    """The ``global_step`` of ``model_dir``'s latest checkpoint, 0 without one."""
    path = tf.train.latest_checkpoint(model_dir)
    if not path:
        return 0
    try:
        return int(tf.train.load_variable(path, "global_step"))
    except (tf.errors.NotFoundError, ValueError):
        return 0


def eval_dir(model_dir: str, name: Optional[str]) -> str:
    """``model_dir/eval`` or ``model_dir/eval_<name>``."""
    return os.path.join(model_dir, "eval" if not name else "eval_" + name)


def select_keys(predictions, predict_keys):
    """Only the ``predict_keys`` of a dict of predictions (all without keys)."""
    if not predict_keys:
        return predictions
    if not isinstance(predictions, dict):
        raise ValueError("predict_keys argument is not valid in case of non-dict predictions.")
    selected = {k: v for k, v in predictions.items() if k in predict_keys}
    if not selected:
        raise ValueError(f"Expected to run at least one output from {list(predictions)}, "
                         f"provided {predict_keys}.")
    return selected


def batch_length(values: dict) -> int:
    """The common batch size of a dict of predicted arrays."""
    length = None
    for key, value in values.items():
        length = length or value.shape[0]
        if value.shape[0] != length:
            raise ValueError(f"Batch length of predictions should be same. {key} has different "
                             "batch length than others.")
    return length


#: The arguments a ``model_fn`` may take (TF1's list).
VALID_MODEL_FN_ARGS = frozenset({"features", "labels", "mode", "params", "self", "config"})


def verify_model_fn_args(model_fn: Callable, params) -> None:
    """Refuse a ``model_fn`` whose arguments TF1 refused (with TF1's messages)."""
    args = set(fn_args(model_fn))
    if "features" not in args:
        raise ValueError(f"model_fn ({model_fn}) must include features argument.")
    if params is not None and "params" not in args:
        raise ValueError(f"model_fn ({model_fn}) does not include params argument, but params "
                         f"({params}) is passed to Estimator.")
    unexpected = sorted(args - VALID_MODEL_FN_ARGS)
    if unexpected:
        raise ValueError(f"model_fn ({model_fn}) has following not expected args: {unexpected}")
