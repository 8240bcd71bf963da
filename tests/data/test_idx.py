"""MNIST idx files as a data source (issue 15, item 1): the loader, its errors and the CLI.

Every test writes its own small idx files (gzip or not) in ``tmp_path``, so CI without
MNIST tests the loader fully; where the official files are present
(``../shared/data/mnist``), :func:`test_real_mnist_slice` additionally checks a slice of
them -- an extra assertion, never a skip.  The CLI runs in-process on 8 x 8 "images".
"""
from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from tfgraph_dnn import cli
from tfgraph_dnn.cli.data import load_training_data
from tfgraph_dnn.data.datasets import DATASETS, load_mnist_idx, load_raw_dataset
from tfgraph_dnn.data.idx import IMAGES_MAGIC, LABELS_MAGIC, is_idx_path, read_idx

from _support import REPO_ROOT

REAL_MNIST = Path(REPO_ROOT).parent / "shared" / "data" / "mnist"


def idx_bytes(array: np.ndarray) -> bytes:
    """An idx file of unsigned bytes holding ``array`` (3-d images or 1-d labels)."""
    array = np.asarray(array, dtype=np.uint8)
    magic = IMAGES_MAGIC if array.ndim == 3 else LABELS_MAGIC
    return struct.pack(f">i{array.ndim}i", magic, *array.shape) + array.tobytes()


def write_idx(path: Path, array: np.ndarray, gz: bool = True) -> Path:
    """Write ``array`` as an idx file (gzip when ``gz``); return the path."""
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def make_set(n: int, seed: int, side: int = 8):
    """``n`` random ``side`` x ``side`` images and labels 0-9 (each class at least twice)."""
    rng = np.random.RandomState(seed)
    labels = np.arange(n) % 10
    images = rng.randint(0, 256, size=(n, side, side)).astype(np.uint8)
    images[:, 0, 0] = labels * 20  # learnable, and pins each image to its label
    return images, labels


def write_mnist_dir(directory: Path, gz: bool = True, n_train: int = 60, n_test: int = 20,
                    sep: str = "-") -> dict:
    """The four official files (small) in ``directory``; returns the arrays written."""
    directory.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    arrays = {"train": make_set(n_train, 0), "t10k": make_set(n_test, 1)}
    for prefix, (images, labels) in arrays.items():
        write_idx(directory / f"{prefix}-images{sep}idx3-ubyte{suffix}", images, gz)
        write_idx(directory / f"{prefix}-labels{sep}idx1-ubyte{suffix}", labels, gz)
    return arrays


@pytest.mark.parametrize("gz", [True, False])
def test_directory_gives_the_official_train_test_split(tmp_path, gz):
    arrays = write_mnist_dir(tmp_path / "mnist", gz=gz)
    data = load_mnist_idx(str(tmp_path / "mnist"))
    images, labels = arrays["train"]
    assert data.X.shape == (60, 64) and data.X.dtype == np.float32 and data.y.dtype == np.int64
    np.testing.assert_array_equal(data.X, images.reshape(60, -1))  # raw pixels, not scaled
    np.testing.assert_array_equal(data.y, labels)
    X_test, y_test = data.test
    np.testing.assert_array_equal(X_test, arrays["t10k"][0].reshape(20, -1))
    np.testing.assert_array_equal(y_test, arrays["t10k"][1])
    assert data.scaling == (0.0, 255.0)


def test_kaggle_spelling_and_mixed_compression(tmp_path):
    write_mnist_dir(tmp_path, gz=False, sep=".")
    assert load_mnist_idx(str(tmp_path)).X.shape == (60, 64)


@pytest.mark.parametrize("gz", [True, False])
def test_images_file_with_labels_beside_it_or_given(tmp_path, gz):
    images, labels = make_set(30, 2)
    suffix = ".gz" if gz else ""
    path = write_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", images, gz)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels, True)  # either compression
    data = load_mnist_idx(str(path))
    assert data.test is None
    np.testing.assert_array_equal(data.y, labels)
    other = write_idx(tmp_path / "elsewhere.idx1", labels[::-1].copy(), gz)
    np.testing.assert_array_equal(load_mnist_idx(str(path), str(other)).y, labels[::-1])


def load_error(*args) -> str:
    """The one-line ``ValueError`` message of ``load_mnist_idx(*args)``."""
    with pytest.raises(ValueError) as info:
        load_mnist_idx(*map(str, args))
    message = str(info.value)
    assert "\n" not in message
    return message


