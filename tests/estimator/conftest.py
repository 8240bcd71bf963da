"""Fixtures of the estimator tests: fresh Python children, started early, asked often.

Each ``python`` child costs seconds of TensorFlow import, mostly on one core, while
this process's tests mostly use one core too.  A test module whose behaviour needs a
fresh interpreter (plain TensorFlow 2 serving an export, a process switched to TF1 mode,
a fresh ``load``, a README example run as written, other kernel settings at TensorFlow's
load) defines ``start_children(launch) -> {name: child}``; this conftest calls it when
the folder's first selected test starts, so the children import TensorFlow (at a lower
priority) while the tests before them run.  The module's tests get them from the
``children`` fixture and ask them what they need (:class:`ScriptProcess`: one JSON
request per check instead of one process per check), or wait for their end
(:class:`Program`).  A module's children end with the module.

Children that only need a fresh interpreter with TensorFlow imported and nothing else
(not other settings at its load, not its import's own output) are forked from one
zygote (:class:`ForkedScript`): one TensorFlow import for all of them.
"""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from typing import Any, Dict, List, Optional

import pytest

from _support import REPO_ROOT

#: Background children yield the CPU to the tests running meanwhile (nice increment).
CHILD_NICENESS = 5

#: Appended to every ScriptProcess's script: answer each JSON line of stdin with
#: ``handle(request)``.  Replies carry a marker: whatever else the child prints is skipped.
_REPLY_LOOP = """

def _serve_requests():
    import json as _json, sys as _sys, traceback as _traceback
    out = _sys.stdout
    for _line in _sys.stdin:
        try:
            _reply = {"ok": handle(_json.loads(_line))}
        except BaseException:  # reported to the test, which fails with it
            _reply = {"error": _traceback.format_exc()}
        out.write("@@reply " + _json.dumps(
            _reply, default=lambda v: v.decode() if isinstance(v, bytes) else str(v)) + "\\n")
        out.flush()


_serve_requests()
"""
_MARKER = "@@reply "


def _lower_priority() -> None:
    os.nice(CHILD_NICENESS)


def _default_env() -> Dict[str, str]:
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")


class ScriptProcess:
    """A fresh ``python -c script`` that answers requests: ``ask(request) -> reply``.

    ``script`` defines ``handle(request: dict)``; what it returns (JSON-able) is the reply,
    an exception in it fails the asking test with the child's traceback.  The child's
    stderr goes to ``log_path`` (a full pipe could block it).
    """

    def __init__(self, script: str, log_path, cwd=None, env: Optional[Dict[str, str]] = None):
        self.log_path = str(log_path)
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-c", script + _REPLY_LOOP], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._log, text=True, bufsize=1,
            cwd=None if cwd is None else str(cwd), preexec_fn=_lower_priority,
            env=_default_env() if env is None else env)
        self._lines: "queue.Queue[Optional[str]]" = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def log_tail(self, chars: int = 3000) -> str:
        with open(self.log_path, "rb") as handle:
            return handle.read().decode(errors="replace")[-chars:]

    def ask(self, request: Dict[str, Any], timeout: float = 600) -> Any:
        """The child's reply to ``request``; a failure in the child fails the test."""
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except (OSError, ValueError):
            pytest.fail(f"the child process is gone: {self.log_tail()}")
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                pytest.fail(f"no reply from the child in {timeout}s: {self.log_tail()}")
            if line is None:
                pytest.fail(f"the child process died (exit {self.process.wait()}): "
                            f"{self.log_tail()}")
            if line.startswith(_MARKER):
                reply = json.loads(line[len(_MARKER):])
                if "error" in reply:
                    pytest.fail(f"the child failed:\n{reply['error']}")
                return reply["ok"]

    def end_input(self) -> None:
        """No more requests: the child's loop ends and it exits."""
        try:
            self.process.stdin.close()
        except (OSError, ValueError):
            pass

    def close(self) -> None:
        """Ends the child: every answer is in, and TensorFlow's exit can take seconds."""
        self.end_input()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._log.close()


