"""``tfgraph_dnn.migrate`` and ``tfgraph-dnn migrate``: TF1 code rewritten for ``tfgraph_dnn.tf1``.

Most tests run in process with a fake resolver (no TensorFlow import); the
command line runs in subprocesses with ``--no-api-check`` (no TensorFlow
either), and one end-to-end test migrates with the real
``tfgraph_dnn.tf1_api.resolve`` and runs the migrated TF1 program.
"""
import json
import os
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest

from tfgraph_dnn.migrate import (MigrationError, Resolver, migrate_file, migrate_notebook,
                                 migrate_source)

from _support import assert_usage_error, run_cli
from _background import tf1_mode_script


def fake_resolve(parts):
    """Every name starting with ``missing`` is absent from the namespace; BoostedTrees* too."""
    if parts[-1].startswith("BoostedTrees"):
        return f"tf.{'.'.join(parts)} is not provided by tfgraph_dnn"
    return f"tf.{'.'.join(parts)} does not exist" if parts[-1].startswith("missing") else None


def migrate(code, **kwargs):
    return migrate_source(textwrap.dedent(code), "prog.py", resolve=fake_resolve, **kwargs)


REWRITES = [
    ("import tensorflow as tf", "import tfgraph_dnn.tf1 as tf"),
    ("import tensorflow", "import tfgraph_dnn.tf1 as tensorflow"),
    ("import tensorflow.compat.v1 as tf", "import tfgraph_dnn.tf1 as tf"),
    ("import tensorflow.compat.v1", "import tfgraph_dnn.tf1 as tensorflow"),
    ("from tensorflow.compat import v1 as tf", "import tfgraph_dnn.tf1 as tf"),
    ("import tensorflow as tf, numpy as np", "import tfgraph_dnn.tf1 as tf, numpy as np"),
    ("import tensorflow.contrib.layers as layers",
     "import tfgraph_dnn.tf1.contrib.layers as layers"),
    ("import tensorflow.contrib.layers", "import tfgraph_dnn.tf1 as tensorflow"),
    ("from tensorflow.contrib.layers import fully_connected, batch_norm",
     "from tfgraph_dnn.tf1.contrib.layers import fully_connected, batch_norm"),
    ("from tensorflow.contrib.layers import fully_connected as fc, batch_norm as bn",
     "from tfgraph_dnn.tf1.contrib.layers import fully_connected as fc, batch_norm as bn"),
    ("from tensorflow.contrib import layers", "from tfgraph_dnn.tf1.contrib import layers"),
    ("from tensorflow.contrib.framework import arg_scope",
     "from tfgraph_dnn.tf1.contrib.framework import arg_scope"),
    ("from tensorflow.contrib.layers.python.layers import batch_norm",
     "from tfgraph_dnn.tf1.contrib.layers import batch_norm"),
    ("from tensorflow.contrib.framework.python.ops import arg_scope",
     "from tfgraph_dnn.tf1.contrib.framework import arg_scope"),
    ("from tensorflow.contrib.layers.python.layers import layers as layers_lib",
     "from tfgraph_dnn.tf1.contrib import layers as layers_lib"),
    ("import tensorflow.contrib.distributions as tfd",
     "import tfgraph_dnn.tf1.contrib.distributions as tfd"),
    ("from tensorflow import layers", "from tfgraph_dnn.tf1 import layers"),
    ("from tensorflow.contrib import rnn", "from tfgraph_dnn.tf1.contrib import rnn"),
    ("import tensorflow.contrib.rnn as rnn", "import tfgraph_dnn.tf1.contrib.rnn as rnn"),
    ("from tensorflow.contrib.rnn import LSTMCell, MultiRNNCell",
     "from tfgraph_dnn.tf1.contrib.rnn import LSTMCell, MultiRNNCell"),
    ("from tensorflow.contrib.rnn.python.ops import core_rnn_cell",
     "from tfgraph_dnn.tf1.contrib import rnn as core_rnn_cell"),
    ("from tensorflow.nn import rnn_cell", "from tfgraph_dnn.tf1.nn import rnn_cell"),
    ("from tensorflow.nn.rnn_cell import GRUCell",
     "from tfgraph_dnn.tf1.nn.rnn_cell import GRUCell"),
    ("from tensorflow.compat.v1 import layers", "from tfgraph_dnn.tf1 import layers"),
    ("from tensorflow.contrib.layers import *", "from tfgraph_dnn.tf1.contrib.layers import *"),
]


