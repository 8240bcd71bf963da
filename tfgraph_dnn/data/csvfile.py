"""CSV files of user data (room: ``data``; NumPy only): see :mod:`tfgraph_dnn.data.files`.

The text (encodings, separators, quotes, blank lines), the header line (given,
or decided from the first row by :func:`first_row_is_header`), the feature
cells (ASCII decimals as float32) and the labels.  Every problem is one
``ValueError`` naming the file, the line and the column.
"""
from __future__ import annotations

import codecs
import csv
import difflib
import io
import math
import re
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

#: Label cells read as missing (after stripping spaces), besides any spelling of NaN: what
#: pandas, R, Excel, SQL and survey exports write for "no value".
MISSING_LABELS = frozenset({"", "NA", "N/A", "n/a", "#N/A", "#NA", "<NA>", "NULL", "null",
                            "None", "none", "?", "-"})
_NAN = re.compile(r"[+-]?nan", re.IGNORECASE)
_INFINITE = re.compile(r"[+-]?inf(?:inity)?", re.IGNORECASE)
_INTEGER = re.compile(r"[+-]?[0-9]+")
#: The numbers of a CSV file: ASCII decimals (no ``1_000``, no non-ASCII digits).
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"\s*[+-]?[0-9]*,[0-9]+\s*")
_DELIMITERS = (",", ";", "\t")
_LISTED = 10  # rows or columns named in one error message
_SAMPLE = 100  # rows below a first row looked at to tell a header from data
Records = List[Tuple[int, List[str]]]
Target = Union[str, int, None]


def listing(numbers: Sequence[int], word: str) -> str:
    """``"line 3"``, ``"lines 3, 5"`` or ``"lines 3, 5, ... and 12 more"``."""
    if len(numbers) == 1:
        return f"{word} {numbers[0]}"
    shown = ", ".join(str(number) for number in numbers[:_LISTED])
    more = f" and {len(numbers) - _LISTED} more" if len(numbers) > _LISTED else ""
    return f"{word}s {shown}{more}"


def is_missing(label: str) -> bool:
    """Whether a (stripped) label cell means "no value"."""
    return label in MISSING_LABELS or _NAN.fullmatch(label) is not None


def is_number(cell: str) -> bool:
    """Whether a cell is a number of a CSV file (a decimal, NaN or infinity), spaces aside."""
    cell = cell.strip()
    return bool(_DECIMAL.fullmatch(cell) or _NAN.fullmatch(cell) or _INFINITE.fullmatch(cell))


def parse_labels(path: str, cells: List[str], lines: List[int], column: str) -> np.ndarray:
    """Integers, else floats, else strings (all stripped); missing or infinite labels raise.

    Parameters
    ----------
    path : str
        For the messages.
    cells : list of str
        The target column's cells, one per data row.
    lines : list of int
        The file line of each data row.
    column : str
        The target column's name (or ``"column N"``).

    Returns
    -------
    ndarray
        int64, float64 or str.
    """
    labels = [cell.strip() for cell in cells]
    missing = [line for line, label in zip(lines, labels) if is_missing(label)]
    if missing:
        raise ValueError(f"{path}: missing label in {column} on "
                         f"{listing(missing, 'line')}; drop or fill these rows")
    if all(_INTEGER.fullmatch(label) for label in labels):
        try:
            return np.array([int(label) for label in labels], dtype=np.int64)
        except OverflowError:  # beyond int64: keep them as written
            return np.array(labels)
    if all(_DECIMAL.fullmatch(label) or _INFINITE.fullmatch(label) for label in labels):
        values = np.array([float(label) for label in labels], dtype=np.float64)
        infinite = [line for line, value in zip(lines, values) if not math.isfinite(value)]
        if infinite:
            raise ValueError(f"{path}: infinite label in {column} on "
                             f"{listing(infinite, 'line')}")
        return values
    return np.array(labels)


