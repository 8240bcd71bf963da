"""A notebook's JSON: parsed with the position of every value, checked against nbformat 4.

:func:`parse` reads JSON as :func:`json.loads` does (same values, ``NaN`` and
``Infinity`` included, the last of duplicate keys winning) and also returns
where each value stands in the text, so a migration replaces the text of the
changed ``source`` values only and every other byte of the notebook -- layout,
escapes, number spelling, outputs, metadata -- stays as it was.

:func:`validate` checks, before anything is migrated, the shapes Jupyter
writes (nbformat 4): an object with a ``cells`` array, ``metadata`` an
object, each cell an object with a known ``cell_type``, ``source`` a string or
an array of strings, ``metadata`` an object, a code cell's ``outputs`` an
array of objects and ``execution_count`` an integer or null.  A notebook that
fails is a :class:`~.report.MigrationError` naming the file and the cell.
"""
from __future__ import annotations

import json
import re
from json.decoder import scanstring
from typing import Any, Dict, List, Tuple

from ..exceptions import MigrationError

Path = Tuple[Any, ...]
Spans = Dict[Path, Tuple[int, int]]
CELL_TYPES = ("code", "markdown", "raw")
_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"(-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?")
_CONSTANTS = {"null": None, "true": True, "false": False, "NaN": float("nan"),
              "Infinity": float("inf"), "-Infinity": float("-inf")}
#: Values deeper than this are parsed but their positions are not kept.
_SPAN_DEPTH = 4


class _Invalid(Exception):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message, self.position = message, position


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.spans: Spans = {}

    def space(self, index: int) -> int:
        return _SPACE.match(self.text, index).end()  # type: ignore[union-attr]

    def value(self, index: int, path: Path) -> Tuple[Any, int]:
        text = self.text
        start = index
        char = text[index:index + 1]
        if char == "{":
            value, index = self.object(index + 1, path)
        elif char == "[":
            value, index = self.array(index + 1, path)
        elif char == '"':
            try:
                value, index = scanstring(text, index + 1, True)
            except json.JSONDecodeError as error:
                raise _Invalid(error.msg, error.pos) from None
        else:
            for word, constant in _CONSTANTS.items():
                if text.startswith(word, index):
                    value, index = constant, index + len(word)
                    break
            else:
                match = _NUMBER.match(text, index)
                if match is None:
                    raise _Invalid("Expecting value", index)
                integer, fraction, exponent = match.groups()
                try:
                    value = float(match.group()) if fraction or exponent else int(integer)
                except ValueError as error:  # more digits than int() accepts
                    raise _Invalid(str(error), index) from None
                index = match.end()
        if len(path) <= _SPAN_DEPTH:
            self.spans[path] = (start, index)
        return value, index

    def object(self, index: int, path: Path) -> Tuple[Dict[str, Any], int]:
        result: Dict[str, Any] = {}
        index = self.space(index)
        if self.text.startswith("}", index):
            return result, index + 1
        while True:
            if not self.text.startswith('"', index):
                raise _Invalid("Expecting property name enclosed in double quotes", index)
            key, index = self.value(index, path + (None,))
            index = self.space(index)
            if not self.text.startswith(":", index):
                raise _Invalid("Expecting ':' delimiter", index)
            result[key], index = self.value(self.space(index + 1), path + (key,))
            index = self.space(index)
            if self.text.startswith("}", index):
                return result, index + 1
            if not self.text.startswith(",", index):
                raise _Invalid("Expecting ',' delimiter", index)
            index = self.space(index + 1)

    def array(self, index: int, path: Path) -> Tuple[List[Any], int]:
        result: List[Any] = []
        index = self.space(index)
        if self.text.startswith("]", index):
            return result, index + 1
        while True:
            item, index = self.value(index, path + (len(result),))
            result.append(item)
            index = self.space(index)
            if self.text.startswith("]", index):
                return result, index + 1
            if not self.text.startswith(",", index):
                raise _Invalid("Expecting ',' delimiter", index)
            index = self.space(index + 1)