@pytest.mark.parametrize("old, new", REWRITES)
def test_each_import_form_is_rewritten_once(old, new):
    result = migrate(old + "  # kept\nx = 1\n")
    assert result.code == new + "  # kept\nx = 1\n"
    assert [(c.line, c.old, c.new, c.cell) for c in result.changes] == [(1, old, new, None)]
    again = migrate(result.code)
    assert again.code == result.code and again.changes == []  # idempotent


def test_whole_file_keeps_comments_blank_lines_and_formatting():
    source = '''\
        """A TF1 script."""
        # -- imports --
        import os

        try:
            import tensorflow.compat.v1 as tf   # TF 1.15 style
        except ImportError:
            import tensorflow as tf
        from tensorflow.contrib.layers import (fully_connected,  # dense layer
                                               batch_norm)


        def build(X, training):
            """Two layers."""
            from tensorflow.contrib import layers as L
            if training:
                import tensorflow
            h = fully_connected(X, 10)  ;  h = L.dropout(h)
            return tf.compat.v1.layers.dense(h, 2,
                                             name="out")   # call sites stay
        tf.disable_v2_behavior()
        '''
    expected = source.replace("import tensorflow.compat.v1 as tf   #",
                              "import tfgraph_dnn.tf1 as tf   #")
    expected = expected.replace("import tensorflow as tf", "import tfgraph_dnn.tf1 as tf")
    expected = expected.replace("from tensorflow.contrib.layers import (",
                                "from tfgraph_dnn.tf1.contrib.layers import (")
    expected = expected.replace("from tensorflow.contrib import layers as L",
                                "from tfgraph_dnn.tf1.contrib import layers as L")
    expected = expected.replace("import tensorflow\n", "import tfgraph_dnn.tf1 as tensorflow\n")
    result = migrate(source)
    assert result.code == textwrap.dedent(expected)
    assert [c.line for c in result.changes] == [6, 8, 9, 15, 17]
    assert result.changes[2].old == ("from tensorflow.contrib.layers import fully_connected, "
                                     "batch_norm")
    assert result.unsupported == []


def test_crlf_line_endings_are_kept():
    result = migrate_source("import tensorflow as tf\r\nx = tf.constant(1)\r\n",
                            resolve=fake_resolve)
    assert result.code == "import tfgraph_dnn.tf1 as tf\r\nx = tf.constant(1)\r\n"


def test_mixed_import_statements_are_split_leaving_the_unsupported_part():
    result = migrate("""\
        from tensorflow.contrib import layers, seq2seq
        from tensorflow import examples, layers as tl
        import numpy as np, tensorflow.contrib.tpu as tpu, tensorflow as tf
        """)
    assert result.code == textwrap.dedent("""\
        from tfgraph_dnn.tf1.contrib import layers; from tensorflow.contrib import seq2seq
        from tensorflow import examples; from tfgraph_dnn.tf1 import layers as tl
        import numpy as np, tensorflow.contrib.tpu as tpu, tfgraph_dnn.tf1 as tf
        """)
    assert [(c.line, c.old) for c in result.unsupported] == [
        (1, "from tensorflow.contrib import seq2seq"), (2, "from tensorflow import examples"),
        (3, "import tensorflow.contrib.tpu as tpu")]
    assert "tensorflow.examples" in result.unsupported[1].reason
    assert migrate(result.code).code == result.code


