"""Property-based tests of the readers of user files (issue 19, item 5): CSV, NPZ and idx.

Each reader, given what a generator wrote, either returns exactly the values written
(round trip: the oracle is the generator's own arrays, converted to float32) or raises its
one ``ValueError`` -- of that exact type (not a ``UnicodeDecodeError`` or another subclass),
on one line, naming the file.  Never a raw NumPy, zlib, zipfile or memory error, never a
silently wrong value.  The profile (tests/conftest.py) is bounded and derandomized; a longer
run: ``HYPOTHESIS_PROFILE=fuzz python -m pytest tests/data/test_file_reader_properties.py``.
"""
from __future__ import annotations

import csv
import gzip
import io
import pickle
import struct
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tfgraph_dnn.data.files import read_data_file
from tfgraph_dnn.data.idx import IMAGES_MAGIC, LABELS_MAGIC, load_mnist_idx, read_idx


@contextmanager
def workdir():
    """A fresh directory per example (hypothesis runs many examples in one test call)."""
    with TemporaryDirectory() as name:
        yield Path(name)


def refused(call, path) -> str:
    """Run ``call``; if it raises, it must be the readers' one clean error naming ``path``."""
    try:
        call()
    except ValueError as error:
        message = str(error)
        assert type(error) is ValueError, f"{type(error).__name__}: {message}"
        assert str(path) in message and "\n" not in message, message
        return message
    return ""


# --- CSV ------------------------------------------------------------------------------------

finite32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8).filter(
    lambda name: name.strip() and not _is_number(name) and "\0" not in name)


def _is_number(text: str) -> bool:
    from tfgraph_dnn.data.csvfile import is_number

    return is_number(text)


@st.composite
def csv_files(draw):
    """``(bytes, X, y, names, has_header)``: a CSV file as spreadsheets and scripts write it."""
    n_rows, n_features = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    X = np.array(draw(st.lists(st.lists(finite32, min_size=n_features, max_size=n_features),
                               min_size=n_rows, max_size=n_rows)), dtype=np.float32)
    y = draw(st.lists(st.integers(-2 ** 63, 2 ** 63 - 1), min_size=n_rows, max_size=n_rows))
    header = draw(st.booleans())
    columns = draw(st.lists(names, min_size=n_features + 1, max_size=n_features + 1,
                            unique_by=str.strip)) if header else None
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    spell = draw(st.sampled_from([repr, lambda v: np.format_float_scientific(v, unique=True),
                                  lambda v: f" {v!r} "]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=ending, quoting=quoting)
    if columns:
        writer.writerow(columns)
    for row, label in zip(X, y):
        writer.writerow([spell(float(value)) for value in row] + [str(label)])
        if draw(st.booleans()):
            buffer.write(draw(st.sampled_from(["", "  ", "\t" if delimiter != "\t" else ""]))
                         + ending)  # blank lines
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    return buffer.getvalue().encode(encoding), X, np.array(y), columns


@given(csv_files())
def test_csv_round_trip(case):
    """What a writer wrote is read back exactly -- or refused, never misread or short a row."""
    data, X, y, columns = case
    with workdir() as folder:
        path = folder / "data.csv"
        path.write_bytes(data)
        result = []
        message = refused(lambda: result.append(read_data_file(str(path), -1)), path)
        if not result:  # a clean refusal: never for numbers only
            assert columns is not None, message
            if "cannot tell whether" not in message:
                return  # e.g. a name holding a bare \r, which csv.writer leaves unquoted
            result.append(read_data_file(str(path), -1, header=True))
    got = result[0]
    np.testing.assert_array_equal(got.X, X)
    assert got.X.dtype == np.float32 and got.y.tolist() == y.tolist()
    if columns is None:
        assert got.feature_names is None
    else:
        assert got.feature_names == tuple(name.strip() for name in columns[:-1])


csv_alphabet = st.sampled_from(list("0123456789.eE+-,;\t\r\n\" ax_") +
                               ["\ufeff", "\u0661", "\x00", "\u2028", "nan", "inf", "1e39",
                                "label", "\xe9"])


@given(st.one_of(st.binary(max_size=200),
                 st.lists(csv_alphabet, max_size=80).map(lambda parts: "".join(parts).encode()),
                 st.lists(csv_alphabet, max_size=40).map(
                     lambda parts: "".join(parts).encode("utf-16"))),
       st.sampled_from([None, "label", 0, -1, 5]), st.sampled_from([None, True, False]))
def test_csv_arbitrary_bytes_load_cleanly_or_are_refused(data, target, header):
    with workdir() as folder:
        path = folder / "data.csv"
        path.write_bytes(data)
        result = []
        if refused(lambda: result.append(read_data_file(str(path), target, True, header)), path):
            return
    got = result[0]
    assert got.X.dtype == np.float32 and got.X.ndim == 2 and np.isfinite(got.X).all()
    assert got.X.shape[0] >= 1 and got.X.shape[1] >= 1
    assert (got.y is None) == (target is None) and (got.y is None or len(got.y) == len(got.X))
    if got.feature_names is not None:
        assert len(got.feature_names) == got.X.shape[1]


# --- NPZ ------------------------------------------------------------------------------------

any_dtype = st.one_of(hnp.integer_dtypes(), hnp.unsigned_integer_dtypes(),
                      hnp.floating_dtypes(), hnp.boolean_dtypes(), hnp.complex_number_dtypes(),
                      hnp.datetime64_dtypes(), hnp.byte_string_dtypes(max_len=3),
                      hnp.unicode_string_dtypes(max_len=3))


numeric_dtype = st.one_of(hnp.integer_dtypes(), hnp.unsigned_integer_dtypes(),
                          hnp.floating_dtypes(), hnp.boolean_dtypes())


@given(st.one_of(numeric_dtype, any_dtype), st.sampled_from(["matching", "any", "none"]),
       st.sampled_from([("X", "y"), ("x_train", "y_train"), ("features", "y")]),
       st.booleans(), st.data())
def test_npz_arrays_of_every_dtype(dtype, labels, keys, compressed, draw):
    """Any dtype and shape of ``X`` and ``y``: the values as stored (float32), or refused."""
    X = draw.draw(hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)))
    y = None
    if labels == "matching" and X.ndim:
        y = draw.draw(hnp.arrays(st.one_of(numeric_dtype, any_dtype), len(X)))
    elif labels == "any":
        y = draw.draw(hnp.arrays(any_dtype, hnp.array_shapes(min_dims=0, max_dims=2,
                                                              max_side=4)))
    with workdir() as folder:
        path = folder / "data.npz"
        arrays = {keys[0]: X} if y is None else {keys[0]: X, keys[1]: y}
        (np.savez_compressed if compressed else np.savez)(path, **arrays)
        result = []
        message = refused(lambda: result.append(read_data_file(str(path))), path)
        if message:
            with np.errstate(all="ignore"):
                valid_X = keys[0] != "features" and X.ndim >= 1 and X.size > 0 and \
                    X.dtype.kind in "biuf" and np.isfinite(X.astype(np.float32)).all()
            valid_y = y is None or (y.ndim >= 1 and y.dtype.kind in "iub" and
                                    len(y) == (len(X) if X.ndim else -1))
            assert not (valid_X and valid_y), f"a valid file was refused: {message}"
            return
    got = result[0]
    np.testing.assert_array_equal(got.X, X.reshape(len(X), -1).astype(np.float32))
    assert got.scaling == ((0.0, 255.0) if X.dtype == np.uint8 else None)
    if y is None:
        assert got.y is None
    else:
        assert len(got.y) == len(X) and np.array_equal(
            got.y, y.astype(str) if y.dtype.kind == "S" else y)


