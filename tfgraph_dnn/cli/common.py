"""What the command-line modules share (room: ``cli``; TensorFlow only on demand).

A one-line-error argument parser, flag types and flag groups (every named
choice -- activation, initializer, optimizer, schedule, data set -- is checked
by the parser, so a typo fails before any data is loaded or TensorFlow is
imported, with the allowed names sorted), the ``--save`` target check, the
quiet TensorFlow import and JSON output.
"""
from __future__ import annotations

import argparse
import json
import math
from typing import Optional, Sequence

import numpy as np

from .. import options, storage
from .._habits import parser_error_hint
from .._quiet import import_tensorflow
from ..data.datasets import DATASETS
from ..exceptions import CliError

PREPROCESSING_FILE = storage.PREPROCESSING_FILE

# The estimator's own tables (tfgraph_dnn.options needs no TensorFlow, so neither does the
# parser); ``--feature-scaling none`` is the command line's spelling of ``None``.
ACTIVATIONS = options.ACTIVATIONS
INITIALIZERS = options.INITIALIZERS
OPTIMIZERS = options.OPTIMIZERS
SCHEDULES = options.SCHEDULES
SCALINGS = ("none",) + options.FEATURE_SCALINGS
#: ``--feature-scaling``'s default: the command decides (see its help).
AUTO_SCALING = "auto"


class Parser(argparse.ArgumentParser):
    """``ArgumentParser`` whose errors are one line (plus a pointer to ``--help``)."""

    def error(self, message):
        """Print ``<prog>: error: <message>`` and exit with code 2."""
        message = parser_error_hint(self, message)  # --max-iter: did you mean --n-epochs?
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def number_in(kind, low=None, high=None, low_open=False, high_open=False):
    """An argparse type: a finite ``kind`` (int or float) within the given bounds.

    Parameters
    ----------
    kind : {int, float}
    low, high : number, optional
        Bounds (``None``: unbounded).
    low_open, high_open : bool, default=False
        Whether the bound itself is excluded.

    Returns
    -------
    callable
        ``str -> kind``, raising ``argparse.ArgumentTypeError`` with a short
        message ("must be > 0, got -1") that argparse prints as one line.
    """
    limits = [f"{'>' if low_open else '>='} {low}"] if low is not None else []
    limits += [f"{'<' if high_open else '<='} {high}"] if high is not None else []
    wanted = " and ".join(limits)

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind.__name__}, got {text!r}")
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
        if (low is not None and (value < low or (low_open and value == low))) or \
                (high is not None and (value > high or (high_open and value == high))):
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text}")
        return value
    return parse


positive_int = number_in(int, 1)
non_negative_int = number_in(int, 0)
positive_float = number_in(float, 0, low_open=True)
non_negative_float = number_in(float, 0)
fraction = number_in(float, 0, 1, low_open=True, high_open=True)
unit_interval = number_in(float, 0, 1)
rate = number_in(float, 0, 1, high_open=True)


def hidden_layers(text: str):
    """Parse ``"300,100"`` into ``(300, 100)``."""
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}")
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def plain_text(docstring: str) -> str:
    """A module docstring's body as help text: the part after the first paragraph, no
    reStructuredText markup (double backticks)."""
    return docstring.split("\n\n", 1)[-1].replace("``", "")