UNSUPPORTED = '''\
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data
from tensorflow.python.framework import ops
import tensorflow.keras.datasets
from tensorflow.contrib.layers import fully_connected, missing_layer


def model(X, layers):
    cell = tf.nn.rnn_cell.BasicLSTMCell(10)
    out, state = tf.nn.dynamic_rnn(cell, X)
    est = tf.estimator.BoostedTreesClassifier([10])
    q = tf.train.string_input_producer(["a.csv"])
    b = tf.train.shuffle_batch([q], 32, 100, 10)
    tf.train.start_queue_runners()
    s = tf.contrib.seq2seq.BasicDecoder
    d = tf.keras.datasets.mnist.load_data()
    layers.missing_but_a_parameter(X)
    tf.Session().run(tf.missing_op(X))
    tf.compat.v1.missing_v1_op
    tf.app.flags.FLAGS.missing_flag
    return tf.layers.dense(X, 2)
'''


def test_unsupported_constructs_are_reported_with_lines_and_left_unchanged():
    seen = []
    result = migrate_source(UNSUPPORTED, "prog.py",
                            resolve=lambda parts: seen.append(list(parts)) or
                            fake_resolve(parts))
    changed = [n for n, (a, b) in enumerate(zip(result.code.splitlines(),
                                                 UNSUPPORTED.splitlines()), 1) if a != b]
    assert changed == [1, 5]  # the line of missing_layer is migrated: fully_connected exists
    found = [(c.line, c.old) for c in result.unsupported]
    assert found == [
        (2, "from tensorflow.examples.tutorials.mnist import input_data"),
        (3, "from tensorflow.python.framework import ops"),
        (4, "import tensorflow.keras.datasets"),
        (5, "from tensorflow.contrib.layers import missing_layer"),
        (11, "tf.estimator.BoostedTreesClassifier"), (12, "tf.train.string_input_producer"),
        (13, "tf.train.shuffle_batch"), (14, "tf.train.start_queue_runners"),
        (15, "tf.contrib.seq2seq.BasicDecoder"), (16, "tf.keras.datasets.mnist.load_data"),
        (18, "tf.missing_op"), (19, "tf.compat.v1.missing_v1_op")]
    reasons = {c.line: c.reason for c in result.unsupported}
    assert "downloads" in reasons[2] and "internal" in reasons[3]
    assert "binds the name tensorflow" in reasons[4]
    assert 9 not in reasons and 10 not in reasons  # TF1's RNN cells and dynamic_rnn are provided
    assert "downloads" in reasons[16] and "not provided" in reasons[11] and "queue" in reasons[14]
    assert "seq2seq" in reasons[15] and "tf.contrib.rnn" in reasons[15]
    assert reasons[19] == "tf.missing_v1_op does not exist"  # compat.v1 is the namespace
    assert ["app", "flags", "FLAGS"] in seen and ["layers", "dense"] in seen
    assert not any(parts[0] == "keras" for parts in seen)
    assert ["estimator", "BoostedTreesClassifier"] in seen  # the served package answers
    report = "\n".join(result.report())
    assert "prog.py:11: not migrated: tf.estimator.BoostedTreesClassifier: " in report
    assert "prog.py:1: changed: import tensorflow as tf -> import tfgraph_dnn.tf1 as tf" in report


def test_rnn_cells_migrate_and_contrib_only_cells_are_reported():
    result = migrate_source(textwrap.dedent("""\
        import tensorflow as tf
        from tensorflow.contrib.rnn import static_rnn, GRUBlockCell
        cell = tf.nn.rnn_cell.MultiRNNCell([tf.contrib.rnn.LSTMCell(4)])
        out, state = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
        ln = tf.contrib.rnn.LayerNormBasicLSTMCell(4)
        """), "prog.py", resolve=lambda parts: None)
    assert result.code.splitlines()[:2] == [
        "import tfgraph_dnn.tf1 as tf",
        "from tfgraph_dnn.tf1.contrib.rnn import static_rnn; "
        "from tensorflow.contrib.rnn import GRUBlockCell"]
    assert [(c.line, c.old) for c in result.unsupported] == [
        (2, "from tensorflow.contrib.rnn import GRUBlockCell"),
        (5, "tf.contrib.rnn.LayerNormBasicLSTMCell")]
    assert all("core cells" in c.reason for c in result.unsupported)


