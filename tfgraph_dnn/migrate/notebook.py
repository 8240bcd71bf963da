"""Migrate the code cells of a Jupyter notebook, keeping IPython syntax and the JSON layout.

A code cell is first parsed as it is; only if that fails are its IPython lines
masked -- line magics (``%matplotlib inline``), shell lines (``!pip install``),
``x = !ls`` / ``x = %who_ls``, help (``tf.layers.dense?``, ``?tf``) and a cell
magic's first line (``%%time``) -- each replaced by a ``pass`` placeholder
with the same indentation, so line numbers stay the same; the placeholders
are put back, byte for byte, after the rewrite.  Cells under a cell magic
whose body is not Python (``%%bash``, ``%%writefile``, ``%%html``...) are
left alone.  Markdown and raw cells, outputs, execution counts and metadata
are never touched; an unchanged notebook is returned as the very same text.
"""
from __future__ import annotations

import json
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .report import Change, MigrationError, MigrationResult

#: Cell magics whose body is Python run in the kernel.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
_IPYTHON_LINE = re.compile(
    r"^\s*(?:[%!?]"                                     # %magic, !shell, ?help
    r"|[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[%!])")  # x = !ls, x = %who_ls
_HELP_SUFFIX = re.compile(r"^\s*[A-Za-z_][\w.]*\s*\?\??\s*$")   # tf.layers.dense? / ??
_MARK = "__tfgraph_dnn_ipython_line_{}__"
_PLACEHOLDER = re.compile(r"^[ \t]*pass  # __tfgraph_dnn_ipython_line_(\d+)__(\r\n|\r|\n)?$")


def _cell_magic(code: str) -> Optional[str]:
    """The name of the cell magic on the cell's first non-blank line, if any."""
    for line in code.splitlines():
        if line.strip():
            match = re.match(r"\s*%%(\w+)", line)
            return match.group(1) if match else None
    return None


def mask_ipython(code: str) -> Tuple[str, Dict[int, str]]:
    """Replace IPython-only lines by numbered ``pass`` placeholders.

    Parameters
    ----------
    code : str
        A code cell's source.

    Returns
    -------
    masked : str
        Same number of lines; IPython lines replaced.
    originals : dict
        Placeholder number -> original line (with its line ending).
    """
    originals: Dict[int, str] = {}
    lines = code.splitlines(keepends=True)
    for index, line in enumerate(lines):
        body = line.rstrip("\r\n")
        if _IPYTHON_LINE.match(body) or _HELP_SUFFIX.match(body):
            indent = body[:len(body) - len(body.lstrip())]
            originals[index] = line
            lines[index] = f"{indent}pass  # {_MARK.format(index)}{line[len(body):]}"
    return "".join(lines), originals


def unmask_ipython(code: str, originals: Dict[int, str]) -> str:
    """Put the lines that :func:`mask_ipython` replaced back."""
    if not originals:
        return code
    lines = code.splitlines(keepends=True)
    for index, line in enumerate(lines):
        match = _PLACEHOLDER.match(line)
        if match and int(match.group(1)) in originals:
            lines[index] = originals[int(match.group(1))]
    return "".join(lines)


def migrate_cell(code: str, filename: str, cell: int,
                 resolve: Callable[[Sequence[str]], Optional[str]],
                 names: Optional[Dict[str, List[str]]] = None
                 ) -> Tuple[str, List[Change], List[Change]]:
    """Migrate one code cell's source.

    Parameters
    ----------
    code : str
    filename : str
    cell : int
        1-based, for messages and the report.
    resolve : callable
    names : dict, optional
        Names bound to the namespace by earlier cells (updated; see
        :func:`.rewrite.rewrite_module`).

    Returns
    -------
    code, changes, unsupported

    Raises
    ------
    MigrationError
        The cell (IPython lines masked) does not parse.
    """
    import libcst as cst

    from . import parse
    from .rewrite import rewrite_module

    magic = _cell_magic(code)
    if magic is not None and magic not in PYTHON_CELL_MAGICS:
        return code, [], []
    originals: Dict[int, str] = {}
    try:
        module = cst.parse_module(code)
    except cst.ParserSyntaxError:
        masked, originals = mask_ipython(code)
        module = parse(masked, filename, cell)
    new_code, changes, unsupported = rewrite_module(module, resolve, names)
    new_code = unmask_ipython(new_code, originals)
    return (new_code, [c.in_cell(cell) for c in changes],
            [c.in_cell(cell) for c in unsupported])


def _indent_of(text: str) -> int:
    """The indentation of the notebook's JSON (nbformat writes 1)."""
    match = re.match(r"[^\n]*\n( +)\S", text)
    return len(match.group(1)) if match else 1


def migrate_notebook_text(text: str, filename: str,
                          resolve: Callable[[Sequence[str]], Optional[str]]
                          ) -> MigrationResult:
    """Migrate every code cell of a notebook's JSON text.

    Parameters
    ----------
    text : str
    filename : str
    resolve : callable

    Returns
    -------
    MigrationResult
        ``code`` is the new JSON text (``text`` itself if no cell changed).

    Raises
    ------
    MigrationError
        Not a notebook, or a code cell does not parse.
    """
    try:
        notebook = json.loads(text)
    except ValueError as error:
        raise MigrationError(filename, getattr(error, "lineno", None),
                             f"not a notebook: invalid JSON ({getattr(error, 'msg', error)})"
                             ) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise MigrationError(filename, None, "not a notebook (nbformat 4): no 'cells' list")
    language = notebook.get("metadata", {}).get("language_info", {}).get("name", "python")
    result = MigrationResult(text, filename=filename)
    if str(language).lower() != "python":
        return result
    changed = False
    names: Dict[str, List[str]] = {}  # the kernel's namespace is shared by the cells
    for number, cell in enumerate(notebook["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        code = "".join(source) if isinstance(source, list) else str(source)
        if not code.strip():
            continue
        new_code, changes, unsupported = migrate_cell(code, filename, number, resolve, names)
        result.changes += changes
        result.unsupported += unsupported
        if new_code != code:
            changed = True
            cell["source"] = new_code.splitlines(keepends=True) \
                if isinstance(source, list) else new_code
    if changed:
        result.code = json.dumps(notebook, indent=_indent_of(text), ensure_ascii=False) \
            + ("\n" if text.endswith("\n") else "")
    return result
