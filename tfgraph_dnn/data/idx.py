"""MNIST's idx files, gzip-compressed or not (room: ``data``; NumPy only; never downloads).

The official MNIST files are four idx files: ``train-images-idx3-ubyte`` (60,000
images of 28 x 28 unsigned bytes, magic number 2051), ``train-labels-idx1-ubyte``
(60,000 labels, magic number 2049) and the ``t10k-`` pair (10,000 test images),
each usually with a ``.gz`` suffix.  :func:`load_mnist_idx` reads either

* a directory holding the four files (``.gz`` or not; Kaggle's
  ``train-images.idx3-ubyte`` spelling too): the training file as ``X``/``y``
  and the test file as ``test`` -- the official 60k/10k split; or
* one images file, with its labels file found beside it (``images`` in the
  name replaced by ``labels``, ``idx3`` by ``idx1``, with or without ``.gz``) or
  given.

Pixels are returned raw (float32, 0-255) with the scaling that suits them,
:data:`SCALING` ``= (0, 255)``, as the other data sets of
:mod:`tfgraph_dnn.data`.  A file is read no further than its header
declares (plus one byte): a gzip file is inflated as it is read, never beyond
that, and a header declaring more than the file could hold is refused before
anything is read.  Every problem -- a missing file, a wrong magic number (e.g.
a labels file given as images), a type other than unsigned bytes, labels with
extra dimensions, negative or zero sizes, a header whose sizes disagree with
the data, a truncated or corrupt gzip stream or garbage after it, image and
label counts that differ, and for a directory any missing file (all named),
test images of another size than the training images or test labels the
training labels never have -- is one ``ValueError`` naming the file.
"""
from __future__ import annotations

import math
import os
import struct
import zlib
from typing import List, NamedTuple, Optional, Tuple

import numpy as np

#: Magic numbers of idx files of unsigned bytes: images (3 dimensions) and labels (1).
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
#: ``(offset, scale)`` of raw MNIST pixels: the model computes ``(x - 0) / 255``.
SCALING = (0.0, 255.0)
_KIND = {IMAGES_MAGIC: "images", LABELS_MAGIC: "labels"}
_GZIP_MAGIC = b"\x1f\x8b"


class IdxData(NamedTuple):
    """Raw MNIST pixels (float32, 0-255, one row per image), labels, and the test split.

    ``test`` is ``(X_test, y_test)`` when a directory was read (the official
    10,000 test images), else ``None``.
    """

    X: np.ndarray
    y: np.ndarray
    test: Optional[Tuple[np.ndarray, np.ndarray]]
    scaling: Tuple[float, float] = SCALING


#: idx type codes (third byte of the magic number); MNIST's files hold unsigned bytes (0x08).
_TYPE_NAMES = {0x08: "unsigned bytes", 0x09: "signed bytes", 0x0B: "16-bit integers",
               0x0C: "32-bit integers", 0x0D: "32-bit floats", 0x0E: "64-bit floats"}
_UBYTE = 0x08
#: Deflate cannot inflate more than 1,032 bytes per compressed byte: a gzip file of n bytes
#: whose header declares more than this is refused before anything is inflated.
_MAX_RATIO = 1032
_CHUNK = 1 << 20