def test_migrated_code_is_checked_again_with_the_same_report():
    first = migrate(UNSUPPORTED)
    second = migrate(first.code)
    assert second.code == first.code and second.changes == []
    assert [(c.line, c.reason) for c in second.unsupported] == \
        [(c.line, c.reason) for c in first.unsupported]
    assert second.unsupported[3].old == "from tfgraph_dnn.tf1.contrib.layers import missing_layer"


def test_resolver_is_lazy_cached_and_tolerant():
    calls = []

    def flaky(parts):
        calls.append(parts)
        raise RuntimeError("TensorFlow exploded")

    resolver = Resolver(flaky)
    assert not resolver.used
    result = migrate_source("import tensorflow as tf\ntf.a.b\ntf.a.b\n", resolve=resolver)
    assert result.unsupported == [] and calls == [["a", "b"]] and resolver.used
    untouched = Resolver(flaky)
    migrate_source("import tensorflow as tf\nimport numpy as np\nnp.a.b\n", resolve=untouched)
    assert not untouched.used  # nothing to check: TensorFlow would not be imported


def test_syntax_error_names_file_and_line():
    with pytest.raises(MigrationError) as info:
        migrate_source("import tensorflow as tf\ndef f(:\n    pass\n", "bad.py")
    assert isinstance(info.value, ValueError)
    assert info.value.line == 2 and str(info.value).startswith("bad.py, line 2: cannot parse")


def test_migrate_file_keeps_the_declared_encoding(tmp_path):
    path = tmp_path / "latin.py"
    path.write_bytes("# -*- coding: latin-1 -*-\nimport tensorflow as tf\nname = 'é'\n"
                     .encode("latin-1"))
    result = migrate_file(str(path), resolve=fake_resolve)
    assert result.encoding in ("latin-1", "iso-8859-1") and result.filename == str(path)
    assert result.code.splitlines()[1:] == ["import tfgraph_dnn.tf1 as tf", "name = 'é'"]


def notebook(*cells, indent=1):
    return json.dumps({"cells": list(cells), "metadata": {"language_info": {"name": "python"}},
                       "nbformat": 4, "nbformat_minor": 5},
                      indent=indent, ensure_ascii=False) + "\n"


def code_cell(source, outputs=()):
    return {"cell_type": "code", "execution_count": 1, "metadata": {},
            "outputs": list(outputs), "source": source}


OUTPUT = {"name": "stdout", "output_type": "stream", "text": ["tf 1.15 — prêt\n"]}
NOTEBOOK = notebook(
    {"cell_type": "markdown", "metadata": {}, "source": ["# TF1\n", "import tensorflow as tf"]},
    code_cell(["%matplotlib inline\n", "!pip install tensorflow==1.15\n",
               "import tensorflow as tf\n", "files = !ls\n", "tf.layers.dense?\n",
               "cell = tf.contrib.cudnn_rnn.CudnnLSTM(1, 3)"], [OUTPUT]),
    code_cell("%%time\nfrom tensorflow.contrib.layers import fully_connected\n"
              "h = tf.missing_op()\n"),
    code_cell(["%%bash\n", "echo import tensorflow as tf\n"]),
    code_cell(["for i in range(2):\n", "    !echo {i}\n", "    import tensorflow\n"]))


def test_notebook_code_cells_migrate_and_everything_else_stays():
    result = migrate_notebook(NOTEBOOK, "nb.ipynb", resolve=fake_resolve)
    old_lines, new_lines = NOTEBOOK.splitlines(), result.code.splitlines()
    assert len(old_lines) == len(new_lines) and result.code.endswith("}\n")
    assert [(a, b) for a, b in zip(old_lines, new_lines) if a != b] == [
        ('    "import tensorflow as tf\\n",', '    "import tfgraph_dnn.tf1 as tf\\n",'),
        ('   "source": "%%time\\nfrom tensorflow.contrib.layers import fully_connected\\n'
         'h = tf.missing_op()\\n"',
         '   "source": "%%time\\nfrom tfgraph_dnn.tf1.contrib.layers import fully_connected\\n'
         'h = tf.missing_op()\\n"'),
        ('    "    import tensorflow\\n"', '    "    import tfgraph_dnn.tf1 as tensorflow\\n"')]
    assert "tf 1.15 — prêt" in result.code  # ensure_ascii=False, outputs untouched
    assert [c.where for c in result.changes] == ["cell 2, line 3", "cell 3, line 2",
                                                 "cell 5, line 3"]
    assert [(c.where, c.old) for c in result.unsupported] == [
        ("cell 2, line 6", "tf.contrib.cudnn_rnn.CudnnLSTM"),
        ("cell 3, line 3", "tf.missing_op")]
    assert result.report()[0] == ("nb.ipynb:cell 2, line 3: changed: import tensorflow as tf "
                                  "-> import tfgraph_dnn.tf1 as tf")
    assert migrate_notebook(result.code, "nb.ipynb", resolve=fake_resolve).code == result.code