class Program:
    """A command started now and run to its end; ``result()`` waits for it.

    stdout and stderr go to files (a full pipe would block a child nobody reads yet).
    """

    def __init__(self, argv: List[str], workdir, cwd=None,
                 env: Optional[Dict[str, str]] = None):
        self.cwd = cwd
        self._out_path = os.path.join(str(workdir), "stdout.txt")
        self._err_path = os.path.join(str(workdir), "stderr.txt")
        with open(self._out_path, "wb") as out, open(self._err_path, "wb") as err:
            self.process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                cwd=None if cwd is None else str(cwd), preexec_fn=_lower_priority,
                env=_default_env() if env is None else env)

    def result(self, timeout: float = 600) -> subprocess.CompletedProcess:
        """Exit code, stdout and stderr (text); killed after ``timeout`` seconds."""
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.close()
            pytest.fail(f"{self.process.args!r} still ran after {timeout}s")

        def read(path):
            with open(path, "rb") as handle:
                return handle.read().decode(errors="replace")

        return subprocess.CompletedProcess(self.process.args, self.process.returncode,
                                           read(self._out_path), read(self._err_path))

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


#: The zygote: imports TensorFlow once (nothing of ours) and forks one child per request.
#: A child takes its stdin/stdout from two FIFOs and its stderr from a log, then runs its
#: script as ``__main__``.  No op has run in the zygote before a fork (no eager context,
#: no thread pools yet): each child starts TensorFlow's runtime as a fresh process would.
_ZYGOTE = """
import os, signal, sys, traceback
import numpy
import tensorflow  # noqa: F401 - the import every child shares


def _reap(signum, frame):
    # reaped here (not ignored), their CPU time counts as this process's children's
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


signal.signal(signal.SIGCHLD, _reap)


def handle(request):
    pid = os.fork()
    if pid:
        return {"pid": pid}
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.chdir(request["cwd"])
        for fd, path, flags in ((0, request["stdin"], os.O_RDONLY),
                                (1, request["stdout"], os.O_WRONLY),
                                (2, request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND)):
            os.dup2(os.open(path, flags, 0o644), fd)
        sys.stdin = open(0, "r", closefd=False)
        sys.stdout = open(1, "w", buffering=1, closefd=False)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        exec(compile(request["script"], "<forked child>", "exec"), {"__name__": "__main__"})
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)
"""


class ForkedScript(ScriptProcess):
    """A :class:`ScriptProcess` forked from the zygote (see :data:`_ZYGOTE`) at its first
    request: a fresh interpreter that did not pay TensorFlow's import itself.

    Its stdin and stdout are FIFOs this process holds open read-write (so opening them
    never blocks): its end shows as its pid vanishing, not as an end of file.
    """

    def __init__(self, zygote: ScriptProcess, script: str, workdir, cwd=None):
        self._zygote, self._script = zygote, script
        self._workdir, self._cwd = str(workdir), str(cwd or workdir)
        self.log_path = os.path.join(self._workdir, "stderr.log")
        self.pid: Optional[int] = None

    def _fork(self) -> None:
        fifos = [os.path.join(self._workdir, name) for name in ("stdin", "stdout")]
        for fifo in fifos:
            os.mkfifo(fifo)
        self._in_fd, self._out_fd = (os.open(fifo, os.O_RDWR) for fifo in fifos)
        self.pid = self._zygote.ask({"script": self._script + _REPLY_LOOP, "cwd": self._cwd,
                                     "stdin": fifos[0], "stdout": fifos[1],
                                     "log": self.log_path})["pid"]
        self._writer = os.fdopen(self._in_fd, "w", buffering=1)
        self._lines = queue.Queue()
        reader = os.fdopen(self._out_fd, "r", closefd=False)
        threading.Thread(target=self._read_lines, args=(reader,), daemon=True).start()

    def _read_lines(self, reader) -> None:
        try:
            for line in reader:
                if line == _EOF:
                    break
                self._lines.put(line)
        finally:
            os.close(self._out_fd)

    def _alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def log_tail(self, chars: int = 3000) -> str:
        if not os.path.exists(self.log_path):
            return "(no log)"
        return super().log_tail(chars)

    def ask(self, request: Dict[str, Any], timeout: float = 600) -> Any:
        if self.pid is None:
            self._fork()
        self._writer.write(json.dumps(request) + "\n")
        self._writer.flush()
        for _ in range(int(timeout)):
            try:
                line = self._lines.get(timeout=1)
            except queue.Empty:
                if not self._alive():
                    pytest.fail(f"the forked child died: {self.log_tail()}")
                continue
            if line.startswith(_MARKER):
                reply = json.loads(line[len(_MARKER):])
                if "error" in reply:
                    pytest.fail(f"the child failed:\n{reply['error']}")
                return reply["ok"]
        pytest.fail(f"no reply from the forked child in {timeout}s: {self.log_tail()}")

    def close(self) -> None:
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.write(self._out_fd, _EOF.encode())  # ends the reading thread, which closes it
        self._writer.close()
        self.pid = None


