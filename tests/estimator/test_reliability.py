"""A user's worst day: bad inputs, divergence, SIGKILL mid-training and mid-save, threads,
determinism across processes, and files that try to escape their directories or be unpickled.

Sections (in run order, so that the fork server's TensorFlow import overlaps the in-process
tests):

1. bad inputs: one clear exception each, and nothing on disk changes;
2. divergence: a RuntimeWarning naming the epoch, the last finite epoch's weights kept;
3. determinism: same random_state, bit-identical probabilities (in-process);
4. concurrency: fits in two threads, predictions from eight;
5. security: no unpickling on load, no path escapes;
6. crash safety: real SIGKILLs at random moments of training and saving, crashes at
   chosen points of ``save()``, and determinism across processes.

The child processes of section 6 are forked from the session's fork server (the
``preloaded_python`` fixture of ``tests/conftest.py``: ``_fork_client.ForkServer`` over
``tests/_fork_server.py``, which also holds the children's tasks).  The kill trials and
their checks live in ``tests/_kill_harness.py``, which ``benchmarks/kill_trials.py`` also
imports to run more trials.
"""
import json
import math
import os
import pickle
import re
import shutil
import signal
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
from tfgraph_dnn.exceptions import CheckpointError
from tfgraph_dnn.training.checkpoint import read_latest
from tfgraph_dnn.training.graph import WeightSnapshot
from tfgraph_dnn.training.tensorboard import new_run_dir

from _kill_harness import DEFAULT_SEED, KILL_PARAMS, run_kill_trials, write_trial_data
from _support import first_rows, read_json, tree

SMALL = dict(n_hidden=2, n_neurons=16, random_state=0)
KILL_TRIALS_IN_SUITE = 10


# =========================================================================== helpers
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
    return first_rows(small_digits, probe=100)


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


def own_fit_dir(checkpoint_dir):
    """The one ``fit-<key>/`` directory of a checkpoint directory written by one fit."""
    [name] = [name for name in os.listdir(checkpoint_dir) if name.startswith("fit-")]
    return os.path.join(checkpoint_dir, name)


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
    ("nan_in_y", ValueError,
     r"y has missing labels \(NaN\) at position 7 \(counting from 0\)",
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
    ("resume_other_architecture", CheckpointError,  # another fit's own fit-<key>/, by name
     r"holds the checkpoints of another fit.*hidden_layer_sizes=None vs \(8,\)",
     lambda X, y, d: on_disk(d, hidden_layer_sizes=(8,),
                             checkpoint_dir=own_fit_dir(d["ckpt"])).fit(X, y)),
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
    before = tree(disk["root"], digest=True)
    with pytest.raises(error, match=message) as info:
        action(X, y, disk)
    assert type(info.value) is error, type(info.value)
    after = tree(disk["root"], digest=True)
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
    # a checkpoint directory holds its fit's saves in its one fit-<key>/ directory
    saves = directory if where == "model" else own_fit_dir(directory)
    save_dir = os.path.join(saves, read_json(os.path.join(saves, "latest"))["dir"])
    path = os.path.join(saves if target == "latest" else save_dir, target)
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
        with pytest.raises(CheckpointError):
            read_latest(saves)
    assert not marker.exists(), "a planted pickle was executed"


def test_run_dirs_and_checkpoints_stay_inside_their_directories(data, tmp_path):
    X, y, _ = data
    root = tmp_path / "root"
    log_dir, ckpt = root / "a" / "b" / "logs", root / "a" / "b" / "ckpt"
    os.makedirs(log_dir)
    before = tree(str(root), digest=True)
    clf = DNNClassifier(**SMALL, n_epochs=2, log_dir=str(log_dir), run_name="../../evil",
                        checkpoint_dir=str(ckpt), checkpoint_every=1).fit(X, y)
    run_dir = os.path.realpath(clf.log_dir_)
    assert os.path.dirname(run_dir) == os.path.realpath(log_dir)
    assert "evil" in os.path.basename(run_dir) and ".." not in os.path.basename(run_dir)
    new = set(tree(str(root), digest=True)) - set(before)
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
        for directory in (str(model), own_fit_dir(str(ckpt))):
            with open(os.path.join(directory, "latest"), "w", encoding="utf-8") as handle:
                handle.write(json.dumps({"epoch": 2, "dir": pointer}))
        with pytest.raises(CheckpointError, match="not a complete save"):
            DNNClassifier.load(model)
        with pytest.raises(CheckpointError, match="not a complete save"):
            DNNClassifier(**SMALL, n_epochs=2, checkpoint_dir=str(ckpt), resume=True).fit(X, y)
        with pytest.raises(CheckpointError, match="not a complete save"):
            DNNClassifier(**SMALL, n_epochs=2, warm_start_from=str(model)).fit(X, y)


# =========================================================================== 6. crash safety
# The kill trials and their checks: tests/_kill_harness.py (shared with
# benchmarks/kill_trials.py); their tasks: tests/_fork_server.py.
@pytest.fixture(scope="module", autouse=True)
def fork_server(preloaded_python):
    """The session's fork server, requested with the module's first test so that its
    TensorFlow import (if no earlier test started it) overlaps the in-process tests above;
    the crash-safety tests below use it."""
    return preloaded_python


@pytest.fixture(scope="module")
def trial_data(data, tmp_path_factory):
    X, y, probe = data
    return write_trial_data(tmp_path_factory.mktemp("trial_data") / "data.npz", X, y, probe)


@pytest.mark.slow
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


@pytest.mark.slow
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
