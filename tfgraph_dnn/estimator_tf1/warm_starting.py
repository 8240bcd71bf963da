"""``tf.estimator.WarmStartSettings``: start a new model from another model's checkpoint.

The settings are applied with ``tf.compat.v1.train.warm_start`` (still in TensorFlow),
after the ``model_fn`` built the graph, exactly where TF1's Estimator applied them.
"""
from __future__ import annotations

import collections
import os

from .. import _tf

tf = _tf.tensorflow
v1 = tf.compat.v1

VocabInfo = v1.train.VocabInfo


class WarmStartSettings(collections.namedtuple(
        "WarmStartSettings", ["ckpt_to_initialize_from", "vars_to_warm_start",
                              "var_name_to_vocab_info", "var_name_to_prev_var_name"])):
    """Which variables to initialize from which checkpoint.

    Parameters
    ----------
    ckpt_to_initialize_from : str
        A checkpoint path or a directory holding checkpoints.
    vars_to_warm_start : str or list, default ".*"
        A regular expression (or list of names / variables) of the trainable variables to
        warm-start.
    var_name_to_vocab_info : dict, optional
        ``VocabInfo`` per variable name (embeddings whose vocabulary changed).
    var_name_to_prev_var_name : dict, optional
        Variable name -> its name in the checkpoint.
    """

    def __new__(cls, ckpt_to_initialize_from, vars_to_warm_start=".*",
                var_name_to_vocab_info=None, var_name_to_prev_var_name=None):
        if not ckpt_to_initialize_from:
            raise ValueError("`ckpt_to_initialize_from` MUST be set in WarmStartSettings")
        return super().__new__(cls, ckpt_to_initialize_from, vars_to_warm_start,
                               var_name_to_vocab_info or {}, var_name_to_prev_var_name or {})


def settings_from(warm_start_from):
    """``WarmStartSettings`` for an Estimator's ``warm_start_from`` (or ``None``).

    A directory holding ``variables/variables.index`` is a SavedModel: its variables
    are the checkpoint.
    """
    if warm_start_from is None:
        return None
    if isinstance(warm_start_from, (str, bytes, os.PathLike)):
        path = os.fsdecode(warm_start_from)
        variables = os.path.join(path, "variables", "variables")
        if os.path.exists(variables + ".index"):
            return WarmStartSettings(ckpt_to_initialize_from=variables)
        return WarmStartSettings(ckpt_to_initialize_from=path)
    if isinstance(warm_start_from, WarmStartSettings):
        return warm_start_from
    raise ValueError("warm_start_from must be a string or a WarmStartSettings, instead got "
                     f"{type(warm_start_from)}")


def apply(settings: WarmStartSettings) -> None:
    """Warm-start the current default graph's variables from ``settings``."""
    v1.train.warm_start(*settings)
