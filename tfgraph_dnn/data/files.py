"""User data files: CSV and NPZ as users have them (room: ``data``; NumPy only).

:func:`read_data_file` reads a CSV file (with or without a header line) or an
NPZ file with arrays ``X`` and ``y`` (e.g. a local copy of ``mnist.npz``: its
``x_train``/``y_train`` arrays are accepted too) and returns a
:class:`DataFile`: the raw features, the labels, the CSV's column names and
the scaling that suits the values; :func:`load_file` returns ``(X, y)`` only.
Files as users have them (Excel's byte-order mark, Windows line endings, ``;``
separators, trailing blank lines) are read; anything else is one
``ValueError`` naming the file and, for a CSV file, the line and column --
never a traceback, and never a silently wrong value (a missing label is not a
class, a header-less file's first row is not a header).

**Raw values, whatever the format**: a reader returns the values as stored,
converted to float32 (rounded to the nearest float32; beyond its range is an
error) and never rescaled -- the same pixels give the same ``X`` from a CSV,
an NPZ (uint8 or not) or an idx file.  Scaling is the model's
``feature_scaling``; :attr:`DataFile.scaling` only *suggests* one, ``(0, 255)``
for uint8 arrays (as for MNIST's idx files), ``None`` otherwise.
"""
from __future__ import annotations

import os
from typing import NamedTuple, Optional, Tuple

import numpy as np

from . import csvfile
from .csvfile import Target
from .npzfile import check_features, read_npz


class DataFile(NamedTuple):
    """What :func:`read_data_file` read from a user's file.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features), float32
        The features, raw (as stored, never rescaled).
    y : ndarray of shape (n_samples,) or None
        The labels: int64 if every label is an integer, float64 if every
        label is a number, str otherwise; ``None`` without a target.
    feature_names : tuple of str or None
        The names of ``X``'s columns (a CSV file's header, stripped, without
        the target); ``None`` for a header-less CSV file or an NPZ file.
    target : str, int or None
        Where ``y`` came from: the target column's name (or its position in a
        header-less CSV file), or the NPZ array's name; ``None`` without ``y``.
    scaling : (float, float) or None
        A suggested ``feature_scaling`` ``(offset, scale)``: ``(0, 255)`` for
        an NPZ array stored as uint8 (raw pixels), else ``None``.
    """

    X: np.ndarray
    y: Optional[np.ndarray]
    feature_names: Optional[Tuple[str, ...]]
    target: Target
    scaling: Optional[Tuple[float, float]]


def read_data_file(path: str, target: Target = None, require_target: bool = True,
                   header: Optional[bool] = None) -> DataFile:
    """Read a CSV or NPZ file of samples: raw features, labels and column names.

    CSV files: UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8"),
    or UTF-16 with one (Excel's "Unicode Text"); any line endings; separated by
    ``,``, ``;`` or tabs (whichever splits the first line into the most
    fields); blank lines skipped; an optional header line, then one row per
    sample.  Every feature cell must be a finite number (ASCII decimals, within
    float32's range).

    Header line (``header=None``, the default, decides from the first row): a
    first row of numbers only is data; a first row holding the ``target``
    name, or no number at all, or text over a column of numbers (``pixel0``
    over ``0, 12, ...``) is a header.  A first row whose text sits only over
    columns of text and whose numbers over numbers (``cat,1,2`` over
    ``dog,3,4``) could be either: it is an error asking for ``header``.

    Labels (the ``target`` column, or an NPZ's ``y``): integers if every label
    is an integer, floats if every label is a number, strings otherwise.  An
    empty label, NaN, or one of :data:`~.csvfile.MISSING_LABELS` is an error naming its
    rows -- never a class of its own; an infinite label is an error too.

    NPZ files: arrays ``X`` and ``y`` (or ``x_train`` and ``y_train``, as in
    ``mnist.npz``), read without unpickling and with their sizes checked
    (:mod:`tfgraph_dnn.data.npzfile`); values as stored (uint8 pixels stay 0-255).

    Parameters
    ----------
    path : str
        ``.csv`` or ``.npz``.
    target : str or int, optional
        CSV column holding the labels: its name, or its position (0-based,
        negative from the end; the only way in a header-less file).  Without
        it every column is a feature and ``y`` is ``None`` (for prediction).
    require_target : bool, default=True
        With False, a CSV file without the ``target`` column is read as
        features only (``y`` is ``None``) instead of raising.
    header : bool, optional
        Whether the CSV file's first row is a header (``None``: decide as
        above).  Ignored for NPZ files.

    Returns
    -------
    DataFile
        ``X``, ``y``, ``feature_names``, ``target`` and ``scaling``.

    Raises
    ------
    ValueError
        One line naming the file (and, for a CSV file, the line and column):
        the file is missing, unreadable, of an unknown type, malformed
        (unterminated quote, ragged row), empty, lacks the target column,
        has a first row that may or may not be a header, or holds non-numeric
        or non-finite features or missing labels.
    """
    if not os.path.isfile(path):
        raise ValueError(f"No such file: {path}")
    extension = os.path.splitext(path)[1].lower()
    if extension == ".npz":
        return _load_npz(path)
    if extension == ".csv":
        return _load_csv(path, target, require_target, header)
    raise ValueError(f"Unsupported file type {extension!r} for {path}: use .csv or .npz")


