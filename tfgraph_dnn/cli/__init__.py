"""Command line: ``tfgraph-dnn`` / ``python -m tfgraph_dnn`` (room: ``cli``).

The outermost layer: parses flags, loads data, drives the estimator and
prints results.  One module per command: :mod:`.train`, :mod:`.search` (with
:mod:`.progress`), :mod:`.serve` (``predict`` and ``export``),
:mod:`.migrate` (``migrate``); ``datasets`` is here.
:mod:`.models` builds and saves the models (scaling inside, no silent
replace); :mod:`.common` (flags, name tables, checks) and :mod:`.data`
(training and prediction data) hold what they share.

Errors in files or flags end with a one-line message and exit code 2, never a
traceback; names (activation, optimizer...) are checked by the parser, before
any data is loaded or TensorFlow imported.  TensorFlow's own log lines are
hidden (see :mod:`tfgraph_dnn._quiet`); ``--verbose`` or
``TF_CPP_MIN_LOG_LEVEL=0`` shows them.
"""
from __future__ import annotations

import os
import sys
from typing import List, Optional

from .. import __version__
from ..data.datasets import DATASETS
from ..exceptions import CliError
from . import migrate as migrate_command
from . import search, serve, train
from .common import Parser, add_verbose_flag

EXIT_USAGE = 2

# Names the tests and callers of earlier versions use.
_estimator_params = train.estimator_params
_model_info = serve.model_info


def cmd_datasets(args) -> int:
    """``datasets``: list the offline data sets and how each is scaled.

    With ``--mnist-dir DIR``, also read and check that directory's idx files
    (one line per split, or one error line naming the bad file).
    """
    for name, info in sorted(DATASETS.items()):
        print(f"{name:10s} {info.description}")
        print(f"{'':10s} {info.scaling_text}")
    if args.mnist_dir:
        from ..data.idx import load_mnist_idx

        data = load_mnist_idx(args.mnist_dir)
        for split, (X, y) in (("train", (data.X, data.y)), ("test", data.test)):
            print(f"mnist ({args.mnist_dir}) {split}: {X.shape[0]:,} images x {X.shape[1]} "
                  f"pixels, labels {', '.join(map(str, sorted(set(y.tolist()))))}")
    return 0


def build_parser() -> Parser:
    """The ``tfgraph-dnn`` argument parser with its sub-commands."""
    parser = Parser(prog="tfgraph-dnn", description=(
        "Train TF1-graph deep nets (Hands-On ML chapter 11) from the command line."))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train.add_parser(commands)
    search.add_parser(commands)
    migrate_command.add_parser(commands)
    serve.add_parsers(commands)
    datasets = commands.add_parser("datasets",
                                   help="list the offline data sets and how each is scaled")
    datasets.add_argument("--mnist-dir", metavar="DIR",
                          help="also check the MNIST idx files of DIR (the mnist data set)")
    add_verbose_flag(datasets)
    datasets.set_defaults(func=cmd_datasets)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line; returns the exit code (2 for bad flags, files or models)."""
    args = build_parser().parse_args(argv)
    # The level holds for this command only: main() called from Python (a test, a
    # notebook) leaves the caller's environment -- and its later subprocesses -- as it was.
    previous = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
    if getattr(args, "verbose", False):
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"
    else:  # TensorFlow's C++ notices would hide the progress lines; errors still show.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        return _run(args)
    finally:
        if previous is None:
            os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)
        else:
            os.environ["TF_CPP_MIN_LOG_LEVEL"] = previous


def _run(args) -> int:
    """Run the parsed command; errors a user can fix become one line and exit code 2."""
    try:
        return args.func(args)
    except (CliError, ValueError, OSError, ArithmeticError, ImportError) as error:
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"tfgraph-dnn {args.command}: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"tfgraph-dnn {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