def feature_scaling(text: str):
    """Parse ``--feature-scaling``: auto, none, standard, minmax or ``OFFSET,SCALE``.

    Returns
    -------
    None, str or (float, float)
        The estimator's ``feature_scaling`` value, or ``"auto"`` (the
        command's default).
    """
    name = text.strip().lower()
    if name in SCALINGS + (AUTO_SCALING,):
        return None if name == "none" else name
    parts = text.split(",")
    try:
        offset, scale = (float(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected one of {', '.join((AUTO_SCALING,) + SCALINGS)} or OFFSET,SCALE "
            f"(e.g. 0,255), got {text!r}")
    if not (math.isfinite(offset) and math.isfinite(scale)) or scale == 0:
        raise argparse.ArgumentTypeError(f"OFFSET,SCALE must be finite, SCALE non-zero, "
                                         f"got {text!r}")
    return offset, scale


def add_choice(group, flag: str, names, default: Optional[str], what: str) -> None:
    """A flag whose value is one of ``names``: checked by the parser, listed sorted.

    Parameters
    ----------
    group : argparse argument group or parser
    flag : str
    names : iterable of str
    default : str or None
    what : str
        The help text before the list of names.
    """
    names = sorted(names)
    shown = f" (default: {default})" if default is not None else ""
    group.add_argument(flag, default=default, choices=names, metavar="NAME",
                       help=f"{what}: {', '.join(names)}{shown}")


def add_data_flags(parser: argparse.ArgumentParser) -> None:
    """``--dataset``, ``--mnist-dir``, ``--data``, ``--labels``, ``--target``, ``--test-size``."""
    add_choice(parser, "--dataset", DATASETS, "digits",
               "offline data set to use when --data is not given")
    parser.add_argument("--mnist-dir", metavar="DIR",
                        help="directory of the four official MNIST idx files (gzip or not), "
                        "for --dataset mnist; its 60k/10k train/test split is used")
    parser.add_argument("--data", help="CSV (with --target) or NPZ (arrays X, y) file, or an "
                        "MNIST idx images file (e.g. train-images-idx3-ubyte.gz; labels found "
                        "beside it, or --labels) or directory")
    parser.add_argument("--labels", metavar="FILE",
                        help="the idx labels file of an idx images --data file "
                        "(default: found beside it)")
    parser.add_argument("--target", help="label column of a CSV file: its name in the header, "
                        "or its position (0 = first column) with --no-header")
    add_header_flag(parser)
    parser.add_argument("--test-size", type=fraction, default=0.2,
                        help="fraction held out for the test score (default: 0.2; an MNIST "
                        "directory uses its own test files instead)")


def add_header_flag(parser: argparse.ArgumentParser) -> None:
    """``--header``/``--no-header``: whether a CSV file's first row is column names."""
    parser.add_argument("--header", action=argparse.BooleanOptionalAction, default=None,
                        help="the CSV file's first row is column names (--header) or data "
                        "(--no-header); default: decided from the file, and an ambiguous "
                        "first row is an error asking for one of the two")


def add_model_flags(parser: argparse.ArgumentParser) -> None:
    """The network and optimizer hyper-parameters of ``train`` (names as the estimator's)."""
    group = parser.add_argument_group("network")
    group.add_argument("--n-hidden", type=non_negative_int, default=5,
                       help="number of hidden layers (default: 5)")
    group.add_argument("--n-neurons", type=positive_int, default=100,
                       help="units per hidden layer (default: 100)")
    group.add_argument("--hidden-layers", type=hidden_layers, default=None, metavar="SIZES",
                       help="comma-separated layer sizes, e.g. 300,100 (overrides --n-hidden "
                       "and --n-neurons)")
    add_choice(group, "--activation", ACTIVATIONS, "elu", "activation of the hidden layers")
    add_choice(group, "--initializer", INITIALIZERS, "he_normal", "kernel initializer")
    group.add_argument("--batch-norm-momentum", type=unit_interval, default=None,
                       help="batch normalization before every activation (e.g. 0.9)")
    group.add_argument("--dropout-rate", type=rate, default=None,
                       help="dropout after every hidden layer (alpha dropout with selu)")
    group.add_argument("--l1", type=non_negative_float, default=0.0,
                       help="l1 kernel regularization of every layer (default: 0)")
    group.add_argument("--l2", type=non_negative_float, default=0.0,
                       help="l2 kernel regularization of every layer (default: 0)")
    group.add_argument("--max-norm", type=positive_float, default=None,
                       help="max-norm threshold of the hidden kernels")
    group = parser.add_argument_group("optimization")
    add_choice(group, "--optimizer", OPTIMIZERS, "adam", "optimizer")
    group.add_argument("--learning-rate", "--lr", type=positive_float, default=0.001,
                       help="(default: 0.001)")
    group.add_argument("--beta1", type=rate, default=0.9, help="Adam's beta1 (default: 0.9)")
    group.add_argument("--beta2", type=rate, default=0.999,
                       help="Adam's beta2 (default: 0.999)")
    group.add_argument("--momentum", type=rate, default=0.9,
                       help="of momentum, nesterov and rmsprop (default: 0.9)")
    group.add_argument("--batch-size", type=positive_int, default=50, help="(default: 50)")
    add_choice(group, "--lr-schedule", SCHEDULES, None, "learning-rate schedule")
    for kind in ("value", "norm", "global-norm"):
        group.add_argument(f"--gradient-clip-{kind}", type=positive_float, default=None,
                           help=f"clip gradients by {kind.replace('-', ' ')}")
    group = parser.add_argument_group("checkpoints and transfer")
    group.add_argument("--checkpoint-dir", default=None,
                       help="save checkpoints here; with --resume, continue from them")
    group.add_argument("--checkpoint-every", type=positive_int, default=5,
                       help="epochs between checkpoints (default: 5)")
    group.add_argument("--resume", action="store_true",
                       help="continue from the last checkpoint in --checkpoint-dir")
    group.add_argument("--warm-start-from", metavar="DIR", default=None,
                       help="initialize from a model saved with --save (or a checkpoint)")
    group.add_argument("--n-frozen", type=non_negative_int, default=0,
                       help="freeze the first N hidden layers (default: 0)")
    group.add_argument("--n-threads", type=positive_int, default=None,
                       help="TensorFlow threads (default: all cores)")
    group.add_argument("--log-histograms", action="store_true",
                       help="also write weight histograms to TensorBoard")


def add_verbose_flag(parser: argparse.ArgumentParser) -> None:
    """``--verbose``: show TensorFlow's own log lines (as ``TF_CPP_MIN_LOG_LEVEL=0``)."""
    parser.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's start-up, device and deprecation messages "
                        "(hidden by default; the same as TF_CPP_MIN_LOG_LEVEL=0)")


