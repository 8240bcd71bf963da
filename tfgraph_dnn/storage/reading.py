"""TensorFlow checkpoints: finding, reading (warm starts, validation) and writing them.

The only part of :mod:`tfgraph_dnn.storage` that uses TensorFlow, imported inside
the functions that read or write a checkpoint, never at module import.  Reads
accept our directories (model or checkpoint, via ``latest``), TensorFlow's own
checkpoint directories (a ``checkpoint`` state file) and bare prefixes, also
TF1-era ones.  Whatever TensorFlow raises on a missing, truncated or bit-flipped
file (``OpError``, ``IndexError``, ``RuntimeError``...) becomes one
:class:`~tfgraph_dnn.storage.files.CheckpointError` naming the checkpoint, with
TensorFlow's error as ``__cause__``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Dict, Mapping, Sequence, Tuple, Union

from ..exceptions import CheckpointError
from .files import describe_error
from .layout import MODEL_PREFIX, inspect, latest_save_dir

PathLike = Union[str, os.PathLike]
# What TensorFlow's checkpoint reader raises on damaged files besides OpError.
_READ_ERRORS = (ValueError, IndexError, RuntimeError, OSError, KeyError, TypeError)


@dataclass(frozen=True)
class WarmStartSettings:
    """Which variables to initialize from which checkpoint (``tf.estimator``'s convention).

    Parameters
    ----------
    ckpt_to_initialize_from : str or path-like
        A checkpoint prefix (``.../model.ckpt``), a directory holding a TF
        ``checkpoint`` state file, a training ``checkpoint_dir`` or a directory
        written by ``save()``.
    vars_to_warm_start : str or list of str, default='.*'
        A regex, or a list of regexes / names, matched from the start of the
        model's variable names (``hidden1/kernel``...).  Every variable of the net
        is a candidate (batch-norm moving averages included); optimizer state
        never is.
    var_name_to_prev_var_name : dict, default={}
        ``{name in this model: name in the checkpoint}`` for renamed variables,
        e.g. ``{"hidden1/batch_normalization/gamma": "batch_normalization/gamma"}``.
    """

    ckpt_to_initialize_from: PathLike
    vars_to_warm_start: Union[str, Sequence[str]] = ".*"
    var_name_to_prev_var_name: Dict[str, str] = field(default_factory=dict)


def as_warm_start_settings(value: Union[PathLike, WarmStartSettings]) -> WarmStartSettings:
    """Accept a path (all variables) or a :class:`WarmStartSettings`."""
    if isinstance(value, WarmStartSettings):
        return value
    if isinstance(value, (str, os.PathLike)):
        return WarmStartSettings(value)
    raise TypeError(f"warm_start_from must be a path or a WarmStartSettings, got "
                    f"{type(value).__name__}")


def _tf():
    import tensorflow as tf  # noqa: PLC0415  (lazily: only where a checkpoint is read/written)

    return tf


def _read_errors():
    return (_tf().errors.OpError,) + _READ_ERRORS


def resolve_checkpoint(path: PathLike) -> str:
    """Turn a checkpoint prefix or any supported directory into a checkpoint prefix.

    Raises
    ------
    FileNotFoundError
        Nothing exists at ``path``.
    CheckpointError
        Something exists but holds no readable checkpoint.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        directory = inspect(path)
        if directory.kind is not None:  # a checkpoint_dir or a save() directory
            save_dir = latest_save_dir(path, directory.kind)
            if save_dir is None:
                raise CheckpointError(f"{path} holds no complete save yet.")
            return os.path.join(save_dir, MODEL_PREFIX)
        try:
            prefix = _tf().train.latest_checkpoint(path)  # TF's own 'checkpoint' state file
        except _read_errors() as error:
            raise CheckpointError(f"Unreadable TensorFlow 'checkpoint' file in {path}: "
                                  f"{describe_error(error)}") from error
        if prefix:
            return prefix
        raise CheckpointError(f"{path} holds no TensorFlow checkpoint (neither a "
                              "'checkpoint' nor a 'latest' file).")
    if os.path.exists(path + ".index"):
        return path
    parent = os.path.dirname(path) or "."
    if not os.path.exists(path) and not (
            os.path.isdir(parent) and any(name.startswith(os.path.basename(path) + ".")
                                          for name in os.listdir(parent))):
        raise FileNotFoundError(f"No checkpoint at {path}: no such file or directory.")
    raise CheckpointError(f"{path} is not a TensorFlow checkpoint (no {path}.index).")


def open_checkpoint(prefix: str):
    """A ``tf.train.CheckpointReader`` of ``prefix``; damaged files raise CheckpointError."""
    try:
        return _tf().train.load_checkpoint(prefix)
    except _read_errors() as error:
        raise CheckpointError(f"Cannot read checkpoint {prefix}: "
                              f"{describe_error(error)}") from error


def checkpoint_shapes(prefix: str, reader=None) -> Dict[str, Tuple[int, ...]]:
    """``{variable name: shape}`` of every variable saved under ``prefix`` (or ``reader``)."""
    reader = reader if reader is not None else open_checkpoint(prefix)
    try:
        return {name: tuple(shape) for name, shape in
                sorted(reader.get_variable_to_shape_map().items())}
    except _read_errors() as error:
        raise CheckpointError(f"Cannot read checkpoint {prefix}: "
                              f"{describe_error(error)}") from error


def read_tensors(prefix: str, names: Mapping[str, str], reader=None) -> Dict[str, object]:
    """Read ``{key: name in the checkpoint}`` as ``{key: ndarray}``.

    Each tensor's checksum is verified as it is read: a bit flip or a
    truncated data file is a :class:`CheckpointError` naming ``prefix``.
    """
    reader = reader if reader is not None else open_checkpoint(prefix)
    values = {}
    for key, name in names.items():
        try:
            values[key] = reader.get_tensor(name)
        except _read_errors() as error:
            raise CheckpointError(f"Cannot read {name!r} from checkpoint {prefix}: "
                                  f"{describe_error(error)}") from error
    return values


def list_checkpoint_variables(path: PathLike) -> Dict[str, Tuple[int, ...]]:
    """``{variable name: shape}`` of every variable in a checkpoint (prefix or directory)."""
    return checkpoint_shapes(resolve_checkpoint(path))


def saver_writer(session, saver) -> Callable[[str], None]:
    """``write(prefix)``: save every variable of ``saver`` from ``session`` (V2, no meta graph)."""
    def write(prefix: str) -> None:
        with session.graph.as_default():  # the Saver refuses eager mode
            saver.save(session, prefix, write_meta_graph=False, write_state=False)
    return write
