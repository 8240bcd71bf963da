"""Fixtures of the estimator tests: fresh Python children, started early, asked often.

A test module whose behaviour needs a fresh interpreter it asks several questions (plain
TensorFlow 2 serving an export, a process switched to TF1 mode, a fresh ``load``) defines
``start_children(launch) -> {name: child}``; this conftest calls it when the folder's
first selected test starts.  The module's tests get them from the ``children`` fixture
and ask them what they need (:class:`ForkedScript`: one JSON request per check instead of
one process per check).  A module's children end with the module.  (A fresh process run
to its end, for other settings at TensorFlow's load or its import's own output, is a
background process of ``_background.py`` instead.)

The :class:`ForkedScript` children are forked from one fork server that preloaded
TensorFlow only (``_fork_client.ForkServer``): one TensorFlow import for all of them.
"""
from __future__ import annotations

import json
import os
import queue
import signal
import threading
from typing import Any, Dict, Optional

import pytest

from _fork_client import ForkServer

#: Background children yield the CPU to the tests running meanwhile (nice increment).
CHILD_NICENESS = 5

#: Appended to every ForkedScript's script: answer each JSON line of stdin with
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


class ForkedScript:
    """A fresh interpreter that answers requests: ``ask(request) -> reply``.

    ``script`` defines ``handle(request: dict)``; what it returns (JSON-able) is the reply,
    an exception in it fails the asking test with the child's traceback.  The child is
    forked at the first request from the session's fork server that preloaded TensorFlow
    only (``_fork_client.ForkServer(..., preload="tensorflow")``): nothing of ours imported,
    and no TensorFlow import paid by the child itself.  Its stderr goes to ``log_path``.

    Its stdin and stdout are FIFOs this process holds open read-write (so opening them
    never blocks): its end shows as the fork server reporting it ended, not as an end of
    file.
    """

    def __init__(self, server: ForkServer, script: str, workdir, cwd=None):
        self._server, self._script = server, script
        self._workdir, self._cwd = str(workdir), str(cwd or workdir)
        self.log_path: Optional[str] = None  # the fork server's log of it, once forked
        self.pid: Optional[int] = None

    def _fork(self) -> None:
        fifos = [os.path.join(self._workdir, name) for name in ("stdin", "stdout")]
        for fifo in fifos:
            os.mkfifo(fifo)
        self._in_fd, self._out_fd = (os.open(fifo, os.O_RDWR) for fifo in fifos)
        self.pid, self.log_path = self._server.start(
            self._script + _REPLY_LOOP, cwd=self._cwd, stdin=fifos[0], stdout=fifos[1])
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

    def log_tail(self, chars: int = 3000) -> str:
        if self.log_path is None or not os.path.exists(self.log_path):
            return "(no log)"
        with open(self.log_path, "rb") as handle:
            return handle.read().decode(errors="replace")[-chars:]

    def ask(self, request: Dict[str, Any], timeout: float = 600) -> Any:
        """The child's reply to ``request``; a failure in the child fails the test."""
        if self.pid is None:
            self._fork()
        self._writer.write(json.dumps(request) + "\n")
        self._writer.flush()
        for _ in range(int(timeout)):
            try:
                line = self._lines.get(timeout=1)
            except queue.Empty:
                ended = self._server.poll(self.pid)
                if ended is not None:
                    pytest.fail(f"the forked child died ({ended}): {self.log_tail()}")
                continue
            if line.startswith(_MARKER):
                reply = json.loads(line[len(_MARKER):])
                if "error" in reply:
                    pytest.fail(f"the child failed:\n{reply['error']}")
                return reply["ok"]
        pytest.fail(f"no reply from the forked child in {timeout}s: {self.log_tail()}")

    def close(self) -> None:
        """Ends the child (SIGKILL: every answer is in)."""
        if self.pid is None:
            return
        if self._server.poll(self.pid) is None:  # not reaped yet: the pid is still its
            os.kill(self.pid, signal.SIGKILL)
            self._server.wait(self.pid, timeout=60)
        os.write(self._out_fd, _EOF.encode())  # ends the reading thread, which closes it
        self._writer.close()
        self.pid = None


_EOF = "@@eof\n"


class _Shared:
    """What the launchers of one session share: the fork server with TensorFlow preloaded
    (and nothing of ours), started at the first need at a lower priority."""

    def __init__(self, tmp_path_factory):
        self._factory = tmp_path_factory
        self._server: Optional[ForkServer] = None

    def fork_server(self) -> ForkServer:
        if self._server is None:
            self._server = ForkServer(self._factory.mktemp("tensorflow_fork_server"),
                                      preload="tensorflow")
            # its import and its children yield the CPU to the tests meanwhile
            os.setpriority(os.PRIO_PROCESS, self._server.process.pid, CHILD_NICENESS)
        return self._server

    def close(self) -> None:
        if self._server is not None:
            self._server.close()


class Launcher:
    """What ``start_children(launch)`` starts children with; each gets its own tmp dir."""

    def __init__(self, tmp_path_factory, module_name: str, shared: _Shared):
        self._factory, self._shared = tmp_path_factory, shared
        self._prefix = module_name.rsplit(".", 1)[-1]

    def tmp(self, name: str):
        """A fresh directory (a ``pathlib.Path``)."""
        return self._factory.mktemp(f"{self._prefix}_{name}")

    def forked(self, script: str, cwd=None) -> ForkedScript:
        """A :class:`ForkedScript` (its environment: the fork server's, this process's with
        ``TF_CPP_MIN_LOG_LEVEL=2`` by default and the repository first on ``PYTHONPATH``)."""
        return ForkedScript(self._shared.fork_server(), script, self.tmp("forked"), cwd=cwd)


def _close_all(children: Dict[str, Any]) -> None:
    for child in children.values():
        child.close()


@pytest.fixture(scope="session", autouse=True)
def _children_started_early(request, tmp_path_factory):
    """At the folder's first selected test: the children of every selected module that
    declares ``start_children``, by module name (and the launchers' shared fork server)."""
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
