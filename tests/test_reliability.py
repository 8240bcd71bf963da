"""A user's worst day: bad inputs, divergence, SIGKILL mid-training and mid-save, threads,
determinism across processes, and files that try to escape their directories or be unpickled.

Sections (in run order, so that the fork server's TensorFlow import overlaps the in-process
tests):

1. bad inputs: one clear exception each, and nothing on disk changes;
2. divergence: a RuntimeWarning naming the epoch, the last finite epoch's weights kept;
3. determinism: same random_state, bit-identical probabilities (in-process);
4. concurrency: fits in two threads, predictions from eight;
5. security: no unpickling on load, no path escapes;
6. crash safety: real SIGKILLs at random moments of training and saving (through a fork
   server, see :class:`ForkServer`), crashes at chosen points of ``save()``, and
   determinism across processes.

``benchmarks/kill_trials.py`` runs :func:`run_kill_trials` with more trials.
"""
import hashlib
import json
import math
import os
import pickle
import queue
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import textwrap
import threading
import time
import traceback

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from tfgraph_dnn import DNNClassifier
from tfgraph_dnn.training import Hook
from tfgraph_dnn.training.checkpoint import CheckpointError, read_latest
from tfgraph_dnn.training.graph import WeightSnapshot
from tfgraph_dnn.training.tensorboard import new_run_dir

SMALL = dict(n_hidden=2, n_neurons=16, random_state=0)
# The kill trials' child: 30 epochs, a checkpoint after each, then save() in a loop.
KILL_PARAMS = dict(n_hidden=2, n_neurons=16, random_state=0, n_epochs=30, batch_size=50,
                   checkpoint_every=1)
KILL_TRIALS_IN_SUITE = 10
DEFAULT_SEED = 20240613


# =========================================================================== helpers
def tree_snapshot(root):
    """``{relative path: sha256 of the bytes}`` of every file, ``None`` for directories."""
    snapshot = {}
    for directory, _, files in os.walk(root):
        snapshot[os.path.relpath(directory, root) + os.sep] = None
        for name in files:
            path = os.path.join(directory, name)
            with open(path, "rb") as handle:
                snapshot[os.path.relpath(path, root)] = hashlib.sha256(handle.read()).hexdigest()
    return snapshot


def read_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def read_text(path):
    with open(path, "rb") as handle:
        return handle.read().decode(errors="replace")


def describe_changes(before, after):
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    return f"added {added}, removed {removed}, changed {changed}"


def network_weights(state):
    variables = state.endpoints.variables
    return {v.op.name: value for v, value in zip(variables, state.session.run(variables))}


class WeightsPerEpoch(Hook):
    """Keeps the net's variables as they are at the end of every epoch (after the hooks
    that run before user callbacks, such as the divergence guard)."""

    def __init__(self):
        self.weights = {}

    def on_epoch_end(self, state, logs):
        self.weights[logs["epoch"]] = network_weights(state)


def assert_same_weights(actual, expected):
    assert sorted(actual) == sorted(expected)
    for name in expected:
        np.testing.assert_array_equal(actual[name], expected[name], err_msg=name)


@pytest.fixture(scope="module")
def data(small_digits):
    X, y = small_digits
    return X, y, X[:100]


