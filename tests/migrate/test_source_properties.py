"""Property-based tests of ``tfgraph-dnn migrate``'s readers: notebooks and Python sources.

Arbitrary notebook-shaped JSON (JSON values of every kind placed where
nbformat expects cells, sources, metadata...) and arbitrary sources mixing TF1
imports and uses with random text and every newline convention go through the
command line in process (``--no-api-check``).  Either the file is migrated --
and the output equals the input except the rewritten import lines, migrating
it again changes nothing -- or the command exits 2 with one line naming the
file and writes nothing.  Never a traceback.
"""
import contextlib
import io
import json
import os
import re
import shutil
import tempfile

from hypothesis import given
from hypothesis import strategies as st

from tfgraph_dnn.cli import main
from tfgraph_dnn.migrate import migrate_file

IMPORTS = {
    "import tensorflow as tf": "import tfgraph_dnn.tf1 as tf",
    "import tensorflow.compat.v1 as tf": "import tfgraph_dnn.tf1 as tf",
    "from tensorflow.contrib.layers import fully_connected":
        "from tfgraph_dnn.tf1.contrib.layers import fully_connected",
}
USES = ["x = tf.placeholder(tf.float32, (None, 3))", "h = fully_connected(x, 3)",
        "if True:", "    import tensorflow as tf", "def f(x):", "    return tf.layers.dense(x, 2)",
        "", "# é commentaire", "\x0c", "y = (1,", "     2)", "s = '''a", "b'''", "\tz = 1"]
IPYTHON = ["%matplotlib inline", "!pip install tensorflow==1.15", "%%time", "files = !ls",
           "tf.layers.dense?"]
NEWLINES = st.sampled_from(["\n", "\r\n", "\r"])
RANDOM_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
NEWLINE = re.compile(r"\r\n|\r|\n")


def rarely(n):
    """True about once in ``n`` draws (``st.integers`` would favour its bounds)."""
    return st.sampled_from([False] * (n - 1) + [True])


def lines_of(text):
    """``(content, ending)`` pairs, Python's newlines only."""
    parts = NEWLINE.split(text)
    endings = NEWLINE.findall(text)
    return [(part, ending) for part, ending in zip(parts, endings + [""])
            if part or ending]


