"""User data files: CSV and NPZ as users have them (room: ``datasets``; NumPy only).

:func:`load_file` reads a CSV file with a target column, or an NPZ file with
arrays ``X`` and ``y`` (e.g. a local copy of ``mnist.npz``: its
``x_train``/``y_train`` arrays are accepted too).  Files as users have them
(Excel's byte-order mark, Windows line endings, ``;`` separators, trailing
blank lines) are read; anything else is one ``ValueError`` naming the file and,
for a CSV file, the line and column -- never a traceback, and never a silently
wrong value (a missing label is not a class).
"""
from __future__ import annotations

import codecs
import csv
import difflib
import io
import math
import os
import re
from typing import List, Optional, Sequence, Tuple

import numpy as np


#: Label cells read as missing (after stripping spaces), besides any spelling of NaN: what
#: pandas, R, Excel, SQL and survey exports write for "no value".
MISSING_LABELS = frozenset({"", "NA", "N/A", "n/a", "#N/A", "#NA", "<NA>", "NULL", "null",
                            "None", "none", "?", "-"})
_NAN = re.compile(r"[+-]?nan", re.IGNORECASE)
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"\s*[+-]?[0-9]*,[0-9]+\s*")
_DELIMITERS = (",", ";", "\t")
_LISTED = 10  # rows or columns named in one error message


def load_file(path: str, target: Optional[str] = None,
              require_target: bool = True) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Load ``X`` (and ``y``) from a CSV or NPZ file.

    CSV files: UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8"),
    or UTF-16 with one (Excel's "Unicode Text"); any line endings; separated by
    ``,``, ``;`` or tabs (whichever splits the header into the most columns);
    a header row, then one row per sample.  Blank lines are skipped.  Every
    feature cell must be a finite number (within float32's range).

    Labels (the ``target`` column, or an NPZ's ``y``): integers if every label
    is an integer, floats if every label is a number, strings otherwise.  An
    empty label, NaN, or one of :data:`MISSING_LABELS` is an error naming its
    rows -- never a class of its own.

    NPZ files: arrays ``X`` and ``y`` (or ``x_train`` and ``y_train``, as in
    ``mnist.npz``), read without unpickling (``allow_pickle=False``); uint8
    images are scaled to [0, 1].

    Parameters
    ----------
    path : str
        ``.csv`` (header row required) or ``.npz``.
    target : str, optional
        CSV column holding the labels.  Without it every column is a feature
        and ``y`` is ``None`` (for prediction).
    require_target : bool, default=True
        With False, a CSV file without the ``target`` column is read as
        features only (``y`` is ``None``) instead of raising.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float32
    y : ndarray of shape (n_samples,) or None

    Raises
    ------
    ValueError
        One line naming the file (and, for a CSV file, the line and column):
        the file is missing, unreadable, of an unknown type, malformed
        (unterminated quote, ragged row), empty, lacks the target column, or
        holds non-numeric or non-finite features or missing labels.
    """
    if not os.path.isfile(path):
        raise ValueError(f"No such file: {path}")
    extension = os.path.splitext(path)[1].lower()
    if extension == ".npz":
        return _load_npz(path)
    if extension == ".csv":
        return _load_csv(path, target, require_target)
    raise ValueError(f"Unsupported file type {extension!r} for {path}: use .csv or .npz")


def _listing(numbers: Sequence[int], word: str) -> str:
    """``"line 3"``, ``"lines 3, 5"`` or ``"lines 3, 5, ... and 12 more"``."""
    if len(numbers) == 1:
        return f"{word} {numbers[0]}"
    shown = ", ".join(str(number) for number in numbers[:_LISTED])
    more = f" and {len(numbers) - _LISTED} more" if len(numbers) > _LISTED else ""
    return f"{word}s {shown}{more}"


def _is_missing(label: str) -> bool:
    """Whether a (stripped) label cell means "no value"."""
    return label in MISSING_LABELS or _NAN.fullmatch(label) is not None


def _parse_labels(path: str, cells: List[str], lines: List[int], column: str) -> np.ndarray:
    """Integers, else floats, else strings (all stripped); missing labels raise.

    Parameters
    ----------
    path : str
        For the messages.
    cells : list of str
        The target column's cells, one per data row.
    lines : list of int
        The file line of each data row.
    column : str
        The target column's name.

    Returns
    -------
    ndarray
        int64, float64 or str.

    Raises
    ------
    ValueError
        Naming the lines with a missing label.
    """
    labels = [cell.strip() for cell in cells]
    missing = [line for line, label in zip(lines, labels) if _is_missing(label)]
    if missing:
        raise ValueError(f"{path}: missing label in column {column!r} on "
                         f"{_listing(missing, 'line')}; drop or fill these rows")
    if all(_INTEGER.fullmatch(label) for label in labels):
        try:
            return np.array([int(label) for label in labels], dtype=np.int64)
        except OverflowError:  # beyond int64: keep them as written
            return np.array(labels)
    if all(_DECIMAL.fullmatch(label) for label in labels):
        return np.array([float(label) for label in labels], dtype=np.float64)
    return np.array(labels)


def _read_text(path: str) -> str:
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
                         "(in Excel: 'CSV UTF-8')") from error
    if "\0" in text:  # valid UTF-8, but not text
        line = text.count("\n", 0, text.index("\0")) + 1
        raise ValueError(f"{path}: line {line}: NUL byte; is it UTF-16 without a byte-order "
                         "mark, or not a CSV file? save it as UTF-8 (in Excel: 'CSV UTF-8')")
    return text


def _sniff_delimiter(text: str) -> str:
    """``,``, ``;`` or tab: whichever splits the first non-blank line into the most fields."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {delimiter: len(next(csv.reader([first], delimiter=delimiter), []))
              for delimiter in _DELIMITERS}
    return max(_DELIMITERS, key=lambda delimiter: (counts[delimiter], delimiter == ","))


def _read_records(path: str, text: str, delimiter: str) -> List[Tuple[int, List[str]]]:
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
                                 "(unterminated quote)") from error
            raise ValueError(f"{path}: line {reader.line_num}: malformed CSV "
                             f"({error})") from error
        if len(row) > 1 or (row and row[0].strip()):  # blank lines are skipped
            records.append((start, row))
        start = reader.line_num + 1


def _columns_text(header: List[str]) -> str:
    """``columns are [...]``, abridged for wide files."""
    if len(header) <= 2 * _LISTED:
        return f"columns are {header}"
    shown = [repr(name) for name in header[:_LISTED]] + ["..."] \
        + [repr(name) for name in header[-3:]]
    return f"its {len(header)} columns are [{', '.join(shown)}]"


def describe_csv_columns(path: str) -> str:
    """``"columns are ['a', 'b', ...]"``: a CSV file's header, as error messages list it.

    Parameters
    ----------
    path : str
        A CSV file that :func:`load_file` reads without error.

    Returns
    -------
    str
        The column names (abridged for wide files).
    """
    text = _read_text(path)
    records = _read_records(path, text, _sniff_delimiter(text))
    return _columns_text([name.strip() for name in records[0][1]] if records else [])


def _target_index(path: str, header: List[str], target: Optional[str],
                  require_target: bool) -> Optional[int]:
    """The target column's index (``None``: no target, or absent and not required)."""
    if target is None:
        return None
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
                     f"{_columns_text(header)}{suggestion}")