def load_file(path: str, target: Target = None, require_target: bool = True,
              header: Optional[bool] = None) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """``(X, y)`` of :func:`read_data_file` (same parameters and errors).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float32, raw
    y : ndarray of shape (n_samples,) or None
    """
    data = read_data_file(path, target, require_target, header)
    return data.X, data.y


def describe_csv_columns(path: str, header: Optional[bool] = None,
                         target: Target = None) -> str:
    """``"columns are ['a', 'b', ...]"``: a CSV file's header, as error messages list it.

    Parameters
    ----------
    path : str
        A CSV file that :func:`read_data_file` reads without error.
    header, target
        As given to :func:`read_data_file`.

    Returns
    -------
    str
        The column names (abridged for wide files), or that it has no header.
    """
    text = csvfile.read_text(path)
    records = csvfile.read_records(path, text, csvfile.sniff_delimiter(text))
    if not records:
        return csvfile.columns_text([])
    if header is None:
        header = csvfile.first_row_is_header(path, records, target)
    names = [name.strip() for name in records[0][1]] if header else None
    return csvfile.columns_text(names, len(records[0][1]))


def _load_csv(path: str, target: Target, require_target: bool,
              header: Optional[bool]) -> DataFile:
    """Read a CSV file (see :func:`read_data_file`)."""
    text = csvfile.read_text(path)
    delimiter = csvfile.sniff_delimiter(text)
    records = csvfile.read_records(path, text, delimiter)
    if not records:
        raise ValueError(f"{path} is empty; expected one row per sample (after an optional "
                         "header row)")
    if header is None:
        header = csvfile.first_row_is_header(path, records, target)
    names = [name.strip() for name in records[0][1]] if header else None
    body = records[1:] if header else records
    if not body:
        raise ValueError(f"{path} has a header row but no data rows")
    width = len(records[0][1])
    first = "the header" if header else f"line {records[0][0]}"
    for line, row in body:
        if len(row) != width:
            raise ValueError(f"{path}: line {line} has {len(row)} field"
                             f"{'s' if len(row) != 1 else ''} but {first} has {width}")
    index = csvfile.target_index(path, names, width, body[0], target, require_target)
    if index is not None and width == 1:
        raise ValueError(f"{path} has no feature columns: its only column is the target")
    y = None
    if index is not None:
        column = f"column {names[index]!r}" if names else f"column {index + 1}"
        y = csvfile.parse_labels(path, [row[index] for _, row in body],
                                 [line for line, _ in body], column)
    X = csvfile.parse_features(path, body, index, names, delimiter,
                               text.isascii() and "_" not in text)
    feature_names = None if names is None else \
        tuple(name for column, name in enumerate(names) if column != index)
    where = None if index is None else (names[index] if names else index)
    return DataFile(X, y, feature_names, where, None)


def _npz_labels(path: str, y: np.ndarray, key: str, x_key: str, n_rows: int) -> np.ndarray:
    """Check an NPZ's labels: one per row, numbers or strings, none missing or infinite."""
    if y.ndim == 0:
        raise ValueError(f"{path}: array {key!r} is a scalar; expected one label per row")
    if y.dtype.kind not in "biufUS":
        raise ValueError(f"{path}: array {key!r} has dtype {y.dtype}; expected numbers or "
                         "strings")
    if len(y) != n_rows:
        raise ValueError(f"{path}: array {x_key!r} has {n_rows} rows but {key!r} has {len(y)}")
    if y.dtype.kind == "S":  # bytes: labels are text
        try:
            y = np.char.decode(y, "ascii").astype(str)
        except UnicodeDecodeError:
            raise ValueError(f"{path}: array {key!r} holds bytes that are not ASCII text; "
                             "store labels as numbers or str") from None
    cells = y.reshape(len(y), -1)
    if y.dtype.kind == "f":
        missing = np.isnan(cells).any(axis=1)
        infinite = np.isinf(cells).any(axis=1)
        if infinite.any():
            rows = [int(row) for row in np.flatnonzero(infinite)]
            raise ValueError(f"{path}: infinite label in array {key!r} at "
                             f"{csvfile.listing(rows, 'row')} (counting from 0)")
    elif y.dtype.kind == "U":
        missing = np.array([any(csvfile.is_missing(str(label).strip()) for label in row)
                            for row in cells], dtype=bool)
    else:
        missing = np.zeros(len(y), dtype=bool)
    if missing.any():
        rows = [int(row) for row in np.flatnonzero(missing)]
        raise ValueError(f"{path}: missing label in array {key!r} at "
                         f"{csvfile.listing(rows, 'row')} (counting from 0); drop or fill "
                         "these rows")
    return y


def _load_npz(path: str) -> DataFile:
    """Read an NPZ file (see :func:`read_data_file`): raw values, never rescaled."""
    X, y, x_key, y_key = read_npz(path)
    X, uint8 = check_features(path, X, x_key)
    if y is not None:
        y = _npz_labels(path, y, y_key, x_key, len(X))
    return DataFile(X, y, None, None if y is None else y_key,
                    (0.0, 255.0) if uint8 else None)
