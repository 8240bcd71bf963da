"""Rewrite TF1 programs and notebooks to run on ``tfgraph_dnn.tf1`` (``tfgraph-dnn migrate``).

TensorFlow's own ``tf_upgrade_v2`` points ``tf.layers`` at
``tf.compat.v1.layers``, which Keras 3 breaks; this points every TF1 import at
the ``tfgraph_dnn.tf1`` namespace instead (``tf.compat.v1`` plus ``layers``,
``contrib.layers``, ``contrib.framework``, ``contrib.distributions``) and
keeps the rest of the file byte for byte (libcst)::

    import tensorflow as tf                          -> import tfgraph_dnn.tf1 as tf
    import tensorflow                                -> import tfgraph_dnn.tf1 as tensorflow
    import tensorflow.compat.v1 as tf                -> import tfgraph_dnn.tf1 as tf
    from tensorflow.compat import v1 as tf           -> import tfgraph_dnn.tf1 as tf
    from tensorflow import layers                    -> from tfgraph_dnn.tf1 import layers

and every import of a provided contrib module (``layers``, ``framework``,
``rnn``, ``losses``, ``metrics``, ``learn``, ``slim``, ``distributions``, their
``python.*`` internals included; module or ``from`` form) to the same name
under ``tfgraph_dnn.tf1.contrib`` (table in :mod:`.rules`).

``tf.estimator`` and ``tf.keras`` (any spelling: ``tf.compat.v1.estimator``,
``from tensorflow import estimator``, ``import tensorflow.estimator as est``...)
point at the namespace's ``estimator`` and ``keras`` like any other module.

``tf.compat.v1.X`` call sites are left as they are (the namespace is its own
``compat.v1``).  What cannot run is left unchanged and reported with its line
and reason (:mod:`.rules`): other ``tf.contrib`` modules, the ``tf.estimator``
names TF 1.15 had that the namespace does not provide (or that never existed),
``tf.keras.datasets`` and ``tensorflow.examples`` (they download), contrib's
special RNN cells (TF1's core cells and ``tf.nn.dynamic_rnn`` are provided),
queue runners, ``tensorflow.python`` internals, and every ``tf.a.b.c`` that
:func:`tfgraph_dnn.tf1_api.resolve` does not find -- also when reached through
a simple alias (``slim = tf.contrib.slim; slim.nonexistent``, see
:mod:`.chains`).  Migrating migrated code changes nothing.

Functions: :func:`migrate_source`, :func:`migrate_notebook`, :func:`migrate_file`.
"""
from __future__ import annotations

import ast
import dataclasses
import io
import tokenize
from typing import Callable, Optional, Sequence

from ..exceptions import MigrationError
from .report import Change, MigrationResult
from .resolver import Resolver

__all__ = ["Change", "MigrationError", "MigrationResult", "Resolver", "migrate_file",
           "migrate_notebook", "migrate_source"]

#: Deepest syntax tree migrated (Python stops near 3,000 levels; libcst crashes near there).
MAX_DEPTH = 500
ResolveArg = Optional[Callable[[Sequence[str]], Optional[str]]]
_DEFAULT_RESOLVER: Optional[Resolver] = None


def _resolver(resolve: ResolveArg) -> Callable[[Sequence[str]], Optional[str]]:
    global _DEFAULT_RESOLVER
    if resolve is not None:
        return resolve
    if _DEFAULT_RESOLVER is None:
        _DEFAULT_RESOLVER = Resolver()
    return _DEFAULT_RESOLVER


def _depth(tree: ast.AST) -> int:
    """The depth of a syntax tree (iteratively: it may be deep)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack += [(child, depth + 1) for child in ast.iter_child_nodes(node)]
    return deepest


def parse(code: str, filename: str, cell: Optional[int] = None):
    """Parse ``code`` with Python, then with libcst; errors are :class:`MigrationError`.

    What Python rejects is rejected even if libcst accepts it (a null byte in
    a comment), with Python's own message and line (they read better than
    libcst's list of expected tokens).  Code nested deeper than
    :data:`MAX_DEPTH` is refused before libcst sees it: its native parser
    crashes the process (segmentation fault) a little beyond what Python
    accepts.
    """
    import libcst as cst

    try:
        tree = ast.parse(code, filename)
    except SyntaxError as error:
        raise MigrationError(filename, error.lineno, f"cannot parse: {error.msg}", cell) from None
    except (ValueError, MemoryError, RecursionError):
        raise MigrationError(filename, None, "cannot parse: nested too deeply", cell) from None
    depth = _depth(tree)
    if depth > MAX_DEPTH:
        raise MigrationError(filename, None, f"cannot parse: nested too deeply ({depth} "
                             f"levels; the limit is {MAX_DEPTH})", cell)
    try:
        return cst.parse_module(code)
    except cst.ParserSyntaxError as error:
        raise MigrationError(filename, error.raw_line,
                             f"cannot parse: {error.message.splitlines()[0]}", cell) from None


def migrate_source(code: str, filename: str = "<string>", *,
                   resolve: ResolveArg = None) -> MigrationResult:
    """Migrate the source of one Python module.

    Parameters
    ----------
    code : str
    filename : str, default="<string>"
        Used in messages only.
    resolve : callable, optional
        ``parts -> reason or None`` telling whether ``tf.<parts>`` exists in
        the namespace; default: :func:`tfgraph_dnn.tf1_api.resolve`, imported
        (with TensorFlow) only when a chain has to be checked.

    Returns
    -------
    MigrationResult

    Raises
    ------
    MigrationError
        ``code`` does not parse (the message names ``filename`` and the line).
    """
    new_code, changes, unsupported = rewrite_lines(code, filename, _resolver(resolve))
    return MigrationResult(new_code, changes, unsupported, filename=filename)


def _relocate(item: Change, mapping) -> Change:
    """``item`` at the original line that libcst's line ``item.line`` reproduces."""
    index = item.line - 1
    if 0 <= index < len(mapping) and mapping[index] is not None:
        return dataclasses.replace(item, line=mapping[index] + 1)
    return item


