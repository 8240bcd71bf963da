"""``tfgraph-dnn migrate``: rewrite TF1 ``.py`` files and notebooks (room: ``cli``).

The sources are pointed at the ``tfgraph_dnn.tf1`` namespace by :mod:`tfgraph_dnn.migrate`.

``tfgraph-dnn migrate SRC [SRC ...] [-o OUT | --in-place] [--strict] [--no-api-check]``

* SRC: files or directories (searched recursively for ``*.py`` and ``*.ipynb``,
  skipping hidden directories, ``__pycache__`` and OUT itself);
* ``-o OUT``: for one file SRC, OUT is the output file (or the directory to
  write it into, if OUT is a directory or ends with a slash); otherwise OUT is
  a directory mirroring the sources' paths relative to their common parent
  (for one directory SRC: relative to it).  Every file found is written there,
  changed or not, and no existing file is ever overwritten;
* ``--in-place``: rewrite the changed sources themselves (through a symbolic
  link: the file it points to);
* neither: report only, nothing is written.

All-or-nothing: every file is read, checked (a notebook against nbformat 4)
and migrated, and every output path checked, before anything is written; then
all outputs are written as one transaction (:mod:`tfgraph_dnn.migrate.writeplan`).
Unusable input (a syntax error, a malformed notebook, bad UTF-8, an unreadable
file or directory) or a failed write is one line naming the file (and cell or
line), exit 2, and leaves the disk as it was.  The report
(``path:line: changed: old -> new``, ``path:line: not migrated: construct:
why``, ``cell N, line M`` for notebooks) and a summary line go to stdout; exit
0, or 1 with ``--strict`` when a construct was not migrated -- then nothing is
written.
Neither libcst nor TensorFlow is imported for ``--help`` or a bad flag, and
TensorFlow only when a ``tf.*`` name has to be checked.
"""
from __future__ import annotations

import argparse
import os
from typing import Dict, List, Optional, Tuple

from ..exceptions import CliError

SUFFIXES = (".py", ".ipynb")
EXIT_NOT_MIGRATED = 1


def add_parser(commands) -> None:
    """Register ``migrate`` on the sub-command set of ``tfgraph-dnn``.

    Parameters
    ----------
    commands : argparse._SubParsersAction
    """
    parser = commands.add_parser(
        "migrate", help="rewrite TF1 .py files and notebooks to run on tfgraph_dnn.tf1",
        description=(
            "Rewrite TensorFlow 1 imports (tensorflow, tensorflow.compat.v1, tf.layers, "
            "tf.contrib.layers/framework/rnn/slim/losses/distributions, tf.estimator, "
            "tf.keras) to the tfgraph_dnn.tf1 namespace, keeping everything else byte for "
            "byte, and report each change and each construct it cannot migrate (other "
            "tf.contrib modules, tf.estimator names not provided, queue runners, missing tf.* "
            "names, also through aliases such as slim = tf.contrib.slim) with its line. Files are "
            "all checked before any is written: on an error nothing is written. Without -o or "
            "--in-place, only the report is printed."))
    parser.add_argument("sources", nargs="+", metavar="SRC",
                        help=".py / .ipynb files, or directories searched recursively")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("-o", "--output", metavar="OUT",
                        help="output file (one file SRC) or directory mirroring the "
                        "sources; existing files are never overwritten")
    target.add_argument("--in-place", action="store_true",
                        help="rewrite the sources themselves (only those that change)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1, writing nothing, if any construct was not migrated")
    parser.add_argument("--no-api-check", action="store_true",
                        help="don't check tf.* names against the tfgraph_dnn.tf1 namespace "
                        "(faster: TensorFlow is not imported)")
    parser.set_defaults(func=cmd_migrate)


def _unreadable(error: OSError) -> None:
    raise CliError(f"{error.filename}: cannot read directory ({error.strerror}); "
                   "nothing written")


def _walk(directory: str, skip: Optional[str]) -> List[str]:
    found = []
    for root, dirs, files in os.walk(directory, onerror=_unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__"
                         and os.path.abspath(os.path.join(root, d)) != skip)
        found += [os.path.join(root, name) for name in sorted(files)
                  if name.endswith(SUFFIXES)]
    return found