def add_run_flags(parser: argparse.ArgumentParser, n_epochs: int, early_stopping: bool,
                  patience: int, scaling_default: str) -> None:
    """Flags that ``train`` and ``search`` share: epochs, stopping, seed, logs, ``--save``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
    n_epochs, early_stopping, patience
        The command's defaults of ``--n-epochs``, ``--early-stopping`` and
        ``--patience``.
    scaling_default : str
        Says in ``--feature-scaling``'s help what ``auto`` (the default) means.
    """
    group = parser.add_argument_group("training run")
    group.add_argument("--n-epochs", "--epochs", dest="n_epochs", type=positive_int,
                       default=n_epochs, help=f"maximum epochs per fit (default: {n_epochs})")
    group.add_argument("--early-stopping", action=argparse.BooleanOptionalAction,
                       default=early_stopping, help="hold out --validation-fraction of the "
                       "training data, stop on its loss and keep the best weights")
    group.add_argument("--patience", type=positive_int, default=patience,
                       help=f"epochs without improvement before stopping (default: {patience})")
    group.add_argument("--validation-fraction", type=fraction, default=0.1,
                       help="of the training data, for early stopping (default: 0.1)")
    group.add_argument("--random-state", type=int, default=42,
                       help="seed of the split, shuffling and initialization (default: 42)")
    group.add_argument("--log-dir", default="logs",
                       help="where run directories are written (default: logs)")
    group.add_argument("--feature-scaling", type=feature_scaling, default=AUTO_SCALING,
                       metavar="HOW", help="input scaling, fitted and saved with the model "
                       "(predict and export then take raw features): none, standard, minmax, "
                       "OFFSET,SCALE for (x - OFFSET) / SCALE, or auto (the default: "
                       f"{scaling_default})")
    group.add_argument("--save", metavar="DIR",
                       help="save the fitted model to DIR (for predict / export)")
    group.add_argument("--overwrite", action="store_true",
                       help="let --save replace a different model (another class or feature "
                       "count) saved in DIR")
    add_verbose_flag(parser)