def rewrite_lines(code: str, filename: str, resolve: Callable[[Sequence[str]], Optional[str]],
                  names=None, cell: Optional[int] = None, masked: Optional[str] = None):
    """Rewrite ``code`` keeping every line not rewritten byte for byte (see :mod:`.lines`).

    Parameters
    ----------
    code : str
        The source as read, any line endings.
    filename : str
    resolve : callable
    names : dict, optional
        As in :func:`.rewrite.rewrite_module`.
    cell : int, optional
        Notebook cell (for messages).
    masked : str, optional
        ``code`` normalized with its IPython lines masked (same lines), parsed
        instead of ``code``.

    Returns
    -------
    code, changes, unsupported

    Raises
    ------
    MigrationError
        The code does not parse, is nested too deeply for the parser, or the
        parser cannot reproduce its lines.
    """
    from .lines import line_map, normalize, splice
    from .rewrite import rewrite_module

    try:
        parsed = normalize(code) if masked is None else masked  # same lines as code
        module = parse(parsed, filename, cell)
        round_trip = module.code
        new_code, changes, unsupported = rewrite_module(module, resolve, names)
        # libcst's positions count its own lines, which may lack some of ours
        mapping = line_map(parsed, round_trip)
        changes, unsupported = ([_relocate(item, mapping) for item in items]
                                for items in (changes, unsupported))
        return splice(code, round_trip, new_code, mapping), changes, unsupported
    except RecursionError:
        raise MigrationError(filename, None, "cannot parse: nested too deeply", cell) from None
    except MigrationError:
        raise
    except ValueError as error:
        raise MigrationError(filename, None, f"not migrated: {error}", cell) from None


def migrate_notebook(text: str, filename: str = "<notebook>", *,
                     resolve: ResolveArg = None) -> MigrationResult:
    """Migrate the code cells of a Jupyter notebook (its JSON text).

    Markdown and raw cells, outputs and metadata are kept; IPython lines
    (``%magic``, ``!shell``, ``%%time``, ``obj?``) are kept as they are;
    notebook changes are reported as ``cell N, line M``.

    Parameters
    ----------
    text : str
        The ``.ipynb`` file's content.
    filename : str, default="<notebook>"
    resolve : callable, optional
        As in :func:`migrate_source`.

    Returns
    -------
    MigrationResult
        ``code`` is the notebook's JSON text: the input itself when nothing
        changed, else the input with only the text of the changed ``source``
        values replaced (every other byte kept), so a diff shows only the
        changed source lines.

    Raises
    ------
    MigrationError
        Not an nbformat 4 notebook (bad JSON, wrong shapes: checked before any
        cell is migrated, naming the cell), or a code cell does not parse.
    """
    from .notebook import migrate_notebook_text

    return migrate_notebook_text(text, filename, _resolver(resolve))


def read_source(path: str):
    """``(text, encoding)`` of a ``.py`` file, by its coding cookie / BOM (PEP 263)."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding), encoding
    except (SyntaxError, LookupError, UnicodeDecodeError) as error:
        raise MigrationError(path, None, f"cannot read: {error}") from None


def migrate_file(path: str, *, resolve: ResolveArg = None) -> MigrationResult:
    """Migrate a ``.py`` file or (by its ``.ipynb`` suffix) a notebook; writes nothing.

    Parameters
    ----------
    path : str
    resolve : callable, optional
        As in :func:`migrate_source`.

    Returns
    -------
    MigrationResult
        With ``filename`` = ``path`` and the file's ``encoding``; line endings
        are kept (write ``code`` back with ``newline=""``).

    Raises
    ------
    MigrationError
        The file cannot be decoded or parsed.
    OSError
        The file cannot be read.
    """
    if path.endswith(".ipynb"):
        with open(path, encoding="utf-8", newline="") as handle:
            try:
                text = handle.read()
            except UnicodeDecodeError as error:
                raise MigrationError(path, None, f"cannot read: {error}") from None
        return migrate_notebook(text, path, resolve=resolve)
    text, encoding = read_source(path)
    result = migrate_source(text, path, resolve=resolve)
    result.encoding = encoding
    return result