def test_errors_name_the_file(tmp_path):
    images, labels = make_set(30, 3)
    good = write_idx(tmp_path / "train-images-idx3-ubyte.gz", images)
    labels_path = write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels)
    # the labels file given as images, and the other way round
    message = load_error(labels_path)
    assert str(labels_path) in message and "magic number 2049" in message
    assert "images were expected" in message
    message = load_error(good, good)
    assert "an idx images file (magic number 2051) where labels were expected" in message
    # not idx at all
    junk = tmp_path / "junk-images-idx3-ubyte"
    junk.write_bytes(b"hello, world!")
    assert str(junk) in load_error(junk) and "not an MNIST idx file" in load_error(junk)
    # truncated data (plain) and extra bytes
    cut = tmp_path / "cut-images-idx3-ubyte"
    cut.write_bytes(idx_bytes(images)[:-7])
    message = load_error(cut, labels_path)
    assert str(cut) in message and "truncated" in message and "30 x 8 x 8" in message
    long = tmp_path / "long-images-idx3-ubyte"
    long.write_bytes(idx_bytes(images) + b"\0")
    assert "longer than its header says" in load_error(long, labels_path)
    # a truncated gzip stream
    broken = tmp_path / "broken-images-idx3-ubyte.gz"
    broken.write_bytes(gzip.compress(idx_bytes(images))[:-20])
    message = load_error(broken, labels_path)
    assert str(broken) in message and "truncated or corrupt gzip" in message
    # counts that differ
    few = write_idx(tmp_path / "few-labels-idx1-ubyte.gz", labels[:29])
    message = load_error(good, few)
    assert "30 images" in message and "29 labels" in message and str(few) in message
    # no labels beside it; a directory without its files; a missing file
    alone = tmp_path / "alone"
    alone.mkdir()
    lone = write_idx(alone / "t10k-images-idx3-ubyte.gz", images)
    message = load_error(lone)
    assert "no labels file beside it" in message and "t10k-labels-idx1-ubyte" in message
    assert "--labels" in message
    message = load_error(alone)
    assert str(alone) in message and "train-images-idx3-ubyte" in message
    assert "nothing is downloaded" in message
    assert "No such file" in load_error(tmp_path / "nope-images-idx3-ubyte.gz")


def test_read_idx_shapes_and_path_detection(tmp_path):
    images, labels = make_set(12, 4, side=5)
    assert read_idx(str(write_idx(tmp_path / "a", images))).shape == (12, 5, 5)
    assert read_idx(str(write_idx(tmp_path / "b", labels, gz=False))).shape == (12,)
    assert is_idx_path("x/train-images-idx3-ubyte.gz") and is_idx_path("t10k-labels.idx1-ubyte")
    assert is_idx_path(str(tmp_path))  # a directory
    assert not is_idx_path("data.csv") and not is_idx_path("mnist.npz")