# =========================================================================== 1. bad inputs
@pytest.fixture(scope="module")
def disk(data, tmp_path_factory):
    """A workspace with a saved model, a checkpoint directory, a copy of it whose weights
    file is truncated, and a log directory; every bad input must leave all of it alone."""
    X, y, _ = data
    root = tmp_path_factory.mktemp("worst_day")
    ckpt, model, truncated, logs = (str(root / name) for name in
                                    ("ckpt", "model", "truncated", "logs"))
    fitted = DNNClassifier(**SMALL, n_epochs=2, checkpoint_dir=ckpt, checkpoint_every=1)
    fitted.fit(X, y)
    fitted.save(model)
    shutil.copytree(ckpt, truncated)
    prefix = read_latest(truncated)["model_prefix"]
    data_files = [os.path.join(os.path.dirname(prefix), name)
                  for name in os.listdir(os.path.dirname(prefix)) if ".data-" in name]
    assert len(data_files) == 1
    size = os.path.getsize(data_files[0])
    with open(data_files[0], "r+b") as handle:
        handle.truncate(size // 2)
    os.makedirs(logs)
    return dict(root=str(root), ckpt=ckpt, model=model, truncated=truncated, logs=logs,
                loaded=DNNClassifier.load(model))


def on_disk(disk, **params):
    """An estimator that uses every directory of the workspace (resume included)."""
    settings = dict(SMALL, n_epochs=2, checkpoint_every=1, checkpoint_dir=disk["ckpt"],
                    resume=True, log_dir=disk["logs"])
    settings.update(params)
    return DNNClassifier(**settings)


def _with(array, row, column, value):
    array = array.copy()
    array[row, column] = value
    return array


def _nan_labels(y):
    y = y.astype(np.float64)
    y[7] = np.nan
    return y


def _param(name):
    return rf"The '{name}' parameter of DNNClassifier must be"


# (id, exception type, regex its message must match, action(X, y, disk))
BAD_INPUTS = [
    ("nan_in_X", ValueError, r"Input X contains NaN",
     lambda X, y, d: on_disk(d).fit(_with(X, 3, 5, np.nan), y)),
    ("inf_in_X", ValueError, r"Input X contains infinity",
     lambda X, y, d: on_disk(d).fit(_with(X, 3, 5, np.inf), y)),
    ("nan_in_X_at_predict", ValueError, r"Input X contains NaN",
     lambda X, y, d: d["loaded"].predict(_with(X, 0, 0, np.nan))),
    ("wrong_feature_count_at_predict", ValueError,
     r"X has 10 features, but DNNClassifier is expecting 64 features",
     lambda X, y, d: d["loaded"].predict(X[:, :10])),
    ("X_3d", ValueError, r"Found array with dim 3",
     lambda X, y, d: on_disk(d).fit(X.reshape(len(X), 8, 8), y)),
    ("X_empty", ValueError, r"0 sample\(s\)",
     lambda X, y, d: on_disk(d).fit(np.empty((0, 64), np.float32), np.empty(0, np.int64))),
    ("X_strings", ValueError, r"could not convert string to float",
     lambda X, y, d: on_disk(d).fit(np.full(X.shape, "pixel"), y)),
    ("X_y_length_mismatch", ValueError, r"inconsistent numbers of samples: \[400, 399\]",
     lambda X, y, d: on_disk(d).fit(X, y[:-1])),
    ("single_class", ValueError, r"needs at least 2 classes; got only 1 class",
     lambda X, y, d: on_disk(d).fit(X, np.full(len(y), 3))),
    ("nan_in_y", ValueError, r"Input y contains NaN",
     lambda X, y, d: on_disk(d).fit(X, _nan_labels(y))),
    # scipy.sparse is not supported: scikit-learn's validation refuses it with a TypeError
    ("sparse_X_fit", TypeError, r"Sparse data was passed for X, but dense data is required",
     lambda X, y, d: on_disk(d).fit(sp.csr_matrix(X), y)),
    ("sparse_X_predict", TypeError, r"Sparse data was passed for X, but dense data is required",
     lambda X, y, d: d["loaded"].predict_proba(sp.csr_matrix(X))),
    ("batch_size_0", InvalidParameterError, _param("batch_size") + r" .*Got 0 instead",
     lambda X, y, d: on_disk(d, batch_size=0).fit(X, y)),
    ("batch_size_negative", InvalidParameterError, _param("batch_size") + r" .*Got -5 instead",
     lambda X, y, d: on_disk(d, batch_size=-5).fit(X, y)),
    ("n_epochs_0", InvalidParameterError, _param("n_epochs") + r" .*Got 0 instead",
     lambda X, y, d: on_disk(d, n_epochs=0).fit(X, y)),
    ("dropout_rate_1", InvalidParameterError, _param("dropout_rate") + r" .*\[0.0, 1.0\)",
     lambda X, y, d: on_disk(d, dropout_rate=1.0).fit(X, y)),
    ("dropout_rate_negative", InvalidParameterError, _param("dropout_rate") + r" .*Got -0.1",
     lambda X, y, d: on_disk(d, dropout_rate=-0.1).fit(X, y)),
    ("unknown_activation", InvalidParameterError, _param("activation") + r" .*'swish2'",
     lambda X, y, d: on_disk(d, activation="swish2").fit(X, y)),
    ("unknown_optimizer", InvalidParameterError, _param("optimizer") + r" .*'sgdd'",
     lambda X, y, d: on_disk(d, optimizer="sgdd").fit(X, y)),
    ("unknown_lr_schedule", InvalidParameterError, _param("lr_schedule") + r" .*'cosine9'",
     lambda X, y, d: on_disk(d, lr_schedule="cosine9").fit(X, y)),
    ("truncated_checkpoint", CheckpointError, r"Cannot restore .*truncated.*model\.ckpt",
     lambda X, y, d: on_disk(d, checkpoint_dir=d["truncated"]).fit(X, y)),
    ("resume_other_architecture", CheckpointError,
     r"of another model.*'hidden_layer_sizes': \(\[16, 16\], \[8\]\)",
     lambda X, y, d: on_disk(d, hidden_layer_sizes=(8,)).fit(X, y)),
    ("warm_start_other_architecture", CheckpointError,
     r"(?s)Cannot warm-start.*hidden1/kernel: shape \(64, 9\) in the model but \(64, 16\)"
     r".*hidden1/bias: shape \(9,\) in the model but \(16,\)",
     lambda X, y, d: on_disk(d, hidden_layer_sizes=(9, 16), warm_start_from=d["model"],
                             resume=False).fit(X, y)),
    ("missing_warm_start_from", FileNotFoundError, r"No checkpoint at .*no_such_model",
     lambda X, y, d: on_disk(d, warm_start_from=os.path.join(d["root"], "no_such_model"),
                             resume=False).fit(X, y)),
    ("predict_before_fit", NotFittedError, r"not fitted yet",
     lambda X, y, d: DNNClassifier(**SMALL).predict(X)),
]


@pytest.mark.parametrize("kind, error, message, action", BAD_INPUTS,
                         ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_raises_clearly_and_touches_no_file(data, disk, kind, error, message,
                                                      action):
    X, y, _ = data
    before = tree_snapshot(disk["root"])
    with pytest.raises(error, match=message) as info:
        action(X, y, disk)
    assert type(info.value) is error, type(info.value)
    after = tree_snapshot(disk["root"])
    assert after == before, f"{kind} changed files: {describe_changes(before, after)}"


# =========================================================================== 2. divergence
@pytest.mark.parametrize("optimizer", ["gd", "momentum"])
def test_huge_learning_rate_on_unscaled_data_keeps_the_last_finite_epoch(data, tmp_path,
                                                                         optimizer):
    """lr 1e3 on X*100, full batches, a linear net: epoch 1 is finite, the loss then blows
    up to NaN.  The fit warns with the epoch, stops, and serves the last finite weights,
    also after save/load and after a resume from its checkpoint."""
    X, y, probe = data
    X = X * 100
    params = dict(hidden_layer_sizes=(16, 16), activation="identity", optimizer=optimizer,
                  learning_rate=1e3, batch_size=len(X), random_state=0)
    ckpt = str(tmp_path / "ckpt")
    per_epoch = WeightsPerEpoch()
    clf = DNNClassifier(**params, n_epochs=8, checkpoint_dir=ckpt, checkpoint_every=1,
                        callbacks=[per_epoch])
    with pytest.warns(RuntimeWarning, match=r"non-finite loss in epoch \d+") as record:
        clf.fit(X, y)
    messages = [str(w.message) for w in record if "non-finite" in str(w.message)]
    assert len(messages) == 1, messages
    found = re.fullmatch(r"non-finite loss in epoch (\d+); kept the weights of epoch (\d+)",
                         messages[0])
    assert found, messages[0]
    bad, kept = int(found.group(1)), int(found.group(2))
    losses = ", ".join(f"{row['loss']:.3g}" for row in clf.history_)
    print(f"\n{optimizer}: losses {losses}; {messages[0]}")
    assert 2 <= bad < 8 and 1 <= kept < bad  # stopped early, not in the first epoch
    assert clf.n_epochs_ == bad and [row["epoch"] for row in clf.history_][-1] == bad
    assert not math.isfinite(clf.history_[-1]["loss"])  # the non-finite epoch is last
    assert all(math.isfinite(row["loss"]) for row in clf.history_[:-1])

    # the served weights are those of the epoch the warning names ...
    kept_weights = clf.get_weights()
    assert_same_weights(kept_weights, per_epoch.weights[kept])
    # ... exactly those of the same fit stopped by n_epochs there
    assert_same_weights(DNNClassifier(**params, n_epochs=kept).fit(X, y).get_weights(),
                        kept_weights)
    # a resume from the checkpoint trains no further and serves the same weights
    resumed = DNNClassifier(**params, n_epochs=8, checkpoint_dir=ckpt, checkpoint_every=1,
                            resume=True).fit(X, y)
    assert resumed.n_epochs_ == bad
    assert_same_weights(resumed.get_weights(), kept_weights)
    # save/load carries the non-finite history row and the weights
    clf.save(tmp_path / "model")
    loaded = DNNClassifier.load(tmp_path / "model")
    assert not math.isfinite(loaded.history_[-1]["loss"])
    proba = clf.predict_proba(probe)
    np.testing.assert_array_equal(loaded.predict_proba(probe), proba)

    # ... and they must be usable: finite weights, finite probabilities
    for name, weights in kept_weights.items():
        assert np.isfinite(weights).all(), name
    bad_rows = int((~np.isfinite(proba)).any(axis=1).sum())
    assert bad_rows == 0, (
        f"the weights kept after the divergence ('{messages[0]}') give non-finite "
        f"probabilities for {bad_rows}/{len(proba)} rows: they are the weights the "
        f"non-finite loss of epoch {bad} was computed with")
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


# =========================================================================== 3. determinism
DETERMINISM_CONFIGS = {
    "plain": dict(SMALL, n_epochs=3, random_state=7),
    "dropout_batchnorm": dict(SMALL, n_epochs=3, random_state=7, dropout_rate=0.3,
                              batch_norm_momentum=0.9),
}


@pytest.fixture(scope="module")
def in_process_predictions(data):
    X, y, probe = data
    return {name: [DNNClassifier(**params).fit(X, y).predict_proba(probe) for _ in range(2)]
            for name, params in DETERMINISM_CONFIGS.items()}


@pytest.mark.parametrize("config", sorted(DETERMINISM_CONFIGS))
def test_same_random_state_same_probabilities_in_one_process(in_process_predictions, config):
    first, second = in_process_predictions[config]
    np.testing.assert_array_equal(first, second)
    other = in_process_predictions["plain" if config != "plain" else "dropout_batchnorm"][0]
    assert not np.array_equal(first, other)  # not vacuous: the settings matter


# =========================================================================== 4. concurrency
def test_two_fits_in_two_threads_equal_the_same_fits_one_after_the_other(data):
    X, y, probe = data
    configs = [dict(SMALL, n_epochs=4, random_state=1, dropout_rate=0.2),
               dict(SMALL, n_epochs=4, random_state=2, batch_norm_momentum=0.9,
                    optimizer="momentum", learning_rate=0.02, batch_size=32)]
    sequential = [DNNClassifier(**c).fit(X, y).predict_proba(probe) for c in configs]
    barrier = threading.Barrier(len(configs))
    results, errors = [None] * len(configs), []

    def fit(index):
        try:
            barrier.wait(timeout=60)
            results[index] = DNNClassifier(**configs[index]).fit(X, y).predict_proba(probe)
        except BaseException:  # noqa: B902 - reported below
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=fit, args=(i,)) for i in range(len(configs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors[0]
    for parallel, alone in zip(results, sequential):
        np.testing.assert_array_equal(parallel, alone)


def _predict_from_threads(model, X, n_threads=8, repeats=5):
    """Every thread predicts all rows and its own slice, ``repeats`` times, all at once."""
    barrier = threading.Barrier(n_threads)
    results, errors = {}, []

    def work(index):
        try:
            barrier.wait(timeout=60)
            for repeat in range(repeats):
                results[index, repeat] = (model.predict_proba(X), model.predict(X[index::8]))
        except BaseException:  # noqa: B902 - reported below
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results, errors


@pytest.fixture(scope="module")
def fitted_small(data):
    X, y, _ = data
    return DNNClassifier(**SMALL, n_epochs=3).fit(X, y)


@pytest.mark.parametrize("which", ["fitted", "unpickled"])
def test_eight_threads_predict_like_one(data, fitted_small, which):
    X, _, _ = data
    expected_proba = fitted_small.predict_proba(X)
    expected_labels = fitted_small.predict(X)
    model = fitted_small if which == "fitted" else pickle.loads(pickle.dumps(fitted_small))
    results, errors = _predict_from_threads(model, X)
    assert not errors, errors[0]
    assert len(results) == 8 * 5
    for (index, _), (proba, labels) in results.items():
        np.testing.assert_array_equal(proba, expected_proba)
        np.testing.assert_array_equal(labels, expected_labels[index::8])


def test_unpickled_model_never_serves_unrestored_weights(data, fitted_small, monkeypatch):
    """An unpickled estimator rebuilds its Session lazily under a lock.  A thread that
    arrives while the first one is still restoring the weights (slow on big models or
    busy machines; made slow here) must wait for them, not predict with the freshly
    initialised ones."""
    X, _, _ = data
    expected = fitted_small.predict_proba(X)
    restoring = threading.Event()
    original = WeightSnapshot.restore

    def slow_restore(self, session, values):
        restoring.set()
        time.sleep(0.5)
        return original(self, session, values)

    monkeypatch.setattr(WeightSnapshot, "restore", slow_restore)
    model = pickle.loads(pickle.dumps(fitted_small))
    results, errors = {}, []

    def work(index):
        try:
            if index:  # the others come while the first one restores
                assert restoring.wait(timeout=120), "the first predict never restored"
            results[index] = model.predict_proba(X)
        except BaseException:  # noqa: B902 - reported below
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors[0]
    wrong = sorted(i for i, proba in results.items() if not np.array_equal(proba, expected))
    assert not wrong, (f"threads {wrong} predicted with weights that were not (yet) the "
                       "fitted ones: _ensure_session publishes the Session before restoring")


# =========================================================================== 5. security
class _Payload:
    """Unpickling this creates ``path``: the marker of an executed pickle."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def malicious_pickle(marker):
    return pickle.dumps(_Payload(str(marker)), protocol=0)  # ASCII: even decodes as text


@pytest.fixture(scope="module")
def saved_pair(data, tmp_path_factory):
    """A saved model and a checkpoint directory, kept pristine (tests copy them)."""
    X, y, _ = data
    root = tmp_path_factory.mktemp("pristine")
    clf = DNNClassifier(**SMALL, n_epochs=2, checkpoint_dir=str(root / "ckpt"),
                        checkpoint_every=1).fit(X, y)
    clf.save(root / "model")
    return str(root / "model"), str(root / "ckpt")


def test_the_payload_really_runs_when_unpickled(tmp_path):
    """The positive control of the next test: unpickling the planted bytes does create the
    marker, so its absence there means nothing was unpickled."""
    marker = tmp_path / "control"
    pickle.loads(malicious_pickle(marker))
    assert marker.exists()


@pytest.mark.parametrize("where, target", [
    ("model", "estimator.json"), ("model", "latest"),
    ("ckpt", "state.json"), ("ckpt", "arrays.npz"), ("ckpt", "latest")])
def test_loading_never_unpickles(data, saved_pair, tmp_path, where, target):
    X, y, _ = data
    model_dir, ckpt_dir = saved_pair
    directory = str(tmp_path / where)
    shutil.copytree(model_dir if where == "model" else ckpt_dir, directory)
    marker = tmp_path / "pwned"
    save_dir = os.path.join(directory, read_json(os.path.join(directory, "latest"))["dir"])
    path = os.path.join(directory if target == "latest" else save_dir, target)
    if target == "arrays.npz":  # an object array: np.load would need allow_pickle=True
        np.savez(path, **{"EarlyStopping::best": np.array([_Payload(str(marker))],
                                                          dtype=object)})
    else:
        with open(path, "wb") as handle:
            handle.write(malicious_pickle(marker))
    with pytest.raises(CheckpointError):
        if where == "model":
            DNNClassifier.load(directory)
        else:
            DNNClassifier(**SMALL, n_epochs=2, checkpoint_dir=directory, resume=True).fit(X, y)
    if where == "ckpt":
        with pytest.raises(CheckpointError):
            read_latest(directory)
    assert not marker.exists(), "a planted pickle was executed"


def test_run_dirs_and_checkpoints_stay_inside_their_directories(data, tmp_path):
    X, y, _ = data
    root = tmp_path / "root"
    log_dir, ckpt = root / "a" / "b" / "logs", root / "a" / "b" / "ckpt"
    os.makedirs(log_dir)
    before = tree_snapshot(str(root))
    clf = DNNClassifier(**SMALL, n_epochs=2, log_dir=str(log_dir), run_name="../../evil",
                        checkpoint_dir=str(ckpt), checkpoint_every=1).fit(X, y)
    run_dir = os.path.realpath(clf.log_dir_)
    assert os.path.dirname(run_dir) == os.path.realpath(log_dir)
    assert "evil" in os.path.basename(run_dir) and ".." not in os.path.basename(run_dir)
    new = set(tree_snapshot(str(root))) - set(before)
    inside = (os.path.join("a", "b", "logs") + os.sep, os.path.join("a", "b", "ckpt") + os.sep)
    assert new and all(path.startswith(inside) for path in new), sorted(new)
    evil = list(tmp_path.rglob("*evil*"))
    assert evil and all(str(path).startswith(str(log_dir) + os.sep) for path in evil), evil
    prefix = os.path.realpath(read_latest(str(ckpt))["model_prefix"])
    assert prefix.startswith(os.path.realpath(ckpt) + os.sep)

    names = ["../../evil", "/etc/evil", "..", "a/../../b", "~/.ssh/x", "evil\x00.txt", "." * 90]
    for name in names:
        path = os.path.realpath(new_run_dir(str(log_dir), name))
        assert os.path.dirname(path) == os.path.realpath(log_dir), (name, path)
        assert os.path.basename(path).startswith("run-")


def test_a_latest_pointer_cannot_lead_outside(data, saved_pair, tmp_path):
    """A tampered ``latest`` naming ``../elsewhere`` or an absolute path is refused by load,
    resume and warm start alike."""
    X, y, _ = data
    model_dir, ckpt_dir = saved_pair
    outside = tmp_path / "outside"
    shutil.copytree(model_dir, outside)
    real_save = read_json(os.path.join(model_dir, "latest"))["dir"]
    for index, pointer in enumerate([f"../outside/{real_save}",
                                     str(outside / real_save), "save-000001/../../outside"]):
        model, ckpt = tmp_path / f"model{index}", tmp_path / f"ckpt{index}"
        shutil.copytree(model_dir, model)
        shutil.copytree(ckpt_dir, ckpt)
        for directory in (model, ckpt):
            (directory / "latest").write_text(json.dumps({"epoch": 2, "dir": pointer}))
        with pytest.raises(CheckpointError, match="not a complete save"):
            DNNClassifier.load(model)
        with pytest.raises(CheckpointError, match="not a complete save"):
            DNNClassifier(**SMALL, n_epochs=2, checkpoint_dir=str(ckpt), resume=True).fit(X, y)
        with pytest.raises(CheckpointError, match="not a complete save"):
            DNNClassifier(**SMALL, n_epochs=2, warm_start_from=str(model)).fit(X, y)


# =========================================================================== 6. crash safety
FORK_SERVER_SOURCE = textwrap.dedent(r'''
    """Fork server: imports TensorFlow once, then forks one child per task on request.

    Protocol: one JSON object per line on stdin, one reply per line on stdout.
      {"cmd": "fork", "task": name, "args": {...}, "log": path} -> {"pid": pid}
      {"cmd": "reap", "pid": pid} -> {"signal": n or null, "exit": n or null}
      {"cmd": "fork_and_kill", "task": ..., "plan": {...}} -> forks, SIGKILLs the child
          as planned (see fork_and_kill), reaps it and replies with the timings
      {"cmd": "exit"}
    No Session or graph exists in this process before a fork: every child starts its own.
    """
    import json, os, re, shutil, signal, sys, time, traceback
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    started = time.monotonic()
    import numpy as np
    from tfgraph_dnn import DNNClassifier
    import tfgraph_dnn.estimator._persistence  # noqa: F401  (everything imported up front)

    TASKS = {}

    def task(function):
        TASKS[function.__name__] = function
        return function

    def load(path):
        with np.load(path) as arrays:
            return arrays["X"], arrays["y"], arrays["probe"]

    def write_array(path, array):
        tmp = path + ".part.npy"
        np.save(tmp, array)
        os.replace(tmp, path)

    def die():
        os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(60)

    @task
    def kill_trial(data, ckpt_dir, model_dir, preds_dir, phase_file, params, max_seconds):
        """Fit with a checkpoint per epoch and save(); then warm-start one epoch and save()
        again, over and over, until killed.  Before each save the model's probabilities
        are written to preds_dir/<epochs>.npy, so any version found later can be checked."""
        child_started = time.monotonic()
        X, y, probe = load(data)
        clf = DNNClassifier(**params, checkpoint_dir=ckpt_dir)
        clf.fit(X, y)
        write_array(os.path.join(preds_dir, f"{clf.n_epochs_}.npy"), clf.predict_proba(probe))
        clf.save(model_dir)
        with open(phase_file + ".part", "w") as handle:
            json.dump({"started": child_started, "phase_a_done": time.monotonic()}, handle)
        os.replace(phase_file + ".part", phase_file)
        clf.set_params(warm_start=True, n_epochs=1, checkpoint_dir=None)
        while time.monotonic() - child_started < max_seconds:
            clf.fit(X, y)
            write_array(os.path.join(preds_dir, f"{clf.n_epochs_}.npy"),
                        clf.predict_proba(probe))
            clf.save(model_dir)

    def arm(point):
        """SIGKILL this process at one chosen moment inside save()."""
        if point == "json_half_written":
            real_dump = json.dump

            def dump(obj, handle, *args, **kwargs):
                if str(getattr(handle, "name", "")).endswith("estimator.json"):
                    text = json.dumps(obj)
                    handle.write(text[:len(text) // 2])
                    handle.flush()
                    os.fsync(handle.fileno())
                    die()
                return real_dump(obj, handle, *args, **kwargs)
            json.dump = dump
        elif point == "before_rename":
            real_rename = os.rename

            def rename(src, dst, *args, **kwargs):
                if re.match(r"save-\d{6}$", os.path.basename(os.fspath(dst))):
                    die()
                return real_rename(src, dst, *args, **kwargs)
            os.rename = rename
        elif point == "before_latest_replace":
            real_replace = os.replace

            def replace(src, dst, *args, **kwargs):
                if os.path.basename(os.fspath(dst)) == "latest":
                    die()
                return real_replace(src, dst, *args, **kwargs)
            os.replace = replace
        elif point == "during_cleanup":
            real_rmtree = shutil.rmtree

            def rmtree(path, *args, **kwargs):
                if re.match(r"save-\d{6}$", os.path.basename(os.fspath(path))):
                    os.unlink(os.path.join(path, "model.ckpt.index"))  # half deleted
                    die()
                return real_rmtree(path, *args, **kwargs)
            shutil.rmtree = rmtree
        else:
            raise ValueError(point)

    @task
    def save_with_kill(data, model_dir, preds_path, params, point):
        X, y, probe = load(data)
        clf = DNNClassifier(**params).fit(X, y)
        np.save(preds_path, clf.predict_proba(probe))
        arm(point)
        clf.save(model_dir)
        raise SystemExit("the injected SIGKILL did not happen")

    @task
    def predict_after_fit(data, out_dir, configs):
        X, y, probe = load(data)
        for name, params in configs.items():
            np.save(os.path.join(out_dir, name + ".npy"),
                    DNNClassifier(**params).fit(X, y).predict_proba(probe))

    def run_child(name, args, log):
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        code = 0
        try:
            TASKS[name](**args)
        except BaseException:
            traceback.print_exc()
            code = 3
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)

    def reply(message):
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    def ended(status):
        return {"signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None}

    def fork_and_kill(pid, plan):
        """SIGKILL child ``pid`` at ``plan['fraction']`` x ``span`` seconds after
        ``plan['anchor']`` appears (its first checkpoint), ``span`` being ``plan['span']``,
        or, with ``plan['phase_file']``, the time from the anchor to the end of training,
        the kill then coming that fraction of it after training.  Timed here, in an idle
        single-threaded process, to within a few milliseconds."""
        forked = time.monotonic()

        def wait_for(path):
            while not os.path.exists(path):
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    raise ChildProcessError(f"the child ended before {path}: {ended(status)}")
                if time.monotonic() - forked > plan["timeout"]:
                    raise TimeoutError(f"{path} did not appear in {plan['timeout']}s")
                time.sleep(0.001)
            return time.monotonic()

        try:
            first = wait_for(plan["anchor"])
            span = plan.get("span")
            if plan.get("phase_file"):
                wait_for(plan["phase_file"])
                with open(plan["phase_file"]) as handle:
                    trained = json.load(handle)["phase_a_done"]
                span = trained - first
                kill_at = trained + plan["fraction"] * span
            else:
                kill_at = first + plan["fraction"] * span
            time.sleep(max(0.0, kill_at - time.monotonic()))
            error = None
        except (ChildProcessError, TimeoutError) as problem:
            first = span = None
            error = str(problem)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:  # already ended (and reaped by waitpid above)
            return {"error": error or "the child vanished"}
        killed_at = time.monotonic()
        _, status = os.waitpid(pid, 0)
        return {"pid": pid, "error": error, "forked": forked, "first": first,
                "killed_at": killed_at, "span": span, "status": ended(status)}

    reply({"ready": True, "import_seconds": time.monotonic() - started})
    children = set()
    for line in sys.stdin:
        message = json.loads(line)
        if message["cmd"] in ("fork", "fork_and_kill"):
            pid = os.fork()
            if pid == 0:
                run_child(message["task"], message["args"], message["log"])
            if message["cmd"] == "fork":
                children.add(pid)
                reply({"pid": pid})
            else:
                reply(fork_and_kill(pid, message["plan"]))
        elif message["cmd"] == "reap":
            _, status = os.waitpid(message["pid"], 0)
            children.discard(message["pid"])
            reply(ended(status))
        elif message["cmd"] == "exit":
            break
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass
''')


class ForkServer:
    """A child Python that imports TensorFlow once and forks a fresh process per task.

    Each trial is thus a real process, killed with a real SIGKILL, without paying
    TensorFlow's import (seconds) per trial.  The children are the server's: it reaps them
    and reports how they ended (``reap``).
    """

    def __init__(self, workdir):
        self.workdir = str(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.log_path = os.path.join(self.workdir, "fork-server.log")
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-c", FORK_SERVER_SOURCE], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._log, text=True, bufsize=1,
            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
        self._lines = queue.Queue()
        self._lock = threading.Lock()
        self._ready = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _next(self, timeout):
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"fork server silent for {timeout}s; log: {self.log_tail()}")
        if line is None:
            raise RuntimeError(f"fork server died; log: {self.log_tail()}")
        return json.loads(line)

    def log_tail(self, chars=3000):
        with open(self.log_path, "rb") as handle:
            return handle.read().decode(errors="replace")[-chars:]

    def wait_ready(self, timeout=600):
        with self._lock:
            if self._ready is None:
                self._ready = self._next(timeout)
        return self._ready

    def _request(self, message, timeout=120):
        self.wait_ready()
        with self._lock:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
            return self._next(timeout)

    def fork(self, task, log, **args):
        return self._request({"cmd": "fork", "task": task, "args": args, "log": str(log)})["pid"]

    def reap(self, pid, timeout=300):
        return self._request({"cmd": "reap", "pid": pid}, timeout=timeout)

    def fork_and_kill(self, task, log, plan, **args):
        """Fork ``task`` and SIGKILL it as ``plan`` says, timed by the server itself."""
        return self._request({"cmd": "fork_and_kill", "task": task, "args": args,
                              "log": str(log), "plan": plan}, timeout=plan["timeout"] + 60)

    def close(self):
        try:
            if self.process.poll() is None:
                self.process.stdin.write(json.dumps({"cmd": "exit"}) + "\n")
                self.process.stdin.flush()
                self.process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            pass
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._log.close()


def write_trial_data(path, X, y, probe):
    np.savez(path, X=X, y=y, probe=probe)
    return str(path)


def _describe_kill(trial):
    saved, epochs = trial.get("saved_epoch"), KILL_PARAMS["n_epochs"]
    if trial.get("in_save_loop"):
        moment = f"in the save() loop (model version {trial.get('model_version')})"
    elif saved is None:
        moment = "before the first checkpoint"
    elif saved == epochs:
        moment = "after the last epoch, around the first save()"
    else:
        moment = f"during training, last checkpoint epoch {saved}/{epochs}"
    if trial.get("debris"):
        moment += f", mid-write (left {', '.join(trial['debris'])})"
    return moment


def verify_kill_trial(trial, X, y, probe):
    """Everything a user needs after the SIGKILL; returns the problems found (none = survived)."""
    problems = []
    epochs = KILL_PARAMS["n_epochs"]
    if trial["status"].get("signal") != signal.SIGKILL:
        problems.append(f"the child was not killed by SIGKILL: {trial['status']}; its log: "
                        f"{trial['log_tail']}")
        return problems
    ckpt, model_dir, preds = trial["ckpt"], trial["model"], trial["preds"]
    # 1. the checkpoint pointer is never torn
    try:
        saved = read_latest(ckpt)
    except Exception as error:  # noqa: BLE001 - that is the finding
        problems.append(f"read_latest raised {error!r}; files: {sorted(os.listdir(ckpt))}")
        return problems
    if saved is not None:
        trial["saved_epoch"] = saved["epoch"]
        if [row["epoch"] for row in saved["history"]] != list(range(1, saved["epoch"] + 1)):
            problems.append(f"checkpoint history is not epochs 1..{saved['epoch']}")
        if not os.path.exists(saved["model_prefix"] + ".index"):
            problems.append("latest points at a save without model.ckpt.index")
    # 2. a model directory the child left, if it has a pointer, loads and is one it saved
    if os.path.exists(os.path.join(model_dir, "latest")):
        try:
            left = DNNClassifier.load(model_dir)
            trial["model_version"] = left.n_epochs_
            expected = np.load(os.path.join(preds, f"{left.n_epochs_}.npy"))
            if not np.array_equal(left.predict_proba(probe), expected):
                problems.append(f"the model left in {model_dir} predicts differently from "
                                f"the version {left.n_epochs_} that was saved")
        except Exception as error:  # noqa: BLE001
            problems.append(f"the model left by the child does not load: {error!r}")
    # 3. resume completes every epoch, keeping the checkpointed history
    try:
        resumed = DNNClassifier(**KILL_PARAMS, checkpoint_dir=ckpt, resume=True).fit(X, y)
        if [row["epoch"] for row in resumed.history_] != list(range(1, epochs + 1)):
            problems.append(f"resume ran epochs {[r['epoch'] for r in resumed.history_]}")
        if saved is not None and resumed.history_[:saved["epoch"]] != saved["history"]:
            problems.append("resume changed the checkpointed history")
        leftovers = [name for name in os.listdir(ckpt) if name.startswith(".tmp-")]
        if leftovers:
            problems.append(f"temporary files left in the checkpoint dir: {leftovers}")
    except Exception:  # noqa: BLE001
        problems.append("resume failed: " + traceback.format_exc(limit=3))
        return problems
    # 4. saving over whatever the child left, then loading, gives the fitted model
    try:
        resumed.save(model_dir)
        loaded = DNNClassifier.load(model_dir)
        if not np.array_equal(loaded.predict_proba(probe), resumed.predict_proba(probe)):
            problems.append("the loaded model predicts differently from the fitted one")
    except Exception:  # noqa: BLE001
        problems.append(f"save/load over the child's model dir failed (it held "
                        f"{sorted(os.listdir(model_dir))}): " + traceback.format_exc(limit=3))
    return problems


def run_kill_trials(server, workdir, data_path, X, y, probe, n_trials, seed, report=print):
    """SIGKILL ``n_trials`` children at seeded random moments; verify each after its kill.

    A child starts (a second or more: graph building dominates) and then writes a
    checkpoint per epoch for ``S`` seconds before its save() loop.  The moments are
    measured from its first checkpoint (seen appearing on disk): trial 0 is killed at a
    random moment of the save() loop and measures ``S``; trial i >= 1 at a random moment of
    the i-th of ``n_trials - 1`` equal slices (in shuffled order) of ``[0, 1.3 S]``, i.e.
    anywhere among the epochs and their checkpoint writes, or in the save() loop, ``S``
    being re-estimated after every trial (the median of the spans measured or
    extrapolated from the epoch reached).  The fork server times and
    sends the SIGKILL itself (an idle process: millisecond precision); kills and
    verifications overlap (a thread asks for the kills, this thread verifies).  Returns
    one dict per trial.
    """
    rng = random.Random(seed)
    fractions = [(i - 1 + rng.random()) / max(n_trials - 1, 1) * 1.3
                 for i in range(1, n_trials)]
    calibration_fraction = rng.uniform(0, 0.3)
    rng.shuffle(fractions)  # not monotone: each trial's moment is independent of the last
    killed = queue.Queue()
    stop = threading.Event()

    def killer():
        span, spans = None, []  # spans: measured or estimated S of every trial so far
        try:
            for index in range(n_trials):
                if stop.is_set():
                    break
                base = os.path.join(str(workdir), f"trial{index:02d}")
                trial = {"index": index, "ckpt": os.path.join(base, "ckpt"),
                         "model": os.path.join(base, "model"),
                         "preds": os.path.join(base, "preds"),
                         "phase": os.path.join(base, "phase.json"),
                         "log": os.path.join(base, "child.log")}
                os.makedirs(trial["preds"])
                calibrating = span is None  # trial 0: into the save() loop, measuring S
                trial["fraction"] = calibration_fraction if calibrating \
                    else fractions[index - 1]
                plan = {"anchor": os.path.join(trial["ckpt"], "latest"), "timeout": 300,
                        "fraction": trial["fraction"], "span": span,
                        "phase_file": trial["phase"] if calibrating else None}
                done = server.fork_and_kill(
                    "kill_trial", trial["log"], plan, data=data_path, ckpt_dir=trial["ckpt"],
                    model_dir=trial["model"], preds_dir=trial["preds"],
                    phase_file=trial["phase"], params=KILL_PARAMS, max_seconds=600)
                trial["log_tail"] = read_text(trial["log"])[-2000:]
                if done.get("error"):
                    raise RuntimeError(f"trial {index}: {done['error']}; child log: "
                                       + trial["log_tail"])
                if calibrating:
                    trial["fraction"] += 1
                trial["span"] = done["span"] if calibrating else span
                trial["status"] = done["status"]
                trial["started_seconds"] = done["first"] - done["forked"]
                trial["killed_after"] = done["killed_at"] - done["first"]
                trial["in_save_loop"] = os.path.exists(trial["phase"]) and \
                    read_json(trial["phase"])["phase_a_done"] < done["killed_at"]
                # S varies with the machine's load (and the verifications running beside the
                # children): the next trials use the median of what was seen so far.
                if trial["in_save_loop"]:
                    spans.append(read_json(trial["phase"])["phase_a_done"] - done["first"])
                else:
                    try:
                        reached = read_json(plan["anchor"])["epoch"]
                    except (OSError, ValueError, KeyError):
                        reached = 0  # verify_kill_trial reports an unreadable pointer
                    if reached >= 5:
                        spans.append(trial["killed_after"] * (KILL_PARAMS["n_epochs"] - 1)
                                     / (reached - 1))
                span = statistics.median(spans) if spans else trial["span"]
                trial["debris"] = sorted(  # a save was being written at the kill
                    os.path.join(os.path.basename(directory), name)
                    for directory in (trial["ckpt"], trial["model"]) if os.path.isdir(directory)
                    for name in os.listdir(directory) if name.startswith(".tmp-"))
                killed.put(trial)
        except BaseException:  # noqa: B902 - handed to the verifying thread
            killed.put({"error": traceback.format_exc()})
        finally:
            killed.put(None)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    trials = []
    try:
        while True:
            trial = killed.get(timeout=900)
            if trial is None:
                break
            if "error" in trial:
                raise RuntimeError("kill scheduling failed:\n" + trial["error"])
            trial["problems"] = verify_kill_trial(trial, X, y, probe)
            trial["moment"] = _describe_kill(trial)
            report(f"trial {trial['index']:2d}: start-up {trial['started_seconds']:4.2f}s, "
                   f"SIGKILL {trial['killed_after']:4.2f}s after the first checkpoint "
                   f"({trial['fraction']:.2f} x {trial['span']:.2f}s of checkpointed "
                   f"epochs), {trial['moment']}: "
                   + ("survived" if not trial["problems"] else
                      "FAILED: " + " | ".join(trial["problems"])))
            trials.append(trial)
    finally:
        stop.set()
        thread.join(timeout=900)
    return trials


@pytest.fixture(scope="module", autouse=True)
def fork_server(tmp_path_factory):
    """Started with the module's first test, so TensorFlow's import in the server overlaps
    the in-process tests above; the crash-safety tests below use it."""
    server = ForkServer(tmp_path_factory.mktemp("fork_server"))
    yield server
    server.close()


@pytest.fixture(scope="module")
def trial_data(data, tmp_path_factory):
    X, y, probe = data
    return write_trial_data(tmp_path_factory.mktemp("trial_data") / "data.npz", X, y, probe)


def test_sigkill_at_random_moments_never_loses_a_model(fork_server, trial_data, data,
                                                       tmp_path):
    X, y, probe = data
    seed = int(os.environ.get("RELIABILITY_SEED", DEFAULT_SEED))
    print(f"\nkill trials: seed {seed} (set RELIABILITY_SEED to change), fork server ready "
          f"after {fork_server.wait_ready()['import_seconds']:.1f}s")
    trials = run_kill_trials(fork_server, tmp_path, trial_data, X, y, probe,
                             KILL_TRIALS_IN_SUITE, seed)
    survived = sum(not trial["problems"] for trial in trials)
    print(f"kill trials survived: {survived}/{len(trials)}")
    assert len(trials) == KILL_TRIALS_IN_SUITE
    assert all(trial["status"].get("signal") == signal.SIGKILL for trial in trials)
    # not vacuous: some kills landed between checkpoints, one in the save() loop
    assert any(1 <= (trial.get("saved_epoch") or 0) < KILL_PARAMS["n_epochs"]
               for trial in trials)
    assert any(trial["in_save_loop"] for trial in trials)
    failed = [f"trial {t['index']} ({t['moment']}): {t['problems']}" for t in trials
              if t["problems"]]
    assert not failed, "\n".join(failed)


SAVE_KILL_POINTS = ["json_half_written", "before_rename", "before_latest_replace",
                    "during_cleanup"]
V = dict(SMALL, n_epochs=2)  # the model versions differ by random_state only


@pytest.fixture(scope="module")
def killed_saves(fork_server, trial_data, data, tmp_path_factory):
    """For each point of save() (and for a first save into a fresh directory), a child
    saving model v2 over model v1 is SIGKILLed right there.  Returns, per case, two copies
    of the directory as the kill left it, and v1's and v2's probabilities."""
    X, y, probe = data
    root = tmp_path_factory.mktemp("killed_saves")
    v1 = DNNClassifier(**dict(V, random_state=11)).fit(X, y)
    cases = {point: True for point in SAVE_KILL_POINTS}
    cases["first_save"] = False
    runs = {}
    for case, over_existing in cases.items():
        directory = str(root / case / "model")
        os.makedirs(root / case)
        if over_existing:
            v1.save(directory)
        pid = fork_server.fork(
            "save_with_kill", root / case / "child.log", data=trial_data, model_dir=directory,
            preds_path=str(root / case / "v2.npy"), params=dict(V, random_state=12),
            point="before_rename" if case == "first_save" else case)
        runs[case] = (pid, directory)
    results = {}
    for case, (pid, directory) in runs.items():
        status = fork_server.reap(pid)
        assert status.get("signal") == signal.SIGKILL, (
            case, status, (root / case / "child.log").read_text())
        copies = []
        for copy in ("a", "b"):
            target = str(root / case / f"after_kill_{copy}")
            shutil.copytree(directory, target)
            copies.append(target)
        results[case] = dict(copies=copies, left=sorted(os.listdir(directory)),
                             v1=v1.predict_proba(probe),
                             v2=np.load(root / case / "v2.npy"))
    v3 = DNNClassifier(**dict(V, random_state=13)).fit(X, y)
    return results, v3


@pytest.mark.parametrize("point", SAVE_KILL_POINTS)
def test_save_killed_midway_keeps_a_complete_model(killed_saves, data, point):
    """save() over an existing model, SIGKILLed at ``point``: the directory still loads, as
    v1 until the pointer moved and as v2 after; a later save() over it works."""
    _, _, probe = data
    results, v3 = killed_saves
    case = results[point]
    directory = case["copies"][0]
    print(f"\nkilled {point}: left {case['left']}")
    loaded = DNNClassifier.load(directory)
    expected = case["v2"] if point == "during_cleanup" else case["v1"]
    np.testing.assert_array_equal(loaded.predict_proba(probe), expected)
    v3.save(directory)
    np.testing.assert_array_equal(DNNClassifier.load(directory).predict_proba(probe),
                                  v3.predict_proba(probe))


@pytest.mark.parametrize("case", ["first_save"] + SAVE_KILL_POINTS)
def test_save_killed_midway_can_be_retried_without_debris(killed_saves, data, case):
    """After a save() killed midway, saving again to the same path works (also when the
    killed save was the first one, which leaves only its temporary directory) and leaves
    no temporary files of the dead save behind."""
    _, _, probe = data
    results, v3 = killed_saves
    directory = results[case]["copies"][1]
    if case == "first_save":
        with pytest.raises(CheckpointError, match="not a model directory"):
            DNNClassifier.load(directory)  # nothing complete was ever saved: a clear error
    v3.save(directory)
    np.testing.assert_array_equal(DNNClassifier.load(directory).predict_proba(probe),
                                  v3.predict_proba(probe))
    debris = sorted(name for name in os.listdir(directory) if name.startswith(".tmp-"))
    assert not debris, f"the killed save's temporary files stay forever: {debris}"


def test_same_random_state_same_probabilities_across_processes(fork_server, trial_data,
                                                               in_process_predictions,
                                                               tmp_path):
    """A forked child of the fork server (a fresh interpreter, own hash seed, own
    TensorFlow runtime) fits the determinism configurations; bit-identical results."""
    pid = fork_server.fork("predict_after_fit", tmp_path / "child.log", data=trial_data,
                           out_dir=str(tmp_path), configs=DETERMINISM_CONFIGS)
    status = fork_server.reap(pid)
    assert status == {"signal": None, "exit": 0}, (status, (tmp_path / "child.log").read_text())
    for name in DETERMINISM_CONFIGS:
        np.testing.assert_array_equal(np.load(tmp_path / f"{name}.npy"),
                                      in_process_predictions[name][0], err_msg=name)
