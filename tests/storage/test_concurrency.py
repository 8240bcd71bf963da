"""The concurrency model of model and checkpoint directories (issue 19, item 3; symptom 4).

* checkpoints are tied to the fit they belong to: the folds of ``cross_val_score`` with one
  ``checkpoint_dir`` and ``resume=True`` are each their own fit (a re-run resumes each from
  its own checkpoint), a fit with other parameters never continues another's checkpoint,
  and naming another fit's directory explicitly is a clear error;
* one lock per directory: concurrent ``save()`` to one path from threads and from real
  processes always ends with a directory that loads and holds one writer's complete model,
  never a false ``DifferentModelError``; a lock held too long is one named error;
* cleanup removes only provably stale temporaries (their process is dead), never a live
  writer's.
"""
import glob
import json
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
from sklearn.model_selection import KFold, cross_val_score

from tfgraph_dnn import DNNClassifier, storage
from tfgraph_dnn.training import Hook

from _support import first_rows

SMALL = dict(n_hidden=1, n_neurons=8, n_epochs=2, random_state=0, n_threads=1)
EPOCH_LOG = "TFGRAPH_DNN_TEST_EPOCH_LOG"


class LogEpochs(Hook):
    """Appends a line per trained epoch to the file named by $TFGRAPH_DNN_TEST_EPOCH_LOG
    (cross_val_score clones the estimator, so an in-memory counter would not be seen)."""

    def on_epoch_begin(self, state):
        with open(os.environ[EPOCH_LOG], "a", encoding="utf-8") as handle:
            handle.write("epoch\n")


def trained_epochs(log):
    return len(log.read_text().splitlines()) if log.exists() else 0


@pytest.fixture(scope="module")
def data(small_digits):
    return first_rows(small_digits, 240)


# ============================================================================ fits
def test_cross_validation_folds_are_their_own_fits_and_rerun_resumes_each(
        data, tmp_path, monkeypatch):
    """Symptom 4: folds 2-3 resumed fold 1's finished checkpoint (they *were* fold 1's
    model, scored on rows it trained on)."""
    X, y = data
    log = tmp_path / "epochs.log"
    monkeypatch.setenv(EPOCH_LOG, str(log))
    cv = KFold(3, shuffle=True, random_state=0)
    plain = cross_val_score(DNNClassifier(**SMALL), X, y, cv=cv)
    ckpt = str(tmp_path / "ckpt")
    estimator = DNNClassifier(**SMALL, checkpoint_dir=ckpt, resume=True, callbacks=[LogEpochs()])
    first = cross_val_score(estimator, X, y, cv=cv)
    np.testing.assert_array_equal(first, plain)
    assert trained_epochs(log) == 3 * SMALL["n_epochs"], "a fold resumed another fold's fit"
    assert len(storage.fit_dirs(ckpt)) == 3
    log.unlink()
    again = cross_val_score(estimator, X, y, cv=cv)  # each fold resumes its own checkpoint
    np.testing.assert_array_equal(again, plain)
    assert trained_epochs(log) == 0, "a re-run trained again instead of resuming each fold"


def test_resume_never_continues_a_fit_with_other_parameters(data, tmp_path):
    X, y = data
    ckpt = str(tmp_path / "ckpt")
    DNNClassifier(**SMALL, learning_rate=0.05, checkpoint_dir=ckpt).fit(X, y)
    resumed = DNNClassifier(**SMALL, learning_rate=0.01, checkpoint_dir=ckpt,
                            resume=True).fit(X, y)
    fresh = DNNClassifier(**SMALL, learning_rate=0.01).fit(X, y)
    np.testing.assert_array_equal(resumed.predict_proba(X), fresh.predict_proba(X))
    assert len(storage.fit_dirs(ckpt)) == 2


def test_resume_continues_its_own_fit_with_more_epochs(data, tmp_path):
    """n_epochs says how long, not which fit: raising it resumes (the single-fit path)."""
    X, y = data
    ckpt = str(tmp_path / "ckpt")
    DNNClassifier(**SMALL, checkpoint_dir=ckpt).fit(X, y)
    resumed = DNNClassifier(**dict(SMALL, n_epochs=3), checkpoint_dir=ckpt, resume=True).fit(X, y)
    whole = DNNClassifier(**dict(SMALL, n_epochs=3)).fit(X, y)
    assert resumed.n_epochs_ == 3
    np.testing.assert_allclose(resumed.predict_proba(X), whole.predict_proba(X), atol=1e-6)
    assert len(storage.fit_dirs(ckpt)) == 1