def test_unchanged_notebook_is_returned_verbatim_and_indent_is_kept():
    text = notebook(code_cell(["import numpy as np\n", "%time np.zeros(3)"]), indent=2)
    assert migrate_notebook(text, resolve=fake_resolve).code is text
    text = notebook(code_cell(["import tensorflow as tf"]), indent=2)
    assert migrate_notebook(text, resolve=fake_resolve).code == text.replace(
        "import tensorflow as tf", "import tfgraph_dnn.tf1 as tf")


def test_notebook_errors_name_cell_and_line():
    with pytest.raises(MigrationError, match=r"^nb.ipynb, cell 2, line 2: cannot parse"):
        migrate_notebook(notebook(code_cell("x = 1"), code_cell("%time x\ndef f(:\n")),
                         "nb.ipynb", resolve=fake_resolve)
    with pytest.raises(MigrationError, match="not a notebook"):
        migrate_notebook("{not json", "nb.ipynb")


# -- command line ----------------------------------------------------------------------
TF1_SCRIPT = "import tensorflow as tf  # TF1\nx = tf.placeholder(tf.float32)\n"
MIGRATED = "import tfgraph_dnn.tf1 as tf  # TF1\nx = tf.placeholder(tf.float32)\n"


MIGRATE_ERROR = "tfgraph-dnn migrate: error: "  # how every usage error of migrate starts