@given(st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=3)), min_size=1,
                max_size=4))
def test_npz_object_arrays_are_refused_unread(values):
    X = np.empty(len(values), dtype=object)
    X[:] = values
    with workdir() as folder, pytest.MonkeyPatch.context() as patch:
        for name in ("load", "loads"):
            patch.setattr(pickle, name, lambda *a, **k: pytest.fail("unpickled"))
        path = folder / "data.npz"
        np.savez(path, X=X, y=np.zeros(len(values)))
        assert "holds Python objects" in refused(lambda: read_data_file(str(path)), path)


def _npz_bytes(X: np.ndarray, y: np.ndarray, compressed: bool) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, X=X, y=y)
    return buffer.getvalue()


@given(st.sampled_from(["random", "stored", "compressed"]), st.data())
def test_npz_arbitrary_and_damaged_bytes(kind, draw):
    """Arbitrary bytes, or a valid archive cut short or with bytes flipped: equal or refused."""
    X, y = np.arange(12, dtype=np.float32).reshape(4, 3), np.array([0, 1, 0, 1])
    if kind == "random":
        data, original = draw.draw(st.binary(max_size=300)), None
    else:
        original = _npz_bytes(X, y, kind == "compressed")
        data = bytearray(original)
        for position in draw.draw(st.lists(st.integers(0, len(data) - 1), max_size=3)):
            data[position] ^= draw.draw(st.integers(1, 255))
        data = bytes(data[:draw.draw(st.integers(0, len(data)))])
    with workdir() as folder:
        path = folder / "data.npz"
        path.write_bytes(data)
        result = []
        if refused(lambda: result.append(read_data_file(str(path))), path):
            return
    assert original is not None  # random bytes are never an archive holding X
    np.testing.assert_array_equal(result[0].X, X)
    np.testing.assert_array_equal(result[0].y, y)


