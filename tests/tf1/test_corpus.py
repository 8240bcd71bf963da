"""Acceptance corpus: original TF1 programs, migrated with ``tfgraph_dnn.migrate``, must run.

``tests/tf1/corpus/*.py`` are TF1 programs in TF1 spelling (``import tensorflow as
tf``, ``tf.contrib.layers``, ``tf.layers``, ``tf.Session`` ...).  ONE subprocess,
``tests/tf1/corpus/run_migrated.py --migrate-into`` (``_background.background``, started
once the tests are collected, beside the others), migrates every program with
:func:`tfgraph_dnn.migrate.migrate_source` into a temporary directory (the originals
are never written), then runs the migrated copies in order, TensorFlow imported once.
(One process, in this order, on purpose: programs leave process state behind, e.g.
``tf.logging.set_verbosity``, that the later ones have always run with.)  Then, per
program: it migrated cleanly, it ran ok (its traceback is shown otherwise), and its
output carries no TensorFlow deprecation/log noise.  See ``tests/tf1/corpus/README.md``.
"""
from __future__ import annotations

import ast
import hashlib
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from _background import CORPUS_RUNNER, background, runner_script

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
RUNNER = CORPUS_DIR / "run_migrated.py"
PROGRAMS = sorted(p for p in CORPUS_DIR.glob("*.py") if p != RUNNER)
NAMES = [p.stem for p in PROGRAMS]
NOISE = re.compile(r"WARNING:tensorflow|is deprecated|Instructions for updating|"
                   r"deprecation|not available with Keras 3", re.IGNORECASE)
#: Two scripts defining the same tf.app.flags name, run one after the other by the runner.
FLAG_SCRIPT = ("from absl import flags\n"
               "flags.DEFINE_integer('train_steps', {value}, 'Steps.')\n"
               "flags.FLAGS(['prog'])\n"
               "assert flags.FLAGS.train_steps == {value}\n"
               "print('ok')\n")
FLAG_SCRIPTS = {"first_flags.py": FLAG_SCRIPT.format(value=3),
                "second_flags.py": FLAG_SCRIPT.format(value=5)}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tensorflow_imports(code: str):
    """Imports in ``code`` that still bind real TensorFlow modules, as (line, text)."""
    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "tensorflow" or alias.name.startswith("tensorflow."):
                    found.append((node.lineno, "import %s" % alias.name))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "tensorflow" or node.module.startswith("tensorflow."):
                found.append((node.lineno, "from %s import ..." % node.module))
    return found


def _imports_tf1_namespace(code: str) -> bool:
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            if any(a.name.startswith("tfgraph_dnn.tf1") for a in node.names):
                return True
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("tfgraph_dnn.tf1") or (
                    node.module == "tfgraph_dnn" and any(a.name == "tf1" for a in node.names)):
                return True
    return False


def _register_runner():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    job = background(CORPUS_RUNNER, module=__file__, fixture="corpus", env=env)
    job.programs = [str(p) for p in PROGRAMS]
    for order, name in enumerate(FLAG_SCRIPTS):  # after the programs: they leave absl parsed
        runner_script(CORPUS_RUNNER, name, order=order, module=__file__, fixture="flag_runs",
                      env=env, last=True)
    background(CORPUS_RUNNER, module=__file__, fixture="flag_runs", files=FLAG_SCRIPTS)


_register_runner()
#: The originals' digests before the runner started (it starts after collection).
BEFORE = {p.name: _digest(p) for p in CORPUS_DIR.iterdir() if p.is_file()}


@pytest.fixture(scope="module")
def corpus():
    """Wait for the runner; every program's migration record and run entry."""
    job = background(CORPUS_RUNNER, module=__file__, fixture="corpus")
    run, report, migrations = job.result(), job.report(), {}
    for name in NAMES:
        record = report.get(name, {}).get("migration")
        if record is None:
            record = {"error": "no migration record: the runner died (exit %s)\n%s"
                      % (run.returncode, run.stderr[-3000:])}
        migrations[name] = SimpleNamespace(
            error=record["error"], result=None if record["error"] else SimpleNamespace(
                code=record["code"], unsupported=record["unsupported"],
                changes=record["changes"]))
    after = {p.name: _digest(p) for p in CORPUS_DIR.iterdir() if p.is_file()}
    return SimpleNamespace(migrations=migrations, report=report, run=run, before=BEFORE,
                           after=after)


@pytest.fixture(scope="module")
def flag_runs():
    job = background(CORPUS_RUNNER, module=__file__, fixture="flag_runs")
    return {Path(name).stem: job.entry(Path(name).stem) for name in FLAG_SCRIPTS}


def _entry(corpus, name):
    migration = corpus.migrations[name]
    if migration.result is None:
        pytest.fail("%s was not run: migration failed:\n%s" % (name, migration.error))
    entry = corpus.report.get(name)
    if entry is None:
        run = corpus.run
        pytest.fail("no result for %s: the runner died before finishing it (exit %s)\n"
                    "runner stdout tail:\n%s\nrunner stderr tail:\n%s"
                    % (name, run.returncode, run.stdout[-3000:], run.stderr[-3000:]))
    return entry


def test_corpus_is_big_enough():
    assert len(PROGRAMS) >= 18, NAMES


@pytest.mark.slow
def test_originals_untouched(corpus):
    assert corpus.after == corpus.before


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_program_migrates_cleanly(corpus, name):
    migration = corpus.migrations[name]
    assert migration.result is not None, migration.error
    result = migration.result
    assert not result.unsupported, "%s: reported unsupported:\n%s" % (
        name, "\n".join(map(str, result.unsupported)))
    left = _tensorflow_imports(result.code)
    assert not left, "%s: migrated code still imports TensorFlow directly: %s" % (name, left)
    assert _imports_tf1_namespace(result.code), "%s: no tfgraph_dnn.tf1 import" % name
    assert result.changes, "%s: migration reported no changes" % name


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_program_runs(corpus, name):
    entry = _entry(corpus, name)
    assert entry["ok"], "%s failed after migration (%.1fs):\n%s\n--- stderr tail ---\n%s" % (
        name, entry["seconds"], entry["error"], entry["stderr"][-2000:])
    lines = entry["stdout"].strip().splitlines()
    assert lines and lines[-1].startswith(name + " OK"), (name, entry["stdout"][-1000:])


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_program_stdout_is_quiet(corpus, name):
    """A migrated program prints only its own final line: no TensorFlow log noise on stdout."""
    entry = _entry(corpus, name)
    lines = entry["stdout"].strip().splitlines()
    assert lines == [lines[-1]] and lines[-1].startswith(name + " OK"), entry["stdout"]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_program_stderr_has_no_deprecation_noise(corpus, name):
    """TF1 code uses deprecated APIs on purpose; the tf1 namespace keeps the notices quiet."""
    entry = _entry(corpus, name)
    noisy = [line for line in entry["stderr"].splitlines() if NOISE.search(line)]
    assert not noisy, "%s wrote TensorFlow deprecation/log noise:\n%s" % (
        name, "\n".join(noisy[:20]))


@pytest.mark.slow
def test_runner_undefines_each_programs_flags(flag_runs):
    """Two scripts defining the same tf.app.flags name both run, as in separate processes."""
    for name, (entry, why) in flag_runs.items():
        assert entry is not None, why
        assert entry["ok"] and entry["stdout"] == "ok\n", (name, entry)
