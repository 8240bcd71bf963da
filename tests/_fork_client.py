"""The client of ``_fork_server.py``: real child processes forked from a preloaded Python.

Imported as ``from _fork_client import ForkServer`` (pytest puts ``tests/`` on ``sys.path``).
The tests of tests/training, tests/storage and tests/estimator whose subject is a process
(SIGKILL, RLIMIT_FSIZE, concurrent writers, a TensorBoard server, a fresh interpreter)
fork it from one server that paid TensorFlow's import once.
"""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from typing import Dict, Optional, Tuple

from _support import REPO_ROOT, TESTS_DIR

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


