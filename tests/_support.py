"""Helpers the test folders share (fixtures live in ``conftest.py``).

Imported as ``from _support import ...``: pytest puts ``tests/`` (the folder of
the root ``conftest.py``) on ``sys.path``.  Paths of the repository and of the
fixture data, the command line run as a user runs it, TensorFlow's log lines,
small data sets, JSON / directory-tree helpers for the storage tests, and the
subprocesses started in the background once the tests are collected (end of file).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from typing import Dict, Optional, Tuple

import numpy as np

#: ``tests/``, the repository and the committed fixture data.
TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(TESTS_DIR)
FIXTURES = os.path.join(TESTS_DIR, "fixtures")
#: A directory written by the storage code of commit d2c231a (no format marker).
STORAGE_V1 = os.path.join(FIXTURES, "storage_v1")

_LOG_LINE = (r"^[IWEF]\d{4} |absl::InitializeLog|oneDNN|cuda|cuInit|WARNING:tensorflow|"
             r"To enable the following instructions")
#: A TensorFlow / absl / oneDNN / CUDA log line (what a user must not see by default).
TF_LOG_LINE = re.compile(_LOG_LINE, re.IGNORECASE | re.MULTILINE)
#: ... or a deprecation notice.
TF_NOISE = re.compile(_LOG_LINE + "|deprecat", re.IGNORECASE | re.MULTILINE)


# -- the command line --------------------------------------------------------------------

def user_env(**extra: str) -> Dict[str, str]:
    """The environment of a user who set nothing (no ``TF_CPP_MIN_LOG_LEVEL``), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env.update(extra)
    return env


