"""NPZ files of user data, read member by member (room: ``data``; NumPy only).

:func:`read_npz` reads the arrays ``X`` and ``y`` (or ``x_train`` and
``y_train``, as in Keras' ``mnist.npz``) of a ``numpy.savez`` archive without
ever unpickling, and without trusting its sizes: each member's ``.npy`` header
is read first and must agree with the size the archive gives it, which a
compressed member can only hold up to deflate's ratio -- so a forged header
or a "zip bomb" is refused before anything large is allocated.  Values are
returned as stored (no rescaling: a uint8 array stays 0-255); every problem is
one ``ValueError`` naming the file (and the array).
"""
from __future__ import annotations

import lzma
import math
import os
import struct
import zipfile
import zlib
from typing import Dict, NamedTuple, Optional, Tuple

import numpy as np

#: What reading an archive can raise besides our own errors: all become one ValueError.
_ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError,
                   ValueError, NotImplementedError, RuntimeError, struct.error, KeyError,
                   TypeError, SyntaxError, OverflowError, MemoryError)
#: Deflate (and bzip2/LZMA in practice) inflate at most ~1,032 bytes per stored byte.
_MAX_RATIO = 1032
_KEYS = (("X", "y"), ("x_train", "y_train"))


class NpzArrays(NamedTuple):
    """The arrays read from an NPZ file, as stored, and the names they had in it."""

    X: np.ndarray
    y: Optional[np.ndarray]
    x_key: str
    y_key: str


def _members(path: str, archive: zipfile.ZipFile) -> Dict[str, zipfile.ZipInfo]:
    """Array name (``X`` for ``X.npy``) -> member; a name stored twice is refused."""
    members: Dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        if name in members:
            raise ValueError(f"{path}: array {name!r} is stored twice in the archive")
        members[name] = info
    return members


def _header(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    """``(shape, fortran_order, dtype, header_bytes)`` of a member's ``.npy`` header."""
    with archive.open(info) as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
        else:
            raise ValueError(f"unsupported .npy format version {version[0]}.{version[1]}")
        return shape, fortran, dtype, handle.tell()


def _array(path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str) -> np.ndarray:
    """One member, its header checked against its size before its data is read."""
    try:
        shape, _, dtype, offset = _header(archive, info)
    except _ARCHIVE_ERRORS as error:
        raise ValueError(f"Cannot read array {key!r} of {path}: {error}") from error
    if dtype.hasobject:
        raise ValueError(f"{path}: array {key!r} holds Python objects (dtype=object), which "
                         "are never unpickled; store numbers (or strings, for labels)")
    declared = math.prod(shape) * dtype.itemsize
    if info.file_size != offset + declared:
        raise ValueError(f"{path}: array {key!r} is damaged: its header gives shape "
                         f"{tuple(shape)} of {dtype} ({declared:,} bytes) but the archive "
                         f"holds {max(info.file_size - offset, 0):,}")
    if info.compress_size > os.path.getsize(path) or \
            info.file_size > _MAX_RATIO * info.compress_size + 1024:
        raise ValueError(f"{path}: array {key!r} is damaged: {info.file_size:,} bytes "
                         f"cannot come from {info.compress_size:,} compressed ones in a file "
                         f"of {os.path.getsize(path):,}")
    try:
        with archive.open(info) as handle:
            return np.lib.format.read_array(handle, allow_pickle=False)
    except _ARCHIVE_ERRORS as error:  # a truncated or corrupt member
        raise ValueError(f"Cannot read array {key!r} of {path}: {error}") from error


def read_npz(path: str) -> NpzArrays:
    """Read ``X`` and ``y`` (or ``x_train``/``y_train``) of an NPZ file, as stored.

    Parameters
    ----------
    path : str
        A file written by ``numpy.savez`` or ``numpy.savez_compressed``.

    Returns
    -------
    NpzArrays
        ``X``, ``y`` (``None`` when the archive has no labels array) and the
        names they had.

    Raises
    ------
    ValueError
        One line naming the file: not a zip archive (or a lone ``.npy``), no
        ``X``/``x_train``, a member stored twice, damaged, truncated or
        compressed beyond what deflate can do, or holding Python objects.
    """
    try:
        with open(path, "rb") as handle:
            magic = handle.read(6)
    except OSError as error:
        raise ValueError(f"Cannot read {path}: {error.strerror or error}") from error
    if magic == b"\x93NUMPY":
        raise ValueError(f"Cannot read {path} as an NPZ archive: it holds a single array; "
                         "store arrays 'X' and 'y' with numpy.savez")
    try:
        archive = zipfile.ZipFile(path)
    except _ARCHIVE_ERRORS as error:
        what = "not a NumPy .npz archive" if os.path.getsize(path) else "an empty file"
        raise ValueError(f"Cannot read {path}: {what} ({error})") from error
    with archive:
        try:
            members = _members(path, archive)
        except (UnicodeDecodeError, KeyError) as error:  # pragma: no cover - zipfile's names
            raise ValueError(f"Cannot read {path} as an NPZ archive: {error}") from error
        for x_key, y_key in _KEYS:
            if x_key in members:
                break
        else:
            raise ValueError(f"{path} holds {sorted(members)}; expected arrays 'X' and 'y'")
        X = _array(path, archive, members[x_key], x_key)
        y = _array(path, archive, members[y_key], y_key) if y_key in members else None
    return NpzArrays(X, y, x_key, y_key)


def check_features(path: str, X: np.ndarray, key: str) -> Tuple[np.ndarray, bool]:
    """``X`` as float32 rows (raw values) and whether it was stored as uint8.

    Raises
    ------
    ValueError
        Naming the file and array: a scalar, no rows or columns, not numbers,
        or a value that is not finite in float32.
    """
    if X.ndim == 0:
        raise ValueError(f"{path}: array {key!r} is a scalar; expected one row per sample")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{path}: array {key!r} has dtype {X.dtype}; expected numbers")
    if len(X) == 0:
        raise ValueError(f"{path}: array {key!r} has no rows")
    X = X.reshape(len(X), -1)
    if X.shape[1] == 0:
        raise ValueError(f"{path}: array {key!r} has no feature columns")
    uint8 = X.dtype == np.uint8
    with np.errstate(over="ignore", invalid="ignore"):
        X = X.astype(np.float32)
    finite = np.isfinite(X)
    if not finite.all():
        row = int(np.argwhere(~finite)[0][0])
        raise ValueError(f"{path}: array {key!r} has a non-finite value in row {row} "
                         "(counting from 0): NaN, infinity or beyond float32's range")
    return X, uint8