def _bad_feature(path: str, cell: str, line: int, column: int, name: str,
                 delimiter: str) -> ValueError:
    """The error for one feature cell that is not a finite float32."""
    where = f"{path}: line {line}, column {column} ({name!r})"
    if not cell.strip():
        unnamed = " (the header leaves this column unnamed: a separator at the end of " \
            "every line?)" if not name else ""
        return ValueError(f"{where}: empty value (missing features are not supported)"
                          f"{unnamed}")
    try:
        value = float(cell)
    except ValueError:
        hint = ""
        if delimiter != "," and _DECIMAL_COMMA.fullmatch(cell):
            hint = " (decimal commas are not supported: write 1.5, not 1,5)"
        return ValueError(f"{where}: {cell!r} is not a number{hint}")
    beyond = " (beyond float32's range)" if math.isfinite(value) else ""
    return ValueError(f"{where}: {cell!r} is not a finite number{beyond}")


def _parse_features(path: str, body: List[Tuple[int, List[str]]], target_index: Optional[int],
                    header: List[str], delimiter: str) -> np.ndarray:
    """The feature cells as float32; the first bad cell raises, naming line and column."""
    if target_index is None:
        rows = [row for _, row in body]
        columns = list(range(len(header)))
    else:
        rows = [row[:target_index] + row[target_index + 1:] for _, row in body]
        columns = [index for index in range(len(header)) if index != target_index]
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            X = np.array(rows, dtype=np.float32)
    except ValueError:
        X = None
    if X is not None:
        finite = np.isfinite(X)
        if finite.all():
            return X
        bad_row, bad_column = (int(index) for index in np.argwhere(~finite)[0])
        column = columns[bad_column]
        raise _bad_feature(path, rows[bad_row][bad_column], body[bad_row][0], column + 1,
                           header[column], delimiter)
    for (line, _), row in zip(body, rows):
        for cell, column in zip(row, columns):
            try:
                float(cell)
            except ValueError:
                raise _bad_feature(path, cell, line, column + 1, header[column], delimiter)
    raise ValueError(f"{path}: non-numeric feature values")  # pragma: no cover - NumPy's rules