def collect(sources: List[str], output: Optional[str]) -> List[Tuple[str, str]]:
    """The files to migrate, each with its path relative to the output root.

    Parameters
    ----------
    sources : list of str
        SRC arguments.
    output : str or None
        ``-o`` (skipped when it lies inside a directory SRC).

    Returns
    -------
    list of (path, relative path)

    Raises
    ------
    CliError
        A SRC does not exist, or no file was found.
    """
    for source in sources:
        if not os.path.exists(source):
            raise CliError(f"{source}: no such file or directory")
    skip = os.path.abspath(output) if output else None
    absolute = [os.path.abspath(source) for source in sources]
    base = os.path.commonpath(absolute)
    if os.path.isfile(base):
        base = os.path.dirname(base)
    files: List[Tuple[str, str]] = []
    seen = set()
    for source in sources:
        found = _walk(source, skip) if os.path.isdir(source) else [source]
        for path in found:
            if os.path.realpath(path) not in seen:
                seen.add(os.path.realpath(path))
                files.append((path, os.path.relpath(os.path.abspath(path), base)))
    if not files:
        raise CliError(f"no .py or .ipynb files in {', '.join(sources)}")
    return files


def output_paths(args, files: List[Tuple[str, str]]) -> Dict[str, str]:
    """Source path -> output path, refusing to overwrite anything (unless --in-place).

    Raises
    ------
    CliError
        An output exists, or OUT is a file where a directory is needed.
    """
    if args.in_place:
        return {path: path for path, _ in files}
    if args.output is None:
        return {}
    out = args.output
    single = len(args.sources) == 1 and os.path.isfile(args.sources[0])
    if single:
        into_dir = out.endswith(("/", os.sep)) or os.path.isdir(out)
        targets = {files[0][0]: os.path.join(out, os.path.basename(files[0][0]))
                   if into_dir else out}
    else:
        if os.path.exists(out) and not os.path.isdir(out):
            raise CliError(f"-o {out}: is a file; with several sources or a directory, "
                           "OUT must be a directory")
        targets = {path: os.path.join(out, relative) for path, relative in files}
    existing = [target for target in targets.values() if os.path.exists(target)]
    if existing:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise CliError(f"{existing[0]} already exists{more}; migrate never overwrites "
                       "(choose a new -o, or --in-place to rewrite the sources)")
    return targets


def _read_all(files: List[Tuple[str, str]], resolver) -> list:
    """``(path, MigrationResult)`` of every file, or :class:`CliError` for the first bad one."""
    from ..exceptions import MigrationError
    from ..migrate import migrate_file

    results = []
    for path, _ in files:
        try:
            results.append((path, migrate_file(path, resolve=resolver)))
        except MigrationError as error:
            raise CliError(f"{error}; nothing written")
        except OSError as error:
            raise CliError(f"{path}: cannot read ({error.strerror or error}); nothing written")
    return results


def cmd_migrate(args: argparse.Namespace) -> int:
    """``migrate``: check and migrate every SRC, then write them all (or none), then report.

    Parameters
    ----------
    args : argparse.Namespace
        ``sources``, ``output`` / ``in_place`` (neither: report only),
        ``strict``, ``no_api_check``.

    Returns
    -------
    int
        0, or 1 with ``--strict`` if a construct was not migrated (nothing is
        then written); errors raise :class:`CliError` (exit 2, nothing written).
    """
    files = collect(args.sources, args.output)
    targets = output_paths(args, files)
    from ..migrate import Resolver
    from ..exceptions import WriteError
    from ..migrate.writeplan import WritePlan

    resolver = Resolver(lambda parts: None) if args.no_api_check else Resolver(quiet=True)
    results = _read_all(files, resolver)
    n_changes = sum(len(result.changes) for _, result in results)
    n_unsupported = sum(len(result.unsupported) for _, result in results)
    refused = args.strict and n_unsupported > 0
    plan = WritePlan()
    for path, result in results:
        if targets and (not args.in_place or result.changed):
            try:
                plan.add(targets[path], result.code.encode(result.encoding),
                         replace=args.in_place)
            except UnicodeError as error:
                raise CliError(f"{path}: cannot encode the output ({error}); nothing written")
            except WriteError as error:
                raise CliError(f"{error}; nothing written")
    if not refused:
        try:
            plan.commit()
        except WriteError as error:
            raise CliError(str(error))
    for path, result in results:
        for line in result.report(path):
            print(line)
    if resolver.unavailable:
        print(f"note: {resolver.unavailable}")
    changed_files = sum(result.changed for _, result in results)
    if not targets:
        where = "report only, nothing written"
    elif refused:
        where = f"--strict: nothing written ({n_unsupported} construct(s) not migrated)"
    elif args.in_place:
        where = f"rewrote {len(plan.entries)} in place"
    else:
        where = f"wrote {len(plan.entries)} to {args.output}"
    print(f"migrate: {len(results)} file(s), {n_changes} change(s) in {changed_files} "
          f"file(s), {n_unsupported} construct(s) not migrated; {where}")
    return EXIT_NOT_MIGRATED if args.strict and n_unsupported else 0
