"""Subprocesses started in the background once the tests are collected (issue 20).

A test module (or conftest) registers, when pytest imports it, the subprocesses its tests
assert on: ``background(key, ...)`` for one command or for a list of jobs of the runner
tests/_runner.py (calls and scripts one after another in ONE process, each one's fds 1
and 2 captured, its outcome in a JSON report); ``runner_script`` / ``tf1_mode_script``
(and ``Background.programs``) for its TF1 front-end, tests/tf1/corpus/run_migrated.py
(migration, a fresh default graph and absl flags per script).  Once collection is done,
the root conftest starts those a selected test needs, at most ``BACKGROUND_SLOTS`` at a
time, the longest first, and moves the test files that wait for them to the end; so they
run while the other tests do instead of adding to them.  A fixture then waits for the outcome (``result()``,
``entry(name)``, ``completed(name)``).  They stay real, separate processes: for what a
fresh process prints, or a process in TF1 mode.

The pytest-xdist workers of one run share them (the suite runs on two workers).  Every
process has a directory under one root, created by the controller and handed to the
workers (:func:`configure`, :func:`hand_over`).  The worker that creates a process's
directory first (``os.mkdir`` is atomic) starts it and writes its exit code there when it
ends; every worker reads the output, report and exit code from there.  So each process
runs once per run whichever workers run the tests that need it, and the slots count the
processes of all workers.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from typing import Dict, Optional, Tuple

from _support import TESTS_DIR, copy_tree, read_json, user_env, write_json

BACKGROUND_SLOTS = 2
#: The runner of jobs, and its TF1 front-end (also for checks needing a process in TF1 mode).
RUNNER = os.path.join(TESTS_DIR, "_runner.py")
TF1_RUNNER = os.path.join(TESTS_DIR, "tf1", "corpus", "run_migrated.py")
_BACKGROUND: Dict[str, "Background"] = {}
_QUEUE: list = []
#: The directory holding one directory per started process, and whether this process made
#: it (and removes it at the end): the controller, or pytest without xdist.
_ROOT: Optional[str] = None
_OWNS_ROOT = False
_RETURNCODE = "returncode"


def configure(config) -> None:
    """Take the root the xdist controller handed over, or make one (controller, no xdist)."""
    global _ROOT, _OWNS_ROOT
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and "background_root" in workerinput:
        _ROOT, _OWNS_ROOT = workerinput["background_root"], False
    else:
        _ROOT, _OWNS_ROOT = tempfile.mkdtemp(prefix="tfgraph_dnn_background_"), True


def hand_over(node) -> None:
    """``pytest_configure_node``: give an xdist worker the controller's root."""
    node.workerinput["background_root"] = _ROOT


def _root() -> str:
    if _ROOT is None:  # imported outside a pytest run that called configure()
        configure(None)
    return _ROOT