def read_text(path: str) -> str:
    """The file's text: UTF-8 (a byte-order mark dropped), or UTF-16 with a byte-order mark."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ValueError(f"Cannot read {path}: {error.strerror or error}") from error
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    try:
        text = data.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ValueError(f"{path}: line {line}: not valid {'UTF-16' if utf16 else 'UTF-8'} "
                         f"(byte {data[error.start]:#04x}); save it as UTF-8 "
                         "(in Excel: 'CSV UTF-8')") from None
    if "\0" in text:  # valid UTF-8, but not text
        line = text.count("\n", 0, text.index("\0")) + 1
        raise ValueError(f"{path}: line {line}: NUL byte; is it UTF-16 without a byte-order "
                         "mark, or not a CSV file? save it as UTF-8 (in Excel: 'CSV UTF-8')")
    return text


def _field_counts(text: str, delimiter: str, limit: int = 20) -> List[int]:
    """Fields per non-blank record of the first ``limit`` ones (as the csv module splits)."""
    counts: List[int] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(row) > 1 or (row and row[0].strip()):
                counts.append(len(row))
                if len(counts) == limit:
                    break
    except csv.Error:  # malformed: reading it reports where
        pass
    return counts


def sniff_delimiter(text: str) -> str:
    """``,``, ``;`` or tab: the one splitting the first records alike into the most fields.

    Records are split as the csv module does (quotes kept together, line breaks
    inside quotes too); a delimiter giving every record the same number of
    fields wins over one that does not, then the most fields, then ``,``.
    """
    def rank(delimiter: str):
        counts = _field_counts(text, delimiter)
        first = counts[0] if counts else 0
        return (first > 1 and len(set(counts)) == 1, first, delimiter == ",")

    return max(_DELIMITERS, key=rank)


def read_records(path: str, text: str, delimiter: str) -> Records:
    """The non-blank rows of a CSV text, each with the line it starts on.

    Raises
    ------
    ValueError
        On an unterminated quote (naming the line it opens on), text after
        a closing quote, or a NUL byte.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = []
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return records
        except csv.Error as error:
            if "unexpected end of data" in str(error):
                raise ValueError(f"{path}: line {start}: a quoted field is never closed "
                                 "(unterminated quote)") from None
            raise ValueError(f"{path}: line {reader.line_num}: malformed CSV "
                             f"({error})") from None
        if len(row) > 1 or (row and row[0].strip()):  # blank lines are skipped
            records.append((start, row))
        start = reader.line_num + 1


def first_row_is_header(path: str, records: Records, target: Target) -> bool:
    """Whether the first row is a header, decided from the file (see ``read_data_file``).

    Raises
    ------
    ValueError
        The first row holds numbers over columns of numbers and text only over
        columns of text: it may be either.
    """
    line, first = records[0]
    cells = [cell.strip() for cell in first]
    texts = [index for index, cell in enumerate(cells) if cell and not is_number(cell)]
    if not texts:
        return False  # numbers only: data
    if isinstance(target, str) and target.strip() in cells:
        return True
    below = records[1:1 + _SAMPLE]
    if not below or not any(is_number(cell) for cell in cells):
        return True  # names only (or nothing to compare with: an error follows anyway)
    for index in texts:
        column = [row[index] for _, row in below if index < len(row)]
        if column and all(is_number(cell) for cell in column):
            return True  # text over a column of numbers: a name
    shown = ", ".join(repr(cells[index]) for index in texts[:3])
    raise ValueError(f"{path}: line {line}: cannot tell whether the first row is a header or "
                     f"data: its text ({shown}) sits over columns of text and its numbers over"
                     " numbers; say whether the file has a header line (header=True or "
                     "header=False)")


def columns_text(header: Optional[List[str]], width: int = 0) -> str:
    """``columns are [...]``, abridged for wide files; for no header, says so."""
    if header is None:
        return f"it has no header line, so its {width} columns have no names"
    if len(header) <= 2 * _LISTED:
        return f"columns are {header}"
    shown = [repr(name) for name in header[:_LISTED]] + ["..."] \
        + [repr(name) for name in header[-3:]]
    return f"its {len(header)} columns are [{', '.join(shown)}]"