class _Stream:
    """Bytes of a file, inflated on demand when it is gzip (detected by content, not by name).

    Never inflates more than is asked for: a "gzip bomb" costs what its header declares
    (plus one byte), not what it would inflate to.
    """

    def __init__(self, path: str, handle) -> None:
        self.path, self.handle = path, handle
        head = handle.read(2)
        self.gzip = head == _GZIP_MAGIC
        self.size = os.fstat(handle.fileno()).st_size
        self.pending = b"" if self.gzip else head  # plain bytes already read
        self.inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if self.gzip else None
        self.input = head if self.gzip else b""

    def _corrupt(self, what: str) -> ValueError:
        return ValueError(f"{self.path}: {what}; download it again or gunzip it to check")

    def _inflate(self, limit: int) -> bytes:
        """Up to ``limit`` (> 0) more inflated bytes; ``b""`` only at the end of the stream."""
        while True:
            inflater = self.inflater
            if inflater.eof:  # a member ended: the file ends, or another member starts
                rest = inflater.unused_data + self.input
                self.input = b""
                while len(rest) < 2:
                    more = self.handle.read(_CHUNK)
                    if not more:
                        break
                    rest += more
                if not rest:
                    return b""
                if not rest.startswith(_GZIP_MAGIC):
                    raise self._corrupt("corrupt gzip file: bytes that are not gzip after the "
                                        "end of its stream")
                self.inflater = inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                data = rest
            elif inflater.unconsumed_tail:
                data = inflater.unconsumed_tail
            else:
                data, self.input = self.input or self.handle.read(_CHUNK), b""
                if not data:
                    raise self._corrupt("truncated or corrupt gzip file (the stream ends early)")
            try:
                out = inflater.decompress(data, limit)
            except zlib.error as error:
                raise self._corrupt(f"truncated or corrupt gzip file ({error})") from error
            if out:
                return out

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes (fewer only at the end), read in chunks as they come."""
        parts, left = bytearray(), n
        while left > 0:
            if not self.gzip:
                piece = self.pending[:left]
                self.pending = self.pending[len(piece):]
                piece = piece or self.handle.read(min(left, _CHUNK))
            else:
                piece = self._inflate(min(left, _CHUNK))
            if not piece:
                break
            parts += piece
            left -= len(piece)
        return bytes(parts) if n <= 64 else parts

    def check_fits(self, header: int, payload: int, shape: str) -> None:
        """Refuse, before reading it, a payload the file cannot hold (plain: exactly)."""
        if not self.gzip and self.size != header + payload:
            found = self.size - header
            what = "truncated" if found < payload else "longer than its header says"
            raise ValueError(f"{self.path}: {what}: the header gives {shape} ({payload:,} bytes "
                             f"of data) but the file holds {found:,}")
        if self.gzip and payload > _MAX_RATIO * self.size:
            raise ValueError(f"{self.path}: truncated: the header gives {shape} ({payload:,} "
                             f"bytes of data), more than a gzip file of {self.size:,} bytes "
                             "can hold")


def _open(path: str):
    """The open file (binary), or one ``ValueError`` naming it."""
    if not os.path.isfile(path):
        raise ValueError(f"No such file: {path}")
    try:
        return open(path, "rb")
    except OSError as error:
        raise ValueError(f"Cannot read {path}: {error.strerror or error}") from error


def _check_magic(path: str, head: bytes, expected_magic: Optional[int]) -> int:
    """The number of dimensions of an idx header's magic number, checked."""
    if len(head) < 4:
        raise ValueError(f"{path}: {len(head)} bytes; too short for an idx header")
    (magic,) = struct.unpack(">i", head)
    code, n_dims = head[2], head[3]
    if head[:2] != b"\0\0" or code not in _TYPE_NAMES:
        raise ValueError(f"{path}: not an MNIST idx file (magic number {magic}; expected "
                         f"{IMAGES_MAGIC} for images or {LABELS_MAGIC} for labels)")
    if code != _UBYTE:
        raise ValueError(f"{path}: an idx file of {_TYPE_NAMES[code]} (type code {code:#04x},"
                         f" magic number {magic}); MNIST idx files hold unsigned bytes "
                         f"(0x08: magic number {IMAGES_MAGIC} or {LABELS_MAGIC})")
    if magic not in _KIND:
        raise ValueError(f"{path}: an idx file of {n_dims} dimension(s) (magic number {magic});"
                         f" MNIST images have 3 (count, rows, columns; magic number "
                         f"{IMAGES_MAGIC}) and labels 1 (magic number {LABELS_MAGIC})")
    if expected_magic is not None and magic != expected_magic:
        raise ValueError(f"{path}: an idx {_KIND[magic]} file (magic number {magic}) where "
                         f"{_KIND[expected_magic]} were expected (magic number "
                         f"{expected_magic})")
    return n_dims


def _check_shape(path: str, shape: Tuple[int, ...]) -> None:
    """Refuse negative or zero dimensions (the sizes are signed 32-bit integers)."""
    names = ("count", "rows", "columns") if len(shape) == 3 else ("count",)
    for name, size in zip(names, shape):
        if size <= 0:
            raise ValueError(f"{path}: the header gives {' x '.join(map(str, shape))}: "
                             f"{'a negative' if size < 0 else 'a zero'} {name}")