def run_migrate(*args):
    """``tfgraph-dnn migrate ARGS --no-api-check`` in process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["migrate", *args, "--no-api-check"])
    return code, out.getvalue(), err.getvalue()


def assert_one_line_error(code, err, name):
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tfgraph-dnn migrate: error: "), lines
    assert name in lines[0] and "nothing written" in lines[0], lines[0]


def only_imports_rewritten(old, new):
    """Whether ``new`` is ``old`` with some of the :data:`IMPORTS` lines rewritten."""
    pieces = re.split("|".join(map(re.escape, IMPORTS)), old)
    found = re.findall("|".join(map(re.escape, IMPORTS)), old)
    pattern = re.escape(pieces[0])
    for key, piece in zip(found, pieces[1:]):
        pattern += f"(?:{re.escape(key)}|{re.escape(IMPORTS[key])})" + re.escape(piece)
    return re.fullmatch(pattern, new, re.S) is not None


# -- Python sources ---------------------------------------------------------------------
#: Mostly valid lines (imports, uses, comments and strings of random text), some raw text.
SOURCE_LINE = st.one_of(st.sampled_from(sorted(IMPORTS)), st.sampled_from(USES[:2]),
                        st.sampled_from(sorted(IMPORTS)), RANDOM_TEXT.map(lambda s: "# " + s),
                        RANDOM_TEXT.map(repr), st.sampled_from(USES), RANDOM_TEXT)


@st.composite
def python_sources(draw):
    lines = draw(st.lists(SOURCE_LINE, max_size=10))
    text = "".join(line + draw(NEWLINES) for line in lines)
    if draw(st.booleans()):
        text = re.sub(r"(?:\r\n|\r|\n)\Z", "", text)  # no final newline
    bom = draw(st.booleans())
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


@given(python_sources())
def test_property_python_source_keeps_every_line_but_rewritten_imports(data):
    folder = tempfile.mkdtemp()
    try:
        source, target = os.path.join(folder, "prog.py"), os.path.join(folder, "out.py")
        with open(source, "wb") as handle:
            handle.write(data)
        code, out, err = run_migrate(source, "-o", target)
        try:
            compile(data, source, "exec")
            python_accepts = True
        except (SyntaxError, ValueError):
            python_accepts = False
        if code == 2:
            assert_one_line_error(code, err, "prog.py")
            assert not python_accepts, f"valid Python refused: {err}"
            assert not os.path.exists(target)
            return
        assert code == 0 and python_accepts, err
        with open(target, "rb") as handle:
            output = handle.read()
        old, new = data.decode("utf-8"), output.decode("utf-8")
        assert only_imports_rewritten(old, new)
        old_lines, new_lines = lines_of(old), lines_of(new)
        assert len(old_lines) == len(new_lines)
        changed = {number for number, (a, b) in enumerate(zip(old_lines, new_lines), 1)
                   if a != b}
        reported = {int(line.split(":")[1]) for line in out.splitlines()
                    if ": changed: " in line}
        assert changed == reported
        assert all(a[1] == b[1] for a, b in zip(old_lines, new_lines))  # same line endings
        compile(output, target, "exec")
        again = migrate_file(target, resolve=lambda parts: None)
        assert again.changes == [] and again.code.encode(again.encoding) == output
    finally:
        shutil.rmtree(folder)


# -- notebooks -----------------------------------------------------------------------------
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 64, 2 ** 64),
                         st.floats(allow_nan=False, allow_infinity=False), RANDOM_TEXT)
JSON_VALUES = st.recursive(
    JSON_SCALARS, lambda children: st.one_of(st.lists(children, max_size=3),
                                             st.dictionaries(RANDOM_TEXT, children, max_size=3)),
    max_leaves=8)
JSON_OBJECTS = st.dictionaries(RANDOM_TEXT, JSON_VALUES, max_size=3)
CODE_LINE = st.one_of(SOURCE_LINE, st.sampled_from(IPYTHON))


@st.composite
def sources(draw, line_strategy):
    lines = [line + draw(NEWLINES) for line in draw(st.lists(line_strategy, max_size=6))]
    if lines and draw(st.booleans()):
        lines[-1] = NEWLINE.sub("", lines[-1])
    return draw(st.sampled_from([lines, "".join(lines)]))


@st.composite
def cells(draw):
    kind = draw(st.sampled_from(["code", "code", "markdown", "raw"]))
    cell = {"cell_type": kind, "metadata": draw(JSON_OBJECTS),
            "source": draw(sources(CODE_LINE if kind == "code" else RANDOM_TEXT))}
    if kind == "code":
        cell["execution_count"] = draw(st.none() | st.integers(0, 99))
        cell["outputs"] = draw(st.lists(JSON_OBJECTS, max_size=2))
    if draw(rarely(12)):  # a wrong type, a missing key or a foreign cell
        key = draw(st.sampled_from(sorted(cell) + ["extra"]))
        cell[key] = draw(JSON_VALUES)
    if draw(rarely(20)):
        del cell[draw(st.sampled_from(sorted(cell)))]
    return draw(JSON_VALUES) if draw(rarely(25)) else cell


@st.composite
def notebooks(draw):
    notebook = {"cells": draw(st.lists(cells(), max_size=3)), "metadata": draw(JSON_OBJECTS),
                "nbformat": 4, "nbformat_minor": draw(st.integers(0, 5))}
    if draw(rarely(10)):
        notebook[draw(st.sampled_from(sorted(notebook)))] = draw(JSON_VALUES)
    value = draw(JSON_VALUES) if draw(rarely(16)) else notebook
    text = json.dumps(value, indent=draw(st.sampled_from([None, 1, 2])),
                      ensure_ascii=draw(st.booleans()), sort_keys=draw(st.booleans()))
    if draw(rarely(16)):
        text = text[:draw(st.integers(0, len(text)))]  # truncated
    return text + draw(st.sampled_from(["", "\n", "\r\n"]))


@given(notebooks())
def test_property_notebook_is_migrated_keeping_non_code_parts_or_refused(text):
    folder = tempfile.mkdtemp()
    try:
        source, target = os.path.join(folder, "nb.ipynb"), os.path.join(folder, "out.ipynb")
        with open(source, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        code, _, err = run_migrate(source, "-o", target)
        if code == 2:
            assert_one_line_error(code, err, "nb.ipynb")
            assert not os.path.exists(target)
            return
        assert code == 0, err
        with open(target, encoding="utf-8", newline="") as handle:
            output = handle.read()
        assert only_imports_rewritten(text, output)
        before, after = json.loads(text), json.loads(output)
        for notebook in (before, after):  # everything but the code cells' sources is equal
            for cell in notebook["cells"]:
                if cell["cell_type"] == "code":
                    cell["source"] = None
        assert before == after
        again = migrate_file(target, resolve=lambda parts: None)
        assert again.changes == [] and again.code == output
    finally:
        shutil.rmtree(folder)
