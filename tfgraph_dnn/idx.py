"""MNIST's idx files, gzip-compressed or not (room: ``datasets``; NumPy only; never downloads).

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
:mod:`tfgraph_dnn.datasets`.  Every problem -- a missing file, a wrong magic
number (e.g. a labels file given as images), a header whose sizes disagree
with the data, a truncated or corrupt gzip stream, image and label counts that
differ -- is one ``ValueError`` naming the file.
"""
from __future__ import annotations

import gzip
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


def _read_bytes(path: str) -> bytes:
    """The file's bytes, decompressed if it is gzip (detected by content, not by name)."""
    if not os.path.isfile(path):
        raise ValueError(f"No such file: {path}")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ValueError(f"Cannot read {path}: {error.strerror or error}") from error
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (EOFError, OSError, zlib.error) as error:  # truncated or corrupt stream
        raise ValueError(f"{path}: truncated or corrupt gzip file ({error}); download it "
                         "again or gunzip it to check") from error


def read_idx(path: str, expected_magic: Optional[int] = None) -> np.ndarray:
    """Read an idx file of unsigned bytes (images: 3-d, labels: 1-d), checking its header.

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
        One line naming the file: missing, unreadable, not an idx file of
        unsigned bytes, of the other kind than expected, truncated, or longer
        than its header says.
    """
    data = _read_bytes(path)
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes; too short for an idx header")
    (magic,) = struct.unpack(">i", data[:4])
    if magic not in _KIND:
        raise ValueError(f"{path}: not an MNIST idx file (magic number {magic}; expected "
                         f"{IMAGES_MAGIC} for images or {LABELS_MAGIC} for labels)")
    if expected_magic is not None and magic != expected_magic:
        raise ValueError(f"{path}: an idx {_KIND[magic]} file (magic number {magic}) where "
                         f"{_KIND[expected_magic]} were expected (magic number "
                         f"{expected_magic})")
    n_dims = magic & 0xFF
    header = 4 + 4 * n_dims
    if len(data) < header:
        raise ValueError(f"{path}: truncated idx header ({len(data)} bytes, expected "
                         f"{header})")
    shape = struct.unpack(f">{n_dims}i", data[4:header])
    expected = int(np.prod(shape, dtype=np.int64))
    found = len(data) - header
    if found != expected:
        what = "truncated" if found < expected else "longer than its header says"
        raise ValueError(f"{path}: {what}: the header gives {' x '.join(map(str, shape))} "
                         f"({expected:,} bytes of data) but the file holds {found:,}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


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


def load_idx_pair(images: str, labels: Optional[str] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Read an images file and its labels file (found beside it when not given).

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
    return pixels.reshape(len(pixels), -1).astype(np.float32), targets.astype(np.int64)


def _find_in(directory: str, prefix: str, kind: str) -> str:
    """``<prefix>-<kind>-idx?-ubyte[.gz]`` (or ``<prefix>-<kind>.idx?-ubyte``) in ``directory``."""
    dims = "3" if kind == "images" else "1"
    names = [f"{prefix}-{kind}{sep}idx{dims}-ubyte{suffix}"
             for sep in ("-", ".") for suffix in (".gz", "")]
    for name in names:
        if os.path.isfile(os.path.join(directory, name)):
            return os.path.join(directory, name)
    raise ValueError(f"{directory}: no {prefix}-{kind}-idx{dims}-ubyte(.gz); an MNIST "
                     "directory holds the four official idx files (train-images-idx3-ubyte, "
                     "train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte,"
                     " gzip or not); nothing is downloaded")


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
        ``X`` (float32 raw pixels 0-255, shape ``(n, 784)``), ``y`` (int64),
        ``test`` (the ``t10k`` pair for a directory, else ``None``) and
        ``scaling`` ``(0, 255)``.

    Raises
    ------
    ValueError
        One line naming the file at fault (see :func:`read_idx`).
    """
    if os.path.isdir(path):
        if labels:
            raise ValueError(f"{path} is a directory: its labels files are found in it; "
                             "give --labels only with an images file")
        X, y = load_idx_pair(_find_in(path, "train", "images"), _find_in(path, "train", "labels"))
        test = load_idx_pair(_find_in(path, "t10k", "images"), _find_in(path, "t10k", "labels"))
        return IdxData(X, y, test)
    X, y = load_idx_pair(path, labels)
    return IdxData(X, y, None)


def is_idx_path(path: str) -> bool:
    """Whether ``path`` names idx data: a directory, or a file named like ``*idx3-ubyte[.gz]``."""
    name = os.path.basename(path).lower()
    name = name[:-3] if name.endswith(".gz") else name
    return os.path.isdir(path) or "idx1" in name or "idx3" in name or name.endswith("ubyte")