def run_cli(*args: str, cwd, env: Optional[Dict[str, str]] = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m tfgraph_dnn *args`` in ``cwd``, as a user runs it (:func:`user_env`)."""
    return subprocess.run([sys.executable, "-m", "tfgraph_dnn", *args], cwd=cwd,
                          env=env or user_env(), capture_output=True, text=True,
                          timeout=timeout)


def assert_quiet(result: subprocess.CompletedProcess) -> None:
    """No TensorFlow log line (nor deprecation notice) on stderr or stdout."""
    for stream in (result.stderr, result.stdout):
        assert not TF_NOISE.search(stream), stream


def assert_usage_error(result: subprocess.CompletedProcess, *fragments: str,
                       prefix: str = "tfgraph-dnn ") -> None:
    """Exit code 2 and exactly one line on stderr, starting with ``prefix`` and holding
    every fragment."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(prefix), result.stderr
    assert all(fragment in lines[0] for fragment in fragments), lines[0]


# -- data --------------------------------------------------------------------------------

def first_rows(small_digits, n: Optional[int] = None, probe: Optional[int] = None) -> tuple:
    """``(X[:n], y[:n])`` of the ``small_digits`` fixture, plus ``X[:probe]`` when asked."""
    X, y = small_digits
    X, y = X[:n], y[:n]
    return (X, y) if probe is None else (X, y, X[:probe])


def random_binary(n: int = 50, n_features: int = 3, low: float = 0.0, high: float = 1.0,
                  seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """Uniform features in ``[low, high)``; the label says whether the first one is above
    the middle."""
    X = np.random.RandomState(seed).uniform(low, high, size=(n, n_features))
    return X, (X[:, 0] > (low + high) / 2).astype(int)


# -- files -------------------------------------------------------------------------------

def read_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def write_json(path, payload) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(payload, handle)


def copy_tree(source, target) -> str:
    """Copy directory ``source`` to ``target`` (a fixture is never modified in place)."""
    shutil.copytree(source, target)
    return str(target)


def tree(root, digest: bool = False) -> dict:
    """``{relative path: bytes}`` of every file under ``root`` (directories as ``None``);
    with ``digest``, the sha256 of the bytes instead."""
    found = {}
    for directory, _, files in os.walk(root):
        found[os.path.relpath(directory, root) + os.sep] = None
        for name in files:
            path = os.path.join(directory, name)
            with open(path, "rb") as handle:
                content = handle.read()
            found[os.path.relpath(path, root)] = \
                hashlib.sha256(content).hexdigest() if digest else content
    return found


# -- graphs ------------------------------------------------------------------------------

def global_variable(name: str):
    """The one global variable of the default graph called ``name`` (without ``:0``)."""
    import tensorflow as tf

    matches = [v for v in tf.compat.v1.global_variables() if v.op.name == name]
    assert len(matches) == 1, (name, [v.op.name for v in tf.compat.v1.global_variables()])
    return matches[0]


def run_initialized(fetches, feed=None, assign: Optional[dict] = None):
    """Initialise the default graph's variables, set those named in ``assign``
    (``{name: value}``), then evaluate ``fetches`` once in a new Session."""
    import tensorflow as tf

    v1 = tf.compat.v1
    ops = []
    for name, value in (assign or {}).items():
        variable = global_variable(name)
        dtype = variable.dtype.base_dtype.as_numpy_dtype
        ops.append(v1.assign(variable, np.asarray(value, dtype)))
    with v1.Session() as session:
        session.run(v1.global_variables_initializer())
        session.run(ops)
        return session.run(fetches, feed)


# -- training ----------------------------------------------------------------------------

def sabotage_hook(first: int = 3, scale: float = 1.0):
    """A training hook that, from epoch ``first`` (1-based) on, adds noise of ``scale`` to the
    kernels: those epochs get worse (for the tests of what a run records and reports)."""
    from tfgraph_dnn.training import Hook

    class Sabotage(Hook):
        def on_epoch_begin(self, state):
            if state.epoch + 1 >= first:
                rng = np.random.RandomState(state.epoch)
                kernels = {name: value + rng.normal(0, scale, value.shape).astype(value.dtype)
                           for name, value in state.ops.snapshot.capture(state.session).items()
                           if name.endswith("kernel")}
                state.ops.snapshot.assign(state.session, kernels)

    return Sabotage()


# ========================================================================================
# Background processes (issue 20: the whole suite within 5 minutes on 2 cores).
#
# A test module registers, when pytest imports it, the subprocesses its tests assert on:
# ``background(key, ...)`` for one command; ``runner_script`` / ``tf1_mode_script`` (and
# ``Background.programs``) for the TF1 runner, tests/tf1/corpus/run_migrated.py: several
# scripts in ONE process, ONE TensorFlow import, each script's outcome in a JSON report.
# Once collection is done, the root conftest starts those a selected test needs, at most
# ``BACKGROUND_SLOTS`` at a time, in the order of the tests that need them; so their
# TensorFlow imports overlap the in-process tests instead of adding to them.  A fixture then
# waits for the outcome (``Background.result()`` / ``Background.entry(name)``).  They stay
# real, separate processes: for what a fresh process prints, or a process in TF1 mode.
# ========================================================================================

BACKGROUND_SLOTS = 2
#: The runner of TF1 programs and of the checks that need a process in TF1 mode.
TF1_RUNNER = os.path.join(TESTS_DIR, "tf1", "corpus", "run_migrated.py")
_BACKGROUND: Dict[str, "Background"] = {}
_QUEUE: list = []


class Background:
    """One subprocess run with ``cwd`` a fresh directory, started early, read when needed."""

    def __init__(self, key: str):
        self.key = key
        self.needed_by: set = set()  # (test module path, fixture name)
        self.command = None  # argv, or ``callable(self) -> argv``; default: the TF1 runner
        self.env: Optional[Dict[str, str]] = None
        self.files: Dict[str, str] = {}  # written into the working directory first
        self.first: list = []  # runner jobs: (order, script path), run as they are
        self.last: list = []  # ... the same, run after the programs
        self.programs: list = []  # runner jobs: TF1 originals, migrated then run
        self.bare = False  # runner jobs: no TF_CPP_MIN_LOG_LEVEL, no TensorFlow up front
        self.early = True  # started once the tests are collected; else by its first result()
        self.proc: Optional[subprocess.Popen] = None
        self.base = self.workdir = self.report_path = None

    def needed(self, item) -> bool:
        return any(str(item.path) == module and fixture in item.fixturenames
                   for module, fixture in self.needed_by)

    def runner_command(self) -> list:
        argv = [sys.executable, TF1_RUNNER, "--report", self.report_path]
        argv += ["--bare"] if self.bare else []
        for _, path in sorted(self.first, key=lambda pair: pair[0]):
            argv += ["--first", path]
        for _, path in sorted(self.last, key=lambda pair: pair[0]):
            argv += ["--last", path]
        if self.programs:
            argv += ["--migrate-into", self.workdir, *self.programs]
        return argv

    def start(self) -> None:
        if self.proc is not None:
            return
        import tempfile

        self.base = tempfile.mkdtemp(prefix=f"tfgraph_dnn_{self.key}_")
        self.workdir = os.path.join(self.base, "work")
        os.mkdir(self.workdir)
        self.report_path = os.path.join(self.base, "report.json")
        for name, text in self.files.items():
            with open(os.path.join(self.workdir, name), "w", encoding="utf-8") as handle:
                handle.write(text)
        command = self.command or Background.runner_command
        argv = command(self) if callable(command) else list(command)
        with open(os.path.join(self.base, "stdout"), "wb") as out, \
                open(os.path.join(self.base, "stderr"), "wb") as err:
            self.proc = subprocess.Popen(argv, cwd=self.workdir, env=self.env, stdout=out,
                                         stderr=err, stdin=subprocess.DEVNULL)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def result(self, timeout: float = 1500) -> subprocess.CompletedProcess:
        """Wait for the process (starting it now if it was not); its exit code and output."""
        self.start()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        outputs = []
        for name in ("stdout", "stderr"):
            with open(os.path.join(self.base, name), encoding="utf-8",
                      errors="replace") as handle:
                outputs.append(handle.read())
        return subprocess.CompletedProcess(self.proc.args, self.proc.returncode, *outputs)

    def report(self) -> dict:
        """The runner's JSON report so far (``{}`` before its first entry)."""
        if self.report_path and os.path.exists(self.report_path):
            return read_json(self.report_path)
        return {}

    def entry(self, name: str, timeout: float = 1500) -> Tuple[Optional[dict], str]:
        """``(entry, why)`` of runner script ``name`` as soon as it is in the report; entry
        None if the process ended without it (``why``: its exit code and stderr tail)."""
        import time

        self.start()
        deadline = time.monotonic() + timeout
        while True:
            finished = not self.running()
            report = self.report()
            if name in report:
                return report[name], ""
            if finished or time.monotonic() > deadline:
                done = self.result(timeout=0.1)
                return None, "%s: no entry for %s (exit %s)\nstdout tail:\n%s\nstderr tail:\n%s" \
                    % (self.key, name, done.returncode, done.stdout[-3000:], done.stderr[-3000:])
            time.sleep(0.1)

    def stop(self) -> None:
        if self.running():
            self.proc.kill()
            self.proc.wait()
        if self.base:
            shutil.rmtree(self.base, ignore_errors=True)


def background(key: str, *, module: str, fixture: str, command=None,
               env: Optional[Dict[str, str]] = None,
               files: Optional[Dict[str, str]] = None) -> Background:
    """The background process ``key`` (created on first call), needed by the tests of file
    ``module`` that use ``fixture``."""
    job = _BACKGROUND.setdefault(key, Background(key))
    job.needed_by.add((os.path.abspath(module), fixture))
    if command is not None:
        job.command = command
    if env is not None:
        job.env = env
    job.files.update(files or {})
    return job


def runner_script(key: str, path: str, *, order: int, module: str, fixture: str,
                  bare: bool = False, env: Optional[Dict[str, str]] = None,
                  last: bool = False) -> Background:
    """Add script ``path`` (run as it is, by ``order``; relative: to the process's working
    directory, where ``files`` go) to the TF1-runner process ``key``: before its programs,
    or after them if ``last``."""
    job = background(key, module=module, fixture=fixture, env=env)
    job.bare = job.bare or bare
    scripts = job.last if last else job.first
    if path not in [p for _, p in scripts]:
        scripts.append((order, path))
    return job


#: The TF1-runner process (TensorFlow imported up front, ``TF_CPP_MIN_LOG_LEVEL=2``) of the
#: corpus (tests/tf1/test_corpus.py).
CORPUS_RUNNER = "tf1_corpus_runner"
#: The runner process in TF1 mode that several folders' checks share (``tf1_mode_script``).
TF1_MODE = "tf1_mode"


def tf1_mode_script(path: str, *, order: int, module: str, fixture: str) -> Background:
    """Add ``path`` to the shared TF1-mode process: run with ``TF_CPP_MIN_LOG_LEVEL`` unset and
    nothing imported up front, so its first script's imports are a fresh process's (order 0:
    ``import tfgraph_dnn.tf1``).  ``Background.entry(stem)`` gives the script's outcome."""
    return runner_script(TF1_MODE, path, order=order, module=module, fixture=fixture,
                         bare=True, env=user_env())


def start_background(items) -> None:
    """Queue the processes the selected ``items`` need, in test order; start the first."""
    first_use = {}
    for index, item in enumerate(items):
        for key, job in _BACKGROUND.items():
            if job.early and key not in first_use and job.needed(item):
                first_use[key] = index
    _QUEUE[:] = [_BACKGROUND[key] for key in sorted(first_use, key=first_use.get)]
    pump_background()


def pump_background() -> None:
    """Start queued processes while fewer than ``BACKGROUND_SLOTS`` run."""
    while _QUEUE and sum(job.running() for job in _BACKGROUND.values()) < BACKGROUND_SLOTS:
        _QUEUE.pop(0).start()


def stop_background() -> None:
    for job in _BACKGROUND.values():
        job.stop()

