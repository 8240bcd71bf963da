"""TF1-style Estimator programs run through ``import tfgraph_dnn.tf1 as tf`` (subprocess).

``tests/estimator_tf1/tf1_programs/`` holds Estimator programs written as TF1 users wrote
them.  They wait here for the TF1 corpus (``tests/tf1_corpus``) until ``migrate`` maps
``tf.estimator`` to ``tfgraph_dnn.tf1.estimator``; meanwhile this test swaps the import
line itself and runs each program in a fresh interpreter (the tf1 namespace switches the
process to graph mode).
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAMS = sorted((Path(__file__).parent / "tf1_programs").glob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("program", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_program_runs_on_tf1_namespace(program, tmp_path):
    source = program.read_text()
    assert "import tensorflow as tf\n" in source
    migrated = tmp_path / program.name
    migrated.write_text(source.replace("import tensorflow as tf\n",
                                       "import tfgraph_dnn.tf1 as tf\n"))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONPATH=os.pathsep.join(filter(None, [
                   str(Path(__file__).resolve().parents[2]), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, str(migrated)], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == f"{program.stem} OK: " + done.stdout.split(" OK: ", 1)[1].strip()
    assert "WARNING:tensorflow" not in done.stderr, done.stderr[-2000:]