def read_idx(path: str, expected_magic: Optional[int] = None) -> np.ndarray:
    """Read an idx file of unsigned bytes (images: 3-d, labels: 1-d), checking its header.

    Reads no more than the header declares (plus one byte, to tell a longer
    file): a gzip file is inflated as it is read, and a header declaring
    more than the file can hold is refused before anything is inflated.

    Parameters
    ----------
    path : str
        The file, gzip-compressed or not.
    expected_magic : {2051, 2049}, optional
        Require images (2051) or labels (2049).

    Returns
    -------
    ndarray of uint8
        Shape ``(n, rows, columns)`` for images, ``(n,)`` for labels.

    Raises
    ------
    ValueError
        One line naming the file: missing, unreadable, not an idx file, of
        another type than unsigned bytes or of the other kind than expected,
        with negative or zero dimensions, truncated, longer than its header
        says, a truncated or corrupt gzip stream, or garbage after it.
    """
    text = "its sizes"
    with _open(path) as handle:
        try:
            stream = _Stream(path, handle)
            n_dims = _check_magic(path, stream.read(4), expected_magic)
            header = 4 + 4 * n_dims
            sizes = stream.read(4 * n_dims)
            if len(sizes) < 4 * n_dims:
                raise ValueError(f"{path}: truncated idx header ({4 + len(sizes)} bytes, "
                                 f"expected {header})")
            shape = struct.unpack(f">{n_dims}i", sizes)
            _check_shape(path, shape)
            expected = math.prod(shape)  # exact: Python integers do not overflow
            text = " x ".join(map(str, shape))
            stream.check_fits(header, expected, text)
            data = stream.read(expected + 1)  # to the end of a gzip stream (trailer checked)
        except OSError as error:
            raise ValueError(f"Cannot read {path}: {error.strerror or error}") from error
        except MemoryError as error:
            raise ValueError(f"{path}: the header gives {text}: too large to load into "
                             "memory") from error
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "longer than its header says"
        found = f"{len(data):,}" if len(data) <= expected else f"more than {expected:,}"
        raise ValueError(f"{path}: {what}: the header gives {text} ({expected:,} bytes of "
                         f"data) but the file holds {found}")
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


def _candidates(images: str) -> List[str]:
    """Where the labels of an images file would be: beside it, renamed, ``.gz`` or not."""
    folder, name = os.path.split(images)
    base = name[:-3] if name.endswith(".gz") else name
    renamed = base.replace("images", "labels").replace("idx3", "idx1")
    if renamed == base:
        return []
    return [os.path.join(folder, renamed + suffix) for suffix in ("", ".gz")]


def find_labels_file(images: str) -> str:
    """The labels file beside an images file (``...-labels-idx1-ubyte[.gz]``).

    Raises
    ------
    ValueError
        None found (the message lists where it looked).
    """
    candidates = _candidates(images)
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    looked = f"looked for {' and '.join(candidates)}" if candidates else \
        "its name has no 'images' to replace by 'labels'"
    raise ValueError(f"{images}: no labels file beside it ({looked}); give the labels file "
                     "(--labels FILE)")


