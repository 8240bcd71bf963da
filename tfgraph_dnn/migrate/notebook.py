"""Migrate the code cells of a Jupyter notebook, keeping IPython syntax and the JSON layout.

A code cell is first parsed as it is; only if that fails are its IPython lines
masked -- line magics (``%matplotlib inline``), shell lines (``!pip install``),
``x = !ls`` / ``x = %who_ls``, help (``tf.layers.dense?``, ``?tf``) and a cell
magic's first line (``%%time``) -- each replaced by a ``pass`` placeholder
with the same indentation, so line numbers stay the same; every line that
is not rewritten, placeholders included, is then copied from the cell as it
was (:mod:`.lines`).  Cells under a cell magic
whose body is not Python (``%%bash``, ``%%writefile``, ``%%html``...) are
left alone.  Markdown and raw cells, outputs, execution counts and metadata
are never touched: the notebook is checked against nbformat 4 first
(:mod:`.nbjson`), and only the text of the changed ``source`` values is
replaced, so every other byte of the file stays; an unchanged notebook is
returned as the very same text.
"""
from __future__ import annotations

import bisect
import difflib
import itertools
import json
import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ..exceptions import MigrationError
from . import nbjson
from .lines import NEWLINE, normalize, split_lines
from .report import Change, MigrationResult

#: Cell magics whose body is Python run in the kernel.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
_IPYTHON_LINE = re.compile(
    r"^\s*(?:[%!?]"                                     # %magic, !shell, ?help
    r"|[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[%!])")  # x = !ls, x = %who_ls
_HELP_SUFFIX = re.compile(r"^\s*[A-Za-z_][\w.]*\s*\?\??\s*$")   # tf.layers.dense? / ??
_MARK_PREFIX = "__tfgraph_dnn_ipython_line_"
_MARK = _MARK_PREFIX + "{}__"


def _cell_magic(code: str) -> Optional[str]:
    """The name of the cell magic on the cell's first non-blank line, if any."""
    for line in normalize(code).split("\n"):
        if line.strip():
            match = re.match(r"\s*%%(\w+)", line)
            return match.group(1) if match else None
    return None


def mask_ipython(code: str) -> Tuple[str, Dict[int, str]]:
    """Replace IPython-only lines by numbered ``pass`` placeholders.

    Parameters
    ----------
    code : str
        A code cell's source, line endings normalized to ``\\n``.

    Returns
    -------
    masked : str
        Same number of lines; IPython lines replaced.
    originals : dict
        Line index -> original line.
    """
    originals: Dict[int, str] = {}
    lines = code.split("\n")
    for index, line in enumerate(lines):
        if _IPYTHON_LINE.match(line) or _HELP_SUFFIX.match(line):
            originals[index] = line
            lines[index] = f"{line[:len(line) - len(line.lstrip())]}pass  # {_MARK.format(index)}"
    return "\n".join(lines), originals


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
    from . import rewrite_lines

    magic = _cell_magic(code)
    if magic is not None and magic not in PYTHON_CELL_MAGICS:
        return code, [], []
    try:
        new_code, changes, unsupported = rewrite_lines(code, filename, resolve, names, cell)
    except MigrationError:
        masked, originals = mask_ipython(normalize(code))
        if not originals:
            raise
        new_code, changes, unsupported = rewrite_lines(code, filename, resolve, names, cell,
                                                       masked=masked)
        if _MARK_PREFIX in new_code and _MARK_PREFIX not in code:
            raise MigrationError(filename, None, "cannot keep its IPython lines", cell)
    return (new_code, [c.in_cell(cell) for c in changes],
            [c.in_cell(cell) for c in unsupported])


def _split_like(source: List[str], new_code: str) -> Optional[List[str]]:
    """``new_code`` cut into the items of ``source`` (an array of lines), if it can be.

    Each item made of whole lines takes the same lines of ``new_code`` (empty
    items stay empty); an item that cuts a line must be unchanged.  ``None``
    when the line counts differ or a changed line is cut.
    """
    old, new = split_lines("".join(source), NEWLINE), split_lines(new_code, NEWLINE)
    if len(old) != len(new):
        return None
    ends = list(itertools.accumulate(len(a) + len(b) for a, b in old))
    starts = [0] + ends[:-1]
    result: List[str] = []
    offset = 0
    for text in source:
        start, end = offset, offset + len(text)
        offset = end
        first, last = bisect.bisect_left(starts, start), bisect.bisect_right(ends, end)
        if not text:
            result.append("")
        elif first < last and starts[first] == start and ends[last - 1] == end:
            result.append("".join(a + b for a, b in new[first:last]))
        elif any(old[i] != new[i] for i in range(len(old))
                 if starts[i] < end and ends[i] > start):
            return None
        else:
            result.append(text)
    return result


def _source_edits(text: str, spans: nbjson.Spans, path: Tuple[Any, ...], source: Any,
                  new_code: str) -> List[Tuple[int, int, str]]:
    """The ``(start, end, replacement)`` edits of ``text`` that make a cell's source ``new_code``.

    A string source is replaced whole; for an array of lines, only the
    changed items are, the others keeping their text (escapes included).
    """
    ascii_only = text.isascii()

    def encode(value: str) -> str:
        return json.dumps(value, ensure_ascii=ascii_only)

    if isinstance(source, str):
        start, end = spans[path]
        return [(start, end, encode(new_code))]
    item = [spans[path + (index,)] for index in range(len(source))]
    same_items = _split_like(source, new_code)
    if same_items is not None:
        return [(item[i][0], item[i][1], encode(same_items[i]))
                for i in range(len(source)) if same_items[i] != source[i]]
    new = [a + b for a, b in split_lines(new_code, NEWLINE)]
    opcodes = difflib.SequenceMatcher(None, source, new, autojunk=False).get_opcodes()
    if len(item) > 1:
        separator = text[item[0][1]:item[1][0]]
    else:
        separator = "," + text[spans[path][0] + 1:item[0][0]]
    pieces: List[str] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            pieces += [text[start:end] for start, end in item[i1:i2]]
        else:
            pieces += [encode(line) for line in new[j1:j2]]
    return [(item[0][0], item[-1][1], separator.join(pieces))]


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
        ``code`` is the new JSON text (``text`` itself if no cell changed);
        only the text of changed ``source`` values differs.

    Raises
    ------
    MigrationError
        Not an nbformat 4 notebook (checked before any cell is migrated), or
        a code cell does not parse.
    """
    notebook, spans = nbjson.parse(text, filename)
    language = nbjson.validate(notebook, filename)
    result = MigrationResult(text, filename=filename)
    if language != "python":
        return result
    edits: List[Tuple[int, int, str]] = []
    names: Dict[str, List[str]] = {}  # the kernel's namespace is shared by the cells
    for number, cell in enumerate(notebook["cells"], start=1):
        if cell["cell_type"] != "code":
            continue
        source = cell["source"]
        code = "".join(source) if isinstance(source, list) else source
        if not code.strip():
            continue
        new_code, changes, unsupported = migrate_cell(code, filename, number, resolve, names)
        result.changes += changes
        result.unsupported += unsupported
        if new_code != code:
            edits += _source_edits(text, spans, ("cells", number - 1, "source"), source,
                                   new_code)
    for start, end, replacement in sorted(edits, reverse=True):
        result.code = result.code[:start] + replacement + result.code[end:]
    return result
