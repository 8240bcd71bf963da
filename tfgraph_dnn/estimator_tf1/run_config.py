"""``tf.estimator.RunConfig``: how an Estimator runs, with TF 1.15's defaults and checks.

Single-process only: a ``TF_CONFIG`` naming a cluster is refused (distributed training
is not provided); the cluster properties report the local, single-worker values TF1
reported without ``TF_CONFIG``.
"""
from __future__ import annotations

import copy
import json
import logging
import os
import tempfile
from typing import Any

from .. import _tf
from ._util import default_session_config

tf = _tf.tensorflow
v1 = tf.compat.v1

_USE_DEFAULT = object()
_SAVE_CKPT_ERR = "save_checkpoints_steps and save_checkpoints_secs cannot be both set."

_REPLACEABLE = (
    "model_dir", "tf_random_seed", "save_summary_steps", "save_checkpoints_steps",
    "save_checkpoints_secs", "session_config", "keep_checkpoint_max",
    "keep_checkpoint_every_n_hours", "log_step_count_steps", "train_distribute", "device_fn",
    "protocol", "eval_distribute", "experimental_distribute",
    "experimental_max_worker_delay_secs", "session_creation_timeout_secs",
    "checkpoint_save_graph_def")


class TaskType:
    """Task types of a TF1 cluster."""

    MASTER = "master"
    PS = "ps"
    WORKER = "worker"
    CHIEF = "chief"
    EVALUATOR = "evaluator"


def _non_negative(name: str, value: Any) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{name} should be >= 0")


def _validate(values: dict) -> None:
    if "model_dir" in values and values["model_dir"] is not None and not values["model_dir"]:
        raise ValueError("model_dir should be non-empty")
    for name in ("save_summary_steps", "save_checkpoints_steps", "save_checkpoints_secs",
                 "keep_checkpoint_max", "log_step_count_steps",
                 "session_creation_timeout_secs"):
        if name in values:
            _non_negative(name, values[name])
    hours = values.get("keep_checkpoint_every_n_hours")
    if hours is not None and hours <= 0:
        raise ValueError("keep_checkpoint_every_n_hours should be > 0")
    seed = values.get("tf_random_seed")
    if seed is not None and not isinstance(seed, int):
        raise ValueError(f"tf_random_seed must be integer, given {seed!r}.")
    session_config = values.get("session_config")
    if session_config is not None and not isinstance(session_config, v1.ConfigProto):
        raise ValueError(f"session_config must be instance of ConfigProto, given {session_config}.")
    for name in ("train_distribute", "eval_distribute", "experimental_distribute"):
        if values.get(name) is not None:
            raise NotImplementedError(
                f"RunConfig({name}=...): distribution strategies are not provided by "
                "tfgraph_dnn's Estimator (single process only).")
    device_fn = values.get("device_fn")
    if device_fn is not None and not callable(device_fn):
        raise ValueError(f"device_fn must be callable with exactly one argument \"op\", given "
                         f"{device_fn}.")


