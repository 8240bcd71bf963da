"""TF1-style programs using tf.keras inside graphs and Sessions, run through ``tfgraph_dnn.tf1``.

``programs/*.py`` are written as a TF1 user wrote them (``import tensorflow as tf``,
``tf.keras.layers`` on placeholders, ``compile`` with a ``tf.train`` optimizer).  They are
migrated with :func:`tfgraph_dnn.migrate.migrate_source` into a temporary directory and run
in one subprocess by the TF1 corpus runner (``tests/tf1_corpus/run_migrated.py``), because
``tfgraph_dnn.tf1`` switches its process to TF1 mode.  (They are not in ``tests/tf1_corpus``
yet: ``migrate`` still reports ``tf.keras`` as Keras 3, which that corpus counts as a failure.)
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tfgraph_dnn.migrate import migrate_source

HERE = Path(__file__).resolve().parent
PROGRAMS = sorted((HERE / "programs").glob("*.py"))
RUNNER = HERE.parent / "tf1_corpus" / "run_migrated.py"
NOISE = re.compile(r"WARNING:tensorflow|is deprecated|Instructions for updating|deprecation|"
                   r"not available with Keras 3|UserWarning", re.IGNORECASE)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keras_programs")
    paths = []
    for program in PROGRAMS:
        migrated = migrate_source(program.read_text(), str(program))
        assert "import tfgraph_dnn.tf1 as tf" in migrated.code
        path = folder / program.name
        path.write_text(migrated.code)
        paths.append(str(path))
    out = folder / "report.json"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([sys.executable, str(RUNNER), "--report", str(out), *paths],
                          capture_output=True, text=True, env=env, timeout=900)
    assert out.exists(), proc.stderr[-3000:]
    return json.loads(out.read_text())


def test_there_are_two_programs():
    assert len(PROGRAMS) >= 2


@pytest.mark.parametrize("name", [p.stem for p in PROGRAMS])
def test_program_runs_and_checks_its_results(report, name):
    result = report[name]
    assert result["ok"], result["error"]
    lines = result["stdout"].strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{name} OK"), lines


@pytest.mark.parametrize("name", [p.stem for p in PROGRAMS])
def test_program_stderr_has_no_tensorflow_noise(report, name):
    assert not NOISE.search(report[name]["stderr"]), report[name]["stderr"][-2000:]
