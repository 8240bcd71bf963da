"""``tfgraph-dnn migrate`` on bad input and failing disks: one line and exit 2, nothing lost.

Everything runs in process with ``--no-api-check`` (no TensorFlow); failing
disks are simulated by making one ``os`` call fail.  The property-based tests
are in ``test_migrate_property.py``.
"""
import json
import os
import subprocess
import sys

import pytest

from tfgraph_dnn.cli import main

TF1 = "import tensorflow as tf\nx = tf.placeholder(tf.float32)\n"
MIGRATED = "import tfgraph_dnn.tf1 as tf\nx = tf.placeholder(tf.float32)\n"


def run(capsys, *args):
    """``tfgraph-dnn migrate ARGS --no-api-check`` in process: (exit code, stdout, stderr)."""
    code = main(["migrate", *map(str, args), "--no-api-check"])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *fragments):
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tfgraph-dnn migrate: error: "), lines
    assert all(fragment in lines[0] for fragment in fragments), lines[0]


def cell(source, cell_type="code", **extra):
    base = {"cell_type": cell_type, "metadata": {}, "source": source}
    if cell_type == "code":
        base.update(execution_count=None, outputs=[])
    base.update(extra)
    return base


def notebook(*cells, **top):
    base = {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    base.update(top)
    return json.dumps(base, indent=1)


MALFORMED = [
    (notebook(cell(None)), "cell 1", "'source' is null"),
    (notebook(cell("x = 1"), metadata=None), "'metadata' is null"),
    (notebook(cell("x = 1"), cell(["import tensorflow as tf\n", 3])), "cell 2",
     "'source' item 2 is a number"),
    (notebook(cell("x = 1", cell_type="heading")), "cell 1", '"heading"'),
    (notebook(cell("x = 1", outputs={})), "cell 1", "'outputs' is an object"),
    (notebook(cell("x = 1", execution_count="1")), "'execution_count' is a string"),
    (notebook(cell("x = 1", metadata=[])), "cell 1", "'metadata' is an array"),
    (notebook(cell("x = 1"), metadata={"language_info": None}), "language_info"),
    (notebook(cell("x = 1"), metadata={"language_info": {"name": 3}}), "language_info.name"),
    (notebook("just text"), "cell 1", "the cell is a string"),
    (notebook(cell("x = 1"), nbformat=3), "'nbformat' is 3"),
    (json.dumps([1, 2]), "the top level is an array"),
    ('{"cells": [\n  {"cell_type": "code",}\n]}', "line 2", "invalid JSON"),
    ("[" * 100000 + "]" * 100000, "nested too deeply"),
]


@pytest.mark.parametrize("case", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_notebook_is_one_line_and_exit_2(tmp_path, capsys, case):
    text, *fragments = case
    (tmp_path / "nb.ipynb").write_text(text)
    for flags in ([], ["-o", tmp_path / "out"], ["--in-place"]):
        code, out, err = run(capsys, tmp_path / "nb.ipynb", *flags)
        assert_one_line_error(code, err, "nb.ipynb", "nothing written", *fragments)
        assert out == ""
    assert (tmp_path / "nb.ipynb").read_text() == text and not (tmp_path / "out").exists()


def test_unreadable_input_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "bad.ipynb").write_bytes(b'{"cells": [], "metadata": {"x": "\xff"}}')
    assert_one_line_error(*run(capsys, tmp_path / "bad.ipynb")[::2], "bad.ipynb", "cannot read")
    (tmp_path / "bad.py").write_bytes(b"# -*- coding: klingon -*-\nx = 1\n")
    assert_one_line_error(*run(capsys, tmp_path / "bad.py")[::2], "bad.py", "cannot read")
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text(TF1)
    os.symlink(tmp_path / "gone.py", src / "dangling.py")
    code, _, err = run(capsys, src, "--in-place")
    assert_one_line_error(code, err, "dangling.py", "cannot read", "nothing written")
    assert (src / "a.py").read_text() == TF1


def test_unreadable_directory_is_an_error_not_skipped(tmp_path, capsys, monkeypatch):
    (tmp_path / "src" / "locked").mkdir(parents=True)
    (tmp_path / "src" / "a.py").write_text(TF1)
    (tmp_path / "src" / "locked" / "b.py").write_text(TF1)
    real_scandir = os.scandir

    def scandir(path="."):
        if str(path).endswith("locked"):  # what chmod 000 does (but not to root)
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, _, err = run(capsys, tmp_path / "src", "--in-place")
    assert_one_line_error(code, err, "locked: cannot read directory", "nothing written")
    assert (tmp_path / "src" / "a.py").read_text() == TF1


def test_in_place_is_all_or_nothing_when_a_later_write_fails(tmp_path, capsys, monkeypatch):
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text(TF1)
    real_replace = os.replace

    def failing_replace(src, dst, *args, **kwargs):
        if str(dst).endswith("c.py") and os.path.basename(str(src)).startswith(".migrate-"):
            raise PermissionError(13, "Permission denied", str(src), None, str(dst))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", failing_replace)
    code, out, err = run(capsys, tmp_path, "--in-place")
    assert_one_line_error(code, err, "c.py: cannot write: Permission denied", "nothing written",
                          "2 file(s) already written were put back")
    assert ".migrate-" not in err  # the real file is named, never a temporary
    assert sorted(os.listdir(tmp_path)) == ["a.py", "b.py", "c.py"]  # no temporary, no backup
    assert all((tmp_path / name).read_text() == TF1 for name in ("a.py", "b.py", "c.py"))
    monkeypatch.setattr(os, "replace", real_replace)
    assert run(capsys, tmp_path, "--in-place")[0] == 0
    assert all((tmp_path / name).read_text() == MIGRATED for name in ("a.py", "b.py", "c.py"))


def test_output_directory_is_removed_when_a_write_fails(tmp_path, capsys, monkeypatch):
    (tmp_path / "src" / "sub").mkdir(parents=True)
    (tmp_path / "src" / "a.py").write_text(TF1)
    (tmp_path / "src" / "sub" / "b.py").write_text(TF1)
    real_link = os.link

    def failing_link(src, dst, *args, **kwargs):
        if str(dst).endswith("b.py"):
            raise OSError(28, "No space left on device", str(src))
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", failing_link)
    code, _, err = run(capsys, tmp_path / "src", "-o", tmp_path / "out" / "deep")
    assert_one_line_error(code, err, "b.py: cannot write: No space left on device")
    assert ".migrate-" not in err and not (tmp_path / "out").exists()


def test_in_place_writes_through_a_symlink_and_keeps_it(tmp_path, capsys):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "prog.py").write_text(TF1)
    os.chmod(tmp_path / "real" / "prog.py", 0o640)
    os.symlink(tmp_path / "real" / "prog.py", tmp_path / "link.py")
    code, out, _ = run(capsys, tmp_path / "link.py", "--in-place")
    assert code == 0 and out.endswith("rewrote 1 in place\n")
    assert os.path.islink(tmp_path / "link.py")
    assert (tmp_path / "real" / "prog.py").read_text() == MIGRATED
    assert os.stat(tmp_path / "real" / "prog.py").st_mode & 0o777 == 0o640
    assert sorted(os.listdir(tmp_path / "real")) == ["prog.py"]


