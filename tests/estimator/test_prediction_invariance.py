"""A row's prediction is bit-identical whatever its position and however many rows
are predicted with it -- also on CPUs whose matrix-product kernels have other row
blocks than this machine's.

Matrix products run the last rows of a matrix through smaller tail kernels, which
round differently, and choose their blocking and threading by the number of rows; CI
machines (another ISA) failed scikit-learn's ``check_methods_sample_order_invariance``
and ``check_methods_subset_invariance`` by one float32 ulp that way.  Each setting
below restricts TensorFlow to another kernel family, in a subprocess (the settings
are read when TensorFlow loads).
"""
import os
import sys
import textwrap

import pytest

from _background import background
from _support import REPO_ROOT

# The settings under which predictions depended on the batch before the fix (on an
# AVX-512 machine): oneDNN limited to AVX2 (its sgemm's 24-row kernels), and Eigen's
# contraction instead of oneDNN (its blocking and threading depend on the rows).
SETTINGS = {
    "onednn-avx2": {"ONEDNN_MAX_CPU_ISA": "AVX2"},
    "eigen": {"TF_ENABLE_ONEDNN_OPTS": "0"},
}

SCRIPT = textwrap.dedent("""
    import numpy as np
    from sklearn.utils.estimator_checks import (check_methods_sample_order_invariance,
                                                check_methods_subset_invariance)
    from tfgraph_dnn import DNNClassifier, DNNRegressor

    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 30)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    failures = []
    for n_threads in (1, 2):
        clf = DNNClassifier(n_hidden=2, n_neurons=40, n_epochs=2, n_threads=n_threads,
                            random_state=0).fit(X, y)
        full = clf.predict_proba(X)
        order = rng.permutation(len(X))
        if not np.array_equal(clf.predict_proba(X[order]), full[order]):
            failures.append(f"n_threads={n_threads}: permuted rows")
        for n in list(range(1, 50)) + [95, 97, 150]:
            if not np.array_equal(clf.predict_proba(X[-n:]), full[-n:]):
                failures.append(f"n_threads={n_threads}: the last {n} rows alone")
    assert not failures, failures
    small = dict(n_hidden=1, n_neurons=16, n_epochs=10, learning_rate=0.03, batch_size=32,
                 n_threads=1, random_state=0)
    for estimator in (DNNClassifier(**small), DNNRegressor(**small)):
        for check in (check_methods_sample_order_invariance,
                      check_methods_subset_invariance):
            check(type(estimator).__name__, estimator)
    print("OK")
""")


def _environment(extra: dict) -> dict:
    env = {name: value for name, value in os.environ.items()
           if name not in ("ONEDNN_MAX_CPU_ISA", "TF_ENABLE_ONEDNN_OPTS")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO_ROOT, env.get("PYTHONPATH")]))
    return {**env, "TF_CPP_MIN_LOG_LEVEL": "2", **extra}


#: One fresh process per setting, started in the background once the tests are collected
#: (each is mostly TensorFlow's import, read with the setting).
PROCESSES = {name: background(f"invariance_{name}", module=__file__, fixture="processes",
                              command=[sys.executable, "-c", SCRIPT], env=_environment(extra))
             for name, extra in SETTINGS.items()}


@pytest.fixture(scope="module")
def processes():
    return PROCESSES


@pytest.mark.slow
def test_predictions_invariant_on_every_kernel_family(processes):
    failed = {}
    for name, process in processes.items():
        result = process.result(timeout=600)
        output = result.stdout + result.stderr
        if result.returncode != 0 or "OK" not in result.stdout:
            failed[name] = output[-3000:]
    assert not failed, "\n\n".join(f"--- {name}:\n{out}" for name, out in failed.items())
