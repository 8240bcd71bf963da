"""Acceptance corpus: original TF1 programs, migrated with ``tfgraph_dnn.migrate``, must run.

``tests/tf1/corpus/*.py`` are TF1 programs in TF1 spelling (``import tensorflow as
tf``, ``tf.contrib.layers``, ``tf.layers``, ``tf.Session`` ...).  A module-scoped
fixture migrates each one with :func:`tfgraph_dnn.migrate.migrate_source` into a
temporary directory (the originals are never written) and runs all migrated
programs in ONE subprocess with ``tests/tf1/corpus/run_migrated.py``.  Then, per
program: it migrated cleanly, it ran ok (its traceback is shown otherwise), and
its output carries no TensorFlow deprecation/log noise.  See
``tests/tf1/corpus/README.md``.
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import subprocess
import sys
import traceback
from pathlib import Path
from types import SimpleNamespace

import pytest

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
RUNNER = CORPUS_DIR / "run_migrated.py"
PROGRAMS = sorted(p for p in CORPUS_DIR.glob("*.py") if p != RUNNER)
NAMES = [p.stem for p in PROGRAMS]
RUNNER_TIMEOUT = 1200  # seconds for the whole corpus; each program is meant to take < ~5 s
NOISE = re.compile(r"WARNING:tensorflow|is deprecated|Instructions for updating|"
                   r"deprecation|not available with Keras 3", re.IGNORECASE)


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


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Migrate every corpus program, run them all in one subprocess, return the results."""
    before = {p.name: _digest(p) for p in CORPUS_DIR.iterdir() if p.is_file()}
    out_dir = tmp_path_factory.mktemp("tf1_corpus_migrated")
    migrations, migrated_paths = {}, []
    try:
        from tfgraph_dnn.migrate import migrate_source
    except Exception:  # every test then reports why
        error = traceback.format_exc()
        migrations = {name: SimpleNamespace(error=error, result=None) for name in NAMES}
        migrate_source = None
    if migrate_source is not None:
        for path in PROGRAMS:
            try:
                result = migrate_source(path.read_text(encoding="utf-8"), str(path))
            except Exception:
                migrations[path.stem] = SimpleNamespace(error=traceback.format_exc(), result=None)
                continue
            migrations[path.stem] = SimpleNamespace(error=None, result=result)
            target = out_dir / path.name
            target.write_text(result.code, encoding="utf-8")
            migrated_paths.append(str(target))

    report, run = {}, None
    report_path = out_dir / "report.json"
    if migrated_paths:
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        run = subprocess.run(
            [sys.executable, str(RUNNER), "--report", str(report_path), *migrated_paths],
            cwd=str(out_dir), env=env, capture_output=True, text=True, timeout=RUNNER_TIMEOUT)
        if report_path.exists():
            report = json.loads(report_path.read_text(encoding="utf-8"))
    after = {p.name: _digest(p) for p in CORPUS_DIR.iterdir() if p.is_file()}
    return SimpleNamespace(migrations=migrations, report=report, run=run, out_dir=out_dir,
                           before=before, after=after)


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
def test_runner_undefines_each_programs_flags(tmp_path):
    """Two scripts defining the same tf.app.flags name both run, as in separate processes."""
    script = ("from absl import flags\n"
              "flags.DEFINE_integer('train_steps', {value}, 'Steps.')\n"
              "flags.FLAGS(['prog'])\n"
              "assert flags.FLAGS.train_steps == {value}\n"
              "print('ok')\n")
    paths = []
    for name, value in (("first", 3), ("second", 5)):
        path = tmp_path / f"{name}.py"
        path.write_text(script.format(value=value))
        paths.append(str(path))
    report = tmp_path / "report.json"
    subprocess.run([sys.executable, str(RUNNER), "--report", str(report), *paths],
                   capture_output=True, text=True, timeout=300)
    results = json.loads(report.read_text())
    assert {name: entry["ok"] for name, entry in results.items()} == {"first": True,
                                                                      "second": True}, results