@pytest.mark.parametrize("data", [
    b"import tensorflow as tf\rx = tf.constant(1)\r",                      # CR only
    b"import tensorflow as tf\r\nx = 1\ny = 2\rz = 3\r\n",                # mixed
    b"\xef\xbb\xbfimport tensorflow as tf\r\n\x0cx = 1\r\n# \xc3\xa9\r\n",  # BOM, form feed
    b"import tensorflow as tf\n\x0c\ndef f():\n    return tf.constant(1)",  # no final newline
    b"x = 1\n\\\n\\\nimport tensorflow as tf\r\n",  # lines libcst drops: a lone backslash
    b"x = 1\nimport tensorflow as tf\n\x0c",               # ... a form feed at the end
])
def test_every_byte_not_rewritten_is_kept(tmp_path, capsys, data):
    (tmp_path / "prog.py").write_bytes(data)
    code, out, err = run(capsys, tmp_path / "prog.py", "-o", tmp_path / "out.py")
    assert code == 0, err
    assert (tmp_path / "out.py").read_bytes() == data.replace(b"import tensorflow as tf",
                                                              b"import tfgraph_dnn.tf1 as tf")
    line = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n").split("\n") \
        .index("import tensorflow as tf") + 1
    assert out.startswith(f"{tmp_path / 'prog.py'}:{line}: changed: import tensorflow as tf")