def _write_atomically(path: str, text: str) -> None:
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(partial, path)


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
        self.on_start = None  # ``callable(self)``, run by the starting worker once started
        self.early = True  # started once the tests are collected; else by its first result()
        self.proc: Optional[subprocess.Popen] = None  # on the worker that started it only
        self.base = self.workdir = self.report_path = self._terminal = self._watcher = None

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
        """Start the process, unless this worker or another one already did."""
        if self.base is not None:
            return
        base = os.path.join(_root(), self.key)
        self.workdir = os.path.join(base, "work")
        self.report_path = os.path.join(base, "report.json")
        try:
            os.mkdir(base)
        except FileExistsError:  # another worker's: read what it writes there
            self.base = base
            return
        self.base = base
        try:
            self._launch()
        except BaseException:  # the readers on other workers must not wait for it
            if self.proc is None:
                with open(os.path.join(base, "stderr"), "a", encoding="utf-8") as err:
                    err.write(traceback.format_exc())
                _write_atomically(os.path.join(base, _RETURNCODE), "-1")
            raise

    def _launch(self) -> None:
        os.mkdir(self.workdir)
        for name, text in self.files.items():
            with open(os.path.join(self.workdir, name), "w", encoding="utf-8") as handle:
                handle.write(text)
        for name, source in self.trees.items():
            copy_tree(source, os.path.join(self.workdir, name))
        command = self.command or Background.runner_command
        argv = command(self) if callable(command) else list(command)
        write_json(os.path.join(self.base, "argv.json"), argv)
        with open(os.path.join(self.base, "stdout"), "wb") as out, \
                open(os.path.join(self.base, "stderr"), "wb") as err:
            stderr = self._open_terminal() if self.terminal else err
            self.proc = subprocess.Popen(argv, cwd=self.workdir, env=self.env, stdout=out,
                                         stderr=stderr, stdin=subprocess.DEVNULL)
        if self.terminal:
            os.close(stderr)  # the process holds the terminal's other end now
            self._terminal.start()
        self._watcher = threading.Thread(target=self._record_exit, daemon=True)
        self._watcher.start()
        if self.on_start:
            self.on_start(self)

    def _record_exit(self) -> None:
        """Once the process ended and its terminal's output is written: its exit code."""
        self.proc.wait()
        if self._terminal is not None:
            self._terminal.join(timeout=10)
        _write_atomically(os.path.join(self.base, _RETURNCODE), str(self.proc.returncode))

    def _open_terminal(self) -> int:
        """A pseudo-terminal of ``self.terminal``'s size: the process's stderr; what it
        receives goes to the ``stderr`` file, by a thread (started once the process is)."""
        import fcntl
        import pty
        import struct
        import termios

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

    def returncode(self) -> Optional[int]:
        """The exit code once the process ended (and its output is complete), else None."""
        try:
            with open(os.path.join(self.base, _RETURNCODE), encoding="utf-8") as handle:
                return int(handle.read())
        except (FileNotFoundError, TypeError):
            return None

    def running(self) -> bool:
        return self.base is not None and self.returncode() is None

    def result(self, timeout: float = 1500) -> subprocess.CompletedProcess:
        """Wait for the process (starting it now if it was not); its exit code (None if it
        still ran after ``timeout`` s on another worker) and output (stderr: what its
        terminal received, with ``terminal``)."""
        self.start()
        deadline = time.monotonic() + timeout
        while self.running():
            if time.monotonic() > deadline:
                if self.proc is None:
                    break
                self.proc.kill()  # ours: killed, its exit code written once it ended
                deadline = float("inf")
            time.sleep(0.05)
        outputs = []
        for name in ("stdout", "stderr"):
            path = os.path.join(self.base, name)
            if not os.path.exists(path):  # another worker is still starting it
                outputs.append("")
                continue
            with open(path, encoding="utf-8", errors="replace") as handle:
                outputs.append(handle.read())
        argv_path = os.path.join(self.base, "argv.json")
        argv = read_json(argv_path) if os.path.exists(argv_path) else [self.key]
        return subprocess.CompletedProcess(argv, self.returncode(), *outputs)

    def report(self) -> dict:
        """The runner's JSON report so far (``{}`` before its first entry)."""
        if self.report_path and os.path.exists(self.report_path):
            return read_json(self.report_path)
        return {}

    def entry(self, name: str, timeout: float = 1500) -> Tuple[Optional[dict], str]:
        """``(entry, why)`` of runner script ``name`` as soon as it is in the report; entry
        None if the process ended without it (``why``: its exit code and stderr tail)."""
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

    def stop(self, wait: bool) -> None:
        """End a process this worker started: wait for it first with ``wait`` (another
        worker's tests may still need it), else kill it."""
        if self.proc is None:
            return
        if wait:
            try:
                self.proc.wait(timeout=1500)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._watcher.join(timeout=30)  # its exit code written before this worker ends


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


def _size(job: Background) -> int:
    """How much a process has to run: its scripts, programs and jobs."""
    return len(job.jobs) + len(job.first) + len(job.last) + len(job.programs) or 1


def order_items(items) -> None:
    """Move the test files that wait for a background process to the end of ``items``, those
    of the longest processes last, so the workers run the other files meanwhile (xdist hands
    the files out in this order; it must be the same on every worker: it is computed from
    the items and the registered processes only)."""
    def waits_for(path) -> int:
        return max((_size(job) for job in _BACKGROUND.values()
                    if any(job.needed(item) for item in by_file[path])), default=0)

    by_file: Dict[str, list] = {}
    for item in items:
        by_file.setdefault(str(item.path), []).append(item)
    files = sorted(by_file, key=lambda path: (waits_for(path) > 0, waits_for(path)))
    items[:] = [item for path in files for item in by_file[path]]


def start_background(items) -> None:
    """Queue the processes the selected ``items`` need, the longest first; start the first
    ``BACKGROUND_SLOTS``."""
    first_use = {}
    for index, item in enumerate(items):
        for key, job in _BACKGROUND.items():
            if job.early and key not in first_use and job.needed(item):
                first_use[key] = index
    _QUEUE[:] = [_BACKGROUND[key] for key in
                 sorted(first_use, key=lambda key: (-_size(_BACKGROUND[key]), first_use[key]))]
    pump_background()


def _running_anywhere() -> int:
    """The processes started by any worker of this run that have not ended."""
    root = _root()
    return sum(not os.path.exists(os.path.join(root, key, _RETURNCODE))
               for key in os.listdir(root) if os.path.isdir(os.path.join(root, key)))


def pump_background() -> None:
    """Start queued processes while fewer than ``BACKGROUND_SLOTS`` run (over all workers)."""
    while _QUEUE and _running_anywhere() < BACKGROUND_SLOTS:
        _QUEUE.pop(0).start()


def stop_background(wait: bool) -> None:
    """End this worker's processes (waiting for them first with ``wait``); the root's maker
    removes it."""
    for job in _BACKGROUND.values():
        job.stop(wait)
    if _OWNS_ROOT and _ROOT is not None:
        shutil.rmtree(_ROOT, ignore_errors=True)