def _load_csv(path: str, target: Optional[str],
              require_target: bool = True) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Read a CSV file (see :func:`load_file`)."""
    text = _read_text(path)
    delimiter = _sniff_delimiter(text)
    records = _read_records(path, text, delimiter)
    if not records:
        raise ValueError(f"{path} is empty; expected a header row, then one row per sample")
    header = [name.strip() for name in records[0][1]]
    body = records[1:]
    if not body:
        raise ValueError(f"{path} has a header row but no data rows")
    for line, row in body:
        if len(row) != len(header):
            raise ValueError(f"{path}: line {line} has {len(row)} field"
                             f"{'s' if len(row) != 1 else ''} but the header has {len(header)}")
    target_index = _target_index(path, header, target, require_target)
    if target_index is not None and len(header) == 1:
        raise ValueError(f"{path} has no feature columns: its only column is {header[0]!r}")
    y = None
    if target_index is not None:
        y = _parse_labels(path, [row[target_index] for _, row in body],
                          [line for line, _ in body], header[target_index])
    return _parse_features(path, body, target_index, header, delimiter), y


def _npz_array(path: str, archive, key: str) -> np.ndarray:
    """One member of an open NPZ archive, never unpickled."""
    import zipfile

    try:
        return archive[key]
    except ValueError as error:  # NumPy refuses object arrays without allow_pickle
        if "allow_pickle" in str(error):
            raise ValueError(f"{path}: array {key!r} holds Python objects (dtype=object), "
                             "which are never unpickled; store numbers (or strings, for "
                             "labels)") from error
        raise ValueError(f"Cannot read array {key!r} of {path}: {error}") from error
    except (OSError, EOFError, zipfile.BadZipFile) as error:  # a truncated member
        raise ValueError(f"Cannot read {path} as an NPZ archive: {error}") from error


def _npz_labels(path: str, y: np.ndarray, key: str, n_rows: int) -> np.ndarray:
    """Check an NPZ's labels: one per row, numbers or strings, none missing."""
    if y.ndim == 0:
        raise ValueError(f"{path}: array {key!r} is a scalar; expected one label per row")
    if y.dtype.kind not in "biufUS":
        raise ValueError(f"{path}: array {key!r} has dtype {y.dtype}; expected numbers or "
                         "strings")
    if len(y) != n_rows:
        x_key = "X" if key == "y" else "x_train"
        raise ValueError(f"{path}: array {x_key!r} has {n_rows} rows but {key!r} has {len(y)}")
    cells = y.reshape(len(y), -1)
    if y.dtype.kind == "f":
        missing = np.isnan(cells).any(axis=1)
    elif y.dtype.kind == "U":
        missing = np.array([any(_is_missing(str(label).strip()) for label in row)
                            for row in cells], dtype=bool)
    else:
        missing = np.zeros(len(y), dtype=bool)
    if missing.any():
        rows = [int(row) for row in np.flatnonzero(missing)]
        raise ValueError(f"{path}: missing label in array {key!r} at "
                         f"{_listing(rows, 'row')} (counting from 0); drop or fill these rows")
    return y


def _load_npz(path: str) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Read an NPZ file (see :func:`load_file`)."""
    import zipfile

    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError as error:  # neither zip nor .npy: NumPy would try (and refuse) pickle
        raise ValueError(f"Cannot read {path}: not a NumPy .npz archive") from error
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"Cannot read {path} as an NPZ archive: {error}") from error
    if not isinstance(archive, np.lib.npyio.NpzFile):  # a lone .npy array, misnamed
        raise ValueError(f"Cannot read {path} as an NPZ archive: it holds a single array; "
                         "store arrays 'X' and 'y' with numpy.savez")
    with archive:
        names = set(archive.files)
        for x_key, y_key in (("X", "y"), ("x_train", "y_train")):
            if x_key in names:
                break
        else:
            raise ValueError(f"{path} holds {sorted(names)}; expected arrays 'X' and 'y'")
        X = _npz_array(path, archive, x_key)
        y = _npz_array(path, archive, y_key) if y_key in names else None
    if X.ndim == 0:
        raise ValueError(f"{path}: array {x_key!r} is a scalar; expected one row per sample")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{path}: array {x_key!r} has dtype {X.dtype}; expected numbers")
    if len(X) == 0:
        raise ValueError(f"{path}: array {x_key!r} has no rows")
    X = X.reshape(len(X), -1)
    if X.shape[1] == 0:
        raise ValueError(f"{path}: array {x_key!r} has no feature columns")
    if y is not None:
        y = _npz_labels(path, y, y_key, len(X))
    if X.dtype == np.uint8:  # raw images, as in mnist.npz
        X = X / 255.0
    with np.errstate(over="ignore", invalid="ignore"):
        X = X.astype(np.float32)
    finite = np.isfinite(X)
    if not finite.all():
        row = int(np.argwhere(~finite)[0][0])
        raise ValueError(f"{path}: array {x_key!r} has a non-finite value in row {row} "
                         "(counting from 0): NaN, infinity or beyond float32's range")
    return X, y
