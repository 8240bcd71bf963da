"""Quiet by default (issue 14, item 4): ``import tfgraph_dnn`` and a first fit print nothing.

Each check runs a fresh interpreter as a user's script does, with
``TF_CPP_MIN_LOG_LEVEL`` unset, and reads its stdout and stderr: no
TensorFlow / absl / oneDNN / CUDA line, no deprecation notice from the
library; but the user's own output and the user's own deprecated calls show,
eager mode is unchanged, and ``TF_CPP_MIN_LOG_LEVEL=0`` shows everything.
The interpreters that import TensorFlow are background processes
(``_background.background``): they start as soon as the tests are collected.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

from tfgraph_dnn import _quiet

from _support import TF_LOG_LINE, user_env
from _background import background


USER_SCRIPT = textwrap.dedent("""
    import os
    import sys
    import tfgraph_dnn
    from tfgraph_dnn import DNNClassifier
    import numpy as np
    import tensorflow as tf
    from tensorflow.python.ops import init_ops

    print("user stdout")
    print("user stderr", file=sys.stderr)
    rng = np.random.RandomState(0)
    X, y = rng.rand(60, 4).astype(np.float32), rng.randint(0, 2, 60)
    for optimizer in ("adam", "rmsprop", "momentum", "nesterov", "adagrad", "ftrl", "gd"):
        # (TF's own RMSProp/Adagrad/Ftrl create slots through a deprecated call)
        clf = DNNClassifier(n_hidden=1, n_neurons=4, n_epochs=1, optimizer=optimizer,
                            random_state=0).fit(X, y)
    print("eager:", tf.executing_eagerly())
    from tfgraph_dnn.migrate import Resolver, migrate_source  # migrate's quiet lookups too
    migrate_source("import tensorflow as tf\\nx = tf.layers.dense\\n", "p.py",
                   resolve=Resolver(quiet=True))
    print("log level:", os.environ.get("TF_CPP_MIN_LOG_LEVEL"))  # the library sets nothing
    with tf.Graph().as_default():
        init_ops.Ones(dtype=tf.float32)  # the user's own deprecated call: reported
    print("done")
""")


def user_script(key, fixture, script, env):
    """``python user.py`` (``script``) in a fresh directory, started in the background."""
    return background(key, module=__file__, fixture=fixture, env=env,
                      command=[sys.executable, "user.py"], files={"user.py": script})


QUIET = user_script("quiet_user", "quiet_run", USER_SCRIPT, user_env())
EVERYTHING = user_script("quiet_user_log_level_0", "everything_run", USER_SCRIPT,
                         user_env(TF_CPP_MIN_LOG_LEVEL="0"))


@pytest.fixture
def quiet_run():
    return QUIET.result()


@pytest.fixture
def everything_run():
    return EVERYTHING.result()


@pytest.mark.slow
def test_library_import_and_first_fit_are_quiet(quiet_run):
    result = quiet_run
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["user stdout", "eager: True", "log level: None",
                                         "done"]
    stderr = result.stderr.splitlines()
    assert stderr[0] == "user stderr"
    # Only the user's deprecated call is reported (from user.py), nothing else.
    assert re.search(r"From .*user\.py:\d+: calling Ones.__init__ .* is deprecated",
                     result.stderr), result.stderr
    library_lines = [line for line in stderr[1:] if "user.py" not in line
                     and not line.startswith(("Instructions for updating",
                                              "Call initializer instance"))]
    assert library_lines == [], result.stderr


IMPORT_PROBE = textwrap.dedent("""
    import json, logging, os, sys
    before = (list(map(repr, sys.meta_path)), dict(os.environ),
              logging.getLogger("tensorflow").filters[:], logging.getLogger("tensorflow").level)
    import tfgraph_dnn
    from tfgraph_dnn import cache_info, clear_cache
    clear_cache()
    after = (list(map(repr, sys.meta_path)), dict(os.environ),
             logging.getLogger("tensorflow").filters[:], logging.getLogger("tensorflow").level)
    print(json.dumps({"same": before == after, "tensorflow": "tensorflow" in sys.modules,
                      "info": cache_info()}))
""")


@pytest.mark.slow
def test_import_changes_nothing_outside_the_package(tmp_path):
    """Issue 20: no import hook, environment variable, logger or TensorFlow import."""
    (tmp_path / "probe.py").write_text(IMPORT_PROBE)
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run([sys.executable, "probe.py"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report == {"same": True, "tensorflow": False,
                      "info": {"graphs": 0, "idle_sessions": 0, "builds": 0,
                               "max_graphs": 0}}, report


USER_IMPORTS_TENSORFLOW_FIRST = textwrap.dedent("""
    import sys
    import tensorflow as tf
    print("---", file=sys.stderr, flush=True)
    import numpy as np
    import tfgraph_dnn
    from tfgraph_dnn import DNNClassifier
    X, y = np.random.RandomState(0).rand(40, 3), np.arange(40) % 2
    clf = DNNClassifier(n_hidden=1, n_neurons=3, n_epochs=1, random_state=0).fit(X, y)
    print(tfgraph_dnn.cache_info()["graphs"], tf.executing_eagerly())
    tfgraph_dnn.clear_cache()
    print(tfgraph_dnn.cache_info()["graphs"], (clf.predict(X) == clf.predict(X)).all())
""")


TENSORFLOW_FIRST = user_script("quiet_user_imports_tensorflow_first", "tensorflow_first_run",
                               USER_IMPORTS_TENSORFLOW_FIRST,
                               dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))


@pytest.fixture
def tensorflow_first_run():
    return TENSORFLOW_FIRST.result()


@pytest.mark.slow
def test_user_importing_tensorflow_first_sees_only_its_own_lines(tensorflow_first_run):
    """TensorFlow's start-up lines are the user's own import's; our first Session adds none."""
    result = tensorflow_first_run
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "True", "0", "True"]
    ours = result.stderr.split("---\n", 1)[1]
    assert ours == "", ours


@pytest.mark.slow
def test_tf_cpp_min_log_level_0_shows_everything(everything_run):
    result = everything_run
    assert result.returncode == 0, result.stderr
    assert TF_LOG_LINE.search(result.stderr), result.stderr


@pytest.mark.parametrize("line, notice", [
    ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
     True),
    ("I0000 00:00:1795977143.353752    3496 port.cc:153] oneDNN custom operations are on.",
     True),
    ("I1129 18:33:12.123456    3496 mlir_graph_optimization_pass.cc:437] MLIR V1 ...", True),
    ("E0000 00:00:1795977146.572709    3496 cuda_platform.cc:52] failed call to cuInit: ...",
     True),
    ("E0000 00:00:1795977146.572709    3496 op_kernel.cc:52] Out of memory", False),
    ("F0000 00:00:1795977146.572709    3496 logging.cc:52] Check failed", False),
    ("Traceback (most recent call last):", False),
    ("UserWarning: something of the user's", False),
])
def test_only_notices_are_hidden(line, notice):
    assert _quiet.is_notice(line) is notice