def target_index(path: str, header: Optional[List[str]], width: int, first: Tuple[int, list],
                 target: Target, require_target: bool) -> Optional[int]:
    """The target column's index (``None``: no target, or absent and not required)."""
    if target is None:
        return None
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        if not -width <= target < width:
            raise ValueError(f"{path}: target column position {target} is beyond its "
                             f"{width} columns (positions count from 0)")
        return int(target) % width
    if header is None:
        if not require_target:
            return None
        line, row = first
        preview = ", ".join(cell.strip() for cell in row[:5]) + (", ..." if len(row) > 5 else "")
        raise ValueError(f"{path} has no header line (line {line} is data: {preview}), so its "
                         f"columns have no names and target {target!r} names none; add a "
                         "header line, or give the target column by its position")
    matches = [index for index, name in enumerate(header) if name == target.strip()]
    if len(matches) > 1:
        raise ValueError(f"{path}: column {target!r} appears more than once (columns "
                         f"{', '.join(str(index + 1) for index in matches)})")
    if matches:
        return matches[0]
    if not require_target:
        return None
    folded = [name for name in header if name.casefold() == target.strip().casefold()]
    close = folded or difflib.get_close_matches(target, header, n=1)
    suggestion = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"Target column {target!r} not in {path}; "
                     f"{columns_text(header)}{suggestion}")


def _bad_feature(path: str, cell: str, line: int, column: int, name: Optional[str],
                 delimiter: str) -> ValueError:
    """The error for one feature cell that is not a finite float32."""
    where = f"{path}: line {line}, column {column}" + (f" ({name!r})" if name is not None
                                                       else "")
    stripped = cell.strip()
    if not stripped:
        unnamed = " (the header leaves this column unnamed: a separator at the end of " \
            "every line?)" if name == "" else ""
        return ValueError(f"{where}: empty value (missing features are not supported)"
                          f"{unnamed}")
    if not is_number(stripped):
        hint = ""
        if delimiter != "," and _DECIMAL_COMMA.fullmatch(cell):
            hint = " (decimal commas are not supported: write 1.5, not 1,5)"
        return ValueError(f"{where}: {cell!r} is not a number{hint}")
    beyond = " (beyond float32's range)" if math.isfinite(float(stripped)) else ""
    return ValueError(f"{where}: {cell!r} is not a finite number{beyond}")


def parse_features(path: str, body: Records, index: Optional[int],
                   header: Optional[List[str]], delimiter: str, plain: bool) -> np.ndarray:
    """The feature cells as float32; the first bad cell raises, naming line and column.

    ``plain``: the text is ASCII without ``_``, so NumPy's parsing accepts no
    more than :func:`is_number` (else each cell is checked).
    """
    width = len(body[0][1])
    columns = [column for column in range(width) if column != index]
    rows = [row for _, row in body] if index is None else \
        [row[:index] + row[index + 1:] for _, row in body]

    def error(row: int, position: int) -> ValueError:
        column = columns[position]
        return _bad_feature(path, rows[row][position], body[row][0], column + 1,
                            None if header is None else header[column], delimiter)

    if not plain:
        for number, row in enumerate(rows):
            for position, cell in enumerate(row):
                if not is_number(cell):
                    raise error(number, position)
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            X = np.array(rows, dtype=np.float32).reshape(len(rows), len(columns))
    except ValueError:
        for number, row in enumerate(rows):
            for position, cell in enumerate(row):
                if not is_number(cell):
                    raise error(number, position) from None
        raise ValueError(f"{path}: non-numeric feature values") from None  # pragma: no cover
    finite = np.isfinite(X)
    if not finite.all():
        bad_row, bad_column = (int(number) for number in np.argwhere(~finite)[0])
        raise error(bad_row, bad_column)
    return X