def test_naming_another_fits_directory_is_a_clear_error(data, tmp_path):
    X, y = data
    ckpt = str(tmp_path / "ckpt")
    DNNClassifier(**SMALL, checkpoint_dir=ckpt).fit(X, y)
    [own] = storage.fit_dirs(ckpt)
    before = sorted(os.listdir(own))
    for resume in (True, False):
        with pytest.raises(storage.CheckpointError, match="another fit") as info:
            DNNClassifier(**SMALL, checkpoint_dir=own, resume=resume).fit(X[:200], y[:200])
        assert own in str(info.value) and "training data" in str(info.value)
    with pytest.raises(storage.CheckpointError, match="learning_rate"):
        DNNClassifier(**SMALL, learning_rate=0.5, checkpoint_dir=own, resume=True).fit(X, y)
    assert sorted(os.listdir(own)) == before
    # the same fit, given its own directory, resumes from it
    again = DNNClassifier(**SMALL, checkpoint_dir=own, resume=True).fit(X, y)
    assert again.n_epochs_ == SMALL["n_epochs"]


# ============================================================================ saves
SAVER = textwrap.dedent(r"""
    import os, sys, json, time
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    from tfgraph_dnn import DNNClassifier
    source, target, rounds, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    model = DNNClassifier.load(source)
    open(out + ".ready", "w").close()
    deadline = time.monotonic() + 120
    while not os.path.exists(os.path.join(os.path.dirname(out), "go")):  # start together
        assert time.monotonic() < deadline, "never told to go"
        time.sleep(0.005)
    errors = []
    for _ in range(rounds):
        try:
            model.save(target)
        except Exception as error:  # reported to the parent
            errors.append(f"{type(error).__name__}: {error}")
    with open(out, "w") as handle:
        json.dump(errors, handle)
""")


@pytest.fixture(scope="module")
def models(data, tmp_path_factory):
    """Two fits of one model (same identity, other weights), saved as sources."""
    X, y = data
    root = tmp_path_factory.mktemp("models")
    found = []
    for seed in (1, 2):
        model = DNNClassifier(**dict(SMALL, random_state=seed)).fit(X, y)
        model.save(root / f"source{seed}")
        found.append((str(root / f"source{seed}"), model.predict_proba(X[:40])))
    return found


def check_one_writers_model(target, models, probe):
    proba = DNNClassifier.load(target).predict_proba(probe)
    assert any(np.array_equal(proba, expected) for _, expected in models), \
        "the directory holds no one writer's model"
    assert not [name for name in os.listdir(target) if name.startswith(".tmp-")]


@pytest.mark.slow
def test_concurrent_saves_from_processes_end_with_one_complete_model(data, models, tmp_path,
                                                                     preloaded_python):
    X, _ = data
    target = str(tmp_path / "shared")
    children = []
    for index, (source, _) in enumerate(models):  # real processes, forked
        out = tmp_path / f"errors{index}.json"
        children.append((preloaded_python.start(SAVER, source, target, "6", out), out))
    deadline = time.monotonic() + 180
    while not all(os.path.exists(f"{out}.ready") for _, out in children):
        assert time.monotonic() < deadline and all(
            preloaded_python.poll(pid) is None for (pid, _), _ in children), "a child died"
        time.sleep(0.01)
    (tmp_path / "go").touch()
    for (pid, log), _ in children:
        assert preloaded_python.wait(pid, timeout=120) == {"signal": None, "exit": 0}, \
            open(log).read()
    errors = [error for _, out in children for error in json.loads(out.read_text())]
    assert not errors, errors  # no false DifferentModelError, no failed save
    check_one_writers_model(target, models, X[:40])