def _check_directory(flag: str, path: Optional[str], kind: str) -> None:
    if path is None:
        return
    try:
        storage.check_writable(path, kind)
    except (OSError, storage.CheckpointError) as error:
        raise CliError(f"{flag} {path}: {error}") from error


def _named(names: Optional[list]) -> str:
    """``"named ['a', 'b', ...]"`` or ``"without names"``, for a message."""
    if not names:
        return "without names"
    return f"named {names[:5]}{'...' if len(names) > 5 else ''}"


def check_save_target(path: Optional[str], class_name: Optional[str] = None,
                      n_features: Optional[int] = None, overwrite: bool = False,
                      feature_names: Optional[Sequence[str]] = None) -> None:
    """Fail before training if ``--save DIR`` would be refused, or replace another model.

    Parameters
    ----------
    path : str or None
        ``--save``: absent, an empty directory or an earlier save are fine
        (the rule of :func:`tfgraph_dnn.storage.check_writable`).
    class_name, n_features : optional
        What will be saved; a saved model that differs in either is refused
        unless ``overwrite``.
    overwrite : bool, default=False
        ``--overwrite``: replace a different model.
    feature_names : sequence of str, optional
        The new model's feature names (a CSV header), when ``n_features`` is
        given: a saved model with other names (or none) differs.

    Raises
    ------
    CliError
        ``path`` is a file, a checkpoint directory, a non-empty directory that
        ``save()`` did not write, or (without ``overwrite``) holds a different
        model: one line naming the directory and the difference.
    """
    if path is None:
        return
    try:
        directory = storage.check_writable(path, storage.MODEL)
    except (OSError, storage.CheckpointError) as error:
        raise CliError(f"--save {path}: {error}") from error
    if overwrite or directory.kind != storage.MODEL:
        return
    try:
        info = storage.model_info(path)
    except (OSError, storage.CheckpointError):
        return  # no complete save yet: nothing to replace
    differences = []
    if class_name is not None and info["class"] != class_name:
        differences.append(f"a {info['class']}, not a {class_name}")
    if n_features is not None and info["n_features"] != n_features:
        differences.append(f"{info['n_features']} features, not {n_features}")
    elif n_features is not None:
        saved = info.get("feature_names")
        names = None if feature_names is None else [str(name) for name in feature_names]
        if saved != names:
            differences.append(f"features {_named(saved)}, not {_named(names)}")
    if differences:
        raise CliError(f"--save {path} holds a different model ({'; '.join(differences)}); "
                       "give --overwrite to replace it, or another directory")


def check_checkpoint_target(path: Optional[str]) -> None:
    """Fail before training if ``--checkpoint-dir DIR`` would be refused by training.

    Parameters
    ----------
    path : str or None
        Absent, an empty directory or a checkpoint directory are fine.

    Raises
    ------
    CliError
        ``path`` is a file, a ``--save`` directory or a non-empty directory
        that training did not write.
    """
    _check_directory("--checkpoint-dir", path, storage.CHECKPOINTS)


def to_builtin(value):
    """A JSON-safe copy of ``value`` (NumPy scalars and arrays become Python ones)."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [to_builtin(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_builtin(item) for key, item in value.items()}
    return value


def write_json(path: str, payload) -> None:
    """Write ``payload`` as indented JSON."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(to_builtin(payload), handle, indent=2)


def import_estimators():
    """Import :mod:`tfgraph_dnn.estimator` (hence TensorFlow) without its start-up chatter.

    See :func:`tfgraph_dnn._quiet.import_tensorflow`; with ``TF_CPP_MIN_LOG_LEVEL``
    >= 2 (``main`` sets 2 unless the user chose) this also hides TensorFlow's
    deprecation notices about TF1 APIs, which the library uses on purpose.

    Returns
    -------
    module
        ``tfgraph_dnn.estimator``.
    """
    return import_tensorflow("tfgraph_dnn.estimator")