def parse(text: str, filename: str) -> Tuple[Any, Spans]:
    """Parse JSON text, keeping where each value (to depth 4) stands.

    Parameters
    ----------
    text : str
        May start with a byte-order mark (kept out of the value).
    filename : str
        For messages.

    Returns
    -------
    value : object
        As :func:`json.loads` would return it.
    spans : dict
        Path (keys and indices from the top) -> ``(start, end)`` in ``text``.

    Raises
    ------
    MigrationError
        Not JSON (the message has the line), or nested too deeply.
    """
    parser = _Parser(text)
    start = 1 if text.startswith("\ufeff") else 0
    try:
        value, end = parser.value(parser.space(start), ())
        end = parser.space(end)
        if end != len(text):
            raise _Invalid("Extra data", end)
    except _Invalid as error:
        line = text.count("\n", 0, error.position) + 1
        raise MigrationError(filename, line, f"not a notebook: invalid JSON ({error.message})"
                             ) from None
    except RecursionError:
        raise MigrationError(filename, None, "not a notebook: JSON nested too deeply") from None
    return value, parser.spans


def _kind(value: Any) -> str:
    """The JSON name of ``value``'s type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _fail(filename: str, what: str, value: Any, expected: str, cell: Any = None) -> None:
    raise MigrationError(filename, None, f"not a valid notebook (nbformat 4): {what} is "
                         f"{_kind(value)}, expected {expected}", cell)


def _check_cell(cell: Any, filename: str, number: int) -> None:
    if not isinstance(cell, dict):
        _fail(filename, "the cell", cell, "an object", number)
    kind = cell.get("cell_type")
    if kind not in CELL_TYPES:
        shown = json.dumps(kind) if isinstance(kind, str) else _kind(kind)
        raise MigrationError(filename, None, "not a valid notebook (nbformat 4): 'cell_type' is "
                             f"{shown if 'cell_type' in cell else 'missing'}, expected one of "
                             f"{', '.join(CELL_TYPES)}", number)
    if "source" not in cell:
        raise MigrationError(filename, None, "not a valid notebook (nbformat 4): the cell has "
                             "no 'source'", number)
    source = cell["source"]
    if isinstance(source, list):
        for index, line in enumerate(source):
            if not isinstance(line, str):
                _fail(filename, f"'source' item {index + 1}", line, "a string", number)
    elif not isinstance(source, str):
        _fail(filename, "'source'", source, "a string or an array of strings", number)
    shapes = [("metadata", dict, "an object"), ("attachments", dict, "an object"),
              ("id", str, "a string")]
    if kind == "code":
        shapes += [("outputs", list, "an array")]
    for key, kind_type, expected in shapes:
        if key in cell and not isinstance(cell[key], kind_type):
            _fail(filename, f"'{key}'", cell[key], expected, number)
    count = cell.get("execution_count")
    if kind == "code" and not (count is None or (isinstance(count, int)
                                                 and not isinstance(count, bool))):
        _fail(filename, "'execution_count'", count, "an integer or null", number)
    for index, output in enumerate(cell.get("outputs", []) if kind == "code" else []):
        if not isinstance(output, dict):
            _fail(filename, f"output {index + 1}", output, "an object", number)


def validate(notebook: Any, filename: str) -> str:
    """Check the shapes of an nbformat 4 notebook; return its kernel's language.

    Parameters
    ----------
    notebook : object
        The parsed JSON.
    filename : str

    Returns
    -------
    str
        ``metadata.language_info.name``, lower case (``"python"`` if absent).

    Raises
    ------
    MigrationError
        The first shape that is wrong, naming the file and (1-based) cell.
    """
    if not isinstance(notebook, dict):
        _fail(filename, "the top level", notebook, "an object")
    if not isinstance(notebook.get("cells"), list):
        raise MigrationError(filename, None, "not a notebook (nbformat 4): no 'cells' list")
    version = notebook.get("nbformat", 4)
    if version != 4 or isinstance(version, bool):
        raise MigrationError(filename, None, f"not a notebook (nbformat 4): 'nbformat' is "
                             f"{json.dumps(version)}; open and save it in Jupyter to convert it")
    metadata = notebook.get("metadata", {})
    if not isinstance(metadata, dict):
        _fail(filename, "'metadata'", metadata, "an object")
    info = metadata.get("language_info", {})
    if not isinstance(info, dict):
        _fail(filename, "'metadata.language_info'", info, "an object")
    language = info.get("name", "python")
    if not isinstance(language, str):
        _fail(filename, "'metadata.language_info.name'", language, "a string")
    for number, cell in enumerate(notebook["cells"], start=1):
        _check_cell(cell, filename, number)
    return language.lower()