def load_idx_pair(images: str, labels: Optional[str] = None,
                  sides: Optional[List[Tuple[int, ...]]] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Read an images file and its labels file (found beside it when not given).

    Parameters
    ----------
    images : str
        The images file.
    labels : str, optional
        Its labels file (default: found beside it, see :func:`find_labels_file`).
    sides : list, optional
        Receives ``(rows, columns)`` of the images.

    Returns
    -------
    X : ndarray of shape (n, rows * columns), float32, raw 0-255
    y : ndarray of shape (n,), int64

    Raises
    ------
    ValueError
        See :func:`read_idx`; also no labels file, or counts that differ.
    """
    pixels = read_idx(images, IMAGES_MAGIC)  # first: a labels file given as images says so
    labels = labels or find_labels_file(images)
    targets = read_idx(labels, LABELS_MAGIC)
    if len(pixels) != len(targets):
        raise ValueError(f"{images} holds {len(pixels):,} images but {labels} holds "
                         f"{len(targets):,} labels")
    if sides is not None:
        sides.append(pixels.shape[1:])
    return pixels.reshape(len(pixels), -1).astype(np.float32), targets.astype(np.int64)


_OFFICIAL = ("train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
             "t10k-labels-idx1-ubyte")


def _find_in(directory: str, prefix: str, kind: str) -> Optional[str]:
    """``<prefix>-<kind>-idx?-ubyte[.gz]`` (or ``<prefix>-<kind>.idx?-ubyte``) in ``directory``."""
    dims = "3" if kind == "images" else "1"
    names = [f"{prefix}-{kind}{sep}idx{dims}-ubyte{suffix}"
             for sep in ("-", ".") for suffix in (".gz", "")]
    for name in names:
        if os.path.isfile(os.path.join(directory, name)):
            return os.path.join(directory, name)
    return None


def _directory_files(directory: str) -> List[str]:
    """The four official files of ``directory``; all that are missing named in one error."""
    wanted = [(prefix, kind) for prefix in ("train", "t10k") for kind in ("images", "labels")]
    found = [_find_in(directory, prefix, kind) for prefix, kind in wanted]
    missing = [f"{prefix}-{kind}-idx{'3' if kind == 'images' else '1'}-ubyte(.gz)"
               for (prefix, kind), path in zip(wanted, found) if path is None]
    if missing:
        raise ValueError(f"{directory}: no {' and no '.join(missing)}; an MNIST directory "
                         f"holds the four official idx files ({_OFFICIAL}, gzip or not); "
                         "nothing is downloaded")
    return found  # type: ignore[return-value]


def _check_splits_agree(files: List[str], train: Tuple[np.ndarray, np.ndarray],
                        test: Tuple[np.ndarray, np.ndarray], sides: List[Tuple[int, ...]]) -> None:
    """Training and test images of one size; every test label a class of the training set."""
    if sides[0] != sides[1]:
        raise ValueError(f"{files[2]} holds {sides[1][0]} x {sides[1][1]} images but "
                         f"{files[0]} holds {sides[0][0]} x {sides[0][1]} ones; the training "
                         "and test files are of different data sets")
    unseen = sorted(set(np.unique(test[1]).tolist()) - set(np.unique(train[1]).tolist()))
    if unseen:
        shown = ", ".join(map(str, unseen[:10])) + (", ..." if len(unseen) > 10 else "")
        raise ValueError(f"{files[3]} holds label(s) {shown} that {files[1]} never has "
                         f"(its labels are {int(train[1].min())}-{int(train[1].max())}); the "
                         "training and test files are of different data sets")


def load_mnist_idx(path: str, labels: Optional[str] = None) -> IdxData:
    """Load MNIST from its idx files: a directory of the four, or one images file.

    Parameters
    ----------
    path : str
        A directory holding the four official files (gzip or not), or an
        images file (``...-images-idx3-ubyte[.gz]``).
    labels : str, optional
        The labels file of an images ``path`` (default: found beside it).

    Returns
    -------
    IdxData
        ``X`` (float32 raw pixels 0-255, shape ``(n, rows * columns)``),
        ``y`` (int64), ``test`` (the ``t10k`` pair for a directory, else
        ``None``) and ``scaling`` ``(0, 255)``.

    Raises
    ------
    ValueError
        One line naming the file at fault (see :func:`read_idx`); for a
        directory also: any of the four files missing (all named), test
        images of another size than the training images, or test labels
        that the training labels never have.
    """
    if os.path.isdir(path):
        if labels:
            raise ValueError(f"{path} is a directory: its labels files are found in it; "
                             "give --labels only with an images file")
        files = _directory_files(path)
        sides: List[Tuple[int, ...]] = []
        X, y = load_idx_pair(files[0], files[1], sides)
        test = load_idx_pair(files[2], files[3], sides)
        _check_splits_agree(files, (X, y), test, sides)
        return IdxData(X, y, test)
    X, y = load_idx_pair(path, labels)
    return IdxData(X, y, None)


def is_idx_path(path: str) -> bool:
    """Whether ``path`` names idx data: a directory, or a file named like ``*idx3-ubyte[.gz]``."""
    name = os.path.basename(path).lower()
    name = name[:-3] if name.endswith(".gz") else name
    return os.path.isdir(path) or "idx1" in name or "idx3" in name or name.endswith("ubyte")