def test_real_mnist_slice(tmp_path):
    """A slice of the official files when present (an extra check); a written one always."""
    images, labels = make_set(10, 5, side=28)
    sources = {"written": (idx_bytes(images), idx_bytes(labels), 10, labels.tolist())}
    if REAL_MNIST.is_dir():  # the first 100 images of the official training file
        with gzip.open(REAL_MNIST / "train-images-idx3-ubyte.gz") as handle:
            head = handle.read(16 + 100 * 784)
        with gzip.open(REAL_MNIST / "train-labels-idx1-ubyte.gz") as handle:
            label_head = handle.read(8 + 100)
        assert struct.unpack(">4i", head[:16]) == (2051, 60000, 28, 28)
        assert struct.unpack(">2i", label_head[:8]) == (2049, 60000)
        sliced = struct.pack(">4i", 2051, 100, 28, 28) + head[16:]
        sources["official"] = (sliced, struct.pack(">2i", 2049, 100) + label_head[8:], 100,
                               [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
    for name, (image_bytes, label_bytes, n, first_labels) in sources.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(image_bytes))
        (folder / "train-labels-idx1-ubyte").write_bytes(label_bytes)
        data = load_mnist_idx(str(folder / "train-images-idx3-ubyte.gz"))
        assert data.X.shape == (n, 784) and 0 <= data.X.min() and data.X.max() <= 255
        assert data.y[:10].tolist() == first_labels[:10], name
        np.testing.assert_array_equal(data.X[0], np.frombuffer(image_bytes[16:16 + 784],
                                                               np.uint8))


# --- the data set and the command line ---------------------------------------------------

def test_mnist_data_set_needs_a_directory(tmp_path):
    assert DATASETS["mnist"].scaling == (0.0, 255.0) and DATASETS["mnist"].needs_directory
    with pytest.raises(ValueError, match="--mnist-dir DIR.*never downloaded"):
        load_raw_dataset("mnist")
    write_mnist_dir(tmp_path)
    X, y, scaling = load_raw_dataset("mnist", str(tmp_path))
    assert X.shape == (80, 64) and len(y) == 80 and scaling == (0.0, 255.0)


def run(argv, capsys):
    """``tfgraph-dnn *argv`` in-process: ``(exit code, stdout, stderr)``."""
    code = cli.main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def namespace(**values):
    """The data flags of ``train`` as parsed, with ``values`` set."""
    args = cli.build_parser().parse_args(["train"])
    vars(args).update(values)
    return args


def test_training_data_from_idx_file_and_mnist_dir(tmp_path):
    arrays = write_mnist_dir(tmp_path)
    data = load_training_data(namespace(data=str(tmp_path / "train-images-idx3-ubyte.gz")))
    assert data.X.shape == (60, 64) and data.scaling == (0.0, 255.0) and data.test is None
    data = load_training_data(namespace(dataset="mnist", mnist_dir=str(tmp_path)))
    assert data.test is not None and len(data.test[1]) == 20 and "mnist" in data.source
    np.testing.assert_array_equal(data.test[1], arrays["t10k"][1])


@pytest.mark.parametrize("argv, message", [
    (["--dataset", "mnist"], "--dataset mnist reads the official idx files from a directory"),
    (["--mnist-dir", "{tmp}"], "--mnist-dir is for --dataset mnist"),
    (["--data", "{tmp}/t.csv", "--labels", "{tmp}/l"], "--labels is for MNIST idx files"),
    (["--data", "{tmp}/train-labels-idx1-ubyte.gz"], "magic number 2049"),
])
def test_cli_data_errors_are_one_line(tmp_path, capsys, argv, message):
    write_mnist_dir(tmp_path)
    (tmp_path / "t.csv").write_text("a,label\n1,0\n")
    code, out, err = run(["train", *[arg.format(tmp=tmp_path) for arg in argv]], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err, err


def test_cli_train_on_idx_file_and_mnist_dir_then_predict(tmp_path, capsys):
    write_mnist_dir(tmp_path / "mnist", n_train=100, n_test=30)
    flags = ["--n-hidden", "1", "--n-neurons", "8", "--n-epochs", "1", "--log-dir",
             tmp_path / "logs"]
    code, out, err = run(["train", "--data", tmp_path / "mnist" / "train-images-idx3-ubyte.gz",
                          *flags], capsys)
    assert code == 0, err
    assert "train (80, 64)  test (20, 64) (--test-size 0.2)" in out
    assert "(x - 0) / 255" in out or "0, 255" in out, out
    code, out, err = run(["train", "--dataset", "mnist", "--mnist-dir", tmp_path / "mnist",
                          *flags, "--save", tmp_path / "model"], capsys)
    assert code == 0, err
    assert "train (100, 64)  test (30, 64) (its own test files)" in out, out
    code, out, err = run(["predict", "--model", tmp_path / "model", "--data",
                          tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz", "--out",
                          tmp_path / "pred.csv"], capsys)
    assert code == 0, err
    assert "predictions: 30 rows" in out and "on " in out  # labels beside it: scored
    assert len((tmp_path / "pred.csv").read_text().strip().splitlines()) == 31


def test_cli_datasets_lists_mnist_and_checks_a_directory(tmp_path, capsys):
    write_mnist_dir(tmp_path)
    code, out, err = run(["datasets", "--mnist-dir", tmp_path], capsys)
    assert code == 0, err
    assert "mnist " in out and "--mnist-dir DIR" in out
    assert "train: 60 images x 64 pixels" in out and "test: 20 images x 64 pixels" in out
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b\x08broken")
    code, out, err = run(["datasets", "--mnist-dir", tmp_path], capsys)
    assert code == 2 and "t10k-labels-idx1-ubyte.gz" in err and "gzip" in err, err


# --- issue 19, symptom 8: headers, gzip bombs and directories whose files disagree --------

def header_error(tmp_path: Path, data: bytes, gz: bool, name: str = "x-images-idx3-ubyte"):
    """The one-line ``ValueError`` message of ``read_idx`` on ``data`` (gzip when ``gz``)."""
    path = tmp_path / (name + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(ValueError) as info:
        read_idx(str(path))
    message = str(info.value)
    assert type(info.value) is ValueError and str(path) in message and "\n" not in message
    return message


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("shape, expected", [
    ((-1, 8, 8), "a negative count"), ((3, -8, 8), "a negative rows"),
    ((0, 8, 8), "a zero count"), ((3, 8, 0), "a zero columns"),
    ((2 ** 31 - 1,) * 3, "truncated"), ((60000, 2 ** 31 - 1, 2 ** 31 - 1), "truncated"),
])
def test_bad_header_dimensions_name_the_file(tmp_path, gz, shape, expected):
    """Negative, zero, huge and overflowing sizes: one error naming the file, no numpy error."""
    data = struct.pack(">4i", IMAGES_MAGIC, *shape) + bytes(64)
    message = header_error(tmp_path, data, gz)
    assert expected in message and " x ".join(map(str, shape)) in message, message


def test_gzip_bomb_is_not_inflated_beyond_the_declared_size(tmp_path):
    """A small .gz inflating to 64 MiB under a header declaring 640 bytes: refused, unread."""
    import tracemalloc

    bomb = tmp_path / "bomb-images-idx3-ubyte.gz"
    bomb.write_bytes(gzip.compress(struct.pack(">4i", IMAGES_MAGIC, 10, 8, 8)
                                   + bytes(64 << 20), compresslevel=1))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="longer than its header says") as info:
            read_idx(str(bomb))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(bomb) in str(info.value) and peak < 8 << 20, peak
    # a header declaring more than any gzip file of this size can hold: refused before reading
    huge = tmp_path / "huge-images-idx3-ubyte.gz"
    huge.write_bytes(gzip.compress(struct.pack(">4i", IMAGES_MAGIC, 10 ** 6, 28, 28)))
    with pytest.raises(ValueError, match="more than a gzip file of"):
        read_idx(str(huge))


@pytest.mark.parametrize("magic, expected", [
    (0x0D03, "an idx file of 32-bit floats (type code 0x0d"),
    (0x0801, "where images were expected"),
    (0x0802, "an idx file of 2 dimension(s)"),
    (0x0804, "an idx file of 4 dimension(s)"),
    (0x01000803, "not an MNIST idx file"),
])
def test_foreign_idx_types_and_dimensions_are_named(tmp_path, magic, expected):
    data = struct.pack(">4i", magic, 2, 2, 2) + bytes(8)
    path = tmp_path / "g-images-idx3-ubyte"
    path.write_bytes(data)
    with pytest.raises(ValueError) as info:
        read_idx(str(path), IMAGES_MAGIC)
    assert expected in str(info.value) and str(path) in str(info.value), str(info.value)


def test_gzip_members_trailing_garbage_and_truncation(tmp_path):
    images, _ = make_set(6, 7)
    data = idx_bytes(images)
    split = tmp_path / "split-images-idx3-ubyte.gz"  # two gzip members, as `cat a.gz b.gz`
    split.write_bytes(gzip.compress(data[:100]) + gzip.compress(data[100:]))
    np.testing.assert_array_equal(read_idx(str(split)), images)
    junk = tmp_path / "junk-images-idx3-ubyte.gz"
    junk.write_bytes(gzip.compress(data) + b"trailing garbage")
    with pytest.raises(ValueError, match="not gzip after the end of its stream"):
        read_idx(str(junk))
    no_trailer = tmp_path / "cut-images-idx3-ubyte.gz"  # payload complete, CRC/size cut off
    no_trailer.write_bytes(gzip.compress(data)[:-8])
    with pytest.raises(ValueError, match="truncated or corrupt gzip"):
        read_idx(str(no_trailer))
    bad_crc = bytearray(gzip.compress(data))
    bad_crc[-8] ^= 0xFF
    (tmp_path / "crc-images-idx3-ubyte.gz").write_bytes(bytes(bad_crc))
    with pytest.raises(ValueError, match="truncated or corrupt gzip"):
        read_idx(str(tmp_path / "crc-images-idx3-ubyte.gz"))


def test_directory_whose_files_disagree_names_them(tmp_path, capsys):
    """28 x 28 training vs 20 x 20 test images, unseen test labels, missing files."""
    folder = tmp_path / "mnist"
    write_mnist_dir(folder)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", make_set(20, 1, side=5)[0])
    message = load_error(folder)
    assert "t10k-images-idx3-ubyte.gz holds 5 x 5 images" in message
    assert "train-images-idx3-ubyte.gz holds 8 x 8" in message, message
    code, out, err = run(["datasets", "--mnist-dir", folder], capsys)
    assert code == 2 and "5 x 5 images" in err and len(err.strip().splitlines()) == 1, err
    write_mnist_dir(folder)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.arange(20) % 12)
    message = load_error(folder)
    assert "t10k-labels-idx1-ubyte.gz holds label(s) 10, 11" in message, message
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    (folder / "train-images-idx3-ubyte.gz").unlink()
    message = load_error(folder)
    assert "no train-images-idx3-ubyte(.gz) and no t10k-labels-idx1-ubyte(.gz)" in message