@pytest.mark.slow
def test_deep_nesting_is_refused_before_libcst_crashes_the_process(tmp_path):
    (tmp_path / "deep.py").write_text("import tensorflow as tf\nx = " + "-" * 5000 + "1\n")
    (tmp_path / "deep.ipynb").write_text(notebook(cell("x = " + "-" * 1500 + "1")))
    for name, fragment in (("deep.py", "nested too deeply"), ("deep.ipynb", "the limit is 500")):
        result = subprocess.run(  # a segmentation fault must not take the test run with it
            [sys.executable, "-m", "tfgraph_dnn", "migrate", name, "--no-api-check"],
            cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert_one_line_error(result.returncode, result.stderr, name, fragment)


def test_what_python_rejects_is_refused_even_if_libcst_accepts_it(tmp_path, capsys):
    (tmp_path / "prog.py").write_bytes(b"import tensorflow as tf\n# \x00\n")
    code, _, err = run(capsys, tmp_path / "prog.py", "-o", tmp_path / "out.py")
    assert_one_line_error(code, err, "prog.py", "cannot parse", "null bytes")
    assert not (tmp_path / "out.py").exists()


def test_notebook_json_is_kept_byte_for_byte_outside_changed_sources(tmp_path, capsys):
    text = ('{"metadata": {"ratio": 1e5, "big": 1.0000000000000001, "name": "caf\\u00e9\\/x"},'
            ' "nbformat": 4, "nbformat_minor": 5, "cells": [{"cell_type": "code", '
            '"execution_count": null, "metadata": {}, "outputs": [], "source": '
            '["# caf\\u00e9\\n",   "import tensorflow as tf\\n", "x = 1"]}]}')
    (tmp_path / "nb.ipynb").write_text(text)
    code, _, err = run(capsys, tmp_path / "nb.ipynb", "-o", tmp_path / "out.ipynb")
    assert code == 0, err
    assert (tmp_path / "out.ipynb").read_text() == text.replace(
        "import tensorflow as tf", "import tfgraph_dnn.tf1 as tf")


def test_notebook_source_items_keep_their_cut_and_empty_items(tmp_path, capsys):
    source = ["from tensorflow.contrib.layers import fully_connected\n",
              "import os\nimport tensorflow as tf\n", "x = 1", ""]  # as hypothesis found
    text = notebook(cell(source))
    (tmp_path / "nb.ipynb").write_text(text)
    code, _, err = run(capsys, tmp_path / "nb.ipynb", "--in-place")
    assert code == 0, err
    assert (tmp_path / "nb.ipynb").read_text() == text.replace(
        "import tensorflow as tf", "import tfgraph_dnn.tf1 as tf").replace(
        "from tensorflow.contrib", "from tfgraph_dnn.tf1.contrib")


def test_notebook_with_byte_order_mark_and_crlf_keeps_both(tmp_path, capsys):
    text = "\ufeff" + notebook(cell(["import tensorflow as tf\r\n", "x = 1"])).replace(
        "\n", "\r\n") + "\r\n"
    (tmp_path / "nb.ipynb").write_bytes(text.encode("utf-8"))
    code, _, err = run(capsys, tmp_path / "nb.ipynb", "--in-place")
    assert code == 0, err
    assert (tmp_path / "nb.ipynb").read_bytes() == text.replace(
        "import tensorflow as tf", "import tfgraph_dnn.tf1 as tf").encode("utf-8")


def test_strict_writes_nothing_and_says_so(tmp_path, capsys):
    (tmp_path / "prog.py").write_text(TF1 + "tf.contrib.cudnn_rnn.CudnnLSTM(1, 3)\n")
    for flags in (["--in-place"], ["-o", tmp_path / "out.py"]):
        code, out, _ = run(capsys, tmp_path / "prog.py", "--strict", *flags)
        assert code == 1
        assert out.splitlines()[-1].endswith(
            "--strict: nothing written (1 construct(s) not migrated)")
    assert (tmp_path / "prog.py").read_text().startswith(TF1)
    assert not (tmp_path / "out.py").exists()


def test_without_output_the_report_is_printed_and_nothing_written(tmp_path, capsys):
    (tmp_path / "prog.py").write_text(TF1)
    code, out, _ = run(capsys, tmp_path)
    assert code == 0
    assert out.splitlines() == [
        f"{tmp_path}/prog.py:1: changed: import tensorflow as tf -> import tfgraph_dnn.tf1 as tf",
        "migrate: 1 file(s), 1 change(s) in 1 file(s), 0 construct(s) not migrated; "
        "report only, nothing written"]
    assert os.listdir(tmp_path) == ["prog.py"] and (tmp_path / "prog.py").read_text() == TF1