@pytest.mark.slow
def test_cli_output_file_then_refuses_to_overwrite(tmp_path):
    (tmp_path / "prog.py").write_text(TF1_SCRIPT)
    result = run_cli("migrate", "prog.py", "-o", "new.py", "--no-api-check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "new.py").read_text() == MIGRATED
    assert result.stdout.splitlines() == [
        "prog.py:1: changed: import tensorflow as tf -> import tfgraph_dnn.tf1 as tf",
        "migrate: 1 file(s), 1 change(s) in 1 file(s), 0 construct(s) not migrated; "
        "wrote 1 to new.py"]
    (tmp_path / "new.py").write_text("mine\n")
    assert_usage_error(run_cli("migrate", "prog.py", "-o", "new.py", "--no-api-check",
                               cwd=tmp_path),
                       "new.py already exists", "never overwrites", prefix=MIGRATE_ERROR)
    assert (tmp_path / "new.py").read_text() == "mine\n"


@pytest.mark.slow
def test_cli_directory_mirrors_paths_and_strict_exit_code(tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / ".ipynb_checkpoints").mkdir()
    (src / "a.py").write_text(TF1_SCRIPT)
    (src / "sub" / "plain.py").write_text("print(1)\n")
    (src / "sub" / "nb.ipynb").write_text(NOTEBOOK)
    (src / ".ipynb_checkpoints" / "nb.ipynb").write_text(NOTEBOOK)
    (src / "notes.txt").write_text("import tensorflow as tf\n")
    result = run_cli("migrate", "src", "-o", "out", "--strict", "--no-api-check", cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # --strict: the cuDNN LSTM was not migrated
    assert not (tmp_path / "out").exists()  # ... so nothing is written
    assert result.stdout.endswith("--strict: nothing written (1 construct(s) not migrated)\n")
    result = run_cli("migrate", "src", "-o", "out", "--no-api-check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == \
        ["a.py", "sub/nb.ipynb", "sub/plain.py"]
    assert (out / "a.py").read_text() == MIGRATED
    assert (out / "sub" / "plain.py").read_text() == "print(1)\n"
    assert "src/sub/nb.ipynb:cell 2, line 6: not migrated: tf.contrib.cudnn_rnn.CudnnLSTM: " \
        in result.stdout
    assert "3 file(s), 4 change(s) in 2 file(s), 1 construct(s) not migrated" in result.stdout
    result = run_cli("migrate", "src/a.py", "src/sub/plain.py", "-o", "out2", "--strict",
                     "--no-api-check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr  # nothing left unmigrated
    assert (tmp_path / "out2" / "sub" / "plain.py").exists()
    assert (tmp_path / "out2" / "a.py").read_text() == MIGRATED


@pytest.mark.slow
def test_cli_in_place_and_all_or_nothing_on_a_parse_error(tmp_path):
    (tmp_path / "good.py").write_text(TF1_SCRIPT)
    (tmp_path / "plain.py").write_text("print(1)\n")
    os.utime(tmp_path / "plain.py", (0, 0))
    (tmp_path / "z_broken.py").write_text("import tensorflow as tf\n\nx = (1,\n     2)\ny = 2 2\n")
    for flags in (["-o", "out"], ["--in-place"]):
        result = run_cli("migrate", ".", *flags, "--no-api-check", cwd=tmp_path)
        assert_usage_error(result, "z_broken.py, line 5", "nothing written", prefix=MIGRATE_ERROR)
        assert result.stdout == ""
    assert not (tmp_path / "out").exists()
    assert (tmp_path / "good.py").read_text() == TF1_SCRIPT
    (tmp_path / "z_broken.py").unlink()
    result = run_cli("migrate", ".", "--in-place", "--no-api-check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "good.py").read_text() == MIGRATED
    assert os.stat(tmp_path / "plain.py").st_mtime == 0  # unchanged files are not rewritten
    assert result.stdout.endswith("rewrote 1 in place\n")


@pytest.mark.slow
def test_cli_usage_errors(tmp_path):
    assert_usage_error(run_cli("migrate", "nothere.py", "-o", "out", cwd=tmp_path),
                       "nothere.py: no such file or directory", prefix=MIGRATE_ERROR)
    (tmp_path / "prog.py").write_text(TF1_SCRIPT)
    result = run_cli("migrate", "prog.py", "-o", "out", "--in-place", cwd=tmp_path)
    assert result.returncode == 2 and "not allowed with argument" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_cli_imports_tensorflow_only_to_check_names(tmp_path):
    (tmp_path / "imports_only.py").write_text("import tensorflow as tf\n")
    script = textwrap.dedent("""\
        import contextlib, io, sys
        from tfgraph_dnn.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                main(["migrate", "--help"])
            except SystemExit:
                pass
        print("help:", "libcst" in sys.modules, "tensorflow" in sys.modules)
        assert main(["migrate", "imports_only.py", "-o", "out.py"]) == 0
        print("run:", "tensorflow" in sys.modules)
        """)
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stdout.splitlines() if line.startswith(("help:", "run:"))] \
        == ["help: False False", "run: False"]


# Run in the TF1-mode process several folders share (``_support.tf1_mode_script``): the
# migrated program switches its process to TF1 mode.
REAL_API_PROCESS = tf1_mode_script(
    os.path.join(os.path.dirname(__file__), "cli_real_api_script.py"), order=9,
    module=__file__, fixture="real_api_entry")


@pytest.fixture
def real_api_entry():
    return REAL_API_PROCESS.required("cli_real_api_script")


@pytest.mark.slow
def test_cli_real_api_check_and_the_migrated_program_runs(real_api_entry):
    result = SimpleNamespace(stdout=real_api_entry["stdout"], stderr=real_api_entry["stderr"])
    assert real_api_entry["ok"], (real_api_entry["error"], result.stderr[-3000:])
    lines = result.stdout.splitlines()
    assert lines[-1] == "shape (2, 3)"
    assert [line for line in lines if ": not migrated: " in line] == [
        "prog.py:12: not migrated: tf.contrib.layers.no_such_layer: "
        "tf.contrib.layers.no_such_layer does not exist in TensorFlow 2"]
    assert "I0000" not in result.stderr