_EOF = "@@eof\n"


class _Shared:
    """What the launchers of one session share: the zygote, started at the first need."""

    def __init__(self, tmp_path_factory):
        self._factory = tmp_path_factory
        self._zygote: Optional[ScriptProcess] = None

    def zygote(self) -> ScriptProcess:
        if self._zygote is None:
            env = _default_env()
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO_ROOT,
                                                              env.get("PYTHONPATH")]))
            self._zygote = ScriptProcess(_ZYGOTE, self._factory.mktemp("zygote") / "log",
                                         env=env)
        return self._zygote

    def close(self) -> None:
        if self._zygote is not None:
            self._zygote.close()



class Launcher:
    """What ``start_children(launch)`` starts children with; each gets its own tmp dir."""

    def __init__(self, tmp_path_factory, module_name: str, shared: _Shared):
        self._factory, self._shared = tmp_path_factory, shared
        self._prefix = module_name.rsplit(".", 1)[-1]

    def tmp(self, name: str):
        """A fresh directory (a ``pathlib.Path``)."""
        return self._factory.mktemp(f"{self._prefix}_{name}")

    def forked(self, script: str, cwd=None) -> ForkedScript:
        """A :class:`ForkedScript` (its environment: the zygote's, ``TF_CPP_MIN_LOG_LEVEL=2``
        and the repository first on ``PYTHONPATH``)."""
        return ForkedScript(self._shared.zygote(), script, self.tmp("forked"), cwd=cwd)

    def program(self, argv: List[str], cwd=None, env=None) -> Program:
        return Program(argv, self.tmp("program"), cwd=cwd, env=env)


def _close_all(children: Dict[str, Any]) -> None:
    for child in children.values():
        child.close()


@pytest.fixture(scope="session", autouse=True)
def _children_started_early(request, tmp_path_factory):
    """At the folder's first selected test: the children of every selected module that
    declares ``start_children``, by module name (and the launchers' shared zygote)."""
    here = os.path.dirname(os.path.abspath(__file__))
    modules = {}
    for item in request.session.items:
        module = getattr(item, "module", None)
        if module is not None and os.path.dirname(os.path.abspath(module.__file__)) == here \
                and hasattr(module, "start_children"):
            modules.setdefault(module.__name__, module)
    shared = _Shared(tmp_path_factory)
    started: Dict[str, Any] = {}
    for name, module in sorted(modules.items()):
        try:
            started[name] = module.start_children(Launcher(tmp_path_factory, name, shared))
        except Exception as error:  # noqa: BLE001 - that module's tests report it
            started[name] = error
    yield started, shared
    for children in started.values():  # those of modules that never ran (or failed early)
        if not isinstance(children, Exception):
            _close_all(children)
    shared.close()


@pytest.fixture(scope="module")
def children(request, _children_started_early, tmp_path_factory):
    """This module's children (see the module docstring); they end with the module."""
    started, shared = _children_started_early
    name = request.module.__name__
    mine = started.pop(name, None)
    if mine is None:  # not known at the start (the module was not among the items)
        mine = request.module.start_children(Launcher(tmp_path_factory, name, shared))
    if isinstance(mine, Exception):
        raise mine
    yield mine
    _close_all(mine)