def test_concurrent_saves_from_threads_end_with_one_complete_model(data, models, tmp_path):
    X, _ = data
    loaded = [DNNClassifier.load(source) for source, _ in models]
    target, errors = str(tmp_path / "shared"), []

    def saver(model):
        for _ in range(3):
            try:
                model.save(target)
            except Exception as error:  # noqa: BLE001 - collected, asserted below
                errors.append(error)

    threads = [threading.Thread(target=saver, args=(model,)) for model in loaded * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    check_one_writers_model(target, models, X[:40])


HOLDER = textwrap.dedent(r"""
    import sys, time, filelock
    with filelock.FileLock(sys.argv[1]):
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))
""")


@pytest.mark.slow
def test_a_lock_held_too_long_is_one_error_naming_the_directory(models, tmp_path,
                                                                  monkeypatch):
    model = DNNClassifier.load(models[0][0])
    target = tmp_path / "busy"
    target.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER,
                               str(target / storage.LOCK_FILE), "20"], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setenv("TFGRAPH_DNN_LOCK_TIMEOUT", "0.5")
        started = time.monotonic()
        with pytest.raises(storage.DirectoryBusyError) as info:
            model.save(target)
        assert time.monotonic() - started < 10
        assert str(target) in str(info.value) and "TFGRAPH_DNN_LOCK_TIMEOUT" in str(info.value)
    finally:
        holder.kill()
        holder.wait()
    model.save(target)  # free again
    assert DNNClassifier.load(target).n_features_in_ == model.n_features_in_


# ============================================================================ cleanup
def _dead_pid():
    child = multiprocessing.get_context("spawn").Process(target=int)
    child.start()
    child.join()
    return child.pid


@pytest.mark.slow
def test_cleanup_removes_only_provably_stale_temporaries(models, tmp_path):
    """Symptom 4: parallel writers sharing a directory deleted each other's temporary
    saves.  A live process's temporary (another's or this one's) stays; a dead one's goes."""
    model = DNNClassifier.load(models[0][0])
    target = str(tmp_path / "model")
    model.save(target)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        host = re.sub(r"[^A-Za-z0-9_.-]", "_", socket.gethostname())
        live_other = f"{storage.TMP_PREFIX}save@{host}@{sleeper.pid}@abc"
        live_mine = f"{storage.TMP_PREFIX}save@{host}@{os.getpid()}@def"
        assert live_mine.startswith(storage.temp_prefix("save"))
        dead = f"{storage.TMP_PREFIX}save@{host}@{_dead_pid()}@ghi"
        elsewhere = f"{storage.TMP_PREFIX}save@another-host.example@1@jkl"
        for name in (live_other, live_mine, dead, elsewhere):
            os.makedirs(os.path.join(target, name, "inside"))
        model.save(target)
        left = set(os.listdir(target))
        assert {live_other, live_mine, elsewhere} <= left, left
        assert dead not in left
    finally:
        sleeper.kill()
        sleeper.wait()
    model.save(target)  # its owner is gone now: stale
    assert live_other not in os.listdir(target)


def test_a_directory_of_a_newer_format_says_upgrade(models, tmp_path):
    """Symptom 7: a model directory of a newer version said it "is not a tfgraph_dnn model
    description"."""
    import shutil

    target = str(tmp_path / "model")
    shutil.copytree(models[0][0], target)
    [meta_path] = glob.glob(os.path.join(target, "save-*", "estimator.json"))
    with open(meta_path, encoding="utf-8") as handle:
        meta = json.load(handle)
    meta["format"] = 7
    with open(meta_path, "w", encoding="utf-8") as handle:
        json.dump(meta, handle)
    with pytest.raises(storage.CheckpointError) as info:
        DNNClassifier.load(target)
    message = str(info.value)
    assert "newer tfgraph_dnn" in message and "7 > supported 1" in message, message
    assert "upgrade" in message and meta_path in message
    marker = os.path.join(target, storage.MARKER_FILE)
    with open(marker, "w", encoding="utf-8") as handle:
        json.dump({"library": "tfgraph_dnn", "kind": "model", "format": 9}, handle)
    with pytest.raises(storage.CheckpointError, match=r"newer tfgraph_dnn \(format 9 > "
                                                      r"supported 2\); upgrade"):
        DNNClassifier.load(target)