class RunConfig:
    """Configuration of an Estimator run (TF 1.15's arguments and defaults).

    Parameters
    ----------
    model_dir : str or path-like, optional
    tf_random_seed : int, optional
        The graph-level seed of every graph the Estimator builds.
    save_summary_steps : int, default 100
    save_checkpoints_steps, save_checkpoints_secs : int, optional
        At most one; when neither is given, a checkpoint every 600 seconds (and at the
        end of ``train``).  Both ``None`` disables checkpoints.
    session_config : tf.compat.v1.ConfigProto, optional
    keep_checkpoint_max : int, default 5
    keep_checkpoint_every_n_hours : float, default 10000
    log_step_count_steps : int, default 100
        How often the loss and step are logged and ``global_step/sec`` is written.
    train_distribute, eval_distribute, experimental_distribute : None
        Distribution strategies are not provided (``NotImplementedError``).
    device_fn, protocol, experimental_max_worker_delay_secs, session_creation_timeout_secs,
    checkpoint_save_graph_def
        As TF1.

    Raises
    ------
    ValueError
        Both checkpoint frequencies set, or a negative count.
    """

    def __init__(self, model_dir=None, tf_random_seed=None, save_summary_steps=100,
                 save_checkpoints_steps=_USE_DEFAULT, save_checkpoints_secs=_USE_DEFAULT,
                 session_config=None, keep_checkpoint_max=5,
                 keep_checkpoint_every_n_hours=10000, log_step_count_steps=100,
                 train_distribute=None, device_fn=None, protocol=None, eval_distribute=None,
                 experimental_distribute=None, experimental_max_worker_delay_secs=None,
                 session_creation_timeout_secs=7200, checkpoint_save_graph_def=True) -> None:
        if save_checkpoints_steps is _USE_DEFAULT and save_checkpoints_secs is _USE_DEFAULT:
            save_checkpoints_steps, save_checkpoints_secs = None, 600
        elif save_checkpoints_secs is _USE_DEFAULT:
            save_checkpoints_secs = None
        elif save_checkpoints_steps is _USE_DEFAULT:
            save_checkpoints_steps = None
        elif save_checkpoints_steps is not None and save_checkpoints_secs is not None:
            raise ValueError(_SAVE_CKPT_ERR)
        tf_config = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
        if tf_config.get("cluster"):
            raise NotImplementedError(
                "TF_CONFIG names a cluster: distributed Estimator training is not provided by "
                "tfgraph_dnn (single process only); unset TF_CONFIG.")
        if model_dir is not None:
            model_dir = os.fspath(model_dir)
        elif tf_config.get("model_dir"):
            model_dir = tf_config["model_dir"]
        values = dict(
            model_dir=model_dir, tf_random_seed=tf_random_seed,
            save_summary_steps=save_summary_steps,
            save_checkpoints_steps=save_checkpoints_steps,
            save_checkpoints_secs=save_checkpoints_secs, session_config=session_config,
            keep_checkpoint_max=keep_checkpoint_max,
            keep_checkpoint_every_n_hours=keep_checkpoint_every_n_hours,
            log_step_count_steps=log_step_count_steps, train_distribute=train_distribute,
            device_fn=device_fn, protocol=protocol, eval_distribute=eval_distribute,
            experimental_distribute=experimental_distribute,
            experimental_max_worker_delay_secs=experimental_max_worker_delay_secs,
            session_creation_timeout_secs=session_creation_timeout_secs,
            checkpoint_save_graph_def=checkpoint_save_graph_def)
        _validate(values)
        for name, value in values.items():
            setattr(self, "_" + name, value)

    def replace(self, **kwargs) -> "RunConfig":
        """A copy with some properties replaced (TF1's replaceable list only).

        Raises
        ------
        ValueError
            A property that cannot be replaced, or both checkpoint frequencies set.
        """
        for name in kwargs:
            if name not in _REPLACEABLE:
                raise ValueError(f"{name} is not in the list of allowed properties "
                                 f"{list(_REPLACEABLE)}.")
        steps, secs = kwargs.get("save_checkpoints_steps"), kwargs.get("save_checkpoints_secs")
        if steps is not None and secs is not None:
            raise ValueError(_SAVE_CKPT_ERR)
        if "model_dir" in kwargs and kwargs["model_dir"] is not None:
            kwargs["model_dir"] = os.fspath(kwargs["model_dir"])
        _validate(kwargs)
        new = copy.deepcopy(self)
        if steps is not None:
            new._save_checkpoints_secs = None
        if secs is not None:
            new._save_checkpoints_steps = None
        for name, value in kwargs.items():
            setattr(new, "_" + name, value)
        return new

    def __eq__(self, other) -> bool:
        return isinstance(other, RunConfig) and vars(self) == vars(other)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        shown = ", ".join(f"{k[1:]}={v!r}" for k, v in sorted(vars(self).items()))
        return f"RunConfig({shown})"

    # Single-process values of TF1's cluster properties.
    cluster_spec = property(lambda self: v1.train.ClusterSpec({}))
    evaluation_master = property(lambda self: "")
    is_chief = property(lambda self: True)
    master = property(lambda self: "")
    num_ps_replicas = property(lambda self: 0)
    num_worker_replicas = property(lambda self: 1)
    task_id = property(lambda self: 0)
    task_type = property(lambda self: TaskType.WORKER)
    global_id_in_cluster = property(lambda self: 0)
    service = property(lambda self: None)


def _make_property(name: str) -> property:
    return property(lambda self: getattr(self, "_" + name), doc=f"``{name}`` (read-only).")


for _name in _REPLACEABLE:
    setattr(RunConfig, _name, _make_property(_name))
del _name


def config_with_model_dir(config, model_dir) -> "RunConfig":
    """The Estimator's config: ``config`` (or a default one) with ``model_dir`` resolved as
    TF1 did (both given and different: an error; neither: a temporary folder)."""
    if config is None:
        config = RunConfig()
    if not isinstance(config, RunConfig):
        raise ValueError(f"config must be an instance of `RunConfig`, but provided {config}.")
    if config.session_config is None:
        config = config.replace(session_config=default_session_config())
    if model_dir is not None:
        model_dir = os.fspath(model_dir)
        if config.model_dir is not None and config.model_dir != model_dir:
            raise ValueError(
                "`model_dir` are set both in constructor and `RunConfig`, but with different "
                f"values. In constructor: '{model_dir}', in RunConfig: '{config.model_dir}' ")
    if model_dir:
        return config.replace(model_dir=model_dir)
    if config.model_dir is None:
        model_dir = tempfile.mkdtemp()
        logging.getLogger("tensorflow").warning("Using temporary folder as model directory: %s", model_dir)
        return config.replace(model_dir=model_dir)
    return config