# --- idx ------------------------------------------------------------------------------------

def _gzip(data: bytes, members: int) -> bytes:
    """``data`` as ``members`` concatenated gzip members (what ``cat a.gz b.gz`` makes)."""
    cuts = np.linspace(0, len(data), members + 1).astype(int)
    return b"".join(gzip.compress(data[a:b]) for a, b in zip(cuts[:-1], cuts[1:]))


@given(hnp.arrays(np.uint8, hnp.array_shapes(min_dims=3, max_dims=3, max_side=6)),
       st.integers(0, 3))
def test_idx_round_trip(images, members):
    """Images written as idx (plain, or gzip in 1-3 members) are read back exactly."""
    labels = np.arange(len(images)) % 10
    with workdir() as folder:
        for array, magic in ((images, IMAGES_MAGIC), (labels, LABELS_MAGIC)):
            data = struct.pack(f">i{array.ndim}i", magic, *array.shape) + \
                array.astype(np.uint8).tobytes()
            path = folder / f"a-{magic}"
            path.write_bytes(_gzip(data, members) if members else data)
            np.testing.assert_array_equal(read_idx(str(path), magic), array)


sizes = st.one_of(st.integers(-3, 5), st.integers(-2 ** 31, 2 ** 31 - 1))


@given(st.one_of(st.sampled_from([IMAGES_MAGIC, LABELS_MAGIC, 0x0802, 0x0D03, 0x0901]),
                 st.integers(-2 ** 31, 2 ** 31 - 1)),
       st.lists(sizes, min_size=3, max_size=3), st.binary(max_size=300),
       st.sampled_from(["plain", "gzip", "cut gzip", "gzip + junk", "header only"]))
@example(IMAGES_MAGIC, [2 ** 20, 2 ** 22, 2 ** 22], b"", "plain")  # 2**64 bytes: int64 wraps to 0
def test_idx_arbitrary_headers_and_payloads(magic, dims, payload, form):
    """Any header, any payload: the declared array exactly, or one error naming the file."""
    n_dims = {IMAGES_MAGIC: 3, LABELS_MAGIC: 1}.get(magic, 3)
    raw = struct.pack(">i", magic) + b"".join(struct.pack(">i", d) for d in dims[:n_dims])
    raw = raw if form == "header only" else raw + payload
    data = {"plain": raw, "header only": raw, "gzip": gzip.compress(raw),
            "cut gzip": gzip.compress(raw)[:-5], "gzip + junk": gzip.compress(raw) + b"junk"}[form]
    with workdir() as folder:
        path = folder / "file-idx"
        path.write_bytes(data)
        result = []
        if refused(lambda: result.append(read_idx(str(path))), path):
            shape = dims[:n_dims]
            valid = magic in (IMAGES_MAGIC, LABELS_MAGIC) and min(shape) > 0 and \
                form in ("plain", "gzip") and len(payload) == int(np.prod(shape, dtype=object))
            assert not valid, "a valid idx file was refused"
            return
    got = result[0]
    assert form in ("plain", "gzip", "header only") and got.dtype == np.uint8
    assert list(got.shape) == dims[:n_dims] and got.tobytes() == payload[:got.size]
    assert got.size == len(raw) - 4 - 4 * n_dims


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 5), st.integers(1, 5),
       st.integers(0, 12), st.integers(0, 12), st.booleans())
def test_idx_directory_files_agree_or_are_named(side_train, side_test, n_train, n_test,
                                                 top_train, top_test, gz):
    """Four files of any sizes and labels: loaded when they agree, else an error naming one."""
    rng = np.random.RandomState(0)
    labels = {"train": np.minimum(np.arange(n_train), top_train),
              "t10k": np.minimum(np.arange(n_test), top_test)}
    with workdir() as folder:
        for prefix, side, n in (("train", side_train, n_train), ("t10k", side_test, n_test)):
            images = rng.randint(0, 256, (n, side, side)).astype(np.uint8)
            for kind, array, magic in (("images-idx3", images, IMAGES_MAGIC),
                                       ("labels-idx1", labels[prefix], LABELS_MAGIC)):
                data = struct.pack(f">i{array.ndim}i", magic, *array.shape) + \
                    array.astype(np.uint8).tobytes()
                (folder / f"{prefix}-{kind}-ubyte{'.gz' if gz else ''}").write_bytes(
                    gzip.compress(data) if gz else data)
        result = []
        message = refused(lambda: result.append(load_mnist_idx(str(folder))), folder)
    agree = side_train == side_test and \
        set(labels["t10k"].tolist()) <= set(labels["train"].tolist())
    assert bool(result) == agree, message
    if result:
        assert result[0].X.shape == (n_train, side_train ** 2)
        assert result[0].test[0].shape == (n_test, side_test ** 2)
